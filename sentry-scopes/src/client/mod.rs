//! The process-wide client: options, transport and discard counters.

mod event;
mod init;
mod options;
mod pipeline;
mod raw;

use std::sync::Arc;

use arc_swap::ArcSwapOption;

pub(crate) use self::event::{event_from_error, event_from_message};
pub use self::init::{ClientInitGuard, flush, init};
pub use self::options::{BeforeCallback, ClientOptions};
pub(crate) use self::pipeline::{CaptureScope, capture, capture_transaction};
use crate::protocol::{Breadcrumb, ClientSdkInfo, ClientSdkPackage, Dsn};
use crate::scope::StoredCrumb;
use crate::transport::{Discards, Transport};

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
    pub(crate) fn swap(client: Option<Arc<Client>>) -> Option<Arc<Client>> {
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

    /// Runs `before_breadcrumb` (a panic drops the crumb) and numbers the result; returns it with
    /// the ring capacity, or `None` when it must not be stored.
    pub(crate) fn prepare_breadcrumb(
        &self,
        crumb: Breadcrumb,
    ) -> Option<(Arc<StoredCrumb>, usize)> {
        let max = self.options.max_breadcrumbs;
        if max == 0 {
            return None;
        }
        let crumb = match &self.options.before_breadcrumb {
            None => crumb,
            Some(f) => crate::debug::call_user("before_breadcrumb", || f(crumb)).flatten()?,
        };
        Some((StoredCrumb::new(crumb), max))
    }

    /// Writes a debug line to stderr when `debug` is on.
    pub(crate) fn debug_log(&self, msg: impl FnOnce() -> String) {
        if self.options.debug {
            eprintln!("[sentry-scopes] {}", msg());
        }
    }
}
