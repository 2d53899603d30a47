//! The recording transport (feature `test`).

use std::sync::{Arc, Mutex, PoisonError};

use super::{DiscardReason, Discards, EncodedEnvelope, Transport, TransportContext};
use crate::protocol::{Category, Envelope, EnvelopeItem, Event};

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
    envelopes: Mutex<Vec<EncodedEnvelope>>,
    discards: Mutex<Option<Arc<Discards>>>,
}

impl TestTransport {
    /// A new, empty transport; pass a clone to [`ClientOptions::transport`](crate::ClientOptions::transport).
    #[must_use]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Every envelope received so far, in order, parsed (an envelope the protocol crate cannot
    /// parse is left out: the SDK never writes one).
    #[must_use]
    pub fn envelopes(&self) -> Vec<Envelope> {
        parsed(
            &self
                .envelopes
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Every envelope received so far, in order, as the transport received it.
    #[must_use]
    pub fn encoded(&self) -> Vec<EncodedEnvelope> {
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

    /// Takes the envelopes received so far, parsed.
    pub(crate) fn take(&self) -> Vec<Envelope> {
        parsed(&std::mem::take(
            &mut *self
                .envelopes
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        ))
    }

    /// Shares the client's discard counters (the test helpers install clients by hand).
    pub(crate) fn set_discards(&self, discards: Arc<Discards>) {
        *self.discards.lock().unwrap_or_else(PoisonError::into_inner) = Some(discards);
    }
}

fn parsed(envelopes: &[EncodedEnvelope]) -> Vec<Envelope> {
    envelopes.iter().filter_map(|e| e.parse().ok()).collect()
}

impl Transport for TestTransport {
    fn send_envelope(&self, envelope: EncodedEnvelope) {
        self.envelopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(envelope);
    }

    fn install(&self, ctx: &TransportContext<'_>) {
        *self.discards.lock().unwrap_or_else(PoisonError::into_inner) = Some(ctx.discards.clone());
    }
}

pub(crate) fn events_of(envelopes: &[Envelope]) -> Vec<Event<'static>> {
    envelopes
        .iter()
        .flat_map(Envelope::items)
        .filter_map(|item| match item {
            EnvelopeItem::Event(e) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}
