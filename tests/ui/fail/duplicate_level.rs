use sentry_scopes::with_scope;

#[with_scope(level = Warning, tag("a", 1), level = Error)]
fn f() {}

fn main() {
    f();
}
