//! Transports: delivery of the envelopes the capture pipeline has encoded.
//!
//! The pipeline hands every transport an [`EncodedEnvelope`]: bytes written once on the
//! capturing thread, with a description of each item. Without a DSN, [`PrintTransport`] prints
//! them. With one, the HTTP transport (feature `http`) sends them: `thread.rs` holds the bounded
//! queue and the sending thread, `worker.rs` decides what happens to each envelope (rate limits
//! in `ratelimit.rs`, the offline cache in `cache/`, client reports from `discards.rs`) and
//! `http.rs` posts it with reqwest (TLS from `tls.rs`, through the proxy `proxy.rs` picks). Nothing here builds, changes or serialises an event.

#[cfg(feature = "http")]
mod cache;
#[cfg(feature = "http")]
mod compress;
mod discards;
mod envelope;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "http")]
mod policy;
mod print;
#[cfg(feature = "http")]
mod proxy;
#[cfg(feature = "http")]
mod ratelimit;
#[cfg(feature = "test")]
pub(crate) mod testing;
#[cfg(feature = "http")]
mod thread;
#[cfg(feature = "http")]
mod tls;
#[cfg(feature = "http")]
mod worker;

use std::sync::Arc;
use std::time::Duration;

pub use self::discards::{DiscardReason, Discards};
pub use self::envelope::EncodedEnvelope;
pub(crate) use self::envelope::{Encoded, ItemKind, Loss, Writer, attachment_summary};
pub(crate) use self::print::PrintTransport;
use crate::error::InitError;
use crate::options::ClientOptions;
use crate::protocol::Dsn;

/// Sends envelopes somewhere. Implementations must never block the caller of `send_envelope`
/// on the network: queue and return.
///
/// A panic in any method is caught by the client and never reaches the application's thread:
/// a panicking `send_envelope` has what the envelope carried counted as lost
/// (`internal_sdk_error` in client reports), a panicking `flush` or `shutdown` returns `false`,
/// and a panicking `install` (or [`TransportFactory`]) makes `init` fail with
/// [`InitError::Transport`].
///
/// Envelopes arrive encoded ([`EncodedEnvelope`]): write [`as_bytes`](EncodedEnvelope::as_bytes)
/// wherever they go, or [`parse`](EncodedEnvelope::parse) them to look inside.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use sentry_scopes::{ClientOptions, EncodedEnvelope, Transport};
///
/// #[derive(Default)]
/// struct Collect(Mutex<Vec<EncodedEnvelope>>);
/// impl Transport for Collect {
///     fn send_envelope(&self, envelope: EncodedEnvelope) {
///         self.0.lock().unwrap_or_else(|e| e.into_inner()).push(envelope);
///     }
/// }
///
/// let sink = Arc::new(Collect::default());
/// let guard = sentry_scopes::init(ClientOptions::new().transport(sink.clone())).unwrap();
/// sentry_scopes::capture_message("hi", sentry_scopes::Level::Info);
/// drop(guard);
/// let sent = sink.0.lock().unwrap();
/// assert_eq!(sent[0].item_types().collect::<Vec<_>>(), ["event"]);
/// let event = sent[0].parse().unwrap().event().cloned().unwrap();
/// assert_eq!(event.message.as_deref(), Some("hi"));
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Queues `envelope` for sending. Must not block on I/O.
    fn send_envelope(&self, envelope: EncodedEnvelope);

    /// Waits until everything queued was handled or `timeout` passed; `true` if the queue emptied.
    fn flush(&self, timeout: Duration) -> bool {
        let _ = timeout;
        true
    }

    /// Called once when an instance given as the transport (an `Arc<T>`) is installed, with the
    /// client's context; a transport that records discards keeps `ctx.discards` here.
    fn install(&self, ctx: &TransportContext<'_>) {
        let _ = ctx;
    }

    /// Flushes, then stops; called once when the client goes away.
    fn shutdown(&self, timeout: Duration) -> bool {
        self.flush(timeout)
    }
}

/// What a [`TransportFactory`] gets to build a transport from.
#[derive(Debug)]
pub struct TransportContext<'a> {
    /// The client's options.
    pub options: &'a ClientOptions,
    /// The parsed DSN, if any.
    pub dsn: Option<&'a Dsn>,
    /// The client's discard counters: a transport records what it drops here, and sends the
    /// resulting client reports.
    pub discards: &'a Arc<Discards>,
}

/// Creates the transport of a client at [`init`](crate::init).
///
/// Implemented for closures `Fn(&TransportContext) -> Arc<dyn Transport>` and for
/// `Arc<T: Transport>` (which hands out itself after [`Transport::install`]).
pub trait TransportFactory: Send + Sync + 'static {
    /// Builds the transport.
    ///
    /// # Errors
    /// When the transport cannot be created; `init` then fails with that error.
    fn create_transport(&self, ctx: &TransportContext<'_>)
    -> Result<Arc<dyn Transport>, InitError>;
}

impl<F> TransportFactory for F
where
    F: Fn(&TransportContext<'_>) -> Arc<dyn Transport> + Send + Sync + 'static,
{
    fn create_transport(
        &self,
        ctx: &TransportContext<'_>,
    ) -> Result<Arc<dyn Transport>, InitError> {
        Ok(self(ctx))
    }
}

impl<T: Transport> TransportFactory for Arc<T> {
    fn create_transport(
        &self,
        ctx: &TransportContext<'_>,
    ) -> Result<Arc<dyn Transport>, InitError> {
        self.install(ctx);
        Ok(self.clone())
    }
}

/// The default transport for these options: HTTP with a DSN (feature `http`), the stdout
/// printer without.
pub(crate) fn default_transport(
    ctx: &TransportContext<'_>,
) -> Result<Arc<dyn Transport>, InitError> {
    match ctx.dsn {
        None => Ok(Arc::new(PrintTransport::new())),
        #[cfg(feature = "http")]
        Some(dsn) => http::create(ctx, dsn),
        #[cfg(not(feature = "http"))]
        Some(_) => Err(InitError::NoHttpTransport),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(not(feature = "http"))]
    fn a_dsn_without_the_http_feature_is_an_error_that_says_how_to_fix_it() {
        let err = crate::init("https://key@sentry.example.com/1").unwrap_err();
        assert!(matches!(err, crate::InitError::NoHttpTransport));
        assert!(err.to_string().contains("`http` feature"), "{err}");
    }
}
