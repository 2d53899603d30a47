//! `err`: capturing the error a scoped function returns.
//!
//! The choice between an exception event and a message event is made by autoref
//! specialisation: the generated code calls `(&ErrRef(e)).__capture(level)`. Method lookup first
//! tries `&ErrRef<E>` by value, where [`CaptureError`] (for `E: Error`) and
//! [`CaptureBoxedError`] (for boxed `dyn Error`, which is not `Error` itself) are implemented
//! on `ErrRef<E>`; only when neither applies does it autoref once more and find
//! [`CaptureMessage`] (for `E: Debug`) on `&ErrRef<E>`. `E` is concrete at the expansion site
//! (in a generic function, the choice follows its declared bounds). Not public API.

use std::error::Error;
use std::fmt;

use crate::api::capturable::{CapturableError, error_event};
use crate::client::{CaptureScope, capture, event_from_debug, event_from_display};
use crate::protocol::Level;

/// A borrowed error, the receiver of the `__capture` methods. Not public API.
pub struct ErrRef<'a, E: ?Sized>(pub &'a E);

/// Captures an `Error` as an exception event with its `source()` chain. Not public API.
pub trait CaptureError {
    /// Captures the error at `level`. Not public API.
    fn __capture(&self, level: Level);
}

/// Captures a boxed `dyn Error` as an exception event. Not public API.
pub trait CaptureBoxedError {
    /// Captures the error at `level`. Not public API.
    fn __capture(&self, level: Level);
}

/// Captures any `Debug` value as a message event. Not public API.
pub trait CaptureMessage {
    /// Captures the value at `level`. Not public API.
    fn __capture(&self, level: Level);
}

/// Captures `err` as `capture_error` would, at `level`.
fn capture_exception<K, E: CapturableError<K> + ?Sized>(err: &E, level: Level) {
    let mut event = error_event(err);
    event.level = level;
    capture(event, CaptureScope::Active, None);
}

impl<E: Error + ?Sized> CaptureError for ErrRef<'_, E> {
    fn __capture(&self, level: Level) {
        capture_exception(self.0, level);
    }
}

// One impl per boxed type, not a generic one over `CapturableError<BoxedError>`: a type
// that is no error then gets a diagnostic that names only `Error` and `Debug`
// (tests/ui/fail/err_type_not_capturable.rs).
macro_rules! boxed {
    ($($t:ty),*) => {$(
        impl CaptureBoxedError for ErrRef<'_, Box<$t>> {
            fn __capture(&self, level: Level) {
                capture_exception(self.0, level);
            }
        }
    )*};
}

boxed!(
    dyn Error,
    dyn Error + Send,
    dyn Error + Sync,
    dyn Error + Send + Sync
);

/// `anyhow::Error` derefs to `dyn Error` but is not `Error` itself.
#[cfg(feature = "anyhow")]
impl CaptureBoxedError for ErrRef<'_, anyhow::Error> {
    fn __capture(&self, level: Level) {
        capture_exception(self.0, level);
    }
}

impl<E: fmt::Debug + ?Sized> CaptureMessage for &ErrRef<'_, E> {
    fn __capture(&self, level: Level) {
        capture_debug(self.0, level);
    }
}

/// `err(Display)`: captures a message event with the `Display` text. Not public API.
pub fn capture_display<E: fmt::Display + ?Sized>(err: &E, level: Level) {
    capture(event_from_display(err, level), CaptureScope::Active, None);
}

/// `err(Debug)`: captures a message event with the `Debug` text. Not public API.
pub fn capture_debug<E: fmt::Debug + ?Sized>(err: &E, level: Level) {
    capture(event_from_debug(err, level), CaptureScope::Active, None);
}

#[cfg(all(test, feature = "test"))]
#[allow(
    clippy::needless_borrow,
    reason = "the extra borrow is the specialisation under test"
)]
mod tests {
    use super::*;

    fn exception_values(error_ref: impl FnOnce()) -> Vec<String> {
        let events = crate::test::with_captured_events(error_ref);
        events[0]
            .exception
            .values
            .iter()
            .filter_map(|e| e.value.clone())
            .collect()
    }

    #[test]
    fn specialisation_picks_exception_then_message() {
        let io = std::io::Error::other("disk");
        assert_eq!(
            exception_values(|| (&ErrRef(&io)).__capture(Level::Error)),
            ["disk"]
        );
        let boxed: Box<dyn Error + Send + Sync> = Box::new(io);
        assert_eq!(
            exception_values(|| (&ErrRef(&boxed)).__capture(Level::Error)),
            ["disk"]
        );
        let events = crate::test::with_captured_events(|| (&ErrRef(&42)).__capture(Level::Info));
        assert_eq!(events[0].message.as_deref(), Some("42"));
    }

    #[cfg(feature = "anyhow")]
    #[test]
    fn anyhow_errors_are_exceptions_with_their_chain() {
        use anyhow::Context as _;
        let err = Err::<(), _>(std::io::Error::other("disk"))
            .context("saving")
            .unwrap_err();
        let values = exception_values(|| (&ErrRef(&err)).__capture(Level::Error));
        assert_eq!(values, ["disk", "saving"]);
    }
}
