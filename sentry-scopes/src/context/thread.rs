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

    /// Applies `f` to the data in place: copy-on-write for inline data, `Scope::update` for a cell.
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
    #[inline]
    pub(crate) fn fork_current(&self) -> Self {
        Self {
            isolation: self.isolation.clone(),
            current: Current::Inline(self.current.data()),
        }
    }
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
    #[cfg(debug_assertions)]
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
    entered.then_some(CaptureFlag(()))
}

/// Runs `f` on this thread's active pair, creating it on first use. `None` once the thread-local
/// has been destroyed (thread teardown). `f` must not run user code.
#[inline]
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

/// Increments the guard depth and returns the new depth (debug builds only: it exists for the
/// out-of-order check, which is a `debug_assert!`).
#[cfg(debug_assertions)]
pub(crate) fn push_depth() -> usize {
    DEPTH
        .try_with(|d| {
            d.set(d.get() + 1);
            d.get()
        })
        .unwrap_or(0)
}

/// Decrements the guard depth; `expected` is the depth the guard was created at.
#[cfg(debug_assertions)]
pub(crate) fn pop_depth(expected: usize) {
    let _ = DEPTH.try_with(|d| {
        let now = d.get();
        if now != expected && !std::thread::panicking() {
            debug_assert_eq!(now, expected, "scope guards dropped out of order");
        }
        d.set(now.saturating_sub(1));
    });
}
