use sentry_scopes::with_scope;

unsafe extern "C" {
    #[with_scope]
    fn abs(x: i32) -> i32;
}

fn main() {}
