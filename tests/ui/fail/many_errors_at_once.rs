use sentry_scopes::with_scope;

#[with_scope(tgas("a", 1), level = Warnig, tag("bad key", 1), user(idd = 1), extra(ok = 1))]
fn f() {}

fn main() {
    f();
}
