//! Rate limits the server announced: `429` + `Retry-After`, and `X-Sentry-Rate-Limits` on any
//! answer (Bugsink sends `86400:transaction;span:organization` on every one of them).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::envelope::ItemKind;

/// How long a `429` without any usable header blocks everything (the Sentry default).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Upper bound for one announced limit, so a bogus header cannot silence the SDK for years.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// Deadlines until which items must not be sent, for all items or per data category.
#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    all: Option<Instant>,
    categories: HashMap<String, Instant>,
}

impl RateLimits {
    /// Takes in the rate-limit headers of a response with `status`. `X-Sentry-Rate-Limits`, when
    /// present, is authoritative; otherwise a `429` blocks everything for `Retry-After` seconds
    /// (60 s when that is missing or not a number).
    pub(crate) fn update(
        &mut self,
        status: u16,
        rate_limits: Option<&str>,
        retry_after: Option<&str>,
        now: Instant,
    ) {
        if let Some(header) = rate_limits.filter(|h| !h.trim().is_empty()) {
            for group in header.split(',') {
                self.update_group(group.trim(), now);
            }
        } else if status == 429 {
            let secs = retry_after
                .and_then(parse_seconds)
                .unwrap_or(DEFAULT_RETRY_AFTER);
            extend(&mut self.all, now + secs);
        }
    }

    /// One `<seconds>:<category>;<category>…:<scope>[:<reason>…]` group; an empty category
    /// list means every category. Malformed groups are ignored.
    fn update_group(&mut self, group: &str, now: Instant) {
        let mut parts = group.split(':');
        let Some(secs) = parts.next().and_then(parse_seconds) else {
            return;
        };
        let until = now + secs;
        match parts.next().map(str::trim) {
            None | Some("") => extend(&mut self.all, until),
            Some(list) => {
                for category in list.split(';').map(str::trim).filter(|c| !c.is_empty()) {
                    let slot = self.categories.entry(category.to_owned()).or_insert(until);
                    *slot = (*slot).max(until);
                }
            }
        }
    }

    /// Until when an item of `kind` is blocked, if it is at `now`.
    pub(crate) fn blocked_until(&self, kind: ItemKind, now: Instant) -> Option<Instant> {
        let by_category = categories_of(kind)
            .iter()
            .filter_map(|c| self.categories.get(*c).copied())
            .max();
        [self.all, by_category]
            .into_iter()
            .flatten()
            .filter(|t| *t > now)
            .max()
    }

    /// Until when everything is blocked, if it is at `now`.
    pub(crate) fn all_blocked_until(&self, now: Instant) -> Option<Instant> {
        self.all.filter(|t| *t > now)
    }
}

fn extend(slot: &mut Option<Instant>, until: Instant) {
    *slot = Some(slot.map_or(until, |t| t.max(until)));
}

/// A non-negative number of seconds (fractions round up). An HTTP date is not accepted here:
/// the caller falls back to the default then.
fn parse_seconds(s: &str) -> Option<Duration> {
    let secs: f64 = s.trim().parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    // Clamped before the conversion: `from_secs_f64` panics on values beyond `Duration::MAX`.
    Some(Duration::from_secs_f64(
        secs.ceil().min(MAX_RETRY_AFTER.as_secs_f64()),
    ))
}

/// The rate-limit data categories an item counts against (Relay's names).
fn categories_of(kind: ItemKind) -> &'static [&'static str] {
    match kind {
        ItemKind::Event => &["error", "default"],
        ItemKind::Transaction => &["transaction"],
        ItemKind::Attachment => &["attachment"],
        ItemKind::Session => &["session"],
        ItemKind::ClientReport => &["internal"],
        ItemKind::CheckIn => &["monitor"],
        ItemKind::Other => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ItemKind {
        ItemKind::Event
    }
    fn transaction() -> ItemKind {
        ItemKind::Transaction
    }
    fn attachment() -> ItemKind {
        ItemKind::Attachment
    }

    #[test]
    fn bugsink_header_blocks_transactions_but_not_errors() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(200, Some("86400:transaction;span:organization"), None, now);
        assert!(rl.blocked_until(event(), now).is_none());
        assert!(rl.blocked_until(attachment(), now).is_none());
        let until = rl
            .blocked_until(transaction(), now)
            .expect("transactions blocked");
        assert_eq!(until - now, Duration::from_secs(86400));
        assert!(rl.all_blocked_until(now).is_none());
    }

    #[test]
    fn empty_category_list_blocks_everything() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(
            429,
            Some("60::key, 86400:transaction;span:organization"),
            Some("5"),
            now,
        );
        // The Sentry header wins over Retry-After.
        assert_eq!(
            rl.all_blocked_until(now),
            Some(now + Duration::from_secs(60))
        );
        assert!(rl.blocked_until(event(), now).is_some());
        assert!(rl.blocked_until(ItemKind::ClientReport, now).is_some());
        assert!(
            rl.blocked_until(event(), now + Duration::from_secs(61))
                .is_none()
        );
    }

    #[test]
    fn retry_after_without_sentry_header() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(429, None, Some("2.5"), now);
        assert_eq!(
            rl.all_blocked_until(now),
            Some(now + Duration::from_secs(3))
        );
        let mut rl = RateLimits::default();
        rl.update(429, None, Some("Wed, 21 Oct 2015 07:28:00 GMT"), now);
        assert_eq!(rl.all_blocked_until(now), Some(now + DEFAULT_RETRY_AFTER));
        let mut rl = RateLimits::default();
        rl.update(429, None, None, now);
        assert_eq!(rl.all_blocked_until(now), Some(now + DEFAULT_RETRY_AFTER));
        // Retry-After on a non-429 answer means nothing.
        let mut rl = RateLimits::default();
        rl.update(503, None, Some("30"), now);
        assert!(rl.all_blocked_until(now).is_none());
    }

    #[test]
    fn per_category_limits_and_garbage() {
        let now = Instant::now();
        let mut rl = RateLimits::default();
        rl.update(
            200,
            Some("garbage, -5:error:key, nan:error:key, 10:error;attachment:key:quota"),
            None,
            now,
        );
        assert_eq!(
            rl.blocked_until(event(), now),
            Some(now + Duration::from_secs(10))
        );
        assert!(rl.blocked_until(attachment(), now).is_some());
        assert!(rl.blocked_until(transaction(), now).is_none());
        // A shorter later limit does not shorten a longer one.
        rl.update(200, Some("1:error:key"), None, now);
        assert_eq!(
            rl.blocked_until(event(), now),
            Some(now + Duration::from_secs(10))
        );
        // Huge values are capped, also those beyond what a `Duration` holds.
        rl.update(200, Some("1e12:attachment:key"), None, now);
        assert_eq!(
            rl.blocked_until(attachment(), now),
            Some(now + MAX_RETRY_AFTER)
        );
        rl.update(200, Some("1e300:transaction:key"), None, now);
        assert_eq!(
            rl.blocked_until(transaction(), now),
            Some(now + MAX_RETRY_AFTER)
        );
        let mut rl = RateLimits::default();
        rl.update(429, None, Some("1e300"), now);
        assert_eq!(rl.all_blocked_until(now), Some(now + MAX_RETRY_AFTER));
    }
}
