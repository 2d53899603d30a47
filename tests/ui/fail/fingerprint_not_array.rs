use sentry_scopes::with_scope;

#[with_scope(fingerprint = "checkout")]
fn f() {}

fn main() {
    f();
}
