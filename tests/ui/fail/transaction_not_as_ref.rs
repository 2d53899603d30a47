use sentry_scopes::with_scope;

// A transaction name is a string (`AsRef<str>`): a number is an error at the expression.
#[with_scope(transaction = route_id)]
fn f(route_id: u32) {}

fn main() {
    f(7);
}
