use sentry_scopes::with_scope;

#[with_scope(err)]
fn count() -> u32 {
    1
}

fn main() {
    count();
}
