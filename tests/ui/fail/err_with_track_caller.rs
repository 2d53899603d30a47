use sentry_scopes::with_scope;

#[with_scope(err)]
#[track_caller]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {
    let _ = f();
}
