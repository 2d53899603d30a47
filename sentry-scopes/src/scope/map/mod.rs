//! `ScopeMap`: the persistent map behind a scope's tags, extra and contexts.
//!
//! A write to a forked scope must not cost more because the parent is large. An `imbl::OrdMap`
//! insert copies one root-to-leaf path, and every copied node clones its ≤ 16 keys and values
//! (an atomic increment each, and a decrement when the fork is dropped): at 10,000 tags that is
//! four nodes and ~130 reference counts per write, against none at 0 tags.
//!
//! So a `ScopeMap` keeps a shared `base` that forks never copy and a small `top` of the writes
//! made since the last flatten (a removal of a base key is a `None` there). The typical fork
//! (`#[with_scope(tag(..))]`, a few writes, then dropped) writes only into its small `top`,
//! whatever the size of `base`.
//!
//! `top` is a small sorted array, rebuilt by each write (one allocation, a clone of at most a
//! few dozen entries): cheaper than an `OrdMap` node's copy-on-write at this size.
//!
//! `base` is itself a sorted array while it holds at most [`FLAT_LIMIT`] keys, and an
//! `imbl::OrdMap` beyond: an `OrdMap` leaf has room for 16 entries whatever it holds, so a map
//! of 20 tags took three nodes (~1.5 kB) where an array takes 16 + 32 × 20 bytes. A fold into
//! an array rebuilds it (one allocation, a clone of at most [`FLAT_LIMIT`] entries); forks never
//! fold what they inherited, so the array is only rebuilt by the scope that writes it.
//!
//! A scope that takes many writes folds `top` into `base` once `top` holds more than
//! [`FLATTEN_AT`] keys, so it pays what a plain map would, amortised. Only a map value that has
//! itself taken [`FLATTEN_AT`] writes since it was cloned folds: a fork must never pay for
//! folding the `top` it inherited (that would cost it ~9 path copies of `base`, whenever its
//! parent's `top` happened to be full). A chain of forks each adding a key (deep nesting) grows
//! `top` past that; at [`TOP_LIMIT`] keys any value folds, which bounds the array.
//!
//! A tree `base` never changes once shared (a fold copies it first), so its entries can be
//! encoded once and the bytes reused by every capture of every fork that shares it
//! ([`ScopeMap::encoded`]: the raw event writer copies a scope's 100 tags as one run of bytes
//! and writes only the fork's own `top` entries). The encoding is made on first use and
//! dropped with the base; a fold, which changes the entries, starts without one.

use std::cmp::Ordering;
use std::fmt;
use std::iter::{Peekable, once};
use std::sync::Arc;

use imbl::OrdMap;
use once_cell::race::OnceBox;

/// `top` is folded into `base` once it holds more keys than this (by a value that has taken as
/// many writes itself).
const FLATTEN_AT: usize = 8;

/// `top` is folded by any value once it holds more keys than this.
const TOP_LIMIT: usize = 32;

/// `base` is a sorted array up to this many keys, an `OrdMap` beyond.
const FLAT_LIMIT: usize = 32;

/// A key and its value in `top`; `None` marks a removed `base` key.
pub(crate) type Entry<V> = (Arc<str>, Option<V>);

/// A key and its value in a flat `base`.
type Pair<V> = (Arc<str>, V);

/// The folded entries: a sorted array while small (`None` when empty), else an `OrdMap`.
enum Base<V> {
    Flat(Option<Arc<[Pair<V>]>>),
    Tree(Arc<TreeBase<V>>),
}

/// A large base: the map, and its entries encoded once for whoever writes them out
/// ([`ScopeMap::encoded`]). Shared by every fork that did not fold its writes into it.
struct TreeBase<V> {
    map: OrdMap<Arc<str>, V>,
    encoded: OnceBox<Encoded>,
}

impl<V: Clone> Clone for TreeBase<V> {
    /// A copy to change: the encoding is of the old entries, so it is not kept.
    fn clone(&self) -> Self {
        Self {
            map: self.map.clone(),
            encoded: OnceBox::new(),
        }
    }
}

/// How the entries of a map with values of this type are encoded for [`ScopeMap::encoded`]
/// (one way per type, so that every reader of the shared encoding agrees on it).
pub(crate) trait EncodeEntry {
    /// Appends the entry `key`: `self` to `out`.
    fn encode(out: &mut Vec<u8>, key: &str, value: &Self);
}

