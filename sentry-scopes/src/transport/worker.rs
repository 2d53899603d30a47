//! What the transport thread does with one envelope: rate limits, client reports, stamping,
//! sending, and what each answer means (drop and count, cache, back off).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::cache::Cache;
use super::envelope::{EncodedEnvelope, Loss};
use super::ratelimit::RateLimits;
use super::{DiscardReason, Discards};

/// First wait after the server failed, doubled on each further failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A cached envelope answered with this many `500`s (not 502/503/504: those say the server is
/// away, not that the envelope is bad) is given up on, so one poison envelope cannot block the
/// cache forever.
const MAX_SERVER_ERRORS: u32 = 3;

/// Sends one request body; what the transport thread drives. Must not panic and must return
/// within its own time limit.
pub(crate) trait Sender: Send + 'static {
    /// Sends `body`, an encoded envelope.
    fn send(&mut self, body: &[u8]) -> Reply;
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

/// Where an envelope being delivered came from.
enum Origin<'a> {
    Queue,
    /// A cache file; `changed` when rate limits removed items since it was written.
    Cache {
        path: &'a Path,
        changed: bool,
    },
}

/// The state of the transport thread between envelopes.
pub(crate) struct Worker {
    sender: Box<dyn Sender>,
    limits: RateLimits,
    cache: Option<Cache>,
    /// How many files the cache is believed to hold.
    cached: usize,
    backoff: Duration,
    backoff_until: Option<Instant>,
    server_errors: HashMap<PathBuf, u32>,
    discards: Arc<Discards>,
    log: Log,
}

impl Worker {
    pub(crate) fn new(
        sender: Box<dyn Sender>,
        cache: Option<Cache>,
        discards: Arc<Discards>,
        log: Log,
    ) -> Self {
        let cached = cache
            .as_ref()
            .and_then(|c| c.entries().ok())
            .map_or(0, |e| e.len());
        if cached > 0 {
            log.line(|| format!("{cached} envelope(s) in the offline cache from an earlier run"));
        }
        Self {
            sender,
            limits: RateLimits::default(),
            cache,
            cached,
            backoff: Duration::ZERO,
            backoff_until: None,
            server_errors: HashMap::new(),
            discards,
            log,
        }
    }

    /// Handles an envelope from the queue, with the pending client report attached.
    pub(crate) fn send_queued(&mut self, envelope: EncodedEnvelope) {
        let now = Instant::now();
        let Some(mut envelope) = self.apply_limits(envelope, now) else {
            return;
        };
        if self.cache.is_some() && self.backoff_until.is_some_and(|t| t > now) {
            // The server failed a moment ago: straight to the cache, without a request.
            let losses: Vec<Loss> = envelope.losses().collect();
            self.store(&envelope.stamped(SystemTime::now()), &losses);
            return;
        }
        if let Some(report) = self.discards.take_report() {
            envelope = envelope.with_report(&report);
        }
        self.deliver(envelope, Origin::Queue);
    }

    /// Sends the pending client report on its own, if there is one (on flush). While the server
    /// is failing the counts stay pending: a report must not take a place in the cache.
    pub(crate) fn send_report(&mut self) {
        if self.backoff_until.is_some_and(|t| t > Instant::now()) {
            return;
        }
        if let Some(report) = self.discards.take_report() {
            self.send_queued(EncodedEnvelope::report(&report));
        }
    }

    /// When the oldest cached envelope should be retried: `None` when nothing is cached,
    /// otherwise once the back-off and any global rate limit are over.
    pub(crate) fn cache_retry_at(&self, now: Instant) -> Option<Instant> {
        if self.cache.is_none() || self.cached == 0 {
            return None;
        }
        let wait = [self.backoff_until, self.limits.all_blocked_until(now)];
        Some(wait.into_iter().flatten().max().unwrap_or(now).max(now))
    }

    /// Retries the oldest cached envelope.
    pub(crate) fn send_cached(&mut self) {
        let Some(path) = self.cache.as_ref().and_then(Cache::oldest) else {
            self.cached = 0;
            return;
        };
        let parsed = self
            .cache
            .as_ref()
            .map_or(Ok(Vec::new()), |c| c.read(&path).map_err(|e| e.to_string()))
            .and_then(|bytes| EncodedEnvelope::from_slice(&bytes));
        let envelope = match parsed {
            Ok(envelope) => envelope,
            Err(e) => {
                self.log
                    .line(|| format!("skipped unusable cache entry {}: {e}", path.display()));
                if let Some(cache) = &self.cache {
                    cache.discard(&path);
                }
                self.server_errors.remove(&path);
                self.cached = self.cached.saturating_sub(1);
                return;
            }
        };
        let before = envelope.items().len();
        match self.apply_limits(envelope, Instant::now()) {
            None => self.forget(&path),
            Some(envelope) => {
                let changed = envelope.items().len() != before;
                self.deliver(
                    envelope,
                    Origin::Cache {
                        path: &path,
                        changed,
                    },
                );
            }
        }
    }

    /// Drops rate-limited items, counting them; `None` when nothing is left.
    fn apply_limits(&mut self, envelope: EncodedEnvelope, now: Instant) -> Option<EncodedEnvelope> {
        let limits = &self.limits;
        let discards = &self.discards;
        let mut dropped = 0;
        let kept = envelope.retain(|item| {
            let blocked = limits.blocked_until(item.kind, now).is_some();
            if blocked {
                dropped += 1;
                discards.record_item(item, DiscardReason::RatelimitBackoff);
            }
            !blocked
        });
        if dropped > 0 {
            self.log
                .line(|| format!("{dropped} item(s) dropped: rate limited by the server"));
        }
        kept
    }

