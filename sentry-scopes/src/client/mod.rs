//! The process-wide client: options, transport and discard counters.

mod event;
mod init;
mod options;
mod pipeline;
mod raw;

use std::cell::Cell;
use std::sync::Arc;

use arc_swap::ArcSwapOption;

#[cfg(any(feature = "log", feature = "tracing"))]
pub(crate) use self::event::attach_stacktrace;
pub(crate) use self::event::{
    event_from_debug, event_from_display, event_from_error, event_from_message,
};
pub use self::init::{ClientInitGuard, flush, init};
pub use self::options::{BeforeCallback, ClientOptions, DEFAULT_IN_APP_EXCLUDE};
pub(crate) use self::pipeline::{CaptureScope, capture, capture_transaction};
use crate::protocol::{Breadcrumb, Category, ClientSdkInfo, ClientSdkPackage, Dsn};
use crate::scope::StoredCrumb;
use crate::transport::{DiscardReason, Discards, Transport, limits};

thread_local! {
    /// Set while this thread runs `before_breadcrumb`.
    static IN_BEFORE_BREADCRUMB: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running `before_breadcrumb` until dropped.
struct HookGuard(());

impl HookGuard {
    fn enter() -> Option<Self> {
        let entered = IN_BEFORE_BREADCRUMB
            .try_with(|f| !f.replace(true))
            .unwrap_or(false);
        entered.then_some(Self(()))
    }
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        let _ = IN_BEFORE_BREADCRUMB.try_with(|f| f.set(false));
    }
}

/// The installed client. `None` before `init` and after its guard is dropped.
static CLIENT: ArcSwapOption<Client> = ArcSwapOption::const_empty();

/// A configured client: what a capture needs besides the scopes.
pub(crate) struct Client {
    options: ClientOptions,
    dsn: Option<Dsn>,
    transport: Arc<dyn Transport>,
    discards: Arc<Discards>,
    sdk: ClientSdkInfo,
}

impl Client {
    pub(crate) fn new(
        options: ClientOptions,
        dsn: Option<Dsn>,
        transport: Arc<dyn Transport>,
        discards: Arc<Discards>,
    ) -> Self {
        let version = env!("CARGO_PKG_VERSION").to_owned();
        let sdk = ClientSdkInfo {
            name: "sentry.rust.sentry-scopes".to_owned(),
            version: version.clone(),
            integrations: Vec::new(),
            packages: vec![ClientSdkPackage {
                name: "cargo:sentry-scopes".to_owned(),
                version,
            }],
        };
        Self {
            options,
            dsn,
            transport,
            discards,
            sdk,
        }
    }

    /// The installed client, if any.
    pub(crate) fn current() -> Option<Arc<Client>> {
        CLIENT.load_full()
    }

    /// Installs `client` (or removes the client) and returns the previous one.
    /// Debug output follows the installed client's `debug` option.
    pub(crate) fn swap(client: Option<Arc<Client>>) -> Option<Arc<Client>> {
        crate::debug::set_enabled(client.as_ref().is_some_and(|c| c.options.debug));
        CLIENT.swap(client)
    }

    pub(crate) fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub(crate) fn transport(&self) -> &Arc<dyn Transport> {
        &self.transport
    }

    pub(crate) fn discards(&self) -> &Arc<Discards> {
        &self.discards
    }

    pub(crate) fn dsn(&self) -> Option<&Dsn> {
        self.dsn.as_ref()
    }

    /// Runs `before_breadcrumb` (a panic drops the crumb), bounds and cuts the result to the
    /// protocol's limits and numbers it; returns it with the ring capacity, or `None` when it
    /// must not be stored. A breadcrumb added from inside `before_breadcrumb` is dropped: the
    /// hook would otherwise recurse until the stack ends.
    pub(crate) fn prepare_breadcrumb(
        &self,
        crumb: Breadcrumb,
    ) -> Option<(Arc<StoredCrumb>, usize)> {
        let max = self.options.max_breadcrumbs;
        if max == 0 {
            return None;
        }
        let mut crumb = match &self.options.before_breadcrumb {
            None => crumb,
            Some(f) => {
                let Some(_hook) = HookGuard::enter() else {
                    self.debug_log(|| {
                        "breadcrumb added inside before_breadcrumb dropped".to_owned()
                    });
                    return None;
                };
                crate::debug::call_user("before_breadcrumb", || f(crumb)).flatten()?
            }
        };
        crate::normalize::bound_breadcrumb(&mut crumb);
        limits::cut_breadcrumb(&mut crumb);
        Some((StoredCrumb::new(crumb), max))
    }

    /// Counts a breadcrumb that a full buffer pushed out (client reports, as
    /// sentry-javascript reports them).
    pub(crate) fn breadcrumb_evicted(&self) {
        self.discards
            .record(DiscardReason::BufferOverflow, Category::LogItem, 1);
    }

    /// Writes a debug line to stderr when `debug` is on.
    pub(crate) fn debug_log(&self, msg: impl FnOnce() -> String) {
        if self.options.debug {
            eprintln!("[sentry-scopes] {}", msg());
        }
    }
}
