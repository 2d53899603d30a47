//! One spare scope handle per thread, for `with_scope(|scope| ..)`,
//! `with_isolation_scope(|scope| ..)` and the isolation scope of `#[isolation_scope]` with items.
//!
//! The closure needs a handle before it runs, and most closures drop it when they return (an
//! isolation fork's handle goes when its guard does): the handle is then kept for the next
//! fork on this thread instead of freeing its cell and allocating another. A handle that was
//! cloned and kept is not reused; it lives on as any other handle does. A spare holds this
//! thread's placeholder data, never a scope's, so keeping it retains nothing.

use std::cell::Cell;
use std::sync::Arc;

use crate::scope::{Scope, ScopeData};

thread_local! {
    static SPARE: Cell<Option<Scope>> = const { Cell::new(None) };
    /// What a spare holds: empty data made once per thread (a shared one would put every
    /// thread's reference counting on one cache line).
    static PLACEHOLDER: Arc<ScopeData> = Arc::new(ScopeData::default());
}

/// A handle no other handle shares: this thread's spare, or a new one.
pub(crate) fn take() -> Scope {
    SPARE
        .try_with(Cell::take)
        .ok()
        .flatten()
        .unwrap_or_else(|| Scope::from_data(placeholder()))
}

/// A handle no other handle shares, holding `data`: this thread's spare, or a new one.
pub(crate) fn with_data(data: Arc<ScopeData>) -> Scope {
    let mut scope = take();
    // The placeholder the spare held: never scope data, so dropping it here runs nothing.
    drop(scope.put(data));
    scope
}

/// Keeps `scope` as this thread's spare if nothing else holds it, emptied first; drops it
/// otherwise. The data it held is dropped here, outside every borrow.
#[inline]
pub(crate) fn give_back(scope: Scope) {
    if !scope.maybe_shared() {
        keep(scope);
    }
}

fn keep(mut scope: Scope) {
    if let Ok(data) = scope.replace_unique(placeholder()) {
        drop(data);
        // During thread teardown the spare is dropped instead.
        let _ = SPARE.try_with(|spare| spare.set(Some(scope)));
    }
}

fn placeholder() -> Arc<ScopeData> {
    PLACEHOLDER
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::new(ScopeData::default()))
}
