use sentry_scopes::with_scope;

#[with_scope(extra())]
fn empty() {}

#[with_scope(extra(a = 1, b = 2, a = 3))]
fn duplicate() {}

#[with_scope(extra(a))]
fn no_value() {}

fn main() {
    empty();
    duplicate();
    no_value();
}
