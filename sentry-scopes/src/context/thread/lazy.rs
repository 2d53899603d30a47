//! Entering lazy forks: the depth mark, and the snapshot or handle a fork waits with until the
//! first access to the pair inside it takes it (`materialize` in the parent module).

use std::sync::Arc;

use super::{Active, Pending, SLOT, marks};
use crate::scope::{Scope, ScopeData};

/// Enters a lazy fork of the current scope: a depth mark and nothing else. The pair stays in
/// place until something writes to it ([`with_active_mut`](super::with_active_mut) copies it
/// then). Returns 0 when the current scope is a shared handle, which must be forked eagerly
/// instead.
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

/// Enters a lazy fork of both scopes: a snapshot of the isolation data and a depth mark; the
/// fork is taken when something first accesses the pair inside it
/// ([`materialize`](super::materialize)). Returns 0 when the current scope is a shared handle
/// (or during thread teardown): fork eagerly then.
pub(crate) fn enter_lazy_isolation() -> usize {
    enter_lazy_isolation_with(None)
}

/// [`enter_lazy_isolation`] with the fork's isolation data prepared (`#[isolation_scope]` with
/// items wrote to a copy of the isolation data, taken with the current data unchanged): it
/// becomes the isolation scope on the first access inside. Gives `data` back when the fork
/// must be taken eagerly.
pub(crate) fn enter_lazy_isolation_data(data: Arc<ScopeData>) -> Result<usize, Arc<ScopeData>> {
    if marks(|m| m.shared.get()) {
        return Err(data);
    }
    let mut data = Some(data);
    let depth = SLOT
        .try_with(|slot| {
            let slot = &mut *slot.borrow_mut();
            let depth = mark_pending(false);
            if let Some(data) = data.take() {
                slot.pending.push((depth, Pending::Isolation(data)));
            }
            depth
        })
        .unwrap_or(0);
    match data {
        None => Ok(depth),
        Some(data) => Err(data),
    }
}

/// [`enter_lazy_isolation`] with the fork's handle: the snapshot goes into `handle` (which no
/// other handle may share), which becomes the isolation scope on the first access inside.
/// Returns 0, `handle` untouched, when the fork must be taken eagerly.
pub(crate) fn enter_lazy_isolation_handle(handle: &mut Scope) -> usize {
    enter_lazy_isolation_with(Some(handle))
}

#[inline]
fn enter_lazy_isolation_with(handle: Option<&mut Scope>) -> usize {
    if marks(|m| m.shared.get()) {
        return 0;
    }
    // A snapshot that could not be used, dropped after the borrow: another thread may have
    // replaced the data it came from, leaving it the last reference.
    let mut unused = None;
    let depth = SLOT
        .try_with(|slot| {
            let slot = &mut *slot.borrow_mut();
            // Inside a pending fork the isolation data is that fork's, as of now, not the parent's
            // live data (which a handle may have written since). A pending current-scope fork
            // makes the current scope shared, so none is waiting here.
            let snapshot = match slot.pending.last() {
                Some((_, Pending::Isolation(snapshot))) => snapshot.clone(),
                Some((_, Pending::IsolationHandle(outer))) => outer.data(),
                Some((_, Pending::Current(_))) | None => slot
                    .active
                    .get_or_insert_with(Active::fresh)
                    .isolation
                    .data(),
            };
            let pending = match handle {
                None => Pending::Isolation(snapshot),
                Some(handle) => match handle.replace_unique(snapshot) {
                    // The placeholder it held: never scope data, so dropping it here runs nothing.
                    Ok(_placeholder) => Pending::IsolationHandle(handle.clone()),
                    Err(snapshot) => {
                        unused = Some(snapshot);
                        return 0;
                    }
                },
            };
            // The marks first, the push after: a closure holding the push (and the snapshot's
            // drop on unwind) was too big for LLVM to inline into this path.
            let depth = mark_pending(false);
            slot.pending.push((depth, pending));
            depth
        })
        .unwrap_or(0);
    drop(unused);
    depth
}

/// Enters a lazy fork of the current scope whose handle is `handle`: puts the current data into
/// `handle` (which no other handle may share) and leaves a depth mark; the handle becomes the
/// current scope when something first accesses the pair inside
/// ([`materialize`](super::materialize)). Returns 0, `handle` untouched, when the current scope
/// is shared (or during thread teardown): fork eagerly then.
pub(crate) fn enter_lazy_current(handle: &mut Scope) -> usize {
    if marks(|m| m.shared.get()) {
        return 0;
    }
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        // Not shared, so no pending current-scope fork: the slot's current data is the parent's.
        let data = slot.active.get_or_insert_with(Active::fresh).current.data();
        let Ok(parked) = handle.replace_unique(data) else {
            return 0;
        };
        let depth = mark_pending(true);
        slot.pending.push((depth, Pending::Current(handle.clone())));
        drop(parked); // a placeholder: never holds scope data, so nothing runs here
        depth
    })
    .unwrap_or(0)
}

/// Counts a lazy fork in the marks: one guard deeper, with a pending fork waiting (and, for a
/// current-scope fork's handle, a current scope that counts as shared). Returns its depth.
#[inline]
fn mark_pending(shared: bool) -> usize {
    marks(|m| {
        let depth = m.depth.get() + 1;
        m.depth.set(depth);
        m.pending.set(true);
        if shared {
            m.shared.set(true);
        }
        depth
    })
}
