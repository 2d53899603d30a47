use sentry_scopes::with_scope;

// tracing's spellings of the levels are not Sentry's: each gets the Sentry name as a hint.
#[with_scope(level = Warn)]
fn ident() {}

#[with_scope(level = "warn")]
fn string() {}

#[with_scope(level = TRACE)]
fn trace() {}

#[with_scope(err(level = WARN))]
fn in_err() -> Result<(), String> {
    Ok(())
}

fn main() {
    ident();
    string();
    trace();
    let _ = in_err();
}
