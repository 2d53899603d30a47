//! Running user callbacks without letting their panics escape.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs a user callback; a panic is caught, logged with `what` and turned into `None`.
pub(crate) fn call_user<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string panic payload>".to_owned());
            if let Some(client) = crate::client::Client::current() {
                client.debug_log(|| format!("{what} panicked and was skipped: {msg}"));
            }
            None
        }
    }
}
