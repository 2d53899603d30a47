use sentry_scopes::with_scope;

#[with_scope(tag("has space", 1), tag("", 2), tags(a_key_that_is_much_too_long_for_sentry = 3))]
fn f() {}

fn main() {
    f();
}
