use sentry_scopes::with_scope;

#[with_scope(transaction = 5)]
fn f() {}

fn main() {
    f();
}
