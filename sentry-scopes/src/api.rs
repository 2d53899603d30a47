//! The top-level functions: setters that write to the active isolation scope, and captures.

pub(crate) mod capturable;

pub use self::capturable::CapturableError;
use self::capturable::error_event;
use crate::client::{CaptureScope, capture, capture_transaction, event_from_message};
use crate::context::get_isolation_scope;
use crate::protocol::{
    Attachment, Breadcrumb, Context, Event, Level, Transaction, User, Uuid, Value,
};
use crate::scope::Scope;

macro_rules! isolation_setters {
    ($($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        $(#[$doc])*
        ///
        /// Writes to the active isolation scope, so the data outlives a surrounding `with_scope`
        /// block (F04); see the method of the same name on [`Scope`].
        pub fn $name($($arg: $ty),*) {
            get_isolation_scope().$name($($arg),*);
        }
    )*};
}

isolation_setters! {
    /// Sets a tag.
    ///
    /// ```
    /// # let events = sentry_scopes::test::with_captured_events(|| {
    /// sentry_scopes::set_tag("tenant", "acme");
    /// sentry_scopes::capture_message("hello", sentry_scopes::Level::Info);
    /// # });
    /// # assert_eq!(events[0].tags["tenant"], "acme");
    /// ```
    fn set_tag(key: impl AsRef<str>, value: impl ToString);
    /// Removes a tag.
    fn remove_tag(key: &str);
    /// Sets an extra value.
    fn set_extra(key: impl AsRef<str>, value: impl Into<Value>);
    /// Removes an extra value.
    fn remove_extra(key: &str);
    /// Sets a context.
    fn set_context(key: impl AsRef<str>, value: impl Into<Context>);
    /// Removes a context.
    fn remove_context(key: &str);
    /// Sets the user; `None` clears it.
    fn set_user(user: Option<User>);
    /// Sets the level, which overrides every event's level.
    fn set_level(level: Option<Level>);
    /// Sets the transaction name.
    fn set_transaction(name: Option<&str>);
    /// Sets the fingerprint.
    fn set_fingerprint(fingerprint: Option<&[&str]>);
    /// Adds a breadcrumb (discarded while no client is installed).
    fn add_breadcrumb(breadcrumb: Breadcrumb);
    /// Adds an attachment.
    fn add_attachment(attachment: Attachment);
}

/// Sets several tags with one write.
pub fn set_tags<K: AsRef<str>, V: ToString>(tags: impl IntoIterator<Item = (K, V)>) {
    get_isolation_scope().set_tags(tags);
}

/// Captures a message event at `level`, enriched by the global, isolation and current scopes.
/// Returns the event id, or `None` when nothing was sent (no client, sampled out, dropped).
///
/// ```
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// let id = sentry_scopes::capture_message("disk almost full", sentry_scopes::Level::Warning);
/// assert!(id.is_some());
/// # });
/// # assert_eq!(events[0].message.as_deref(), Some("disk almost full"));
/// ```
pub fn capture_message(message: &str, level: Level) -> Option<Uuid> {
    capture(
        event_from_message(message, level),
        CaptureScope::Active,
        None,
    )
}

/// Captures an error with its whole `source()` chain as exceptions, at level `Error`.
///
/// Takes any [`std::error::Error`], a boxed `dyn Error`, or an `anyhow::Error` (feature
/// `anyhow`), by reference: see [`CapturableError`].
///
/// ```
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// let err = std::io::Error::new(std::io::ErrorKind::NotFound, "config.toml");
/// sentry_scopes::capture_error(&err);
/// # });
/// # assert_eq!(events[0].exception.values[0].value.as_deref(), Some("config.toml"));
/// ```
pub fn capture_error<K, E: CapturableError<K> + ?Sized>(err: &E) -> Option<Uuid> {
    capture(error_event(err), CaptureScope::Active, None)
}

/// Captures `event` as given, merged with the scopes (its own values win, except the level).
pub fn capture_event(event: Event<'static>) -> Option<Uuid> {
    capture(event, CaptureScope::Active, None)
}

/// Like [`capture_message`]; `f` edits a throwaway scope holding the merged scopes, for this
/// event only.
///
/// ```
/// use sentry_scopes::Level;
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// sentry_scopes::capture_message_with("retrying", Level::Info, |scope| {
///     scope.set_tag("attempt", 3);
/// });
/// # });
/// # assert_eq!(events[0].tags["attempt"], "3");
/// ```
pub fn capture_message_with(message: &str, level: Level, f: impl FnOnce(&Scope)) -> Option<Uuid> {
    capture(
        event_from_message(message, level),
        CaptureScope::Active,
        Some(Box::new(f)),
    )
}

/// Like [`capture_error`], with a callback as in [`capture_message_with`].
pub fn capture_error_with<K, E: CapturableError<K> + ?Sized>(
    err: &E,
    f: impl FnOnce(&Scope),
) -> Option<Uuid> {
    capture(error_event(err), CaptureScope::Active, Some(Box::new(f)))
}

/// Like [`capture_event`], with a callback as in [`capture_message_with`].
pub fn capture_event_with(event: Event<'static>, f: impl FnOnce(&Scope)) -> Option<Uuid> {
    capture(event, CaptureScope::Active, Some(Box::new(f)))
}

/// Sends a transaction enriched with the scopes' tags, extra, contexts and user. Transactions
/// are not sampled by `sample_rate` and do not change [`last_event_id`].
pub fn capture_transaction_event(transaction: Transaction<'static>) -> Option<Uuid> {
    capture_transaction(transaction)
}

/// The id of the last event sent from the active isolation scope.
///
/// ```
/// # sentry_scopes::test::with_captured_events(|| {
/// assert_eq!(sentry_scopes::last_event_id(), None);
/// let id = sentry_scopes::capture_message("x", sentry_scopes::Level::Info);
/// assert_eq!(sentry_scopes::last_event_id(), id);
/// # });
/// ```
#[must_use]
pub fn last_event_id() -> Option<Uuid> {
    get_isolation_scope().last_event_id()
}

impl Scope {
    /// Captures a message with this scope. On the active isolation or current scope this is
    /// [`capture_message`]; on any other scope, that scope's data goes on top for this capture.
    pub fn capture_message(&self, message: &str, level: Level) -> Option<Uuid> {
        capture(
            event_from_message(message, level),
            CaptureScope::With(self),
            None,
        )
    }

    /// Captures an error with this scope (see [`Scope::capture_message`]).
    pub fn capture_error<K, E: CapturableError<K> + ?Sized>(&self, err: &E) -> Option<Uuid> {
        capture(error_event(err), CaptureScope::With(self), None)
    }

    /// Captures an event with this scope (see [`Scope::capture_message`]).
    pub fn capture_event(&self, event: Event<'static>) -> Option<Uuid> {
        capture(event, CaptureScope::With(self), None)
    }

    /// [`Scope::capture_message`] with a callback as in [`capture_message_with`].
    pub fn capture_message_with(
        &self,
        message: &str,
        level: Level,
        f: impl FnOnce(&Scope),
    ) -> Option<Uuid> {
        capture(
            event_from_message(message, level),
            CaptureScope::With(self),
            Some(Box::new(f)),
        )
    }

    /// [`Scope::capture_error`] with a callback as in [`capture_message_with`].
    pub fn capture_error_with<K, E: CapturableError<K> + ?Sized>(
        &self,
        err: &E,
        f: impl FnOnce(&Scope),
    ) -> Option<Uuid> {
        capture(
            error_event(err),
            CaptureScope::With(self),
            Some(Box::new(f)),
        )
    }

    /// [`Scope::capture_event`] with a callback as in [`capture_message_with`].
    pub fn capture_event_with(
        &self,
        event: Event<'static>,
        f: impl FnOnce(&Scope),
    ) -> Option<Uuid> {
        capture(event, CaptureScope::With(self), Some(Box::new(f)))
    }
}
