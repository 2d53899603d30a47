use sentry_scopes::with_scope;

struct Opaque;

#[with_scope(extra(opaque = Opaque))]
fn f() {}

#[with_scope(context("order", opaque = Opaque))]
fn g() {}

fn main() {
    f();
    g();
}
