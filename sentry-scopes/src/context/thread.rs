//! The thread-locals of the crate: the active (isolation, current) pair of this thread, the pairs
//! that entered guards replaced, and the marks that let a fork be entered lazily.
//!
//! A fork with nothing written to it is the pair below it, so `#[with_scope]` enters one as a
//! depth mark alone: no reference count, no copy. The first write inside it
//! ([`with_active_mut`]) saves the pair below and writes to a copy; leaving the fork restores
//! the saved pair. Reads never copy. A shared current scope (a handle was asked for) is forked
//! eagerly, because a write through the handle must not reach the fork.
//!
//! An isolation fork (`#[isolation_scope]`) is entered lazily too: it takes a snapshot of the
//! isolation data (one reference count, so a write through another handle to the parent's
//! isolation scope, F07, does not reach it) and a depth mark; with items, the snapshot is the
//! copy they wrote to. The first access to the pair inside it, read or write
//! ([`with_active`], [`with_active_mut`], entering a guard), turns the snapshot into the
//! fork's isolation scope (in the thread's spare handle, `thread/spare.rs`), saving the pair
//! below to be restored, exactly as if the fork had been taken eagerly at entry.
//!
//! `with_scope(|scope| ..)` and `with_isolation_scope(|scope| ..)` are entered the same way,
//! with the handle they give their closure holding the current data or the isolation snapshot
//! (one reference count), and a depth mark. The first access to the pair inside installs that
//! handle as the current or the isolation scope. Until then a write through the handle needs
//! no installing (nothing reads the pair without materializing it first), and a closure that
//! never touches the pair costs neither the pair's copy nor its restore. `with_scope` lends
//! the thread's own handle by reference (`thread/lent.rs`), so its fork is not an entry in
//! the slot's pending list but a depth in the marks; `with_isolation_scope` queues the
//! thread's spare handle (`thread/spare.rs`).
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
    #[inline]
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
    /// Lazy forks nothing has accessed yet, innermost last, with their depth. Every entry is
    /// deeper than every saved pair.
    pending: Vec<(usize, Pending)>,
    /// The handle forks with a handle of their own reuse (`spare.rs`).
    spare: Spare,
}

/// A lazy fork waiting for the first access to the pair inside it.
enum Pending {
    /// An isolation fork (`#[isolation_scope]`): the isolation data it forks.
    Isolation(Arc<ScopeData>),
    /// An isolation fork with a handle (`with_isolation_scope(|scope| ..)`): the handle, whose
    /// cell already holds the fork's data.
    IsolationHandle(Scope),
}

/// Plain per-thread counters. They live in a thread-local without a destructor, so reading
/// them is a load: a lazy fork touches nothing else.
struct Marks {
    /// Guards entered on this thread, lazy forks included.
    depth: Cell<usize>,
    /// The depth of the guard that installed the pair in the slot (0: the thread's own pair).
    /// A write at a greater depth comes from a lazy fork that has no copy yet.
    owner: Cell<usize>,
    /// Whether the slot's current scope is a shared handle, or a pending fork will make it one.
    /// A fork of it must copy its data now: a later write through the handle must not reach
    /// the fork.
    shared: Cell<bool>,
    /// Whether the slot holds pending lazy forks, or a lent fork nothing accessed yet waits:
    /// accesses check this word before looking at the slot's list.
    pending: Cell<bool>,
    /// The depth of the `with_scope(|scope| ..)` fork the thread's lent handle is out to
    /// (`lent.rs`), 0 when none. It waits (pending) while `owner` is below it.
    lent: Cell<usize>,
}

mod lazy;
mod lent;
#[cfg(feature = "tracing")]
mod push;
mod spare;
pub(crate) use self::lazy::{
    enter_lazy, enter_lazy_isolation, enter_lazy_isolation_data, enter_lazy_isolation_handle,
    leave_handle,
};
pub(crate) use self::lent::with_lent;
#[cfg(feature = "tracing")]
pub(crate) use self::push::{pop_current, push_current};
use self::spare::Spare;
pub(crate) use self::spare::{give_back, spare_with};

thread_local! {
    static SLOT: RefCell<Slot> = const {
        RefCell::new(Slot {
            active: None,
            saved: Vec::new(),
            pending: Vec::new(),
            spare: Spare::NONE,
        })
    };
    static MARKS: Marks = const {
        Marks {
            depth: Cell::new(0),
            owner: Cell::new(0),
            shared: Cell::new(false),
            pending: Cell::new(false),
            lent: Cell::new(0),
        }
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

/// Runs `f` on this thread's active pair, creating it on first use, to read it; pending lazy
/// isolation forks are taken first ([`materialize`]). `None` once the thread-local has been
/// destroyed (thread teardown). `f` must not run user code.
pub(crate) fn with_active<R>(f: impl FnOnce(&Active) -> R) -> Option<R> {
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        marks(|m| materialize(slot, m));
        f(slot.active.get_or_insert_with(Active::fresh))
    })
    .ok()
}

