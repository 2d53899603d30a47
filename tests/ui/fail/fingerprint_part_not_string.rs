use sentry_scopes::with_scope;

// Fingerprint parts are strings (`AsRef<str>`): a number is an error at the part.
#[with_scope(fingerprint = ["{{ default }}", code])]
fn f(code: u32) {}

fn main() {
    f(7);
}
