use sentry_scopes::with_scope;

// Each malformed `tag(..)` is reported at its own token, all in one build.
#[with_scope(tag("a"), tag("b", 1, 2), tag(c = 3), tag)]
fn f() {}

fn main() {
    f();
}