/// Takes the pending lazy forks, outermost first: each saves the pair below it and installs
/// its scope: an isolation scope made from its snapshot (the current data stays, copied on
/// write), or a current-scope handle.
#[inline]
fn materialize(slot: &mut Slot, m: &Marks) {
    if m.pending.get() {
        take_pending(slot, m);
    }
}

/// [`materialize`] once there is something to take: out of line, so that the check alone is
/// inlined into every access to the pair.
#[inline(never)]
fn take_pending(slot: &mut Slot, m: &Marks) {
    let active = slot.active.get_or_insert_with(Active::fresh);
    for (depth, pending) in slot.pending.drain(..) {
        slot.saved.push((depth, Some(active.clone())));
        match pending {
            Pending::Isolation(snapshot) => active.isolation = slot.spare.take(snapshot),
            Pending::IsolationHandle(handle) => active.isolation = handle,
        }
        m.owner.set(depth);
    }
    // A pending lent fork is the innermost pending fork (it makes the current scope shared,
    // so nothing inside it is entered lazily): installed last.
    let lent = m.lent.get();
    if lent > m.owner.get()
        && let Some(handle) = lent::lent_handle()
    {
        slot.saved.push((lent, Some(active.clone())));
        active.current = Current::Shared(handle);
        m.owner.set(lent);
    }
    m.pending.set(false);
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
        marks(|m| {
            materialize(slot, m);
            let active = slot.active.get_or_insert_with(Active::fresh);
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
            // The marks in small closures, the replace and the push outside them: a closure
            // that also held the displaced pair (dropped on unwind) was too big for LLVM to
            // inline into this path.
            let depth = marks(|m| {
                materialize(slot, m);
                let depth = m.depth.get() + 1;
                m.depth.set(depth);
                m.owner.set(depth);
                depth
            });
            let prev = std::mem::replace(&mut slot.active, new.take());
            let shared = slot.active.as_ref().is_some_and(Active::is_shared);
            marks(|m| m.shared.set(shared));
            slot.saved.push((depth, prev));
            depth
        })
        .unwrap_or(0);
    drop(new);
    depth
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
    let (restore, pending) = marks(|m| {
        let now = m.depth.get();
        if now < depth {
            return (false, false); // an outer guard was left first and restored everything
        }
        if now != depth && !std::thread::panicking() {
            debug_assert_eq!(now, depth, "scope guards dropped out of order");
        }
        m.depth.set(depth - 1);
        (m.owner.get() >= depth, m.pending.get())
    });
    // A lent fork at `depth` or deeper is pending (so `pending` is set) or installed (so
    // `restore` is): a lazy fork nothing wrote to checks neither.
    if pending || restore {
        marks(|m| leave_lent(m, depth));
    }
    if pending {
        // Lazy forks at `depth` or deeper that nothing accessed: their snapshots and handles
        // go, one at a time, dropped outside the borrow.
        while let Some((pending, more)) = drop_pending(depth) {
            drop(pending);
            if !more {
                break;
            }
        }
    }
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

/// Forgets the lent fork (`lent.rs`) if it was entered at `depth` or deeper. One nothing
/// accessed made the current scope count as shared; what is installed now is the unshared pair
/// it was entered over (restoring a pair below sets the mark again).
fn leave_lent(m: &Marks, depth: usize) {
    let lent = m.lent.get();
    if lent >= depth && lent != 0 {
        m.lent.set(0);
        if m.owner.get() < lent {
            m.shared.set(false);
        }
    }
}

/// Removes the innermost pending lazy fork if it was entered at `depth` or deeper; returns it
/// and whether another one entered at `depth` or deeper remains.
fn drop_pending(depth: usize) -> Option<(Pending, bool)> {
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        let pending = pop_pending(slot, depth)?;
        Some((
            pending,
            slot.pending.last().is_some_and(|(d, _)| *d >= depth),
        ))
    })
    .ok()
    .flatten()
}

/// Removes the innermost pending lazy fork if it was entered at `depth` or deeper, in a borrow
/// the caller holds, and updates the marks.
#[inline]
fn pop_pending(slot: &mut Slot, depth: usize) -> Option<Pending> {
    let (_, pending) = slot.pending.pop_if(|(d, _)| *d >= depth)?;
    marks(|m| {
        m.pending
            .set(!slot.pending.is_empty() || m.lent.get() > m.owner.get())
    });
    Some(pending)
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

/// A copy of this thread's pair (same isolation handle, same current) that never panics: `None`
/// when the slot is borrowed (a panic raised while it was) or destroyed. For the panic hook.
#[cfg(feature = "panic")]
pub(crate) fn try_active() -> Option<Active> {
    SLOT.try_with(|slot| {
        let mut slot = slot.try_borrow_mut().ok()?;
        let slot = &mut *slot;
        marks(|m| materialize(slot, m));
        slot.active.clone()
    })
    .ok()
    .flatten()
}

/// Whether this thread is inside a capture (its callbacks, processors or transport).
pub(crate) fn in_capture() -> bool {
    IN_CAPTURE.try_with(Cell::get).unwrap_or(false)
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
