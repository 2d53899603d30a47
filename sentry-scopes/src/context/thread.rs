//! The thread-locals of the crate: the active (isolation, current) pair of this thread, the pairs
//! that entered guards replaced, and the marks that let a fork be entered lazily.
//!
//! A fork with nothing written to it is the pair below it, so `#[with_scope]` enters one as a
//! depth mark alone: no reference count, no copy. The first write inside it
//! ([`with_active_mut`]) saves the pair below and writes to a copy; leaving the fork restores
//! the saved pair. Reads never copy. A shared current scope (a handle was asked for) is forked
//! eagerly, because a write through the handle must not reach the fork.
//!
//! The borrow of the slot is never held while user code runs (scope-model.md 2.5): every
//! function here clones out or swaps, then releases.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::scope::{Scope, ScopeData};

/// The current scope as the slot holds it: inline data until somebody asks for a handle, then a
/// shared cell. Keeping it inline lets a macro fork be lazy (a write copies it on demand);
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

/// The pair of this thread and the pairs that entered guards replaced, innermost last, each
/// with the guard depth that replaced it.
struct Slot {
    active: Option<Active>,
    saved: Vec<(usize, Option<Active>)>,
}

/// Plain per-thread counters. They live in a thread-local without a destructor, so reading
/// them is a load: a lazy fork touches nothing else.
struct Marks {
    /// Guards entered on this thread, lazy forks included.
    depth: Cell<usize>,
    /// The depth of the guard that installed the pair in the slot (0: the thread's own pair).
    /// A write at a greater depth comes from a lazy fork that has no copy yet.
    owner: Cell<usize>,
    /// Whether the slot's current scope is a shared handle. A fork of it must copy its data
    /// now: a later write through the handle must not reach the fork.
    shared: Cell<bool>,
}

thread_local! {
    static SLOT: RefCell<Slot> = const {
        RefCell::new(Slot { active: None, saved: Vec::new() })
    };
    static MARKS: Marks = const {
        Marks { depth: Cell::new(0), owner: Cell::new(0), shared: Cell::new(false) }
    };
    static IN_CAPTURE: Cell<bool> = const { Cell::new(false) };
}

impl Active {
    fn is_shared(&self) -> bool {
        matches!(self.current, Current::Shared(_))
    }
}

fn marks<R>(f: impl FnOnce(&Marks) -> R) -> R {
    MARKS.with(f)
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

/// Runs `f` on this thread's active pair, creating it on first use, to read it. `None` once the
/// thread-local has been destroyed (thread teardown). `f` must not run user code.
pub(crate) fn with_active<R>(f: impl FnOnce(&Active) -> R) -> Option<R> {
    SLOT.try_with(|slot| f(slot.borrow_mut().active.get_or_insert_with(Active::fresh)))
        .ok()
}

/// The active pair with the current scope forked (the same isolation handle, the current data
/// inline); a fresh pair during thread teardown.
pub(crate) fn fork_active() -> Active {
    with_active(Active::fork_current).unwrap_or_else(Active::fresh)
}

/// Runs `f` on this thread's active pair to change it. When lazy forks were entered since the
/// pair was installed, the innermost one gets its copy first (the pair below it is saved to be
/// restored), so the change stays inside the fork. `f` must not run user code.
pub(crate) fn with_active_mut<R>(f: impl FnOnce(&mut Active) -> R) -> Option<R> {
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        let active = slot.active.get_or_insert_with(Active::fresh);
        marks(|m| {
            let depth = m.depth.get();
            if m.owner.get() < depth {
                slot.saved.push((depth, Some(active.clone())));
                m.owner.set(depth);
            }
            let r = f(active);
            m.shared.set(active.is_shared());
            r
        })
    })
    .ok()
}

/// Enters a guard that installs `active` as this thread's pair; returns its depth, 0 (nothing
/// installed, `active` dropped outside any borrow) once the thread-local has been destroyed.
pub(crate) fn enter(active: Active) -> usize {
    let mut new = Some(active);
    let depth = SLOT
        .try_with(|slot| {
            let slot = &mut *slot.borrow_mut();
            let prev = std::mem::replace(&mut slot.active, new.take());
            marks(|m| {
                let depth = m.depth.get() + 1;
                m.depth.set(depth);
                m.owner.set(depth);
                m.shared
                    .set(slot.active.as_ref().is_some_and(Active::is_shared));
                slot.saved.push((depth, prev));
                depth
            })
        })
        .unwrap_or(0);
    drop(new);
    depth
}

/// Enters a lazy fork of the current scope: a depth mark and nothing else. The pair stays in
/// place until something writes to it ([`with_active_mut`] copies it then). Returns 0 when the
/// current scope is a shared handle, which must be forked eagerly instead.
#[inline]
pub(crate) fn enter_lazy() -> usize {
    marks(|m| {
        if m.shared.get() {
            return 0;
        }
        let depth = m.depth.get() + 1;
        m.depth.set(depth);
        depth
    })
}

