//! Scopes made current without a guard, for integrations whose enter and exit are separate
//! callbacks (tracing spans): a stack of what each push replaced, per thread.

use std::cell::RefCell;

use super::{Current, SLOT, marks, with_active_mut};

/// A current scope replaced by [`push_current`], with the key and guard depth it was pushed at.
struct Pushed {
    key: u64,
    prev: Current,
    depth: usize,
}

thread_local! {
    static PUSHED: RefCell<Vec<Pushed>> = const { RefCell::new(Vec::new()) };
}

/// Makes `current` the current scope of this thread, without a guard, until
/// [`pop_current`]`(key)`. For integrations whose enter and exit are separate callbacks (tracing
/// spans). Returns `false`, changing nothing, during thread teardown. Never panics.
pub(crate) fn push_current(key: u64, current: Current) -> bool {
    let depth = marks(|m| m.depth.get());
    let Some(prev) = replace_current(current) else {
        return false;
    };
    let mut entry = Some(Pushed { key, prev, depth });
    let _ = PUSHED.try_with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.extend(entry.take());
        }
    });
    match entry {
        None => true,
        Some(entry) => {
            drop(replace_current(entry.prev)); // could not record it: undo
            false
        }
    }
}

/// Ends [`push_current`]`(key)` on this thread: restores the scope it replaced and returns the
/// pushed one with every change made meanwhile, so it can be pushed again later.
///
/// Exits out of order are tolerated: the entry pushed above `key` inherits what `key` replaced.
/// When a scope guard was entered or left in between (an unbalanced use), the guards own the
/// slot: nothing is restored and `None` is returned. `None` too when `key` is not pushed here.
pub(crate) fn pop_current(key: u64) -> Option<Current> {
    let depth = marks(|m| m.depth.get());
    let popped = PUSHED
        .try_with(|p| {
            let mut p = p.try_borrow_mut().ok()?;
            let i = p.iter().rposition(|e| e.key == key)?;
            let entry = p.remove(i);
            match p.get_mut(i) {
                // Out of order: the entry above replaced our live scope; it restores ours now.
                Some(above) => Some(Err(std::mem::replace(&mut above.prev, entry.prev))),
                None => Some(Ok(entry)),
            }
        })
        .ok()
        .flatten()?;
    match popped {
        Err(live) => Some(live),
        Ok(entry) if entry.depth == depth => replace_current(entry.prev),
        Ok(_) => None,
    }
}

/// Replaces only the current scope of this thread's pair and returns the previous one. `None`,
/// and `new` dropped outside the borrow, during teardown or while the slot is borrowed.
fn replace_current(new: Current) -> Option<Current> {
    let mut new = Some(new);
    let borrowed = SLOT
        .try_with(|slot| slot.try_borrow_mut().is_err())
        .unwrap_or(true);
    let old = if borrowed {
        None
    } else {
        with_active_mut(|a| new.take().map(|n| std::mem::replace(&mut a.current, n))).flatten()
    };
    drop(new);
    old
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::thread::{Active, with_active};
    use crate::scope::ScopeData;
    use std::sync::Arc;

    fn current_tag() -> Option<String> {
        with_active(|a| a.current.data().tag("k").map(str::to_owned)).flatten()
    }

    fn tagged(v: &str) -> Current {
        let mut data = ScopeData::default();
        data.set_tag("k".into(), v.into());
        Current::Inline(Arc::new(data))
    }

    #[test]
    fn push_and_pop_restore_in_order_and_out_of_order() {
        assert!(push_current(1, tagged("one")));
        assert!(push_current(2, tagged("two")));
        assert_eq!(current_tag().as_deref(), Some("two"));
        // Out of order: 1 leaves first and gets its own scope back; 2 stays active.
        let one = pop_current(1).unwrap();
        assert_eq!(one.data().tag("k"), Some("one"));
        assert_eq!(current_tag().as_deref(), Some("two"));
        // 2 leaves: what was there before 1 is back.
        assert_eq!(pop_current(2).unwrap().data().tag("k"), Some("two"));
        assert_eq!(current_tag(), None);
        assert!(pop_current(2).is_none());
    }

    #[test]
    fn a_guard_left_in_between_keeps_the_slot() {
        let guard = crate::context::ScopeGuard::enter(Active::fresh());
        assert!(push_current(3, tagged("three")));
        drop(guard); // unbalanced: the guard restored its own previous pair
        assert!(pop_current(3).is_none());
        assert_eq!(current_tag(), None);
    }
}
