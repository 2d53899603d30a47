//! Discard counters: what was dropped, why, for client reports.

use std::collections::HashMap;
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
    counts: Mutex<HashMap<(DiscardReason, Category), u64>>,
    total: Mutex<HashMap<(DiscardReason, Category), u64>>,
}

impl Discards {
    /// Records `quantity` dropped items of `category` for `reason`.
    pub fn record(&self, reason: DiscardReason, category: Category, quantity: u64) {
        if quantity == 0 {
            return;
        }
        for map in [&self.counts, &self.total] {
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
        let map = self.total.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(reason, category)).copied().unwrap_or(0)
    }

    /// All totals, sorted, for inspection in tests.
    #[must_use]
    pub fn totals(&self) -> Vec<(DiscardReason, Category, u64)> {
        let map = self.total.lock().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<_> = map.iter().map(|(&(r, c), &n)| (r, c, n)).collect();
        all.sort_by_key(|&(r, c, _)| (format!("{r:?}"), format!("{c:?}")));
        all
    }

    /// Takes the counts recorded since the last call as a client report, or `None` if there are
    /// none.
    #[must_use]
    pub fn take_report(&self) -> Option<ClientReport> {
        let counts =
            std::mem::take(&mut *self.counts.lock().unwrap_or_else(PoisonError::into_inner));
        if counts.is_empty() {
            return None;
        }
        Some(ClientReport::new(counts.into_iter().map(
            |((reason, category), n)| DiscardedItem::new(category, reason, n),
        )))
    }
}
