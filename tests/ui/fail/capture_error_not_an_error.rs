// A value that is not an error: the diagnostic names what capture_error takes, and what to
// call instead.
fn main() {
    let reason = String::from("quota exceeded");
    sentry_scopes::capture_error(&reason);
}
