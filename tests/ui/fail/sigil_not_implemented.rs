use sentry_scopes::{scope, with_scope};

struct Opaque;

// `%value` records `Display` output and `?value` `Debug` output; a value without that trait is
// an error at the value, saying which sigil needs which trait.
#[with_scope(tag("shown", %Opaque), extra(debugged = ?Opaque))]
fn f() {
    scope!(user(id = %Opaque));
}

fn main() {
    f();
}