    fn deliver(&mut self, envelope: EncodedEnvelope, origin: Origin<'_>) {
        let losses: Vec<Loss> = envelope.losses().collect();
        let report_only = envelope.is_report_only();
        let body = envelope.stamped(SystemTime::now());
        let started = Instant::now();
        let reply = self.sender.send(&body);
        let now = Instant::now();
        match reply {
            Reply::Http {
                status,
                rate_limits,
                retry_after,
                body: answer,
            } => {
                self.limits
                    .update(status, rate_limits.as_deref(), retry_after.as_deref(), now);
                match status {
                    200..=299 => {
                        self.log.line(|| {
                            format!(
                                "sent {} bytes: HTTP {status} in {:?}",
                                body.len(),
                                now - started
                            )
                        });
                        self.backoff = Duration::ZERO;
                        self.backoff_until = None;
                        if let Origin::Cache { path, .. } = origin {
                            self.forget(path);
                        }
                    }
                    429 => {
                        self.log
                            .line(|| "HTTP 429: rate limited; envelope dropped".to_owned());
                        self.lose(&losses, DiscardReason::RatelimitBackoff, origin);
                    }
                    300..=499 => {
                        self.log
                            .line(|| format!("HTTP {status}, envelope dropped: {}", answer.trim()));
                        self.lose(&losses, DiscardReason::SendError, origin);
                    }
                    _ => {
                        self.log
                            .line(|| format!("HTTP {status} from the server: {}", answer.trim()));
                        let counts = !matches!(status, 502..=504);
                        self.server_failed(report_only, &body, &losses, origin, counts, now);
                    }
                }
            }
            Reply::Failed(error) => {
                self.log
                    .line(|| format!("sending failed after {:?}: {error}", now - started));
                self.server_failed(report_only, &body, &losses, origin, false, now);
            }
        }
    }

    /// 5xx or no answer: cache the envelope (or keep it cached) and back off, else drop it.
    fn server_failed(
        &mut self,
        report_only: bool,
        body: &[u8],
        losses: &[Loss],
        origin: Origin<'_>,
        counts: bool,
        now: Instant,
    ) {
        if self.cache.is_none() {
            self.record(losses, DiscardReason::NetworkError);
            return;
        }
        self.backoff = (self.backoff * 2).clamp(FIRST_BACKOFF, MAX_BACKOFF);
        self.backoff_until = Some(now + self.backoff);
        if report_only {
            // A lone client report takes no place in the cache: its counts go back.
            self.record(losses, DiscardReason::NetworkError);
            return;
        }
        self.log.line(|| {
            format!(
                "server unavailable; retrying cached envelopes in {:?}",
                self.backoff
            )
        });
        match origin {
            Origin::Queue => self.store(body, losses),
            Origin::Cache { path, changed } => {
                let strikes = self.server_errors.entry(path.to_owned()).or_default();
                *strikes += u32::from(counts);
                if *strikes >= MAX_SERVER_ERRORS {
                    self.log.line(|| {
                        format!(
                            "giving up on {} after {MAX_SERVER_ERRORS} server errors",
                            path.display()
                        )
                    });
                    self.record(losses, DiscardReason::SendError);
                    self.forget(path);
                } else if changed {
                    // Store what is left, so the dropped items are not counted again.
                    self.forget(path);
                    self.store(body, losses);
                }
            }
        }
    }

    /// Writes `body` to the cache; evicted envelopes are counted as `buffer_overflow`.
    fn store(&mut self, body: &[u8], losses: &[Loss]) {
        let Some(cache) = &self.cache else {
            return self.record(losses, DiscardReason::NetworkError);
        };
        match cache.store(body) {
            Ok(evicted) => {
                self.cached = self.cached + 1 - evicted.len().min(self.cached + 1);
                for old in evicted {
                    self.log
                        .line(|| "offline cache full: oldest envelope dropped".to_owned());
                    match EncodedEnvelope::from_slice(&old) {
                        Ok(env) => self
                            .discards
                            .record_envelope(&env, DiscardReason::BufferOverflow),
                        Err(_) => self.discards.record(
                            DiscardReason::BufferOverflow,
                            crate::protocol::Category::Error,
                            1,
                        ),
                    }
                }
            }
            Err(e) => {
                self.log
                    .line(|| format!("could not write to the offline cache: {e}"));
                self.record(losses, DiscardReason::NetworkError);
            }
        }
    }

    /// The server refused the envelope for good.
    fn lose(&mut self, losses: &[Loss], reason: DiscardReason, origin: Origin<'_>) {
        self.record(losses, reason);
        if let Origin::Cache { path, .. } = origin {
            self.forget(path);
        }
    }

    fn record(&self, losses: &[Loss], reason: DiscardReason) {
        self.discards.record_losses(losses.iter().copied(), reason);
    }

    fn forget(&mut self, path: &Path) {
        if let Some(cache) = &self.cache
            && !cache.remove(path)
        {
            self.log.line(|| {
                format!(
                    "could not delete {} from the offline cache; it is not sent again by this \
                     process",
                    path.display()
                )
            });
        }
        self.server_errors.remove(path);
        self.cached = self.cached.saturating_sub(1);
    }
}
