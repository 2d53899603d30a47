//! Panics as `fatal` events (feature `panic`, on by default).
//!
//! [`register_panic_hook`] installs a panic hook that captures every panic as an event with
//! level `fatal`, one exception of type `panic` carrying the message, a mechanism
//! `{type: "panic", handled: false}` with the location, and the stack trace as frames (oldest
//! call first, the panic machinery cut off; see `docs::symbolication`). The event carries the scopes of the panicking thread or
//! task: a panic inside a request handler reports that request's tags, user and breadcrumbs.
//! The hook then flushes the transport, so the event leaves even when the panic ends the
//! process, and hands the panic on to the hook that was installed before it (by default the one
//! that prints the message).
//!
//! [`init`](crate::init) installs the hook unless
//! [`ClientOptions::panic_hook`](crate::ClientOptions::panic_hook) is false; a test harness or a
//! custom client setup can install it by hand with [`register_panic_hook`]:
//!
//! ```no_run
//! let options = sentry_scopes::ClientOptions::new().panic_hook(false);
//! let _guard = sentry_scopes::init(options).expect("valid client options");
//! sentry_scopes::integrations::panic::register_panic_hook();
//! ```
//!
//! # Safety net
//! The capture runs on a short-lived helper thread, with a copy of the panicking thread's
//! scopes, and the hook waits for it at most the client's `shutdown_timeout` (plus half a
//! second). A panic inside the capture (a `before_send` that panics, say) therefore stays an
//! ordinary caught panic instead of a panic inside a panic hook, which would abort the process;
//! a transport that blocks cannot hang the panicking thread for longer than that bound; and a
//! panic raised while a capture is running on the same thread (the SDK's own callbacks) is not
//! reported again.

use std::cell::Cell;
use std::panic::PanicHookInfo;
use std::sync::Once;
use std::sync::mpsc;
use std::time::Duration;

use sentry_types::protocol::v7::{Frame, Stacktrace};

use crate::ClientOptions;
use crate::client::{CaptureScope, Client, capture};
use crate::context::{ScopeGuard, thread};
use crate::protocol::{Event, Exception, Level, Map, Mechanism, Value};
use crate::stacktrace::{self, Skip};

static REGISTER: Once = Once::new();

thread_local! {
    /// Set on the helper thread that reports a panic: a panic there is not reported again.
    static REPORTING: Cell<bool> = const { Cell::new(false) };
}

/// Installs the panic hook described in the [module docs](self), chained in front of the hook
/// installed so far. Only the first call installs it; later calls return `false` and change
/// nothing, so a panic is never reported twice.
///
/// The hook reports only while a client is installed ([`init`](crate::init)); before that, and
/// after the client's guard is dropped, it just hands the panic on.
///
/// ```
/// use sentry_scopes::integrations::panic::register_panic_hook;
/// let first = register_panic_hook();
/// assert!(!register_panic_hook()); // already installed
/// # let _ = first;
/// ```
pub fn register_panic_hook() -> bool {
    let mut installed = false;
    REGISTER.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report(info);
            previous(info);
        }));
        installed = true;
    });
    installed
}

