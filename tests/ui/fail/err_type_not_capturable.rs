use sentry_scopes::with_scope;

struct Opaque;

#[with_scope(err)]
fn f() -> Result<(), Opaque> {
    Err(Opaque)
}

fn main() {
    let _ = f();
}
