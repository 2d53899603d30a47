use sentry_scopes::with_scope;

// A raw identifier names the same argument as the plain one, so each second one is a duplicate.
#[with_scope(r#level = Info, level = Error)]
fn attribute() {}

#[with_scope(err(r#level = Info, level = Error))]
fn err_level() -> Result<(), String> {
    Ok(())
}

#[with_scope(user(r#id = 1, id = 2))]
fn user_field() {}

fn main() {
    attribute();
    let _ = err_level();
    user_field();
}
