use sentry_scopes::{isolation_scope, with_scope};

// Literals that are not strings are rejected by the macro.
#[with_scope(span(op = 5, name = 1.5))]
fn literals() {}

struct Opaque;

// Other values must be `AsRef<str>`: rustc reports them at the expression.
#[isolation_scope(span(op = Opaque, name = count))]
fn expressions(count: u32) {}

fn main() {
    literals();
    expressions(3);
}
