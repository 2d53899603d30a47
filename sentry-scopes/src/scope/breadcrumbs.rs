//! The breadcrumb ring: a persistent, bounded, ordered list of shared breadcrumbs.
//!
//! Every stored breadcrumb carries a sequence number drawn from one process-wide counter, so the
//! rings of several scopes can be merged back into insertion order (scope-model.md 2.2, B02).

use std::collections::VecDeque;
use std::sync::Arc;

pub(crate) use super::crumb::StoredCrumb;

/// A bounded list of breadcrumbs. Cloning it is O(1); so is a push onto a clone.
///
/// The list is persistent and singly linked, newest first: a push links a node that points at
/// the previous head (or adds to the head node when no other list shares it, see `Node`), so a
/// fork that adds a breadcrumb copies nothing of the
/// breadcrumbs it shares with its parent (an `imbl::Vector` copied a 64-slot chunk at each end
/// to push and to evict, ~3k instructions at 100 stored). Readers see the newest `cap`.
///
/// A scope that keeps adding breadcrumbs of its own pushes into its own head node; once that
/// node holds `cap`, each push drops the node's oldest entry and the nodes after it (which no
/// reader of this list sees any more) are unlinked. So a busy scope frees one breadcrumb per
/// breadcrumb it adds, as a ring would, and the allocator's per-thread cache hands that memory
/// straight to the next breadcrumb: freeing `cap` of them at once (the list was rebuilt every
/// `cap` pushes before) made each free ~4× dearer. A list whose pushes all link nodes (every
/// push a copy-on-write, because a snapshot shares the head each time) is rebuilt with the
/// newest `cap` once it links twice that and has taken `cap` pushes itself; a fork never pays
/// for rebuilding the list it inherited (else a fork of a parent at exactly `2 × cap` would
/// copy `cap` nodes for one push); at `3 × cap` any value rebuilds, which bounds memory. So up
/// to 3 × `max_breadcrumbs` entries may stay allocated per scope.
#[derive(Default)]
pub(crate) struct Breadcrumbs {
    head: Option<Arc<Node>>,
    /// Entries reachable from `head`.
    linked: usize,
    /// How many of the newest are visible (the `max` of the last push or merge).
    cap: usize,
    /// Pushes taken by this value since it was cloned, or since it rebuilt the list (which
    /// counts as one: the rebuilt head node is its own to push into). Zero for a fork, whose
    /// head node is its parent's.
    pushes: usize,
}

impl Clone for Breadcrumbs {
    /// A fork: the same list, and no pushes of its own yet.
    fn clone(&self) -> Self {
        Self {
            head: self.head.clone(),
            linked: self.linked,
            cap: self.cap,
            pushes: 0,
        }
    }
}

/// A run of consecutive breadcrumbs: `older` (oldest first), then `newest`.
///
/// A push onto a list whose head node no other list shares goes into that node (a pointer
/// pushed onto `older`) instead of a new node per breadcrumb: a scope taking many breadcrumbs
/// of its own keeps 8 bytes per breadcrumb for the list. A node is never changed once shared:
/// a fork's push, or a push onto a list some snapshot still holds, links a new node.
struct Node {
    newest: StoredCrumb,
    older: VecDeque<StoredCrumb>,
    next: Option<Arc<Node>>,
}

impl Drop for Breadcrumbs {
    fn drop(&mut self) {
        unlink(self.head.take());
    }
}

/// Drops a list iteratively: a long list must not be dropped by recursion.
fn unlink(mut next: Option<Arc<Node>>) {
    while let Some(node) = next {
        // `into_inner` succeeds for exactly one of the last two owners of a shared tail.
        next = Arc::into_inner(node).and_then(|mut n| n.next.take());
    }
}

impl std::fmt::Debug for Breadcrumbs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Breadcrumbs {
    fn empty(cap: usize) -> Self {
        Self {
            head: None,
            linked: 0,
            cap,
            pushes: 0,
        }
    }

