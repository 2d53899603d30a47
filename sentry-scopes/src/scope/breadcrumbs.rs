//! The breadcrumb ring: a persistent, bounded, ordered list of shared breadcrumbs.
//!
//! Every stored breadcrumb carries a sequence number drawn from one process-wide counter, so the
//! rings of several scopes can be merged back into insertion order (scope-model.md 2.2, B02).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use super::crumb::CompactCrumb;

static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

/// One stored breadcrumb with its process-wide sequence number.
#[derive(Debug)]
pub(crate) struct StoredCrumb {
    /// The sequence number shifted left by one; the low bit says whether personal data is
    /// filtered out of its data when it is sent (`send_default_pii = false` when it was added).
    /// One word for both: a separate `bool` took 8 bytes of padding in every stored crumb.
    seq_strip: u64,
    pub(crate) crumb: CompactCrumb,
    /// Its JSON, written by the first capture that sends it. A stored breadcrumb never changes,
    /// so every later event that carries it copies these bytes instead of serialising again.
    /// Behind a thin pointer: most breadcrumbs are never sent, and the empty slot takes 16
    /// bytes instead of a boxed slice's 24 (8 per stored crumb, for one more small allocation
    /// per crumb that is sent).
    json: OnceLock<Box<Box<[u8]>>>,
}

impl StoredCrumb {
    /// Wraps a breadcrumb with the next sequence number; `strip` filters personal data out of
    /// what is sent (see [`json`](Self::json)).
    pub(crate) fn new(crumb: impl Into<CompactCrumb>, strip: bool) -> Arc<Self> {
        // 2^63 breadcrumbs are never reached, so the shift loses nothing.
        let seq = NEXT_SEQ.fetch_add(1, Ordering::Relaxed);
        Arc::new(Self {
            seq_strip: (seq << 1) | u64::from(strip),
            crumb: crumb.into(),
            json: OnceLock::new(),
        })
    }

    /// Its process-wide sequence number (the order breadcrumbs were added in).
    pub(crate) fn seq(&self) -> u64 {
        self.seq_strip >> 1
    }

    /// Whether personal data is filtered out of its data when it is sent.
    fn strip(&self) -> bool {
        self.seq_strip & 1 == 1
    }

    /// The breadcrumb as it is sent, as JSON, written on first use: with personal data filtered
    /// out if it was added so (`crate::pii`). Filtering here rather than when the breadcrumb is
    /// added keeps it off the thread that adds it, and most breadcrumbs are never sent. Empty
    /// if it cannot be serialised (the typed path would fail the same way), and then left out
    /// of events.
    pub(crate) fn json(&self) -> &[u8] {
        self.json.get_or_init(|| {
            Box::new(
                self.crumb
                    .write_json(self.strip())
                    .unwrap_or_default()
                    .into_boxed_slice(),
            )
        })
    }
}

