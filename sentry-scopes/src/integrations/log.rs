//! `log` integration (feature `log`): records become breadcrumbs and events.
//!
//! [`SentryLogger`] is a [`log::Log`] that sends each record to Sentry as a filter decides,
//! then hands it on to the logger you had (env_logger, a file logger, …), unchanged. The
//! default filter, [`default_filter`]:
//!
//! | record level | becomes |
//! |---|---|
//! | `Error` | an event: the record's text as message, its target as logger |
//! | `Warn`, `Info` | a breadcrumb on the isolation scope, with the target as category |
//! | `Debug`, `Trace` | nothing |
//!
//! ```
//! use sentry_scopes::integrations::log::SentryLogger;
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! // Usually: SentryLogger::forwarding_to(env_logger::Builder::from_default_env().build())
//! log::set_boxed_logger(Box::new(SentryLogger::new())).expect("no logger installed yet");
//! log::set_max_level(log::LevelFilter::Info);
//!
//! log::info!(target: "cart", "3 items in cart"); // a breadcrumb
//! log::error!(target: "payment", "card declined"); // an event, with the breadcrumb
//! # });
//! # assert_eq!(events.len(), 1);
//! # assert_eq!(events[0].message.as_deref(), Some("card declined"));
//! # assert_eq!(events[0].logger.as_deref(), Some("payment"));
//! # assert_eq!(events[0].breadcrumbs.values[0].message.as_deref(), Some("3 items in cart"));
//! ```
//!
//! `log` allows one logger per process, installed once; `log::set_max_level` still caps what
//! reaches any logger, so set it to the most verbose level that either side wants.
//!
//! Records logged on the SDK's own threads (named `sentry-…`, such as the transport's) are
//! handed on but never sent: an HTTP client that logs while sending an event must not cause
//! another event.

use ::log::{Level as LogLevel, Log, Metadata, Record};

use crate::protocol::{Breadcrumb, Event, Level};
use crate::scope::CrumbDraft;

/// What [`SentryLogger`] makes of a record; see [`SentryLogger::filter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogAction {
    /// Send nothing to Sentry (the inner logger still gets the record).
    Ignore,
    /// Add a breadcrumb to the active isolation scope.
    Breadcrumb,
    /// Capture an event.
    Event,
}

/// The filter [`SentryLogger`] starts with: `Error` records become events, `Warn` and `Info`
/// breadcrumbs, `Debug` and `Trace` nothing. A filter of your own can fall back to it.
///
/// ```
/// use log::{Level, Metadata};
/// use sentry_scopes::integrations::log::{LogAction, default_filter};
/// let warn = Metadata::builder().level(Level::Warn).target("db").build();
/// assert_eq!(default_filter(&warn), LogAction::Breadcrumb);
/// ```
#[must_use]
pub fn default_filter(metadata: &Metadata<'_>) -> LogAction {
    match metadata.level() {
        LogLevel::Error => LogAction::Event,
        LogLevel::Warn | LogLevel::Info => LogAction::Breadcrumb,
        LogLevel::Debug | LogLevel::Trace => LogAction::Ignore,
    }
}

/// A logger that logs nothing: the inner logger of [`SentryLogger::new`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLogger;

impl Log for NoLogger {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }

    fn log(&self, _: &Record<'_>) {}

    fn flush(&self) {}
}

