use sentry_scopes::with_scope;

#[with_scope(crate = ::sentry_scopes, crate = ::sentry_scopes)]
fn twice() {}

#[with_scope(crate)]
fn no_path() {}

fn main() {
    twice();
    no_path();
}
