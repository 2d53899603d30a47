//! Transports: where envelopes go once the pipeline has produced them.
//!
//! Without a DSN, [`PrintTransport`] prints them. With one, the HTTP transport (feature `http`)
//! sends them: `thread.rs` holds the bounded queue and the sending thread, `worker.rs` decides
//! what happens to each envelope (rate limits in `ratelimit.rs`, the offline cache in
//! `cache.rs`, client reports from `discards.rs`), `encode.rs` turns it into a request body and
//! `http.rs` posts it with reqwest. Every transport gets events that went through `crate::pii`
//! and `limits.rs` first ([`finish_event`]).

#[cfg(feature = "http")]
mod cache;
mod discards;
#[cfg(feature = "http")]
mod encode;
#[cfg(feature = "http")]
mod fit;
#[cfg(feature = "http")]
mod http;
pub(crate) mod limits;
mod print;
#[cfg(feature = "http")]
mod ratelimit;
#[cfg(feature = "test")]
pub(crate) mod testing;
#[cfg(feature = "http")]
mod thread;
#[cfg(feature = "http")]
mod worker;

use std::sync::Arc;
use std::time::Duration;

pub use self::discards::{DiscardReason, Discards};
pub(crate) use self::limits::MAX_EVENT_BYTES;
pub(crate) use self::print::PrintTransport;
use crate::client::ClientOptions;
use crate::error::InitError;
use crate::protocol::{Dsn, Envelope, Event, Transaction};

/// Sends envelopes somewhere. Implementations must never block the caller of `send_envelope`
/// on the network: queue and return.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use sentry_scopes::{ClientOptions, Envelope, Transport};
///
/// #[derive(Default)]
/// struct Collect(Mutex<Vec<Envelope>>);
/// impl Transport for Collect {
///     fn send_envelope(&self, envelope: Envelope) {
///         self.0.lock().unwrap_or_else(|e| e.into_inner()).push(envelope);
///     }
/// }
///
/// let sink = Arc::new(Collect::default());
/// let guard = sentry_scopes::init(ClientOptions::new().transport(sink.clone())).unwrap();
/// sentry_scopes::capture_message("hi", sentry_scopes::Level::Info);
/// drop(guard);
/// assert_eq!(sink.0.lock().unwrap().len(), 1);
/// ```
pub trait Transport: Send + Sync + 'static {
    /// Queues `envelope` for sending. Must not block on I/O.
    fn send_envelope(&self, envelope: Envelope);

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

    /// Whether `send_envelope` may be given events already serialised, as raw envelopes
    /// ([`Envelope::from_bytes_raw`]: [`items`](Envelope::items) is empty, and
    /// [`to_writer`](Envelope::to_writer) writes the bytes as they are). Default `false`.
    ///
    /// A capture that no event processor or `before_send` needs to see as an [`Event`] is then
    /// written to JSON straight from the scopes, without building the event's tag map and
    /// breadcrumb list: several times less work for an event with many tags and breadcrumbs.
    /// Say `true` only if the transport writes envelopes out without looking into them, as the
    /// built-in transport without a DSN does. The HTTP transport does not: it reads each item's
    /// category for rate limits and client reports, and it serialises on its own thread.
    ///
    /// ```
    /// use sentry_scopes::{Envelope, Transport};
    ///
    /// struct Stdout;
    /// impl Transport for Stdout {
    ///     fn send_envelope(&self, envelope: Envelope) {
    ///         let _ = envelope.to_writer(std::io::stdout().lock());
    ///     }
    ///     fn accepts_raw_envelopes(&self) -> bool {
    ///         true
    ///     }
    /// }
    /// # let _guard = sentry_scopes::init(sentry_scopes::ClientOptions::new()
    /// #     .transport(std::sync::Arc::new(Stdout))).unwrap();
    /// # sentry_scopes::capture_message("hi", sentry_scopes::Level::Info);
    /// ```
    fn accepts_raw_envelopes(&self) -> bool {
        false
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

/// The last step before an event becomes an envelope, after `before_send`: personal data out
/// unless `send_default_pii`, then Sentry's size limits (tags, message). Events over 1 MiB are
/// trimmed later, by the HTTP transport, where they are serialised anyway.
pub(crate) fn finish_event(event: &mut Event<'static>, options: &ClientOptions) {
    if !options.send_default_pii {
        crate::pii::strip_event(event);
    }
    limits::trim_event(event);
}

/// [`finish_event`] for transactions.
pub(crate) fn finish_transaction(txn: &mut Transaction<'static>, options: &ClientOptions) {
    if !options.send_default_pii {
        crate::pii::strip_transaction(txn);
    }
    limits::trim_transaction(txn);
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

    #[test]
    fn outgoing_events_lose_pii_and_respect_limits() {
        use crate::protocol::{Event, User};
        let mut event = Event {
            user: Some(User {
                ip_address: Some(sentry_types::protocol::v7::IpAddress::Auto),
                ..User::default()
            }),
            ..Event::default()
        };
        event.tags.insert("t".repeat(240), "v".into());
        let mut options = crate::ClientOptions::new();
        super::finish_event(&mut event, &options);
        assert_eq!(event.user.as_ref().unwrap().ip_address, None);
        assert!(event.tags.keys().all(|k| k.len() == 200));

        options.send_default_pii = true;
        event.user.as_mut().unwrap().ip_address = Some(sentry_types::protocol::v7::IpAddress::Auto);
        super::finish_event(&mut event, &options);
        assert!(event.user.unwrap().ip_address.is_some());
    }
}