type Filter = Box<dyn Fn(&Metadata<'_>) -> LogAction + Send + Sync>;

/// The `log` integration: a [`Log`] that turns records into breadcrumbs and events, then
/// forwards them to an inner logger. See the [module docs](self).
pub struct SentryLogger<L = NoLogger> {
    inner: L,
    filter: Filter,
}

impl SentryLogger {
    /// A logger that only sends to Sentry, with the [`default_filter`].
    #[must_use]
    pub fn new() -> Self {
        Self::forwarding_to(NoLogger)
    }
}

impl Default for SentryLogger {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Log> SentryLogger<L> {
    /// A logger that sends to Sentry, with the [`default_filter`], and hands every record on
    /// to `inner`, which decides for itself (its `enabled`) what it writes.
    #[must_use]
    pub fn forwarding_to(inner: L) -> Self {
        Self {
            inner,
            filter: Box::new(default_filter),
        }
    }

    /// Chooses, per record, what Sentry gets; the inner logger is not affected. A filter that
    /// panics sends nothing for that record, and the panic goes no further.
    ///
    /// ```
    /// use log::{Level, Log, Record};
    /// use sentry_scopes::integrations::log::{LogAction, SentryLogger, default_filter};
    ///
    /// let logger = SentryLogger::new().filter(|metadata| match metadata.target() {
    ///     "hyper" | "rustls" => LogAction::Ignore,
    ///     "audit" => LogAction::Event,
    ///     _ => default_filter(metadata),
    /// });
    /// # let events = sentry_scopes::test::with_captured_events(|| {
    /// logger.log(&Record::builder().level(Level::Info).target("audit").args(format_args!("role granted")).build());
    /// logger.log(&Record::builder().level(Level::Error).target("hyper").args(format_args!("reset")).build());
    /// # });
    /// # assert_eq!(events.len(), 1);
    /// # assert_eq!(events[0].message.as_deref(), Some("role granted"));
    /// # assert_eq!(events[0].level, sentry_scopes::Level::Info);
    /// ```
    #[must_use]
    pub fn filter<F>(mut self, filter: F) -> Self
    where
        F: Fn(&Metadata<'_>) -> LogAction + Send + Sync + 'static,
    {
        self.filter = Box::new(filter);
        self
    }

    /// The inner logger.
    pub fn inner(&self) -> &L {
        &self.inner
    }

    /// What the filter makes of a record; `Ignore` when the filter panics.
    fn action(&self, metadata: &Metadata<'_>) -> LogAction {
        crate::debug::call_user("the log filter", || (self.filter)(metadata))
            .unwrap_or(LogAction::Ignore)
    }
}

impl<L: Log> Log for SentryLogger<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata) || self.action(metadata) != LogAction::Ignore
    }

    fn log(&self, record: &Record<'_>) {
        if !on_sdk_thread() {
            match self.action(record.metadata()) {
                LogAction::Ignore => {}
                // The stored form is built straight from the record unless `before_breadcrumb`
                // needs a `Breadcrumb` to look at.
                LogAction::Breadcrumb => crate::context::get_isolation_scope().add_breadcrumb_from(
                    || breadcrumb(record),
                    || {
                        let level = level(record.level());
                        CrumbDraft::formatted(level, record.target(), *record.args())
                    },
                ),
                LogAction::Event => {
                    crate::capture_event(event(record));
                }
            }
        }
        if self.inner.enabled(record.metadata()) {
            self.inner.log(record);
        }
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

impl<L: std::fmt::Debug> std::fmt::Debug for SentryLogger<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryLogger")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// Whether this is one of the SDK's own threads (transport, panic report), whose records
/// must not become events: sending one could log, and that record would be sent again.
fn on_sdk_thread() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|name| name.starts_with("sentry-"))
}

fn level(level: LogLevel) -> Level {
    match level {
        LogLevel::Error => Level::Error,
        LogLevel::Warn => Level::Warning,
        LogLevel::Info => Level::Info,
        LogLevel::Debug | LogLevel::Trace => Level::Debug,
    }
}

fn event(record: &Record<'_>) -> Event<'static> {
    let mut event = Event {
        level: level(record.level()),
        message: Some(message(record)),
        logger: Some(record.target().to_owned()),
        ..Event::default()
    };
    crate::client::attach_stacktrace(&mut event);
    event
}

/// The record's message. A `Display` inside it that fails leaves what it wrote, where
/// `to_string` would panic in the application's logging call.
fn message(record: &Record<'_>) -> String {
    crate::normalize::text_of(*record.args())
}

fn breadcrumb(record: &Record<'_>) -> Breadcrumb {
    Breadcrumb {
        level: level(record.level()),
        category: Some(record.target().to_owned()),
        message: Some(message(record)),
        ..Breadcrumb::default()
    }
}
