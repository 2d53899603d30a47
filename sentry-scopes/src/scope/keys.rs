//! The keys that scope writes through the public setters name (`set_tag("route", ..)`,
//! `set_extra`, `set_context`), shared per thread instead of allocated per write.
//!
//! An application writes the same few keys over and over, once per request or job; without
//! sharing, each write allocates its key's string and frees it when the scope version goes.
//! A small per-thread table remembers the last key seen in each of its slots: a key found
//! there is one reference count, a key not found is allocated and takes the slot. The table
//! holds at most [`SLOTS`] short strings per thread, and nothing else.

use std::cell::RefCell;
use std::sync::Arc;

/// Slots per thread; a power of two.
const SLOTS: usize = 64;
/// Longer keys are not kept: they are rare, and comparing them costs more than it saves.
const LONGEST: usize = 48;

thread_local! {
    static TABLE: RefCell<[Option<Arc<str>>; SLOTS]> =
        const { RefCell::new([const { None }; SLOTS]) };
}

/// `key` as the shared string scope maps use: the one this thread used last for the same
/// text when it is still in the table, else a new one.
pub(crate) fn shared_key(key: &str) -> Arc<str> {
    if key.len() > LONGEST {
        return Arc::from(key);
    }
    let slot = slot_of(key.as_bytes());
    TABLE
        .try_with(|table| {
            let mut table = table.try_borrow_mut().ok()?;
            let entry = &mut table[slot];
            match entry {
                Some(known) if **known == *key => Some(known.clone()),
                _ => {
                    let new: Arc<str> = Arc::from(key);
                    // The key this one evicts is dropped after the borrow: a string, so
                    // dropping it runs no user code, but keep the borrow short anyway.
                    let old = entry.replace(new.clone());
                    drop(table);
                    drop(old);
                    Some(new)
                }
            }
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Arc::from(key))
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
