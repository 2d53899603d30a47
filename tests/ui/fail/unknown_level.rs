use sentry_scopes::with_scope;

#[with_scope(level = Warnig)]
fn ident() {}

#[with_scope(level = "warnig")]
fn string() {}

fn main() {
    ident();
    string();
}
