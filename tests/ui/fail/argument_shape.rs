use sentry_scopes::with_scope;

// An argument without its `(..)` or `= ..` is reported at its keyword, with its usage.
#[with_scope(tags, extra, level, user, context, fingerprint, transaction)]
fn f() {}

fn main() {
    f();
}
