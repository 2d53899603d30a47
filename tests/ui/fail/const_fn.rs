use sentry_scopes::with_scope;

#[with_scope]
const fn answer() -> u32 {
    42
}

const ANSWER: u32 = answer(); // still a `const fn`: no second error

fn main() {
    let _ = ANSWER;
}
