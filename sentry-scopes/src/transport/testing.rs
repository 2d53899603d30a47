//! The recording transport and the `with_captured_*` helpers (feature `test`).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, PoisonError};

use super::{Discards, Transport, TransportContext};
use crate::client::{Client, ClientOptions};
use crate::context::{ScopeGuard, global, thread::Active};
use crate::protocol::{Category, Envelope, EnvelopeItem, Event};
use crate::scope::ScopeData;
use crate::transport::DiscardReason;

/// A transport that records every envelope in memory, and sees the client's discard counts.
///
/// ```
/// use sentry_scopes::{ClientOptions, Level, test::TestTransport};
///
/// let transport = TestTransport::new();
/// let guard = sentry_scopes::init(ClientOptions::new().transport(transport.clone())).unwrap();
/// sentry_scopes::capture_message("hi", Level::Info);
/// drop(guard);
/// assert_eq!(transport.events().len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct TestTransport {
    envelopes: Mutex<Vec<Envelope>>,
    discards: Mutex<Option<Arc<Discards>>>,
}

impl TestTransport {
    /// A new, empty transport; pass a clone to [`ClientOptions::transport`].
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every envelope received so far, in order.
    #[must_use]
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.envelopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The events of every envelope received so far, in order.
    #[must_use]
    pub fn events(&self) -> Vec<Event<'static>> {
        events_of(&self.envelopes())
    }

    /// How many items of `category` the client dropped for `reason`.
    #[must_use]
    pub fn discarded(&self, reason: DiscardReason, category: Category) -> u64 {
        let discards = self.discards.lock().unwrap_or_else(PoisonError::into_inner);
        discards.as_ref().map_or(0, |d| d.count(reason, category))
    }

    fn take(&self) -> Vec<Envelope> {
        std::mem::take(
            &mut *self
                .envelopes
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }
}

impl Transport for TestTransport {
    fn send_envelope(&self, envelope: Envelope) {
        self.envelopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(envelope);
    }

    fn install(&self, ctx: &TransportContext<'_>) {
        *self.discards.lock().unwrap_or_else(PoisonError::into_inner) = Some(ctx.discards.clone());
    }
}

fn events_of(envelopes: &[Envelope]) -> Vec<Event<'static>> {
    envelopes
        .iter()
        .flat_map(Envelope::items)
        .filter_map(|item| match item {
            EnvelopeItem::Event(e) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

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
    *transport
        .discards
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(discards.clone());
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
