use sentry_scopes::with_scope;

#[with_scope(span(nmae = "load user"))]
fn typo() {}

// One spelling per setting: the span's description is its `name`.
#[with_scope(span(op = "db.query", description = "load user"))]
fn description() {}

#[with_scope(span(operation = "db.query"))]
fn operation() {}

#[with_scope(span(status = "ok", op = 5))]
fn two_errors() {}

fn main() {
    typo();
    description();
    operation();
    two_errors();
}
