use sentry_scopes::with_scope;

#[with_scope(context())]
fn empty() {}

#[with_scope(context("order"))]
fn no_entries() {}

#[with_scope(context(order, id = 1))]
fn name_not_string() {}

#[with_scope(context("order", id = 1, id = 2))]
fn entry_twice() {}

#[with_scope(context("order", id = 1), context("order", paid = true))]
fn context_twice() {}

fn main() {
    empty();
    no_entries();
    name_not_string();
    entry_twice();
    context_twice();
}
