use sentry_scopes::scope;

fn main() {
    scope!(tag("a", 1), err);
}
