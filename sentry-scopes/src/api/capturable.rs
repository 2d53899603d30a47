//! What `capture_error` accepts: `std::error::Error` types, boxed `dyn Error`s, and
//! `anyhow::Error` (feature `anyhow`).
//!
//! A blanket `impl<E: Error> Trait for E` next to `impl Trait for anyhow::Error` is rejected by
//! coherence (anyhow could, in principle, implement `Error` later), so each family gets its own
//! marker type as the trait's parameter: the impls never overlap, and the compiler infers the
//! marker from the argument because exactly one impl fits it.

use std::error::Error;

use crate::client::event_from_error;
use crate::protocol::Event;

/// An error that [`capture_error`](crate::capture_error) and its relatives accept:
///
/// - every type that implements [`std::error::Error`], and `dyn Error` itself;
/// - `Box<dyn Error>`, with any of `Send` and `Sync`, which does not implement `Error`;
/// - `anyhow::Error` (feature `anyhow`), which does not implement `Error` either.
///
/// Each is captured with its whole `source()` chain, innermost error first, as the protocol
/// orders exceptions. `Kind` is a marker the compiler infers; you never name it. The trait is
/// sealed: the list above is complete.
///
/// ```
/// use std::error::Error;
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// let io = std::io::Error::other("disk full");
/// sentry_scopes::capture_error(&io);
/// let boxed: Box<dyn Error + Send + Sync> = Box::new(io);
/// sentry_scopes::capture_error(&boxed);
/// # });
/// # assert_eq!(events.len(), 2);
/// # assert_eq!(events[1].exception.values[0].value.as_deref(), Some("disk full"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be captured as an error",
    label = "not a `std::error::Error`, a boxed `dyn Error` or an `anyhow::Error`",
    note = "`capture_error` takes a type that implements `std::error::Error`, a `Box<dyn Error>`, \
            or an `anyhow::Error` (with the `anyhow` feature of sentry-scopes)",
    note = "for text or a value that is not an error, use \
            `capture_message(&format!(\"{{value:?}}\"), Level::Error)`"
)]
pub trait CapturableError<Kind>: sealed::Sealed<Kind> {}

mod sealed {
    use crate::protocol::Event;

    /// The event for an error; kept out of the public trait so it can change freely.
    pub trait Sealed<Kind> {
        fn error_event(&self) -> Event<'static>;
    }
}

/// Builds the event for `err` (its chain as exceptions, at level `Error`).
pub(crate) fn error_event<K, E: CapturableError<K> + ?Sized>(err: &E) -> Event<'static> {
    sealed::Sealed::error_event(err)
}

/// Marks the impl for types that implement `std::error::Error`. Not public API.
#[doc(hidden)]
pub enum StdError {}

/// Marks the impl for boxed `dyn Error`s. Not public API.
#[doc(hidden)]
pub enum BoxedError {}

/// Marks the impl for `anyhow::Error`. Not public API.
#[doc(hidden)]
#[cfg(feature = "anyhow")]
pub enum AnyhowError {}

impl<E: Error + ?Sized> sealed::Sealed<StdError> for E {
    fn error_event(&self) -> Event<'static> {
        event_from_error(self)
    }
}

impl<E: Error + ?Sized> CapturableError<StdError> for E {}

macro_rules! boxed {
    ($($t:ty),*) => {$(
        impl sealed::Sealed<BoxedError> for Box<$t> {
            fn error_event(&self) -> Event<'static> {
                event_from_error(&**self)
            }
        }

        impl CapturableError<BoxedError> for Box<$t> {}
    )*};
}

boxed!(
    dyn Error,
    dyn Error + Send,
    dyn Error + Sync,
    dyn Error + Send + Sync
);

/// `anyhow::Error` derefs to the error it wraps (the outermost context, if any), whose
/// `source()` chain holds the rest.
#[cfg(feature = "anyhow")]
impl sealed::Sealed<AnyhowError> for anyhow::Error {
    fn error_event(&self) -> Event<'static> {
        let outermost: &(dyn Error + Send + Sync + 'static) = &**self;
        event_from_error(outermost)
    }
}

#[cfg(feature = "anyhow")]
impl CapturableError<AnyhowError> for anyhow::Error {}