/// A bounded list of breadcrumbs. Cloning it is O(1); so is a push onto a clone.
///
/// The list is persistent and singly linked, newest first: a push links a node that points at
/// the previous head (or adds to the head node when no other list shares it, see `Node`), so a
/// fork that adds a breadcrumb copies nothing of the
/// breadcrumbs it shares with its parent (an `imbl::Vector` copied a 64-slot chunk at each end
/// to push and to evict, ~3k instructions at 100 stored). The oldest entries are not unlinked on
/// every push: readers see the newest `cap`, and once the list links twice that, the value that
/// has itself taken `cap` pushes rebuilds it with the newest `cap` (O(cap) every `cap` pushes).
/// A fork never pays for rebuilding the list it inherited (else a fork of a parent at exactly
/// `2 × cap` would copy `cap` nodes for one push); at `3 × cap` any value rebuilds, which bounds
/// memory when every push is a copy-on-write. So 2 to 3 × `max_breadcrumbs` entries may stay
/// allocated per scope.
#[derive(Default)]
pub(crate) struct Breadcrumbs {
    head: Option<Arc<Node>>,
    /// Nodes reachable from `head`.
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
/// pushed onto `older`) instead of a new 32-byte node per breadcrumb: a scope taking many
/// breadcrumbs of its own keeps 8 bytes (plus `Vec` growth) per breadcrumb for the list. A node
/// is never changed once shared: a fork's push, or a push onto a list some snapshot still
/// holds, links a new node.
struct Node {
    newest: Arc<StoredCrumb>,
    older: Vec<Arc<StoredCrumb>>,
    next: Option<Arc<Node>>,
}

impl Drop for Breadcrumbs {
    /// Unlinks iteratively: a long list must not be dropped by recursion.
    fn drop(&mut self) {
        let mut next = self.head.take();
        while let Some(node) = next {
            // `into_inner` succeeds for exactly one of the last two owners of a shared tail.
            next = Arc::into_inner(node).and_then(|mut n| n.next.take());
        }
    }
}

impl std::fmt::Debug for Breadcrumbs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|c| &c.crumb))
            .finish()
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
    /// node, with room for `room` more breadcrumbs before its vector grows.
    fn from_oldest<'a>(
        crumbs: impl ExactSizeIterator<Item = &'a Arc<StoredCrumb>>,
        cap: usize,
        room: usize,
    ) -> Self {
        let mut older: Vec<Arc<StoredCrumb>> =
            Vec::with_capacity(crumbs.len().saturating_add(room));
        older.extend(crumbs.cloned());
        let Some(newest) = older.pop() else {
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

    /// Puts `crumb` at the head: into the head node when no other list shares it. A value
    /// that has not pushed since it was cloned (a fork) shares its head with its parent, so it
    /// links a node without asking (the uniqueness check is an atomic compare-and-swap).
    fn link(&mut self, crumb: Arc<StoredCrumb>) {
        let own = self.pushes > 0;
        if let Some(node) = self.head.as_mut().filter(|_| own).and_then(Arc::get_mut) {
            let previous = std::mem::replace(&mut node.newest, crumb);
            node.older.push(previous);
        } else {
            let next = self.head.take();
            self.head = Some(Arc::new(Node {
                newest: crumb,
                older: Vec::new(),
                next,
            }));
        }
        self.linked += 1;
    }

    /// Appends `crumb`, evicting the oldest entries beyond `max` (B04).
    ///
    /// Two threads adding to one scope draw their numbers before publishing, so a crumb can
    /// arrive after one with a higher number; the list is then rebuilt with it slotted in by
    /// number (rare, O(max)), because the capture-time merge relies on sorted lists. Returns
    /// whether a visible entry was pushed out.
    pub(crate) fn push(&mut self, crumb: Arc<StoredCrumb>, max: usize) -> bool {
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
            *self = Self::from_oldest(all.iter().skip(skip), max, 0);
            return evicts;
        }
        self.cap = max;
        self.link(crumb);
        self.pushes += 1;
        if (self.linked > max.saturating_mul(2) && self.pushes >= max)
            || self.linked > max.saturating_mul(3)
        {
            // The rebuilt node is this value's own: it takes the pushes up to the next rebuild
            // (`max` + 1 of them, `2 × max` at most while no fork shares it) in place, in a
            // vector reserved for them once rather than grown by copying ~`max` pointers at
            // each doubling.
            let newest: Vec<_> = self.newest_first().collect();
            *self = Self::from_oldest(newest.into_iter().rev(), max, max.saturating_add(1));
            self.pushes = 1;
        }
        evicts
    }

    /// The visible entries, newest first.
    fn newest_first(&self) -> impl Iterator<Item = &Arc<StoredCrumb>> {
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
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Arc<StoredCrumb>> {
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
        *self = Self::from_oldest(merged.into_iter(), max, 0);
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
        return only.iter().skip(skip).collect();
    }
    let total: usize = rings.iter().map(|r| r.len()).sum();
    let mut out: Vec<&Arc<StoredCrumb>> = Vec::with_capacity(total);
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

    fn crumb(msg: &str) -> Arc<StoredCrumb> {
        let crumb = Breadcrumb {
            message: Some(msg.into()),
            ..Default::default()
        };
        StoredCrumb::new(crumb, true)
    }

    fn messages(list: &[&Arc<StoredCrumb>]) -> Vec<String> {
        list.iter()
            .map(|c| c.crumb.message().unwrap_or_default().to_owned())
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
    fn forks_share_the_list_and_rebuilds_keep_the_newest() {
        let mut parent = Breadcrumbs::default();
        for i in 0..7 {
            parent.push(crumb(&i.to_string()), 3);
        }
        // 7 linked > 2 x 3 after >= 3 pushes: rebuilt at the 7th push, to the newest 3.
        assert_eq!(parent.linked, 3);
        for i in 7..10 {
            parent.push(crumb(&i.to_string()), 3);
        }
        assert_eq!(
            parent.linked, 6,
            "at 2 x cap: the next push of the parent rebuilds"
        );
        let mut fork = parent.clone();
        fork.push(crumb("f"), 3);
        assert_eq!(fork.linked, 7, "a fork's first push never rebuilds");
        let all = |r: &Breadcrumbs| messages(&r.iter().collect::<Vec<_>>());
        assert_eq!(all(&parent), ["7", "8", "9"]);
        assert_eq!(all(&fork), ["8", "9", "f"]);
        assert_eq!(fork.len(), 3);
        parent.push(crumb("p"), 3);
        assert_eq!(parent.linked, 3);
        assert_eq!(all(&parent), ["8", "9", "p"]);
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
    fn sequence_number_and_strip_flag_share_a_word() {
        let a = StoredCrumb::new(Breadcrumb::default(), true);
        let b = StoredCrumb::new(Breadcrumb::default(), false);
        assert!(a.strip());
        assert!(!b.strip());
        assert!(b.seq() > a.seq());
    }

    #[test]
    fn a_stored_crumb_takes_72_bytes() {
        // 144 while it held a `Breadcrumb`.
        assert_eq!(std::mem::size_of::<StoredCrumb>(), 72);
    }

    #[test]
    fn a_rebuilt_node_has_room_for_the_pushes_up_to_the_next_rebuild() {
        let mut ring = Breadcrumbs::default();
        for i in 0..7 {
            ring.push(crumb(&i.to_string()), 3);
        }
        let capacity = |r: &Breadcrumbs| r.head.as_ref().map(|n| n.older.capacity());
        let rebuilt = capacity(&ring);
        assert_eq!(ring.linked, 3, "rebuilt at the 7th push");
        for i in 7..10 {
            ring.push(crumb(&i.to_string()), 3);
        }
        assert_eq!(ring.linked, 6, "the pushes went into the rebuilt node");
        assert_eq!(capacity(&ring), rebuilt, "without growing it");
        assert_eq!(ring.head.as_ref().map(|n| n.older.len()), Some(5));
    }

    #[test]
    fn zero_capacity_stores_nothing() {
        let mut ring = Breadcrumbs::default();
        ring.push(crumb("x"), 0);
        assert!(ring.is_empty());
    }
}
