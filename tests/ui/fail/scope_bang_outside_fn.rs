use sentry_scopes::scope;

// `scope!` writes to the active scope when it runs, so it belongs inside a function body.
scope!(tag("a", 1));

struct Service;

impl Service {
    scope!(extra(b = 2));
}

fn main() {
    let _ = Service;
}
