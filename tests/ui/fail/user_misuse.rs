use sentry_scopes::with_scope;

#[with_scope(user())]
fn empty() {}

#[with_scope(user(id))]
fn no_value() {}

#[with_scope(user(id = 1), user(email = "a@b.c"))]
fn twice() {}

fn main() {
    empty();
    no_value();
    twice();
}