/// The event the hook sends for a panic, built on the calling thread (its stack trace
/// included, `in_app` marked by the installed client's options, or the defaults without one).
/// For a panic hook of your own that reports with
/// [`capture_event`](crate::capture_event).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use sentry_scopes::integrations::panic::event_from_panic;
///
/// let seen = Arc::new(Mutex::new(None));
/// let slot = seen.clone();
/// let previous = std::panic::take_hook();
/// std::panic::set_hook(Box::new(move |info| {
///     *slot.lock().unwrap() = Some(event_from_panic(info));
/// }));
/// let _ = std::panic::catch_unwind(|| panic!("out of coffee"));
/// std::panic::set_hook(previous);
///
/// let event = seen.lock().unwrap().take().unwrap();
/// assert_eq!(event.level, sentry_scopes::Level::Fatal);
/// let exception = &event.exception.values[0];
/// assert_eq!(exception.ty, "panic");
/// assert_eq!(exception.value.as_deref(), Some("out of coffee"));
/// assert_eq!(exception.mechanism.as_ref().unwrap().handled, Some(false));
/// ```
#[must_use]
pub fn event_from_panic(info: &PanicHookInfo<'_>) -> Event<'static> {
    let addresses = stacktrace::walk();
    let report = PanicReport::new(info);
    let trace = match Client::current() {
        Some(client) => stacktrace::resolve(addresses, Skip::Panic, client.options()),
        None => stacktrace::resolve(addresses, Skip::Panic, &ClientOptions::default()),
    };
    report.into_event(trace)
}

/// What the hook takes from the panicking thread before handing the capture to its helper.
struct PanicReport {
    message: String,
    location: Option<(String, u32, u32)>,
    thread: Option<String>,
}

impl PanicReport {
    fn new(info: &PanicHookInfo<'_>) -> Self {
        let message = info.payload_as_str().unwrap_or("Box<dyn Any>").to_owned();
        Self {
            message,
            location: info
                .location()
                .map(|l| (l.file().to_owned(), l.line(), l.column())),
            thread: std::thread::current().name().map(str::to_owned),
        }
    }

    fn into_event(self, stacktrace: Option<Stacktrace>) -> Event<'static> {
        let mut data = Map::new();
        if let Some((file, line, col)) = &self.location {
            data.insert(
                "location".into(),
                Value::from(format!("{file}:{line}:{col}")),
            );
        }
        if let Some(name) = &self.thread {
            data.insert("thread".into(), Value::from(name.clone()));
        }
        let stacktrace = stacktrace.or_else(|| self.location_only());
        let exception = Exception {
            ty: "panic".into(),
            value: Some(self.message),
            stacktrace,
            mechanism: Some(Mechanism {
                ty: "panic".into(),
                handled: Some(false),
                data,
                ..Mechanism::default()
            }),
            ..Exception::default()
        };
        Event {
            level: Level::Fatal,
            exception: vec![exception].into(),
            ..Event::default()
        }
    }

    /// A one-frame trace at the panic location, when no stack trace could be taken.
    fn location_only(&self) -> Option<Stacktrace> {
        let (file, line, col) = self.location.as_ref()?;
        let frame = Frame {
            filename: file.rsplit(['/', '\\']).next().map(str::to_owned),
            abs_path: Some(stacktrace::absolute(file.as_ref()).to_string()),
            lineno: Some(u64::from(*line)),
            colno: Some(u64::from(*col)),
            in_app: Some(true),
            ..Frame::default()
        };
        Some(Stacktrace {
            frames: vec![frame],
            ..Stacktrace::default()
        })
    }
}

/// The hook body: capture on a helper thread with this thread's scopes, flush, wait (bounded).
fn report(info: &PanicHookInfo<'_>) {
    if thread::in_capture() || REPORTING.try_with(Cell::get).unwrap_or(true) {
        return; // the SDK's own callbacks, or the reporting helper itself, panicked
    }
    let Some(client) = Client::current() else {
        return;
    };
    let timeout = client.options().shutdown_timeout;
    drop(client);
    let scopes = thread::try_active();
    let report = PanicReport::new(info);
    // Only the walk runs here; resolving the addresses runs on the helper.
    let addresses = stacktrace::walk();
    let (done, wait) = mpsc::channel();
    let helper = move || {
        let _ = REPORTING.try_with(|r| r.set(true));
        let guard = scopes.map(ScopeGuard::enter);
        let trace = Client::current()
            .and_then(|c| stacktrace::resolve(addresses, Skip::Panic, c.options()));
        let event = report.into_event(trace);
        capture(event, CaptureScope::Active, None);
        drop(guard);
        crate::flush(timeout);
        let _ = done.send(());
    };
    let spawned = std::thread::Builder::new()
        .name("sentry-panic-report".into())
        .spawn(helper);
    match spawned {
        // Returns early if the helper dies (its sender is dropped) or takes too long.
        Ok(_) => drop(wait.recv_timeout(timeout.saturating_add(Duration::from_millis(500)))),
        Err(e) => {
            if let Some(client) = Client::current() {
                client.debug_log(|| format!("panic not reported: no helper thread ({e})"));
            }
        }
    }
}
