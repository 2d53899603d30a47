use sentry_scopes::with_scope;

#[with_scope(err(Display, Debug))]
fn two_formats() -> Result<(), String> {
    Ok(())
}

#[with_scope(err, err(level = Warning))]
fn err_twice() -> Result<(), String> {
    Ok(())
}

#[with_scope(err(level))]
fn level_without_value() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = two_formats();
    let _ = err_twice();
    let _ = level_without_value();
}
