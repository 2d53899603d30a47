use sentry_scopes::with_scope;

trait Handler {
    #[with_scope(tag("a", 1))]
    fn handle(&self);
}

fn main() {}
