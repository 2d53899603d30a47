//! `err`: capturing the error a scoped function returns.
//!
//! The choice between an exception event and a message event is made by deref specialisation:
//! the generated code calls `err_ref(e).__capture(level)`. Method lookup tries the receiver
//! types in order, [`ErrRef<E>`] (an inherent method for `E: Error`), then what it derefs to,
//! [`BoxedErrRef<E>`] (inherent methods for boxed `dyn Error` and `anyhow::Error`, which are not
//! `Error` themselves), then [`MessageRef`] (any `Debug` error, as a message event), and takes
//! the first method whose bounds hold. All three are inherent methods, so the expansion imports
//! no trait (an unused import would need an `allow`), and the only bound that can fail is the
//! one [`err_ref`] states, with a message at `err` (see `bounds.rs`). `E` is concrete at the
//! expansion site (in a generic function, the choice follows its declared bounds).
//! Not public API.

use std::error::Error;
use std::fmt;
use std::ops::Deref;

use super::bounds::CapturableError;
use crate::api::capturable::{CapturableError as Capturable, error_event};
use crate::client::{CaptureScope, capture, event_from_debug, event_from_display};
use crate::protocol::Level;

/// A borrowed error, the receiver of `__capture`: exception for `E: Error`. Not public API.
pub struct ErrRef<'a, E> {
    err: &'a E,
    boxed: BoxedErrRef<'a, E>,
}

/// What [`ErrRef`] derefs to: exception for boxed `dyn Error`. Not public API.
pub struct BoxedErrRef<'a, E> {
    err: &'a E,
    message: MessageRef<'a>,
}

/// What [`BoxedErrRef`] derefs to: a message event with the `Debug` text. Not public API.
pub struct MessageRef<'a>(&'a dyn fmt::Debug);

/// Borrows the error of a function with `err`; the bound is the one check of its type.
/// Not public API.
pub fn err_ref<E: CapturableError>(err: &E) -> ErrRef<'_, E> {
    ErrRef {
        err,
        boxed: BoxedErrRef {
            err,
            message: MessageRef(err),
        },
    }
}

impl<'a, E> Deref for ErrRef<'a, E> {
    type Target = BoxedErrRef<'a, E>;

    fn deref(&self) -> &Self::Target {
        &self.boxed
    }
}

impl<'a, E> Deref for BoxedErrRef<'a, E> {
    type Target = MessageRef<'a>;

    fn deref(&self) -> &Self::Target {
        &self.message
    }
}

/// Captures `err` as `capture_error` would, at `level`.
fn capture_exception<K, E: Capturable<K> + ?Sized>(err: &E, level: Level) {
    let mut event = error_event(err);
    event.level = level;
    capture(event, CaptureScope::Active, None);
}

impl<E: Error> ErrRef<'_, E> {
    /// Captures the error as an exception event with its `source()` chain. Not public API.
    pub fn __capture(&self, level: Level) {
        capture_exception(self.err, level);
    }
}

// One inherent impl per boxed type: method lookup picks among inherent methods by receiver
// type, so each needs a concrete one.
macro_rules! boxed {
    ($($t:ty),*) => {$(
        impl BoxedErrRef<'_, Box<$t>> {
            /// Captures the boxed error as an exception event. Not public API.
            pub fn __capture(&self, level: Level) {
                capture_exception(self.err, level);
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
impl BoxedErrRef<'_, anyhow::Error> {
    /// Captures the error and its chain as an exception event. Not public API.
    pub fn __capture(&self, level: Level) {
        capture_exception(self.err, level);
    }
}

impl MessageRef<'_> {
    /// Captures the error as a message event with its `Debug` text. Not public API.
    pub fn __capture(&self, level: Level) {
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
    fn specialisation_picks_exception_then_boxed_then_message() {
        let io = std::io::Error::other("disk");
        assert_eq!(
            exception_values(|| err_ref(&io).__capture(Level::Error)),
            ["disk"]
        );
        let boxed: Box<dyn Error + Send + Sync> = Box::new(io);
        assert_eq!(
            exception_values(|| err_ref(&boxed).__capture(Level::Error)),
            ["disk"]
        );
        let events = crate::test::with_captured_events(|| err_ref(&42).__capture(Level::Info));
        assert_eq!(events[0].message.as_deref(), Some("42"));
    }

    #[test]
    fn generic_errors_follow_their_declared_bounds() {
        fn as_error<E: Error>(e: &E) {
            err_ref(e).__capture(Level::Error);
        }
        fn as_debug<E: fmt::Debug>(e: &E) {
            err_ref(e).__capture(Level::Error);
        }
        let io = std::io::Error::other("disk");
        assert_eq!(exception_values(|| as_error(&io)), ["disk"]);
        let events = crate::test::with_captured_events(|| as_debug(&io));
        assert!(events[0].exception.values.is_empty());
        assert!(events[0].message.as_deref().unwrap().contains("disk"));
    }

    #[cfg(feature = "anyhow")]
    #[test]
    fn anyhow_errors_are_exceptions_with_their_chain() {
        use anyhow::Context as _;
        let err = Err::<(), _>(std::io::Error::other("disk"))
            .context("saving")
            .unwrap_err();
        let values = exception_values(|| err_ref(&err).__capture(Level::Error));
        assert_eq!(values, ["disk", "saving"]);
    }
}
