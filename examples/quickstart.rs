//! Quickstart: report a message and an error with scope data.
//!
//! ```sh
//! cargo run --example quickstart                                 # no DSN: envelopes printed
//! SENTRY_DSN=https://KEY@HOST/PROJECT cargo run --example quickstart   # sent to that server
//! ```
//!
//! `SENTRY_DEBUG=1` also logs what the SDK does to stderr (without the DSN's key). Each event
//! carries the `os`, `rust` and `device` contexts and the host name as `server_name`; the
//! environment is `development` in a debug build (`SENTRY_ENVIRONMENT` sets another).

use std::fmt;

use sentry_scopes::{
    Breadcrumb, ClientOptions, Level, User, add_breadcrumb, capture_error, capture_message,
    set_tag, set_user, with_scope,
};

/// An error with a cause, so the event carries an exception chain.
#[derive(Debug)]
struct CheckoutError(std::io::Error);

impl fmt::Display for CheckoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("checkout failed")
    }
}

impl std::error::Error for CheckoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn main() {
    // Reads SENTRY_DSN (and SENTRY_DEBUG, SENTRY_ENVIRONMENT); without a DSN, envelopes are
    // printed to stdout.
    let _guard = sentry_scopes::init(ClientOptions::new().release("shop@1.4.0"))
        .expect("valid client options");

    set_tag("tenant", "acme");
    set_user(Some(User {
        id: Some("42".into()),
        username: Some("ada".into()),
        ..User::default()
    }));
    add_breadcrumb(Breadcrumb {
        category: Some("cart".into()),
        message: Some("3 items added".into()),
        ..Breadcrumb::default()
    });

    with_scope(|scope| {
        scope.set_tag("step", "charge");
        capture_message("card declined", Level::Warning);
    });

    let err = CheckoutError(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "payment provider did not answer",
    ));
    if let Some(id) = capture_error(&err) {
        eprintln!("reported the error as event {}", id.simple());
    }
} // dropping the guard sends whatever is still queued (waiting at most 2 s)