    /// A list holding `crumbs` (oldest first), of which the newest `cap` are visible: one
    /// node, with room for one more breadcrumb before its deque grows (at `cap` entries the
    /// next push drops one, so a full node never grows).
    fn from_oldest<'a>(crumbs: impl ExactSizeIterator<Item = &'a StoredCrumb>, cap: usize) -> Self {
        let mut older: VecDeque<StoredCrumb> = VecDeque::with_capacity(crumbs.len());
        older.extend(crumbs.cloned());
        let Some(newest) = older.pop_back() else {
            return Self::empty(cap);
        };
        Self {
            linked: older.len() + 1,
            head: Some(Arc::new(Node {
                newest,
                older,
                next: None,
            })),
            cap,
            pushes: 0,
        }
    }

    /// Puts `crumb` at the head: into the head node when no other list shares it, dropping
    /// that node's oldest entries and the nodes after it once it holds `cap` (see the type's
    /// docs). A value that has not pushed since it was cloned (a fork) shares its head with its
    /// parent, so it links a node without asking (the uniqueness check is an atomic
    /// compare-and-swap).
    fn link(&mut self, crumb: StoredCrumb) {
        let own = self.pushes > 0;
        if let Some(node) = self.head.as_mut().filter(|_| own).and_then(Arc::get_mut) {
            let previous = std::mem::replace(&mut node.newest, crumb);
            node.older.push_back(previous);
            self.linked += 1;
            let held = node.older.len() + 1;
            if held >= self.cap {
                // One in, one out (more only if `max_breadcrumbs` shrank): a loop of
                // `pop_front` costs a third of a one-element `drain`.
                for _ in self.cap..held {
                    node.older.pop_front();
                }
                unlink(node.next.take());
                self.linked = self.cap;
            }
        } else {
            let next = self.head.take();
            self.head = Some(Arc::new(Node {
                newest: crumb,
                older: VecDeque::new(),
                next,
            }));
            self.linked += 1;
        }
    }

    /// Appends `crumb`, evicting the oldest entries beyond `max` (B04).
    ///
    /// Two threads adding to one scope draw their numbers before publishing, so a crumb can
    /// arrive after one with a higher number; the list is then rebuilt with it slotted in by
    /// number (rare, O(max)), because the capture-time merge relies on sorted lists. Returns
    /// whether a visible entry was pushed out.
    pub(crate) fn push(&mut self, crumb: StoredCrumb, max: usize) -> bool {
        if max == 0 {
            return false;
        }
        let evicts = self.len() >= max;
        if self
            .head
            .as_ref()
            .is_some_and(|h| h.newest.seq() > crumb.seq())
        {
            let mut all: Vec<_> = self.newest_first().cloned().collect();
            all.push(crumb);
            all.sort_by_key(|c| c.seq());
            let skip = all.len().saturating_sub(max);
            *self = Self::from_oldest(all.iter().skip(skip), max);
            return evicts;
        }
        self.cap = max;
        self.link(crumb);
        self.pushes += 1;
        if (self.linked > max.saturating_mul(2) && self.pushes >= max)
            || self.linked > max.saturating_mul(3)
        {
            // The rebuilt node is this value's own: the pushes that follow go into it, one
            // in and one out once it is full, so it never grows past the `max` it holds.
            let newest: Vec<_> = self.newest_first().collect();
            *self = Self::from_oldest(newest.into_iter().rev(), max);
            self.pushes = 1;
        }
        evicts
    }

    /// The visible entries, newest first.
    fn newest_first(&self) -> impl Iterator<Item = &StoredCrumb> {
        let mut node = self.head.as_deref();
        std::iter::from_fn(move || {
            let n = node?;
            node = n.next.as_deref();
            Some(n)
        })
        .flat_map(|n| std::iter::once(&n.newest).chain(n.older.iter().rev()))
        .take(self.cap)
    }

    pub(crate) fn len(&self) -> usize {
        self.linked.min(self.cap)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn clear(&mut self) {
        *self = Self::empty(self.cap);
    }

    /// The visible entries, oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &StoredCrumb> {
        let mut newest: Vec<_> = self.newest_first().collect();
        newest.reverse();
        newest.into_iter()
    }

    /// Layers `upper` over `self`: the union of both, in sequence order, without duplicates,
    /// cut from the front to `max` (used by `update_from_scope`).
    pub(crate) fn merge_from(&mut self, upper: &Self, max: usize) {
        if upper.is_empty() {
            return;
        }
        let merged = merge_sorted(&[self, upper], max);
        *self = Self::from_oldest(merged.into_iter(), max);
    }
}

