// User items named like the std items generated code needs do not change the expansion.
#![allow(dead_code, non_upper_case_globals)]

use ::sentry_scopes::{isolation_scope, scope, with_scope};

struct Option;
struct Box;
struct Pin;
type Result<T> = std::result::Result<T, Failure>;
const Some: u8 = 1;
const None: u8 = 0;
fn Ok() {}
fn Err() {}
mod core {}
mod sentry_scopes {}

#[derive(Debug)]
struct Failure;

#[with_scope(tag("a", 1), err)]
fn sync(fail: bool) -> Result<u8> {
    scope!(tag("b", 2));
    if fail { std::result::Result::Err(Failure) } else { std::result::Result::Ok(Some) }
}

#[isolation_scope(err)]
async fn not_sync() -> Result<u8> {
    std::result::Result::Ok(None)
}

#[with_scope(tag("c", 3))]
fn boxed() -> std::pin::Pin<std::boxed::Box<dyn std::future::Future<Output = u8> + Send>> {
    std::boxed::Box::pin(async { 1 })
}

fn main() {
    let _ = sync(false);
    let _ = not_sync();
    let _ = boxed();
}
