use sentry_scopes::with_scope;

#[with_scope(crate = "sentry_scopes")]
fn f() {}

fn main() {
    f();
}
