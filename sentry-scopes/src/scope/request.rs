//! The HTTP request a scope's events and transactions report, built when one is sent.

use std::fmt;
use std::sync::Arc;

use sentry_types::protocol::v7::Request;

/// Builds the protocol [`Request`] of a unit of work on demand: an integration records what
/// it needs (method, URI, headers) when the request arrives, and the event's `request` is
/// written from it only if an event or transaction of that request is sent, on the thread
/// that encodes it. What is built is unfiltered: the outgoing filter (`crate::pii`) removes
/// credentials and personal data unless `send_default_pii`, as for any event.
#[derive(Clone)]
pub(crate) struct RequestSource(Arc<dyn Fn() -> Request + Send + Sync>);

impl RequestSource {
    /// A source that calls `build` for each event that reports the request.
    #[cfg(feature = "tower")]
    pub(crate) fn new(build: impl Fn() -> Request + Send + Sync + 'static) -> Self {
        Self(Arc::new(build))
    }

    /// A source that gives a copy of `request` each time.
    #[cfg(test)]
    pub(crate) fn fixed(request: Request) -> Self {
        Self(Arc::new(move || request.clone()))
    }

    /// The request, built now.
    pub(crate) fn build(&self) -> Request {
        (self.0)()
    }
}

impl fmt::Debug for RequestSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestSource").finish_non_exhaustive()
    }
}
