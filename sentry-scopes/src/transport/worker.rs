//! What one sending thread does with one envelope: the policy's decisions (rate limits,
//! back-off, cache) taken under its lock, then, without the lock, the envelope written (a
//! deferred one is encoded here), stamped, compressed and sent, and the answer handed back to
//! the policy.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Instant, SystemTime};

use super::envelope::{EncodedEnvelope, Loss};
use super::policy::{Origin, Policy, Sent};
use super::{DiscardReason, Discards};

/// Sends one request body; what the transport thread drives. Must not panic and must return
/// within its own time limit.
pub(crate) trait Sender: Send + 'static {
    /// Sends `body`, an encoded envelope; `backlog` envelopes wait behind it.
    fn send(&mut self, body: &[u8], backlog: usize) -> Reply;
}

/// What came back for one request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// An HTTP answer.
    Http {
        /// Status code.
        status: u16,
        /// `X-Sentry-Rate-Limits`.
        rate_limits: Option<String>,
        /// `Retry-After`.
        retry_after: Option<String>,
        /// The start of the body, for the debug log.
        body: String,
    },
    /// No usable answer: connection refused or reset, time-out, not HTTP.
    Failed(String),
}

/// Debug lines to stderr with the DSN's keys replaced by `***`.
#[derive(Debug, Clone)]
pub(crate) struct Log {
    pub(crate) enabled: bool,
    pub(crate) secrets: Vec<String>,
}

impl Log {
    pub(crate) fn line(&self, msg: impl FnOnce() -> String) {
        if self.enabled {
            eprintln!("[sentry-scopes] transport: {}", self.redact(msg()));
        }
    }

    fn redact(&self, mut text: String) -> String {
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }
}

/// One sending thread's part: its own connection, and the shared policy.
pub(crate) struct Worker {
    policy: Arc<Mutex<Policy>>,
    sender: Box<dyn Sender>,
    discards: Arc<Discards>,
    log: Log,
}

impl Worker {
    pub(crate) fn new(
        policy: Arc<Mutex<Policy>>,
        sender: Box<dyn Sender>,
        discards: Arc<Discards>,
        log: Log,
    ) -> Self {
        Self {
            policy,
            sender,
            discards,
            log,
        }
    }

    fn policy(&self) -> MutexGuard<'_, Policy> {
        self.policy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Handles an envelope from the queue, with the pending client report attached.
    pub(crate) fn send_queued(&mut self, envelope: EncodedEnvelope, backlog: usize) {
        let now = Instant::now();
        let (blocked, to_cache) = {
            let policy = self.policy();
            (policy.blocked(&envelope, now), policy.backing_off(now))
        };
        let Some(mut envelope) = self.drop_blocked(envelope, &blocked) else {
            return;
        };
        if to_cache {
            // The server failed a moment ago: straight to the cache, without a request.
            let losses: Vec<Loss> = envelope.losses().collect();
            let body = envelope.stamped(SystemTime::now());
            self.policy().store(&body, &losses);
            return;
        }
        if let Some(report) = self.discards.take_report() {
            envelope = envelope.with_report(&report);
        }
        self.deliver(envelope, Origin::Queue, backlog);
    }

    /// Sends the pending client report on its own, if there is one (on flush). While the server
    /// is failing the counts stay pending: a report must not take a place in the cache.
    pub(crate) fn send_report(&mut self) {
        if self.policy().backing_off(Instant::now()) {
            return;
        }
        if let Some(report) = self.discards.take_report() {
            self.send_queued(EncodedEnvelope::report(&report), 0);
        }
    }

    /// Whether the last answer was a success (a helper thread sends only then).
    pub(crate) fn healthy(&self) -> bool {
        self.policy().healthy()
    }

    /// When the oldest cached envelope should be retried (see `Policy::cache_retry_at`).
    pub(crate) fn cache_retry_at(&self, now: Instant) -> Option<Instant> {
        self.policy().cache_retry_at(now)
    }

    /// Retries the oldest cached envelope, unless another thread is retrying one.
    pub(crate) fn send_cached(&mut self) {
        let (path, cache) = {
            let mut policy = self.policy();
            let Some(path) = policy.take_cached() else {
                return;
            };
            (path, policy.cache().cloned())
        };
        let parsed = cache
            .as_ref()
            .map_or(Ok(Vec::new()), |c| c.read(&path).map_err(|e| e.to_string()))
            .and_then(|bytes| EncodedEnvelope::from_slice(&bytes));
        match parsed {
            Err(e) => self.policy().unusable(&path, &e),
            Ok(envelope) => {
                let before = envelope.items().len();
                let blocked = self.policy().blocked(&envelope, Instant::now());
                match self.drop_blocked(envelope, &blocked) {
                    None => self.policy().forget(&path),
                    Some(envelope) => {
                        let changed = envelope.items().len() != before;
                        let origin = Origin::Cache {
                            path: &path,
                            changed,
                        };
                        self.deliver(envelope, origin, 0);
                    }
                }
            }
        }
        self.policy().cached_done();
    }

    /// Drops the items of `blocked` kinds (rate-limited), counting them; `None` when nothing
    /// is left.
    fn drop_blocked(
        &self,
        envelope: EncodedEnvelope,
        blocked: &[super::envelope::ItemKind],
    ) -> Option<EncodedEnvelope> {
        if blocked.is_empty() {
            return Some(envelope);
        }
        let mut dropped = 0;
        let kept = envelope.retain(|item| {
            let drop = blocked.contains(&item.kind);
            if drop {
                dropped += 1;
                self.discards
                    .record_item(item, DiscardReason::RatelimitBackoff);
            }
            !drop
        });
        self.log
            .line(|| format!("{dropped} item(s) dropped: rate limited by the server"));
        kept
    }

    /// Writes, stamps and sends the envelope, without the policy's lock, then lets the policy
    /// judge the answer.
    fn deliver(&mut self, envelope: EncodedEnvelope, origin: Origin<'_>, backlog: usize) {
        let losses: Vec<Loss> = envelope.losses().collect();
        let report_only = envelope.is_report_only();
        let body = envelope.stamped(SystemTime::now());
        drop(envelope);
        let started = Instant::now();
        let reply = self.sender.send(&body, backlog);
        let now = Instant::now();
        let sent = Sent {
            body: &body,
            losses: &losses,
            report_only,
            origin,
        };
        self.policy().outcome(sent, reply, started, now);
    }
}