/// A tree base's entries in key order, each written by [`EncodeEntry`] and separated by
/// commas, with where each one ends and its key.
pub(crate) struct Encoded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) ends: Vec<usize>,
    pub(crate) keys: Vec<Arc<str>>,
}

impl Encoded {
    /// The bytes of the entries `from..to` (with the commas between them).
    pub(crate) fn run(&self, from: usize, to: usize) -> &[u8] {
        if from >= to {
            return &[];
        }
        let end = |i: usize| self.ends.get(i).copied().unwrap_or(0);
        let start = from.checked_sub(1).map_or(0, |i| end(i) + 1);
        self.bytes.get(start..end(to - 1)).unwrap_or_default()
    }
}

/// A persistent string-keyed map: a shared base plus an overlay of recent writes.
pub(crate) struct ScopeMap<V> {
    base: Base<V>,
    /// The writes since the last fold, sorted by key; `None` when there are none.
    top: Option<Arc<[Entry<V>]>>,
    /// Writes taken by this value since it was cloned (saturating).
    writes: u8,
}

impl<V> Default for ScopeMap<V> {
    fn default() -> Self {
        Self {
            base: Base::Flat(None),
            top: None,
            writes: 0,
        }
    }
}

impl<V: Clone> Clone for Base<V> {
    fn clone(&self) -> Self {
        match self {
            Self::Flat(flat) => Self::Flat(flat.clone()),
            Self::Tree(tree) => Self::Tree(tree.clone()),
        }
    }
}

impl<V: Clone> Base<V> {
    fn flat(&self) -> &[Pair<V>] {
        match self {
            Self::Flat(flat) => flat.as_deref().unwrap_or(&[]),
            Self::Tree(_) => &[],
        }
    }

    fn get(&self, key: &str) -> Option<&V> {
        match self {
            Self::Flat(_) => {
                let flat = self.flat();
                let i = flat.binary_search_by(|(k, _)| (**k).cmp(key)).ok()?;
                Some(&flat[i].1)
            }
            Self::Tree(tree) => tree.map.get(key),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Self::Flat(flat) => flat.is_none(),
            Self::Tree(tree) => tree.map.is_empty(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Flat(_) => self.flat().len(),
            Self::Tree(tree) => tree.map.len(),
        }
    }

    fn iter(&self) -> BaseIter<'_, V> {
        match self {
            Self::Flat(_) => BaseIter::Flat(self.flat().iter()),
            Self::Tree(tree) => BaseIter::Tree(tree.map.iter()),
        }
    }

    /// Applies `top` (sorted; `None` removes): in place for a tree, as a new array (or a tree,
    /// past [`FLAT_LIMIT`] keys) for an array.
    fn fold(&mut self, top: &[Entry<V>]) {
        if let Self::Tree(tree) = self {
            let tree = Arc::make_mut(tree);
            tree.encoded = OnceBox::new();
            let tree = &mut tree.map;
            for (k, v) in top {
                match v {
                    Some(v) => {
                        tree.insert(k.clone(), v.clone());
                    }
                    None => {
                        tree.remove(&**k);
                    }
                }
            }
            return;
        }
        let union = || Union {
            base: self.iter().peekable(),
            top: top.iter().map(|(k, v)| (k, v)).peekable(),
        };
        let owned = |(k, v): (&Arc<str>, &V)| (k.clone(), v.clone());
        // Counted first (comparisons only), so the array is allocated once, at its size.
        let len = union().count();
        let folded = if len > FLAT_LIMIT {
            Self::Tree(Arc::new(TreeBase {
                map: union().map(owned).collect(),
                encoded: OnceBox::new(),
            }))
        } else if len == 0 {
            Self::Flat(None)
        } else {
            let mut flat = Vec::with_capacity(len);
            flat.extend(union().map(owned));
            Self::Flat(Some(Arc::from(flat)))
        };
        *self = folded;
    }
}

/// An iterator over a [`Base`] in key order.
enum BaseIter<'a, V> {
    Flat(std::slice::Iter<'a, Pair<V>>),
    Tree(imbl::ordmap::Iter<'a, Arc<str>, V, imbl::shared_ptr::DefaultSharedPtr>),
}

impl<'a, V> Iterator for BaseIter<'a, V> {
    type Item = (&'a Arc<str>, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Flat(it) => it.next().map(|(k, v)| (k, v)),
            Self::Tree(it) => it.next(),
        }
    }
}

