//! The process-wide client: options, transport and discard counters.

mod breadcrumbs;
mod defaults;
mod encode;
mod event;
pub(crate) mod finish;
mod fit;
mod handoff;
mod init;
mod json;
pub(crate) mod limits;
mod performance;
mod pipeline;
mod raw;
mod raw_transaction;
#[cfg(test)]
pub(crate) mod test_rng;
#[cfg(feature = "test")]
pub(crate) mod testing;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use arc_swap::ArcSwapOption;

use self::defaults::Defaults;
#[cfg(any(feature = "log", feature = "tracing"))]
pub(crate) use self::event::attach_stacktrace;
pub(crate) use self::event::{
    event_from_debug, event_from_display, event_from_error, event_from_message,
};
pub use self::init::{ClientInitGuard, flush, init};
pub use self::performance::{start_span, start_transaction};
pub(crate) use self::pipeline::{CaptureScope, capture, capture_transaction};
use crate::options::ClientOptions;
use crate::protocol::Dsn;
use crate::transport::{Discards, Transport};

/// The installed client. `None` before `init` and after its guard is dropped.
static CLIENT: ArcSwapOption<Client> = ArcSwapOption::const_empty();

/// Counts `Client::swap`s: which installation a thread's remembered client belongs to.
static INSTALLATION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The client this thread last found and the installation it found it in (0: none yet).
    static LAST_FOUND: RefCell<(u64, Weak<Client>)> = const { RefCell::new((0, Weak::new())) };
}

/// A configured client: what a capture needs besides the scopes.
pub(crate) struct Client {
    options: ClientOptions,
    dsn: Option<Dsn>,
    transport: Arc<dyn Transport>,
    discards: Arc<Discards>,
    defaults: Arc<Defaults>,
}

impl Client {
    pub(crate) fn new(
        options: ClientOptions,
        dsn: Option<Dsn>,
        transport: Arc<dyn Transport>,
        discards: Arc<Discards>,
    ) -> Self {
        let defaults = Arc::new(Defaults::new(&options));
        Self {
            options,
            dsn,
            transport,
            discards,
            defaults,
        }
    }

    /// The installed client, if any.
    ///
    /// Each thread remembers the client it last found, weakly (a thread never keeps a removed
    /// client, or what its callbacks hold, alive), with the installation it belongs to: while
    /// no `swap` has happened since, the lookup is a counter read and a reference-count
    /// increment instead of an `ArcSwap` load (~75 instructions on every breadcrumb and capture).
    pub(crate) fn current() -> Option<Arc<Client>> {
        let installation = INSTALLATION.load(Ordering::Acquire);
        LAST_FOUND
            .try_with(|last| {
                let (seen, weak) = &mut *last.borrow_mut();
                if *seen == installation
                    && let Some(client) = weak.upgrade()
                {
                    return Some(client);
                }
                let client = CLIENT.load_full();
                *weak = client.as_ref().map_or_else(Weak::new, Arc::downgrade);
                *seen = installation;
                client
            })
            .unwrap_or_else(|_| CLIENT.load_full())
    }

    /// Installs `client` (or removes the client) and returns the previous one.
    /// Debug output follows the installed client's `debug` option.
    pub(crate) fn swap(client: Option<Arc<Client>>) -> Option<Arc<Client>> {
        crate::debug::set_enabled(client.as_ref().is_some_and(|c| c.options.debug));
        let previous = CLIENT.swap(client);
        // After the store: a thread that reads the new number finds the new client.
        INSTALLATION.fetch_add(1, Ordering::AcqRel);
        previous
    }

    pub(crate) fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub(crate) fn discards(&self) -> &Arc<Discards> {
        &self.discards
    }

    pub(crate) fn defaults(&self) -> &Arc<Defaults> {
        &self.defaults
    }

    pub(crate) fn dsn(&self) -> Option<&Dsn> {
        self.dsn.as_ref()
    }

    /// Writes a debug line to stderr when `debug` is on.
    pub(crate) fn debug_log(&self, msg: impl FnOnce() -> String) {
        if self.options.debug {
            eprintln!("[sentry-scopes] {}", msg());
        }
    }
}

#[cfg(all(test, feature = "test"))]
mod tests {
    use super::*;
    use crate::transport::testing::TestTransport;

    #[test]
    fn the_client_lookup_follows_swaps_and_keeps_no_removed_client_alive() {
        crate::test::with_captured_events(|| {
            let installed = Client::current().expect("a client is installed");
            let other = Arc::new(Client::new(
                ClientOptions::default(),
                None,
                TestTransport::new(),
                Arc::default(),
            ));
            let before = Client::swap(Some(other.clone()));
            let found = Client::current().expect("the new client");
            assert!(Arc::ptr_eq(&found, &other), "this thread sees the swap");
            drop(found);
            // A thread that looked the client up, and stays alive without looking again.
            let (looked, wait) = (std::sync::mpsc::channel(), std::sync::mpsc::channel::<()>());
            let other_at = Arc::as_ptr(&other) as usize;
            drop(other);
            let elsewhere = std::thread::spawn(move || {
                let seen = Client::current().is_some_and(|c| Arc::as_ptr(&c) as usize == other_at);
                let _ = looked.0.send(seen);
                let _ = wait.1.recv();
            });
            assert_eq!(
                looked.1.recv().ok(),
                Some(true),
                "another thread sees it too"
            );

            let removed = Client::swap(before);
            let found = Client::current().expect("the first client again");
            assert!(Arc::ptr_eq(&found, &installed));
            let gone = removed
                .as_ref()
                .map(Arc::downgrade)
                .expect("the swapped-out client");
            drop(removed);
            assert!(
                gone.upgrade().is_none(),
                "no thread keeps a removed client alive"
            );
            let _ = wait.0.send(());
            let _ = elsewhere.join();
        });
    }
}
