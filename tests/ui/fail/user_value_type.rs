use sentry_scopes::with_scope;

struct UserId(u64);

// A `user` field takes what a tag takes: a string, integer, `bool` or `char`.
#[with_scope(user(id = id))]
fn f(id: UserId) {}

fn main() {
    f(UserId(7));
}
