//! The decisions of the transport that outlive one request: rate limits, back-off, the offline
//! cache's bookkeeping, and what each answer means. One `Policy` is shared by the sending
//! threads and locked only for these decisions, never while a request or encoding runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::Cache;
use super::envelope::{EncodedEnvelope, ItemKind, Loss};
use super::ratelimit::RateLimits;
use super::worker::{Log, Reply};
use super::{DiscardReason, Discards};

/// First wait after the server failed, doubled on each further failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A cached envelope answered with this many `500`s (not 502/503/504: those say the server is
/// away, not that the envelope is bad) is given up on, so one poison envelope cannot block the
/// cache forever.
const MAX_SERVER_ERRORS: u32 = 3;

/// Where an envelope being delivered came from.
pub(crate) enum Origin<'a> {
    Queue,
    /// A cache file; `changed` when rate limits removed items since it was written.
    Cache {
        path: &'a Path,
        changed: bool,
    },
}

/// A request's envelope, as the answer to it needs it.
pub(crate) struct Sent<'a> {
    pub(crate) body: &'a [u8],
    pub(crate) losses: &'a [Loss],
    pub(crate) report_only: bool,
    pub(crate) origin: Origin<'a>,
}

/// The state the sending threads share between envelopes.
pub(crate) struct Policy {
    limits: RateLimits,
    cache: Option<Cache>,
    /// How many files the cache is believed to hold.
    cached: usize,
    backoff: Duration,
    backoff_until: Option<Instant>,
    server_errors: HashMap<PathBuf, u32>,
    /// Whether a thread is retrying a cached envelope (one at a time, oldest first).
    cache_busy: bool,
    /// Whether the last answer was a success.
    healthy: bool,
    discards: Arc<Discards>,
    log: Log,
}

impl Policy {
    pub(crate) fn new(cache: Option<Cache>, discards: Arc<Discards>, log: Log) -> Self {
        let cached = cache
            .as_ref()
            .and_then(|c| c.entries().ok())
            .map_or(0, |e| e.len());
        if cached > 0 {
            log.line(|| format!("{cached} envelope(s) in the offline cache from an earlier run"));
        }
        Self {
            limits: RateLimits::default(),
            cache,
            cached,
            backoff: Duration::ZERO,
            backoff_until: None,
            server_errors: HashMap::new(),
            cache_busy: false,
            healthy: false,
            discards,
            log,
        }
    }

    /// The item kinds the server's rate limits block at `now`.
    pub(crate) fn blocked(&self, envelope: &EncodedEnvelope, now: Instant) -> Vec<ItemKind> {
        envelope
            .kinds()
            .filter(|kind| self.limits.blocked_until(*kind, now).is_some())
            .collect()
    }

    /// Whether the last answer was a success.
    pub(crate) fn healthy(&self) -> bool {
        self.healthy
    }

    /// Whether an envelope must go straight to the cache (the server failed a moment ago).
    pub(crate) fn backing_off(&self, now: Instant) -> bool {
        self.cache.is_some() && self.backoff_until.is_some_and(|t| t > now)
    }

    /// Takes the oldest cached envelope for one thread to retry (`None` when another thread is
    /// retrying one, or nothing is cached).
    pub(crate) fn take_cached(&mut self) -> Option<PathBuf> {
        if self.cache_busy {
            return None;
        }
        let Some(path) = self.cache.as_ref().and_then(Cache::oldest) else {
            self.cached = 0;
            return None;
        };
        self.cache_busy = true;
        Some(path)
    }

    /// A retry taken with `take_cached` is over.
    pub(crate) fn cached_done(&mut self) {
        self.cache_busy = false;
    }

    /// A cache entry that could not be read or parsed: skipped from now on.
    pub(crate) fn unusable(&mut self, path: &Path, error: &str) {
        self.log
            .line(|| format!("skipped unusable cache entry {}: {error}", path.display()));
        if let Some(cache) = &self.cache {
            cache.discard(path);
        }
        self.server_errors.remove(path);
        self.cached = self.cached.saturating_sub(1);
    }

    pub(crate) fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    /// When the oldest cached envelope should be retried: `None` when nothing is cached,
    /// otherwise once the back-off and any global rate limit are over.
    pub(crate) fn cache_retry_at(&self, now: Instant) -> Option<Instant> {
        if self.cache.is_none() || self.cached == 0 || self.cache_busy {
            return None;
        }
        let wait = [self.backoff_until, self.limits.all_blocked_until(now)];
        Some(wait.into_iter().flatten().max().unwrap_or(now).max(now))
    }

    /// What the answer to a request means: delivered, refused for good (counted), or the
    /// server failed (cached and backed off, or counted).
    pub(crate) fn outcome(&mut self, sent: Sent<'_>, reply: Reply, started: Instant, now: Instant) {
        let Sent {
            body,
            losses,
            report_only,
            origin,
        } = sent;
        self.healthy = matches!(
            reply,
            Reply::Http {
                status: 200..=299,
                ..
            }
        );
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
                        self.lose(losses, DiscardReason::RatelimitBackoff, origin);
                    }
                    300..=499 => {
                        self.log
                            .line(|| format!("HTTP {status}, envelope dropped: {}", answer.trim()));
                        self.lose(losses, DiscardReason::SendError, origin);
                    }
                    _ => {
                        self.log
                            .line(|| format!("HTTP {status} from the server: {}", answer.trim()));
                        let counts = !matches!(status, 502..=504);
                        self.server_failed(report_only, body, losses, origin, counts, now);
                    }
                }
            }
            Reply::Failed(error) => {
                self.log
                    .line(|| format!("sending failed after {:?}: {error}", now - started));
                self.server_failed(report_only, body, losses, origin, false, now);
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
    pub(crate) fn store(&mut self, body: &[u8], losses: &[Loss]) {
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

    pub(crate) fn forget(&mut self, path: &Path) {
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
