use sentry_scopes::with_scope;

#[with_scope(tag("a", 1), tags(b = 2, a = 3))]
fn f() {}

fn main() {
    f();
}
