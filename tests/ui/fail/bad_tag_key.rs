use sentry_scopes::with_scope;

#[with_scope(tag("has space", 1), tag("", 2), tags(user = 3))]
fn f() {}

fn main() {
    f();
}
