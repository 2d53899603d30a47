//! The `with_captured_*` helpers (feature `test`): run a closure with a recording client.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use super::Client;
use crate::context::{ScopeGuard, global, thread::Active};
use crate::options::ClientOptions;
use crate::protocol::{Envelope, Event};
use crate::scope::ScopeData;
use crate::transport::Discards;
use crate::transport::testing::{TestTransport, events_of};

static TEST_LOCK: Mutex<()> = Mutex::new(());

/// Runs `f` with a recording client (default options), a fresh global scope and fresh scopes
/// on this thread, restores everything, and returns the events sent, in order, including those
/// of threads `f` spawned and joined. Tests using it run one at a time (a process-wide lock).
///
/// ```
/// use sentry_scopes::{Level, capture_message, test::with_captured_events};
/// let events = with_captured_events(|| {
///     capture_message("one", Level::Info);
/// });
/// assert_eq!(events.len(), 1);
/// ```
pub fn with_captured_events(f: impl FnOnce()) -> Vec<Event<'static>> {
    with_captured_events_options(ClientOptions::default(), f)
}

/// [`with_captured_events`] with client options (`max_breadcrumbs`, `sample_rate`,
/// `before_send`, `before_breadcrumb`, …); the transport option is replaced by the recorder.
pub fn with_captured_events_options(
    options: ClientOptions,
    f: impl FnOnce(),
) -> Vec<Event<'static>> {
    events_of(&with_captured_envelopes_options(options, f))
}

/// [`with_captured_events`], returning whole envelopes (attachments included).
pub fn with_captured_envelopes(f: impl FnOnce()) -> Vec<Envelope> {
    with_captured_envelopes_options(ClientOptions::default(), f)
}

/// [`with_captured_envelopes`] with client options.
pub fn with_captured_envelopes_options(options: ClientOptions, f: impl FnOnce()) -> Vec<Envelope> {
    let _lock = TEST_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let transport = TestTransport::new();
    let discards = Arc::new(Discards::default());
    transport.set_discards(discards.clone());
    let client = Client::new(options, None, transport.clone(), discards);
    let previous_client = Client::swap(Some(Arc::new(client)));
    let previous_global = global().data();
    global().store(Arc::new(ScopeData::default()));
    let guard = ScopeGuard::enter(Active::fresh());

    let result = catch_unwind(AssertUnwindSafe(f));

    drop(guard);
    global().store(previous_global);
    Client::swap(previous_client);
    if let Err(panic) = result {
        resume_unwind(panic);
    }
    transport.take()
}
