use sentry_scopes::with_scope;

struct Opaque;

#[with_scope(tag("opaque", Opaque))]
fn f() {}

#[with_scope(tags(list = vec![1, 2]))]
fn g() {}

fn main() {
    f();
    g();
}
