use sentry_scopes::{isolation_scope, with_scope};

#[with_scope(span(op = "db.query", op = "cache.get"))]
fn op_twice() {}

// Raw identifiers name the same setting.
#[isolation_scope(span(name = "load", r#name = "store"))]
fn name_twice() {}

#[with_scope(span, tag("a", 1), span(op = "task"))]
fn span_twice() {}

fn main() {
    op_twice();
    name_twice();
    span_twice();
}
