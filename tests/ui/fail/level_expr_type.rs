use sentry_scopes::with_scope;

// `level = { expr }` and `level = path::To::Level` are checked by rustc: they must be a
// `sentry_scopes::Level`.
#[with_scope(level = { 3 })]
fn block(_n: u32) {}

fn main() {
    block(3);
}
