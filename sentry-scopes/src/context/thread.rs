//! The only thread-local of the crate: the active (isolation, current) pair of this thread.
//!
//! The borrow of the slot is never held while user code runs (scope-model.md 2.5): every
//! function here clones out or swaps, then releases.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::scope::{Scope, ScopeData};

/// The current scope as the slot holds it: inline data until somebody asks for a handle, then a
/// shared cell. Keeping it inline makes a macro fork two reference counts and no allocation;
/// promoting on demand keeps handle identity (scope-model.md 1.2, F02, F09).
#[derive(Clone)]
pub(crate) enum Current {
    Inline(Arc<ScopeData>),
    Shared(Scope),
}

impl Current {
    pub(crate) fn data(&self) -> Arc<ScopeData> {
        match self {
            Current::Inline(d) => d.clone(),
            Current::Shared(s) => s.data(),
        }
    }

    /// Returns the handle, turning inline data into a shared cell first.
    pub(crate) fn promote(&mut self) -> Scope {
        match self {
            Current::Shared(s) => s.clone(),
            Current::Inline(d) => {
                let s = Scope::from_data(d.clone());
                *self = Current::Shared(s.clone());
                s
            }
        }
    }

    /// Applies `f` to the data in place: copy-on-write for inline data, `rcu` for a cell.
    pub(crate) fn update(&mut self, mut f: impl FnMut(&mut ScopeData)) {
        match self {
            Current::Inline(d) => f(Arc::make_mut(d)),
            Current::Shared(s) => s.update(f),
        }
    }
}

/// The active pair: a shared isolation handle and the current scope.
#[derive(Clone)]
pub(crate) struct Active {
    pub(crate) isolation: Scope,
    pub(crate) current: Current,
}

impl Active {
    /// Two fresh, empty scopes, as a new thread gets them.
    pub(crate) fn fresh() -> Self {
        Self {
            isolation: Scope::new(),
            current: Current::Inline(Arc::new(ScopeData::default())),
        }
    }

    /// Forks of both scopes: a new isolation cell and the current data, inline.
    pub(crate) fn fork_both(&self) -> Self {
        Self {
            isolation: self.isolation.fork(),
            current: Current::Inline(self.current.data()),
        }
    }

    /// The same isolation handle and a fork of the current data, inline.
    pub(crate) fn fork_current(&self) -> Self {
        Self {
            isolation: self.isolation.clone(),
            current: Current::Inline(self.current.data()),
        }
    }
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    static IN_CAPTURE: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running a capture until dropped.
pub(crate) struct CaptureFlag(());

impl Drop for CaptureFlag {
    fn drop(&mut self) {
        let _ = IN_CAPTURE.try_with(|f| f.set(false));
    }
}

/// Enters a capture, or returns `None` when this thread is already inside one (a processor,
/// `before_send` or capture callback that captures again gets a no-op, not a recursion).
pub(crate) fn enter_capture() -> Option<CaptureFlag> {
    let entered = IN_CAPTURE.try_with(|f| !f.replace(true)).unwrap_or(false);
    // Build the flag only when entering: a flag built and dropped on the refusing path would
    // clear the outer capture's mark, and the next nested capture would recurse.
    if entered { Some(CaptureFlag(())) } else { None }
}

/// Runs `f` on this thread's active pair, creating it on first use. `None` once the thread-local
/// has been destroyed (thread teardown). `f` must not run user code.
pub(crate) fn with_active<R>(f: impl FnOnce(&mut Active) -> R) -> Option<R> {
    ACTIVE
        .try_with(|slot| {
            let mut slot = slot.borrow_mut();
            f(slot.get_or_insert_with(Active::fresh))
        })
        .ok()
}

/// Installs `new` as this thread's pair (`None`: the unused state, filled lazily on next use)
/// and returns the pair it replaces, `None` if the slot was unused. `Err(())` once the
/// thread-local has been destroyed (thread teardown); `new` is then dropped, outside any borrow.
///
/// One thread-local access and a move: this is half of every fork's cost (the guard's entry and
/// exit). The replaced pair is returned, so it is dropped by the caller after the borrow ends.
#[inline]
pub(crate) fn replace(new: Option<Active>) -> Result<Option<Active>, ()> {
    ACTIVE.try_with(|slot| slot.replace(new)).map_err(|_| ())
}

/// A current scope replaced by [`push_current`], with the key and guard depth it was pushed at.
#[cfg(feature = "tracing")]
struct Pushed {
    key: u64,
    prev: Current,
    depth: usize,
}

#[cfg(feature = "tracing")]
thread_local! {
    static PUSHED: RefCell<Vec<Pushed>> = const { RefCell::new(Vec::new()) };
}

/// Makes `current` the current scope of this thread, without a guard, until
/// [`pop_current`]`(key)`. For integrations whose enter and exit are separate callbacks (tracing
/// spans). Returns `false`, changing nothing, during thread teardown. Never panics.
#[cfg(feature = "tracing")]
pub(crate) fn push_current(key: u64, current: Current) -> bool {
    let depth = DEPTH.try_with(Cell::get).unwrap_or(0);
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
#[cfg(feature = "tracing")]
pub(crate) fn pop_current(key: u64) -> Option<Current> {
    let depth = DEPTH.try_with(Cell::get).ok()?;
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
#[cfg(feature = "tracing")]
fn replace_current(new: Current) -> Option<Current> {
    let mut new = Some(new);
    let old = ACTIVE
        .try_with(|slot| {
            let mut slot = slot.try_borrow_mut().ok()?;
            let active = slot.get_or_insert_with(Active::fresh);
            new.take()
                .map(|n| std::mem::replace(&mut active.current, n))
        })
        .ok()
        .flatten();
    drop(new);
    old
}

/// A copy of this thread's pair (same isolation handle, same current) that never panics: `None`
/// when the slot is borrowed (a panic raised while it was) or destroyed. For the panic hook.
#[cfg(feature = "panic")]
pub(crate) fn try_active() -> Option<Active> {
    ACTIVE
        .try_with(|slot| slot.try_borrow().ok().and_then(|a| a.clone()))
        .ok()
        .flatten()
}

/// Whether this thread is inside a capture (its callbacks, processors or transport).
#[cfg(feature = "panic")]
pub(crate) fn in_capture() -> bool {
    IN_CAPTURE.try_with(Cell::get).unwrap_or(false)
}

/// Increments the guard depth and returns the new depth.
pub(crate) fn push_depth() -> usize {
    DEPTH
        .try_with(|d| {
            d.set(d.get() + 1);
            d.get()
        })
        .unwrap_or(0)
}

/// Decrements the guard depth; `expected` is the depth the guard was created at.
pub(crate) fn pop_depth(expected: usize) {
    let _ = DEPTH.try_with(|d| {
        let now = d.get();
        if now != expected && !std::thread::panicking() {
            debug_assert_eq!(now, expected, "scope guards dropped out of order");
        }
        d.set(now.saturating_sub(1));
    });
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::*;

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
