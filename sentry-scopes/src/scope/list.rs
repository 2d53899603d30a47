//! `SharedList`: the short, rarely written lists of a scope (attachments, event and
//! transaction processors).
//!
//! Every version of a scope carries these three lists, and nearly every one holds none: an
//! `imbl::Vector` takes 64 bytes inline even when empty, so the three took 192 of the bytes
//! that each written fork copies. A `SharedList` is one shared slice, 16 bytes, `None` when
//! empty. A fork shares it (one reference count); a push copies the slice, O(len), which is
//! cheap for the few entries these lists hold (one attachment or processor per request, not
//! thousands per scope).

use std::fmt;
use std::sync::Arc;

/// An immutable list shared between scope versions; a push makes a new slice.
pub(crate) struct SharedList<T>(Option<Arc<[T]>>);

impl<T> Default for SharedList<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> Clone for SharedList<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Clone + fmt::Debug> fmt::Debug for SharedList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Clone> SharedList<T> {
    fn as_slice(&self) -> &[T] {
        self.0.as_deref().unwrap_or(&[])
    }

    /// The entries in the order they were added.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Adds `value` at the end (one new slice).
    pub(crate) fn push_back(&mut self, value: T) {
        let new: Arc<[T]> = self
            .as_slice()
            .iter()
            .cloned()
            .chain(std::iter::once(value))
            .collect();
        self.0 = Some(new);
    }

    /// Adds `other`'s entries at the end; shares `other`'s slice when this list is empty.
    pub(crate) fn append(&mut self, other: &Self) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            self.0.clone_from(&other.0);
            return;
        }
        let new: Arc<[T]> = self.iter().chain(other.iter()).cloned().collect();
        self.0 = Some(new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_and_append_keep_order_and_forks_stay_apart() {
        let mut a: SharedList<u32> = SharedList::default();
        assert!(a.is_empty());
        a.push_back(1);
        let fork = a.clone();
        a.push_back(2);
        let mut b = SharedList::default();
        b.append(&a);
        assert!(Arc::ptr_eq(
            b.0.as_ref().expect("shared"),
            a.0.as_ref().expect("set")
        ));
        b.append(&fork);
        b.append(&SharedList::default());
        assert_eq!(b.iter().copied().collect::<Vec<_>>(), [1, 2, 1]);
        assert_eq!(fork.iter().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(a.len(), 2);
    }
}
