//! Discard counters: what was dropped, why, for client reports.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

#[cfg(feature = "http")]
use super::envelope::ItemMeta;
use super::envelope::{EncodedEnvelope, Loss};
use crate::protocol::{Category, ClientReport, DiscardedItem};

/// Why an item was dropped before it reached the server (client reports).
pub type DiscardReason = crate::protocol::Reason;

/// Counts of dropped items by reason and category, turned into `client_report` items.
///
/// ```
/// use sentry_scopes::{Discards, DiscardReason};
/// use sentry_scopes::protocol::Category;
///
/// let discards = Discards::default();
/// discards.record(DiscardReason::SampleRate, Category::Error, 2);
/// assert_eq!(discards.count(DiscardReason::SampleRate, Category::Error), 2);
/// assert!(discards.take_report().is_some());
/// assert!(discards.take_report().is_none());
/// ```
#[derive(Debug, Default)]
pub struct Discards {
    /// Counts since the last report, for the reasons and categories the protocol knows today:
    /// lock-free, as a dropped breadcrumb or span is counted on the application's thread.
    pending: Counters,
    total: Counters,
    /// Any other pair (a variant added to the protocol crate later).
    other_pending: Mutex<HashMap<(DiscardReason, Category), u64>>,
    other_total: Mutex<HashMap<(DiscardReason, Category), u64>>,
}

const REASONS: [DiscardReason; 9] = [
    DiscardReason::SendError,
    DiscardReason::InternalSdkError,
    DiscardReason::NetworkError,
    DiscardReason::RatelimitBackoff,
    DiscardReason::QueueOverflow,
    DiscardReason::BufferOverflow,
    DiscardReason::EventProcessor,
    DiscardReason::BeforeSend,
    DiscardReason::SampleRate,
];

const CATEGORIES: [Category; 10] = [
    Category::Error,
    Category::Session,
    Category::Transaction,
    Category::Span,
    Category::Attachment,
    Category::Monitor,
    Category::LogItem,
    Category::LogByte,
    Category::TraceMetric,
    Category::TraceMetricByte,
];

/// One counter per known (reason, category) pair.
#[derive(Debug)]
struct Counters([[AtomicU64; CATEGORIES.len()]; REASONS.len()]);

impl Default for Counters {
    fn default() -> Self {
        Self(std::array::from_fn(|_| {
            std::array::from_fn(|_| AtomicU64::new(0))
        }))
    }
}

impl Counters {
    fn slot(&self, reason: DiscardReason, category: Category) -> Option<&AtomicU64> {
        let r = REASONS.iter().position(|x| *x == reason)?;
        let c = CATEGORIES.iter().position(|x| *x == category)?;
        Some(&self.0[r][c])
    }

    /// Every non-zero counter, with what `read` makes of it (a load or a swap to zero).
    fn collect(&self, read: impl Fn(&AtomicU64) -> u64) -> Vec<(DiscardReason, Category, u64)> {
        let mut out = Vec::new();
        for (r, row) in self.0.iter().enumerate() {
            for (c, counter) in row.iter().enumerate() {
                let n = read(counter);
                if n > 0 {
                    out.push((REASONS[r], CATEGORIES[c], n));
                }
            }
        }
        out
    }
}

impl Discards {
    /// Records `quantity` dropped items of `category` for `reason`.
    pub fn record(&self, reason: DiscardReason, category: Category, quantity: u64) {
        if quantity == 0 {
            return;
        }
        if let (Some(p), Some(t)) = (
            self.pending.slot(reason, category),
            self.total.slot(reason, category),
        ) {
            p.fetch_add(quantity, Ordering::Relaxed);
            t.fetch_add(quantity, Ordering::Relaxed);
            return;
        }
        for map in [&self.other_pending, &self.other_total] {
            let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
            *map.entry((reason, category)).or_default() += quantity;
        }
    }

    /// Records every item of `envelope` as dropped for `reason`. The counts of a client report in
    /// it are recorded again under their original reasons, so that a later report carries them.
    pub fn record_envelope(&self, envelope: &EncodedEnvelope, reason: DiscardReason) {
        self.record_losses(envelope.losses(), reason);
    }

    /// [`record_envelope`](Self::record_envelope) for one item.
    #[cfg(feature = "http")]
    pub(crate) fn record_item(&self, item: &ItemMeta, reason: DiscardReason) {
        self.record_losses(item.losses().iter().copied(), reason);
    }

    /// Records `losses` for `reason`, or each under the reason it already carries.
    pub(crate) fn record_losses(
        &self,
        losses: impl IntoIterator<Item = Loss>,
        reason: DiscardReason,
    ) {
        for loss in losses {
            self.record(loss.reason.unwrap_or(reason), loss.category, loss.quantity);
        }
    }

    /// Everything recorded since the client started for `reason` and `category` (reports already
    /// taken included).
    #[must_use]
    pub fn count(&self, reason: DiscardReason, category: Category) -> u64 {
        match self.total.slot(reason, category) {
            Some(t) => t.load(Ordering::Relaxed),
            None => {
                let map = self
                    .other_total
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                map.get(&(reason, category)).copied().unwrap_or(0)
            }
        }
    }

    /// All totals, sorted, for inspection in tests.
    #[must_use]
    pub fn totals(&self) -> Vec<(DiscardReason, Category, u64)> {
        let mut all = self.total.collect(|c| c.load(Ordering::Relaxed));
        let other = self
            .other_total
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        all.extend(other.iter().map(|(&(r, c), &n)| (r, c, n)));
        all.sort_by_key(|&(r, c, _)| (format!("{r:?}"), format!("{c:?}")));
        all
    }

    /// Takes the counts recorded since the last call as a client report, or `None` if there are
    /// none.
    #[must_use]
    pub fn take_report(&self) -> Option<ClientReport> {
        let mut counts = self.pending.collect(|c| c.swap(0, Ordering::Relaxed));
        let other = std::mem::take(
            &mut *self
                .other_pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        counts.extend(other.into_iter().map(|((r, c), n)| (r, c, n)));
        if counts.is_empty() {
            return None;
        }
        Some(ClientReport::new(counts.into_iter().map(
            |(reason, category, n)| DiscardedItem::new(category, reason, n),
        )))
    }
}
