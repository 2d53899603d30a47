use sentry_scopes::with_scope;

#[with_scope(user(idd = 7))]
fn f() {}

fn main() {
    f();
}
