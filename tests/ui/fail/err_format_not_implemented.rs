use std::fmt;

use sentry_scopes::with_scope;

#[derive(Debug)]
struct OnlyDebug;

struct OnlyDisplay;

impl fmt::Display for OnlyDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only display")
    }
}

#[with_scope(err(Display))]
fn display() -> Result<(), OnlyDebug> {
    Err(OnlyDebug)
}

#[with_scope(err(Debug))]
async fn debug() -> Result<(), OnlyDisplay> {
    Err(OnlyDisplay)
}

fn main() {
    let _ = display();
    let _ = debug();
}
