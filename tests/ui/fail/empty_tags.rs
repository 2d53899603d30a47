use sentry_scopes::with_scope;

#[with_scope(tags())]
fn f() {}

fn main() {
    f();
}
