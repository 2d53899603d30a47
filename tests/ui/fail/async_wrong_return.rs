use sentry_scopes::with_scope;

#[with_scope(tag("a", 1))]
async fn name() -> String {
    5
}

fn main() {
    let _ = name();
}
