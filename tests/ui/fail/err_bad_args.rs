use sentry_scopes::with_scope;

#[with_scope(err(Foo))]
fn unknown_format() -> Result<(), String> {
    Ok(())
}

#[with_scope(err(level = Warning, level = Error))]
fn level_twice() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = unknown_format();
    let _ = level_twice();
}
