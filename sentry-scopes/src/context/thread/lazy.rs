//! Entering lazy forks: the depth mark, and the snapshot or handle a fork waits with until the
//! first access to the pair inside it takes it (`materialize` in the parent module).

use std::sync::Arc;

use super::{Active, Pending, SLOT, Slot, marks};
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
    if marks(|m| m.shared.get()) {
        return 0;
    }
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        let pending = Pending::Isolation(isolation_snapshot(slot));
        // The marks first, the push after: a closure holding the push (and the snapshot's
        // drop on unwind) was too big for LLVM to inline into this path.
        let depth = mark_pending(false);
        slot.pending.push((depth, pending));
        depth
    })
    .unwrap_or(0)
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

/// [`enter_lazy_isolation`] with a handle of its own (`with_isolation_scope(|scope| ..)`): the
/// thread's spare handle gets the snapshot, and becomes the isolation scope on the first access
/// inside. Returns the depth and the handle; `None` when the fork must be taken eagerly.
pub(crate) fn enter_lazy_isolation_handle() -> Option<(usize, Scope)> {
    if marks(|m| m.shared.get()) {
        return None;
    }
    SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        let snapshot = isolation_snapshot(slot);
        let handle = slot.spare.take(snapshot);
        let depth = mark_pending(false);
        slot.pending
            .push((depth, Pending::IsolationHandle(handle.clone())));
        (depth, handle)
    })
    .ok()
}

/// The isolation data a lazy isolation fork entered now forks. Inside a pending fork it is that
/// fork's, as of now, not the parent's live data (which a handle may have written since). A
/// pending lent fork makes the current scope shared, so none is waiting here.
#[inline]
fn isolation_snapshot(slot: &mut Slot) -> Arc<ScopeData> {
    match slot.pending.last() {
        Some((_, Pending::Isolation(snapshot))) => snapshot.clone(),
        Some((_, Pending::IsolationHandle(outer))) => outer.data(),
        None => slot
            .active
            .get_or_insert_with(Active::fresh)
            .isolation
            .data(),
    }
}

/// Leaves the fork entered at `depth` that gave out `handle`, and keeps `handle` as the
/// thread's spare when nothing else holds it. When nothing inside accessed the pair (the fork
/// is still the innermost pending entry), both happen in one borrow of the slot; else the fork
/// is left as any guard is ([`leave`](super::leave)).
#[inline]
pub(crate) fn leave_handle(depth: usize, handle: Scope) {
    if marks(|m| m.depth.get() != depth || !m.pending.get()) {
        return leave_handle_slow(depth, handle);
    }
    let left = SLOT.try_with(|slot| {
        let slot = &mut *slot.borrow_mut();
        if slot.pending.last().is_none_or(|(d, _)| *d != depth) {
            return Err(handle);
        }
        marks(|m| m.depth.set(depth - 1));
        // Not the last reference to the handle's cell: `handle` is another.
        drop(super::pop_pending(slot, depth));
        Ok(slot.spare.keep(handle))
    });
    match left {
        // What the handle held, or the handle when it was not kept: dropped outside the borrow.
        Ok(Ok(left)) => drop(left),
        // Something inside accessed the pair: the fork was installed.
        Ok(Err(handle)) => leave_handle_slow(depth, handle),
        // Thread teardown: the handle went with the slot's closure.
        Err(_) => {}
    }
}

#[inline(never)]
fn leave_handle_slow(depth: usize, handle: Scope) {
    // The pair the fork installed holds a clone of `handle`: dropped first, so that `handle`
    // can be kept.
    drop(super::leave(depth));
    super::give_back(handle);
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
