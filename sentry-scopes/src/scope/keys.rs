//! The keys that scope writes through the public setters name (`set_tag("route", ..)`,
//! `set_extra`, `set_context`), shared per thread instead of allocated per write.
//!
//! An application writes the same few keys over and over, once per request or job; without
//! sharing, each write allocates its key's string and frees it when the scope version goes.
//! A small per-thread table remembers the last key seen in each of its slots: a key found
//! there is one reference count, a key not found is allocated and takes the slot. With each key
//! the table keeps whether it is a tag key Relay accepts as it is, so that a tag write checks its
//! key once per slot fill, not once per write. The table holds at most [`SLOTS`] short strings
//! per thread, and nothing else.

use std::cell::RefCell;
use std::sync::Arc;

use crate::normalize::tag_key_as_is;

/// Slots per thread; a power of two.
const SLOTS: usize = 64;
/// Longer keys are not kept: they are rare, and comparing them costs more than it saves.
const LONGEST: usize = 48;

/// A key in the table: its shared text, and whether it is a tag key as it is.
struct Known {
    text: Arc<str>,
    tag_as_is: bool,
}

thread_local! {
    static TABLE: RefCell<[Option<Known>; SLOTS]> =
        const { RefCell::new([const { None }; SLOTS]) };
}

/// `key` as the shared string scope maps use: the one this thread used last for the same
/// text when it is still in the table, else a new one.
pub(crate) fn shared_key(key: &str) -> Arc<str> {
    shared_tag_key(key).0
}

/// [`shared_key`], and whether `key` is a tag key Relay keeps as it is
/// (`normalize::tag_key_as_is`), remembered with the key.
pub(crate) fn shared_tag_key(key: &str) -> (Arc<str>, bool) {
    if key.len() > LONGEST {
        return (Arc::from(key), tag_key_as_is(key));
    }
    let slot = slot_of(key.as_bytes());
    TABLE
        .try_with(|table| {
            let mut table = table.try_borrow_mut().ok()?;
            let entry = &mut table[slot];
            match entry {
                Some(known) if *known.text == *key => Some((known.text.clone(), known.tag_as_is)),
                _ => {
                    let new = Known {
                        text: Arc::from(key),
                        tag_as_is: tag_key_as_is(key),
                    };
                    let found = (new.text.clone(), new.tag_as_is);
                    // The key this one evicts is dropped after the borrow: a string, so
                    // dropping it runs no user code, but keep the borrow short anyway.
                    let old = entry.replace(new);
                    drop(table);
                    drop(old);
                    Some(found)
                }
            }
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| (Arc::from(key), tag_key_as_is(key)))
}

/// The slot of a key: a multiplicative hash of its bytes, eight at a time.
fn slot_of(bytes: &[u8]) -> usize {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    // The high bits mix best.
    usize::try_from(h >> 58).unwrap_or(0) & (SLOTS - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_written_again_on_the_same_thread_is_the_same_shared_string() {
        let (a, b) = (shared_key("route"), shared_key(&String::from("route")));
        assert_eq!(&*a, "route");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn keys_with_the_same_slot_each_get_their_own_text() {
        // More distinct keys than slots: every answer is still the key asked for.
        let keys: Vec<String> = (0..SLOTS * 4).map(|i| format!("key-{i}")).collect();
        for _ in 0..2 {
            for k in &keys {
                assert_eq!(&*shared_key(k), k.as_str());
            }
        }
    }

    #[test]
    fn a_key_remembers_whether_it_is_a_tag_key_as_it_is() {
        for _ in 0..2 {
            assert!(shared_tag_key("route").1);
            assert!(!shared_tag_key("has space").1);
            assert!(!shared_tag_key("user").1, "reserved");
            assert!(!shared_tag_key("").1);
        }
        let long = "k".repeat(LONGEST + 1);
        assert!(shared_tag_key(&long).1);
        assert!(!shared_tag_key(&format!("{long} x")).1);
    }

    #[test]
    fn long_keys_are_not_kept() {
        let long = "k".repeat(LONGEST + 1);
        let (a, b) = (shared_key(&long), shared_key(&long));
        assert_eq!(&*a, long.as_str());
        assert!(!Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn slots_spread_short_keys() {
        let used: std::collections::BTreeSet<usize> = (0..SLOTS)
            .map(|i| slot_of(format!("tag-{i}").as_bytes()))
            .collect();
        assert!(used.len() > SLOTS / 2, "{} slots used", used.len());
    }
}
