//! The breadcrumb ring: a persistent, bounded, ordered list of shared breadcrumbs.
//!
//! Every stored breadcrumb carries a sequence number drawn from one process-wide counter, so the
//! rings of several scopes can be merged back into insertion order (scope-model.md 2.2, B02).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::protocol::Breadcrumb;

static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

/// One stored breadcrumb with its process-wide sequence number.
#[derive(Debug)]
pub(crate) struct StoredCrumb {
    pub(crate) seq: u64,
    pub(crate) crumb: Breadcrumb,
}

impl StoredCrumb {
    /// Wraps a breadcrumb with the next sequence number.
    pub(crate) fn new(crumb: Breadcrumb) -> Arc<Self> {
        let seq = NEXT_SEQ.fetch_add(1, Ordering::Relaxed);
        Arc::new(Self { seq, crumb })
    }
}

/// A bounded ring of breadcrumbs, oldest first. Cloning it is O(1).
#[derive(Clone, Debug, Default)]
pub(crate) struct Breadcrumbs(imbl::Vector<Arc<StoredCrumb>>);

impl Breadcrumbs {
    /// Appends `crumb`, evicting the oldest entries beyond `max` (B04).
    pub(crate) fn push(&mut self, crumb: Arc<StoredCrumb>, max: usize) {
        if max == 0 {
            return;
        }
        self.0.push_back(crumb);
        while self.0.len() > max {
            self.0.pop_front();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn clear(&mut self) {
        self.0 = imbl::Vector::new();
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<StoredCrumb>> {
        self.0.iter()
    }

    /// Layers `upper` over `self`: the union of both, in sequence order, without duplicates,
    /// cut from the front to `max` (used by `update_from_scope`).
    pub(crate) fn merge_from(&mut self, upper: &Self, max: usize) {
        if upper.is_empty() {
            return;
        }
        let merged = merge_sorted(&[self, upper], max);
        self.0 = merged.into_iter().cloned().collect();
    }
}

/// Merges rings (each sorted by sequence number) into one list in insertion order, dropping
/// entries reachable through several rings, and keeps the newest `max` (B02, B05).
pub(crate) fn merge_sorted<'a>(rings: &[&'a Breadcrumbs], max: usize) -> Vec<&'a Arc<StoredCrumb>> {
    // The usual case at capture: one layer holds breadcrumbs (top-level `add_breadcrumb`
    // writes to the isolation scope). Its ring is already in order and without duplicates.
    let mut non_empty = rings.iter().filter(|r| !r.is_empty());
    if let (Some(only), None) = (non_empty.next(), non_empty.next()) {
        let skip = only.len().saturating_sub(max);
        return only.0.iter().skip(skip).collect();
    }
    let total: usize = rings.iter().map(|r| r.len()).sum();
    let mut out: Vec<&Arc<StoredCrumb>> = Vec::with_capacity(total);
    let mut iters: Vec<_> = rings.iter().map(|r| r.0.iter().peekable()).collect();
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (i, it) in iters.iter_mut().enumerate() {
            if let Some(c) = it.peek()
                && best.is_none_or(|(_, s)| c.seq < s)
            {
                best = Some((i, c.seq));
            }
        }
        let Some((i, seq)) = best else { break };
        if let Some(c) = iters[i].next()
            && out.last().is_none_or(|l| l.seq != seq)
        {
            out.push(c);
        }
    }
    let cut = out.len().saturating_sub(max);
    out.drain(..cut);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crumb(msg: &str) -> Arc<StoredCrumb> {
        StoredCrumb::new(Breadcrumb {
            message: Some(msg.into()),
            ..Default::default()
        })
    }

    fn messages(list: &[&Arc<StoredCrumb>]) -> Vec<String> {
        list.iter()
            .map(|c| c.crumb.message.clone().unwrap_or_default())
            .collect()
    }

    #[test]
    fn push_evicts_oldest_beyond_max() {
        let mut ring = Breadcrumbs::default();
        for i in 0..5 {
            ring.push(crumb(&i.to_string()), 3);
        }
        assert_eq!(messages(&ring.iter().collect::<Vec<_>>()), ["2", "3", "4"]);
    }

    #[test]
    fn merge_interleaves_by_sequence_and_dedups_shared_entries() {
        let mut a = Breadcrumbs::default();
        let mut b = Breadcrumbs::default();
        a.push(crumb("a1"), 10);
        let shared = b.clone();
        b.push(crumb("b1"), 10);
        a.push(crumb("a2"), 10);
        let fork = a.clone();
        let merged = merge_sorted(&[&a, &b, &fork, &shared], 10);
        assert_eq!(messages(&merged), ["a1", "b1", "a2"]);
        assert_eq!(messages(&merge_sorted(&[&a, &b], 2)), ["b1", "a2"]);
    }

    #[test]
    fn zero_capacity_stores_nothing() {
        let mut ring = Breadcrumbs::default();
        ring.push(crumb("x"), 0);
        assert!(ring.is_empty());
    }
}
