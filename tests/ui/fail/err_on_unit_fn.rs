use sentry_scopes::with_scope;

#[with_scope(err)]
fn save() {}

fn main() {
    save();
}
