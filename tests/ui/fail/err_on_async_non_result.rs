use std::future::{Future, ready};

use sentry_scopes::with_scope;

// `err` captures a returned `Err`; an `async fn` or a returned future whose output is not a
// `Result` gets one error, at `err`.
#[with_scope(err)]
async fn count() -> u32 {
    1
}

#[with_scope(err(level = Warning))]
fn later(n: u32) -> impl Future<Output = u32> {
    ready(n)
}

fn main() {
    let _ = count();
    let _ = later(1);
}
