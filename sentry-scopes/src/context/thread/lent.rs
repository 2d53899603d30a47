//! The handle `with_scope(|scope| ..)` gives its closure: one per thread, in a thread-local of
//! its own, lent by reference. Lending costs no reference count for the handle and no entry
//! in the slot's pending list; the fork is a depth in the marks.
//!
//! Entering puts the current data into the handle (the data's reference count; the handle is
//! unshared, so no lock) and marks the fork pending at its depth, with the current scope
//! counting as shared. The first access to the pair inside installs the handle as the current
//! scope (`take_pending` in the parent module), exactly as if it had been installed at entry.
//! Leaving a fork nothing inside accessed resets the marks; leaving one that was installed is
//! leaving any guard. Either way the placeholder goes back into the handle, which drops the
//! fork's data. A handle the closure kept a clone of is not lent again: the next fork lends
//! a new one, and the kept clone lives on with its fork's data as any other handle does.
//! Between forks the handle holds this thread's placeholder data, never a scope's: what a
//! thread keeps from its first closure fork until it exits is the handle's cell and one empty
//! scope version.
//!
//! A `with_scope` inside a lent fork finds the current scope shared and forks it eagerly with
//! the thread's spare handle (`spare.rs`), as it does inside any shared current scope.

use std::cell::{Ref, RefCell};
use std::mem::ManuallyDrop;
use std::sync::Arc;

use super::{Active, SLOT, marks};
use crate::scope::{Scope, ScopeData};

/// The lent handle and, while it is out, the placeholder data it held.
struct Kept {
    handle: Scope,
    placeholder: Option<Arc<ScopeData>>,
}

thread_local! {
    static LENT: RefCell<Kept> = RefCell::new(Kept {
        handle: Scope::from_data(Arc::default()),
        placeholder: None,
    });
}

/// Runs `f` inside a fork of the current scope, with the thread's lent handle holding the
/// fork's data. Gives `f` back when the handle cannot be lent: the current scope is shared (a
/// handle of it is out, or a lent fork is already pending), or during thread teardown.
#[inline]
pub(crate) fn with_lent<R, F: FnOnce(&Scope) -> R>(f: F) -> Result<R, F> {
    let mut f = Some(f);
    let out = LENT
        .try_with(|cell| {
            let (depth, pending_before) = enter(cell)?;
            let leave = Leave {
                cell,
                depth,
                pending_before,
            };
            let handle = Ref::map(cell.try_borrow().ok()?, |k| &k.handle);
            let f = f.take()?;
            let r = f(&handle);
            drop(handle);
            leave.now();
            Some(r)
        })
        .ok()
        .flatten();
    match (out, f) {
        (Some(r), _) => Ok(r),
        (None, Some(f)) => Err(f),
        // `f` is taken only once the handle is borrowed, and then it runs.
        (None, None) => unreachable!("the lent fork took its closure without running it"),
    }
}

/// Enters a lent fork: the handle gets the current data, the marks count the fork pending.
/// Returns its depth and whether lazy forks were pending before it.
#[inline(always)]
fn enter(cell: &RefCell<Kept>) -> Option<(usize, bool)> {
    let (shared, pending_before) = marks(|m| (m.shared.get(), m.pending.get()));
    if shared {
        return None;
    }
    let mut kept = cell.try_borrow_mut().ok()?;
    // Not shared, so no lent fork is pending: the slot's current data is the parent's.
    let data = SLOT
        .try_with(|slot| {
            slot.borrow_mut()
                .active
                .get_or_insert_with(Active::fresh)
                .current
                .data()
        })
        .ok()?;
    let kept = &mut *kept;
    match kept.handle.replace_unique(data) {
        Ok(placeholder) => kept.placeholder = Some(placeholder),
        // The last fork's closure kept the handle, which lives on with that fork's data: a
        // new handle.
        Err(data) => kept.handle = Scope::from_data(data),
    }
    let depth = marks(|m| {
        let depth = m.depth.get() + 1;
        m.depth.set(depth);
        m.pending.set(true);
        m.shared.set(true);
        m.lent.set(depth);
        depth
    });
    Some((depth, pending_before))
}

/// Leaves a lent fork on drop (also on a panic): resets the marks when nothing inside
/// accessed the pair, else leaves the installed fork as any guard does; then puts the
/// placeholder back into the handle, unless the closure kept a clone of it.
struct Leave<'a> {
    cell: &'a RefCell<Kept>,
    depth: usize,
    pending_before: bool,
}

impl Leave<'_> {
    /// Leaves when the closure returned: the same as the drop, inlined into the caller (the
    /// drop glue is a call of its own).
    #[inline(always)]
    fn now(self) {
        ManuallyDrop::new(self).leave();
    }

    #[inline(always)]
    fn leave(&self) {
        let (depth, pending_before) = (self.depth, self.pending_before);
        let still_pending = marks(|m| {
            if m.depth.get() != depth || m.lent.get() != depth || m.owner.get() >= depth {
                return false;
            }
            m.depth.set(depth - 1);
            m.lent.set(0);
            m.shared.set(false);
            m.pending.set(pending_before);
            true
        });
        if !still_pending {
            leave_installed(depth);
        }
        // The fork's data, dropped after the borrow ends.
        let data = self.cell.try_borrow_mut().ok().and_then(|mut kept| {
            let kept = &mut *kept;
            let placeholder = kept.placeholder.take().unwrap_or_default();
            match kept.handle.replace_unique(placeholder) {
                Ok(data) => Some(data),
                Err(placeholder) => {
                    kept.placeholder = Some(placeholder);
                    None
                }
            }
        });
        drop(data);
    }
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Leaves a lent fork whose handle was installed (or that outer guards already left).
#[inline(never)]
fn leave_installed(depth: usize) {
    drop(super::leave(depth));
}

/// The lent handle, to install as the current scope when the pair inside a pending lent fork
/// is first accessed.
pub(super) fn lent_handle() -> Option<Scope> {
    LENT.try_with(|cell| cell.try_borrow().ok().map(|k| k.handle.clone()))
        .ok()
        .flatten()
}
