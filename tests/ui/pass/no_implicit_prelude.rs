// The expansion compiles in a crate without the implicit prelude.
#![no_implicit_prelude]

extern crate std;

use ::sentry_scopes::{isolation_scope, scope, with_scope};
use ::std::result::Result;

#[derive(Debug)]
struct Failure;

#[with_scope(tag("a", 1), extra(b = 2), user(id = 3), level = Warning, err)]
fn sync(fail: bool) -> Result<u32, Failure> {
    scope!(tag("c", 4));
    if fail { Result::Err(Failure) } else { Result::Ok(1) }
}

#[isolation_scope(context("ctx", k = "v"), fingerprint = ["{{ default }}"], err(Debug))]
async fn not_sync() -> Result<u32, Failure> {
    Result::Ok(2)
}

fn main() {
    let _ = sync(true);
    let _ = not_sync();
}
