//! The SDK's own debug output, and running user callbacks without letting their panics escape.
//!
//! Debug lines go to stderr while the installed client has `debug` on. The switch is a plain
//! atomic, so every layer can log (a scope dropping a tag it cannot send, say) without reaching
//! up to the client.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns debug output on or off (set by `init` and the client guard).
pub(crate) fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Writes `[sentry-scopes] <msg>` to stderr when debug output is on; `msg` runs only then.
pub(crate) fn log(msg: impl FnOnce() -> String) {
    if ENABLED.load(Ordering::Relaxed) {
        eprintln!("[sentry-scopes] {}", msg());
    }
}

/// Runs a user callback; a panic is caught, logged with `what` and turned into `None`.
pub(crate) fn call_user<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    catch_user(f)
        .map_err(|msg| log(|| format!("{what} panicked and was skipped: {msg}")))
        .ok()
}

/// Runs a user callback; a panic is caught and turned into its message.
pub(crate) fn catch_user<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<non-string panic payload>".to_owned())
    })
}
