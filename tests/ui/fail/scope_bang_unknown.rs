use sentry_scopes::scope;

fn main() {
    scope!(lvl = Warning);
}
