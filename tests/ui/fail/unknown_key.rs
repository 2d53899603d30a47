use sentry_scopes::with_scope;

#[with_scope(tgas("a", 1))]
fn f() {}

fn main() {
    f(); // the function is still emitted: no "cannot find function" cascade
}
