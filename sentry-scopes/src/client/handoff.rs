//! Where the client calls its transport: building it, handing it envelopes, flushing and
//! shutting it down. The transport may be the application's own
//! ([`ClientOptions::transport`](crate::ClientOptions::transport)), so a panic in any of
//! these calls is caught here: it never reaches the thread that captured, flushed or dropped
//! the guard, where a panic during unwinding would abort the process.

use std::sync::Arc;
use std::time::Duration;

use super::Client;
use crate::debug::{call_user, catch_user};
use crate::error::InitError;
use crate::transport::{
    DiscardReason, EncodedEnvelope, Loss, Transport, TransportContext, TransportFactory,
};

impl Client {
    /// Hands `envelope` to the transport. When the transport panics, what the envelope
    /// carried is counted as lost (`internal_sdk_error`): the panic may have come before or
    /// after it was queued, and a loss not counted is worse than one counted twice.
    pub(crate) fn send(&self, envelope: EncodedEnvelope) {
        // Read before the envelope moves into the transport: one or two as a rule, so the
        // first two wait on the stack and only a larger envelope allocates for the rest.
        let mut kept: [Option<Loss>; 2] = [None; 2];
        let mut more = Vec::new();
        let mut n = 0;
        for losses in envelope.item_losses() {
            for &loss in losses {
                match kept.get_mut(n) {
                    Some(slot) => *slot = Some(loss),
                    None => more.push(loss),
                }
                n += 1;
            }
        }
        let sent = call_user("the transport's send_envelope", || {
            self.transport.send_envelope(envelope);
        });
        if sent.is_none() {
            let losses = kept.into_iter().flatten().chain(more);
            self.discards
                .record_losses(losses, DiscardReason::InternalSdkError);
        }
    }

    /// Flushes the transport; `false` when it did not empty its queue in `timeout`, or
    /// panicked.
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        call_user("the transport's flush", || self.transport.flush(timeout)).unwrap_or(false)
    }

    /// Shuts the transport down; `false` when its queue was not empty after `timeout`, or it
    /// panicked.
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        call_user("the transport's shutdown", || {
            self.transport.shutdown(timeout)
        })
        .unwrap_or(false)
    }
}

/// Builds the transport with `factory`. A factory (or a transport's `install`) that panics is
/// an [`InitError::Transport`] that carries the panic's message, as one that fails is.
pub(crate) fn create_transport(
    factory: &dyn TransportFactory,
    ctx: &TransportContext<'_>,
) -> Result<Arc<dyn Transport>, InitError> {
    catch_user(|| factory.create_transport(ctx)).unwrap_or_else(|panic| {
        Err(InitError::Transport(format!(
            "the transport factory panicked: {panic}"
        )))
    })
}