/// Whether the guard entered at `depth` (or one inside it) installed the pair in the slot. When
/// not, the pair is still the one below: a lazy fork nothing wrote to.
pub(crate) fn installed_at(depth: usize) -> bool {
    marks(|m| m.owner.get() >= depth)
}

/// Leaves the guard entered at `depth`: restores the pair that was active before it, and
/// returns the pair it replaces (`None` when the guard installed nothing, or an outer guard
/// was left first and already restored everything).
///
/// Guards left out of order, or forgotten, are tolerated: leaving `depth` also leaves every
/// deeper guard. The replaced pairs are dropped after the slot's borrow has ended.
#[inline]
pub(crate) fn leave(depth: usize) -> Option<Active> {
    let restore = marks(|m| {
        let now = m.depth.get();
        if now < depth {
            return false; // an outer guard was left first and restored everything
        }
        if now != depth && !std::thread::panicking() {
            debug_assert_eq!(now, depth, "scope guards dropped out of order");
        }
        m.depth.set(depth - 1);
        m.owner.get() >= depth
    });
    if !restore {
        return None;
    }
    let mut replaced = None;
    while let Some((pair, more)) = restore_one(depth) {
        // An entry of a forgotten inner guard: its pair is dropped here, outside the borrow.
        drop(std::mem::replace(&mut replaced, pair));
        if !more {
            break;
        }
    }
    replaced
}

/// Pops the innermost saved pair if a guard at `depth` or deeper saved it, and installs it.
/// Returns the pair it replaced and whether another entry at `depth` or deeper remains.
fn restore_one(depth: usize) -> Option<(Option<Active>, bool)> {
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        let (_, prev) = slot.saved.pop_if(|(d, _)| *d >= depth)?;
        let replaced = std::mem::replace(&mut slot.active, prev);
        let below = slot.saved.last().map_or(0, |(d, _)| *d);
        marks(|m| {
            m.owner.set(below);
            m.shared
                .set(slot.active.as_ref().is_some_and(Active::is_shared));
        });
        Some((replaced, below >= depth))
    })
    .ok()
    .flatten()
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
#[cfg(feature = "tracing")]
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
#[cfg(feature = "tracing")]
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

/// A copy of this thread's pair (same isolation handle, same current) that never panics: `None`
/// when the slot is borrowed (a panic raised while it was) or destroyed. For the panic hook.
#[cfg(feature = "panic")]
pub(crate) fn try_active() -> Option<Active> {
    SLOT.try_with(|slot| slot.try_borrow().ok().and_then(|s| s.active.clone()))
        .ok()
        .flatten()
}

/// Whether this thread is inside a capture (its callbacks, processors or transport).
pub(crate) fn in_capture() -> bool {
    IN_CAPTURE.try_with(Cell::get).unwrap_or(false)
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

#[cfg(test)]
mod lazy_tests {
    use super::*;
    use crate::context::ScopeGuard;

    fn current_refs() -> usize {
        with_active(|a| match &a.current {
            Current::Inline(d) => Arc::strong_count(d),
            Current::Shared(_) => 0,
        })
        .unwrap_or(0)
    }

    #[test]
    fn a_lazy_fork_takes_no_reference_until_written_and_restores_after() {
        let outer = ScopeGuard::enter(Active::fresh());
        let before = current_refs();
        let depth = marks(|m| m.depth.get());
        {
            let _fork = ScopeGuard::fork_current();
            assert_eq!(current_refs(), before, "entering copied the pair");
            assert_eq!(marks(|m| m.depth.get()), depth + 1);
            with_active_mut(|a| a.current.update(|d| d.set_tag("k".into(), "v".into())));
            assert_eq!(
                with_active(|a| a.current.data().tag("k").is_some()),
                Some(true)
            );
        }
        assert_eq!(marks(|m| m.depth.get()), depth);
        assert_eq!(current_refs(), before);
        assert_eq!(
            with_active(|a| a.current.data().tag("k").is_none()),
            Some(true)
        );
        drop(outer);
    }

    #[test]
    fn a_shared_current_scope_is_forked_eagerly() {
        let outer = ScopeGuard::enter(Active::fresh());
        let handle = with_active_mut(|a| a.current.promote()).unwrap();
        let fork = ScopeGuard::fork_current();
        assert!(
            installed_at(marks(|m| m.depth.get())),
            "the fork was not installed"
        );
        handle.set_tag("late", "1");
        assert_eq!(
            with_active(|a| a.current.data().tag("late").is_none()),
            Some(true)
        );
        drop(fork);
        drop(outer);
    }
}
