use sentry_scopes::{scope, with_scope};

#[with_scope(span = "db.query")]
fn span_equals() {}

#[with_scope(span(op))]
fn op_without_value() {}

#[with_scope(span(op = "db.query" name = "load"))]
fn missing_comma() {}

fn main() {
    span_equals();
    op_without_value();
    missing_comma();
    // `scope!` has no function to time.
    scope!(tag("a", 1), span(op = "db.query"));
}