/// Merges rings (each sorted by sequence number) into one list in insertion order, dropping
/// entries reachable through several rings, and keeps the newest `max` (B02, B05).
pub(crate) fn merge_sorted<'a>(rings: &[&'a Breadcrumbs], max: usize) -> Vec<&'a StoredCrumb> {
    // The usual case at capture: one layer holds breadcrumbs (top-level `add_breadcrumb`
    // writes to the isolation scope). Its ring is already in order and without duplicates.
    let mut non_empty = rings.iter().filter(|r| !r.is_empty());
    if let (Some(only), None) = (non_empty.next(), non_empty.next()) {
        let skip = only.len().saturating_sub(max);
        return only.iter().skip(skip).collect();
    }
    let total: usize = rings.iter().map(|r| r.len()).sum();
    let mut out: Vec<&StoredCrumb> = Vec::with_capacity(total);
    let mut iters: Vec<_> = rings.iter().map(|r| r.iter().peekable()).collect();
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (i, it) in iters.iter_mut().enumerate() {
            if let Some(c) = it.peek()
                && best.is_none_or(|(_, s)| c.seq() < s)
            {
                best = Some((i, c.seq()));
            }
        }
        let Some((i, seq)) = best else { break };
        if let Some(c) = iters[i].next()
            && out.last().is_none_or(|l| l.seq() != seq)
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

    use crate::protocol::Breadcrumb;

    fn crumb(msg: &str) -> StoredCrumb {
        let crumb = Breadcrumb {
            message: Some(msg.into()),
            ..Default::default()
        };
        StoredCrumb::new(crumb, true)
    }

    fn messages(list: &[&StoredCrumb]) -> Vec<String> {
        list.iter()
            .map(|c| c.message().unwrap_or_default().to_owned())
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
    fn a_full_own_node_drops_its_oldest_entry_at_each_push() {
        let mut ring = Breadcrumbs::default();
        let first = crumb("0");
        let first_alive = first.liveness();
        ring.push(first, 3);
        for i in 1..3 {
            ring.push(crumb(&i.to_string()), 3);
        }
        let node = |r: &Breadcrumbs| r.head.as_ref().map(Arc::as_ptr);
        let capacity = |r: &Breadcrumbs| r.head.as_ref().map(|n| n.older.capacity());
        let (full, room) = (node(&ring), capacity(&ring));
        assert!(first_alive());
        ring.push(crumb("3"), 3);
        assert!(
            !first_alive(),
            "the oldest is freed by the push that evicts it"
        );
        for i in 4..50 {
            ring.push(crumb(&i.to_string()), 3);
            assert_eq!(ring.linked, 3);
        }
        assert_eq!(node(&ring), full, "never rebuilt");
        assert_eq!(capacity(&ring), room, "never grown");
        let all = messages(&ring.iter().collect::<Vec<_>>());
        assert_eq!(all, ["47", "48", "49"]);
    }

    #[test]
    fn a_fork_unlinks_the_inherited_tail_once_its_own_node_is_full() {
        let mut parent = Breadcrumbs::default();
        for i in 0..3 {
            parent.push(crumb(&format!("p{i}")), 3);
        }
        let mut fork = parent.clone();
        fork.push(crumb("f0"), 3);
        assert_eq!(
            fork.linked, 4,
            "a fork's first push links a node onto the shared list"
        );
        let all = |r: &Breadcrumbs| messages(&r.iter().collect::<Vec<_>>());
        assert_eq!(all(&fork), ["p1", "p2", "f0"]);
        fork.push(crumb("f1"), 3);
        assert!(fork.head.as_ref().is_some_and(|n| n.next.is_some()));
        fork.push(crumb("f2"), 3);
        assert!(
            fork.head.as_ref().is_some_and(|n| n.next.is_none()),
            "the tail no reader sees is unlinked"
        );
        assert_eq!(fork.linked, 3);
        assert_eq!(all(&fork), ["f0", "f1", "f2"]);
        assert_eq!(all(&parent), ["p0", "p1", "p2"]);
    }

    #[test]
    fn copy_on_write_pushes_are_rebuilt_at_twice_the_cap() {
        let mut ring = Breadcrumbs::default();
        for i in 0..6 {
            let _snapshot = ring.clone();
            ring.push(crumb(&i.to_string()), 3);
        }
        assert_eq!(
            ring.linked, 6,
            "one node per push while a snapshot shares the head"
        );
        let _snapshot = ring.clone();
        ring.push(crumb("6"), 3);
        assert_eq!(ring.linked, 3, "rebuilt to the newest 3");
        assert_eq!(messages(&ring.iter().collect::<Vec<_>>()), ["4", "5", "6"]);
    }

    #[test]
    fn own_pushes_share_a_node_and_shared_nodes_never_change() {
        let mut parent = Breadcrumbs::default();
        for i in 0..5 {
            parent.push(crumb(&format!("p{i}")), 10);
        }
        let node = |r: &Breadcrumbs| r.head.as_ref().map(Arc::as_ptr);
        let first = node(&parent);
        parent.push(crumb("p5"), 10);
        assert_eq!(node(&parent), first, "an unshared head node takes the push");
        let mut fork = parent.clone();
        let snapshot = parent.clone();
        fork.push(crumb("f"), 10);
        parent.push(crumb("p6"), 10);
        assert_ne!(node(&parent), first, "a shared head node is never changed");
        let all = |r: &Breadcrumbs| messages(&r.iter().collect::<Vec<_>>());
        assert_eq!(all(&snapshot), ["p0", "p1", "p2", "p3", "p4", "p5"]);
        assert_eq!(all(&fork), ["p0", "p1", "p2", "p3", "p4", "p5", "f"]);
        assert_eq!(all(&parent), ["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
        assert_eq!(parent.linked, 7);
    }

    #[test]
    fn a_long_list_is_dropped_without_recursion() {
        let mut ring = Breadcrumbs::default();
        let shared = crumb("x");
        for _ in 0..100_000 {
            ring.push(shared.clone(), usize::MAX);
        }
        let fork = ring.clone();
        drop(ring);
        assert_eq!(fork.len(), 100_000);
        drop(fork);
    }

    #[test]
    fn a_long_tail_unlinked_by_a_full_node_is_dropped_without_recursion() {
        let mut ring = Breadcrumbs::default();
        let shared = crumb("x");
        for _ in 0..100_000 {
            let _snapshot = ring.clone();
            ring.push(shared.clone(), usize::MAX);
        }
        ring.push(crumb("last"), 1);
        assert_eq!(ring.linked, 1);
        assert_eq!(messages(&ring.iter().collect::<Vec<_>>()), ["last"]);
    }

    #[test]
    fn a_crumb_published_late_is_slotted_in_by_number() {
        let (first, second, third) = (crumb("first"), crumb("second"), crumb("third"));
        let mut ring = Breadcrumbs::default();
        ring.push(second, 10);
        ring.push(third, 10);
        ring.push(first, 10);
        assert_eq!(
            messages(&ring.iter().collect::<Vec<_>>()),
            ["first", "second", "third"]
        );
    }

    #[test]
    fn zero_capacity_stores_nothing() {
        let mut ring = Breadcrumbs::default();
        ring.push(crumb("x"), 0);
        assert!(ring.is_empty());
    }
}
