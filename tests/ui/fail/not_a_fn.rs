use sentry_scopes::with_scope;

#[with_scope(tag("a", 1))]
struct Config {
    retries: u32,
}

fn main() {
    let config = Config { retries: 3 }; // the struct is still emitted
    let _ = config.retries;
}