impl<V: Clone> Clone for ScopeMap<V> {
    /// A fork: the same entries, and no writes of its own yet.
    fn clone(&self) -> Self {
        Self {
            base: self.base.clone(),
            top: self.top.clone(),
            writes: 0,
        }
    }
}

impl<V: Clone> ScopeMap<V> {
    fn top(&self) -> &[Entry<V>] {
        self.top.as_deref().unwrap_or(&[])
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.top().binary_search_by(|(k, _)| (**k).cmp(key))
    }

    /// The value under `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        match self.find(key) {
            Ok(i) => self.top()[i].1.as_ref(),
            Err(_) => self.base.get(key),
        }
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn insert(&mut self, key: Arc<str>, value: V) {
        self.put(key, Some(value));
    }

    pub(crate) fn remove(&mut self, key: &str) {
        if self.base.get(key).is_some() {
            self.put(Arc::from(key), None);
        } else if let Ok(i) = self.find(key) {
            let top = self.top();
            self.top =
                (top.len() > 1).then(|| top[..i].iter().chain(&top[i + 1..]).cloned().collect());
            self.after_write();
        }
    }

    /// Writes `key` into `top`: in place when the array is not shared and holds the key, else
    /// as a new array with one allocation.
    fn put(&mut self, key: Arc<str>, value: Option<V>) {
        let found = self.find(&key);
        if let (Ok(i), Some(top)) = (found, self.top.as_mut())
            && let Some(entries) = Arc::get_mut(top)
        {
            entries[i].1 = value;
        } else {
            let top = self.top();
            let (head, tail) = match found {
                Ok(i) => (&top[..i], &top[i + 1..]),
                Err(i) => (&top[..i], &top[i..]),
            };
            let new: Arc<[Entry<V>]> = head
                .iter()
                .cloned()
                .chain(once((key, value)))
                .chain(tail.iter().cloned())
                .collect();
            self.top = Some(new);
        }
        self.after_write();
    }

    /// Inserts `entries` in order, a later entry of a key winning: the same map as inserting
    /// them one by one, with one new `top` (one allocation when the keys are new to `top`).
    pub(crate) fn insert_many(&mut self, entries: impl IntoIterator<Item = (Arc<str>, V)>) {
        let old = self.top().len();
        let top: Arc<[Entry<V>]> = self
            .top()
            .iter()
            .cloned()
            .chain(entries.into_iter().map(|(k, v)| (k, Some(v))))
            .collect();
        self.replace_top(top, old);
    }

    /// [`insert_many`](Self::insert_many) for writes held in a slice: the new `top` has a
    /// known length, so it is written straight into its one allocation (collecting an
    /// iterator of unknown length into an `Arc` goes through a `Vec`).
    pub(crate) fn insert_cloned(&mut self, entries: &[(Arc<str>, V)]) {
        let old = self.top().len();
        let new = entries.iter().map(|(k, v)| (k.clone(), Some(v.clone())));
        let top: Arc<[Entry<V>]> = self.top().iter().cloned().chain(new).collect();
        self.replace_top(top, old);
    }

    /// [`insert_many`](Self::insert_many) for a fixed number of writes (what a macro writes),
    /// each `(key, Some(value))`: the old `top` and the array have a known length, so the new
    /// `top` is written straight into its one allocation.
    pub(crate) fn insert_array<const N: usize>(&mut self, entries: [Entry<V>; N]) {
        let old = self.top().len();
        let top: Arc<[Entry<V>]> = if old == 0 {
            Arc::from(entries)
        } else {
            self.top().iter().cloned().chain(entries).collect()
        };
        self.replace_top(top, old);
    }

    /// Installs `top`, a fresh (unshared) array holding the `old` entries of the current one
    /// followed by new ones in source order: sorted, with the last write of each key kept.
    fn replace_top(&mut self, mut top: Arc<[Entry<V>]>, old: usize) {
        let writes = top.len() - old;
        // Unique, so no copy. Stable: a key's old entry, then its new ones in source order.
        sort_by_key_stable(Arc::make_mut(&mut top));
        if top.windows(2).any(|w| w[0].0 == w[1].0) {
            let last_of_each = top
                .iter()
                .zip(top.iter().skip(1).map(Some).chain([None]))
                .filter(|(e, next)| next.is_none_or(|n| n.0 != e.0))
                .map(|(e, _)| e.clone());
            top = last_of_each.collect();
        }
        self.top = (!top.is_empty()).then_some(top);
        self.writes = self
            .writes
            .saturating_add(u8::try_from(writes.saturating_sub(1)).unwrap_or(u8::MAX));
        if writes > 0 {
            self.after_write();
        }
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &V)> {
        Union {
            base: self.base.iter().peekable(),
            top: self.top().iter().map(|(k, v)| (k, v)).peekable(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        if self.top().is_empty() {
            self.base.is_empty()
        } else {
            self.iter().next().is_none()
        }
    }

    /// For a large map (its base a tree): the base's entries as [`EncodeEntry`] writes them,
    /// encoded once per base version and shared by every fork of it, and the writes made over
    /// them since (sorted; `None` removes). `None` for a small map, whose entries are cheaper
    /// to write each time.
    pub(crate) fn encoded(&self) -> Option<(&Encoded, &[Entry<V>])>
    where
        V: EncodeEntry,
    {
        let Base::Tree(tree) = &self.base else {
            return None;
        };
        let encoded = tree.encoded.get_or_init(|| {
            let mut out = Encoded {
                bytes: Vec::new(),
                ends: Vec::with_capacity(tree.map.len()),
                keys: Vec::with_capacity(tree.map.len()),
            };
            for (k, v) in &tree.map {
                if !out.bytes.is_empty() {
                    out.bytes.push(b',');
                }
                V::encode(&mut out.bytes, k, v);
                out.ends.push(out.bytes.len());
                out.keys.push(k.clone());
            }
            Box::new(out)
        });
        Some((encoded, self.top()))
    }

    /// An upper bound of the number of entries, for reserving.
    pub(crate) fn len_hint(&self) -> usize {
        self.base.len() + self.top().len()
    }

    /// `upper`'s entries over `lower`'s (removals in `upper` are not applied); O(1) when either
    /// side is empty.
    pub(crate) fn layered(lower: &Self, upper: &Self) -> Self {
        if upper.is_empty() {
            return lower.clone();
        }
        if lower.is_empty() {
            return upper.clone();
        }
        let mut out = lower.clone();
        for (k, v) in upper.iter() {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    fn after_write(&mut self) {
        self.writes = self.writes.saturating_add(1);
        let len = self.top().len();
        let own = usize::from(self.writes) >= FLATTEN_AT;
        if !(len > TOP_LIMIT || (len > FLATTEN_AT && own)) {
            return;
        }
        if let Some(top) = self.top.take() {
            self.base.fold(&top);
        }
    }
}

impl<V: Clone + fmt::Debug> fmt::Debug for ScopeMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The sorted union of `base` and `top`, `top` winning, its removals skipped.
struct Union<B: Iterator, T: Iterator> {
    base: Peekable<B>,
    top: Peekable<T>,
}

impl<'a, V: 'a, B, T> Iterator for Union<B, T>
where
    B: Iterator<Item = (&'a Arc<str>, &'a V)>,
    T: Iterator<Item = (&'a Arc<str>, &'a Option<V>)>,
{
    type Item = (&'a Arc<str>, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let order = match (self.base.peek(), self.top.peek()) {
                (None, None) => return None,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((b, _)), Some((t, _))) => b.cmp(t),
            };
            if order == Ordering::Less {
                return self.base.next();
            }
            if order == Ordering::Equal {
                self.base.next(); // shadowed by `top`
            }
            if let Some((k, Some(v))) = self.top.next() {
                return Some((k, v));
            }
        }
    }
}

/// Sorts entries by key, keeping the order of equal keys. An overlay holds a few entries, often
/// nearly sorted: an insertion sort does them in a few comparisons, where the standard stable
/// sort's set-up cost more than the sorting (≈ 90 instructions for two entries).
fn sort_by_key_stable<V>(entries: &mut [Entry<V>]) {
    if entries.len() > 16 {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        return;
    }
    for i in 1..entries.len() {
        let mut j = i;
        while j > 0 && entries[j - 1].0 > entries[j].0 {
            entries.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests;
