#![deny(dead_code)]

use sentry_scopes::with_scope;

#[with_scope(tag("a", 1))]
fn never_called() {}

fn main() {}
