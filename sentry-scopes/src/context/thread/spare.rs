//! One spare scope handle per thread, kept in the slot, for the forks that need a handle of
//! their own: `with_isolation_scope(|scope| ..)`, the isolation scope of `#[isolation_scope]`
//! when it is installed, and a `with_scope(|scope| ..)` that cannot lend the thread's handle
//! (`lent.rs`: its current scope is shared, as inside another closure fork or `use_scope`).
//!
//! Most such handles are dropped when their fork is left: the handle is then kept for the next
//! fork on this thread instead of freeing its cell and allocating another. A handle that was
//! cloned and kept is not reused; it lives on as any other handle does. A spare holds this
//! thread's placeholder data, never a scope's, so keeping it retains nothing. Living in the
//! slot, the spare is taken and given back in the same borrow that enters or leaves the fork.

use std::sync::Arc;

use super::SLOT;
use crate::scope::{Scope, ScopeData};

/// The spare handle, and the placeholder data it holds while it waits (made once per thread: a
/// placeholder shared by all threads would put every thread's reference counting on one cache
/// line). While the handle is out, the slot keeps the placeholder.
pub(super) struct Spare {
    handle: Option<Scope>,
    placeholder: Option<Arc<ScopeData>>,
}

impl Spare {
    pub(super) const NONE: Spare = Spare {
        handle: None,
        placeholder: None,
    };

    /// A handle no other handle shares, holding `data`: the spare, or a new one.
    #[inline]
    pub(super) fn take(&mut self, data: Arc<ScopeData>) -> Scope {
        let Some(mut handle) = self.handle.take() else {
            return Scope::from_data(data);
        };
        match handle.replace_unique(data) {
            Ok(placeholder) => {
                self.placeholder = Some(placeholder);
                handle
            }
            // Never: only an unshared handle is kept, and the slot gives it to nobody else.
            // Dropping it drops the placeholder it holds, which runs nothing.
            Err(data) => Scope::from_data(data),
        }
    }

    /// Keeps `handle` as the spare, holding the placeholder, when no other handle shares it and
    /// no spare is kept yet: returns the data it held. Else returns `handle`. Either is dropped
    /// by the caller outside the slot's borrow: it may be the last reference to scope data.
    #[inline(always)]
    pub(super) fn keep(&mut self, mut handle: Scope) -> Result<Arc<ScopeData>, Scope> {
        if self.handle.is_some() || handle.maybe_shared() {
            return Err(handle);
        }
        let placeholder = self.placeholder.take().unwrap_or_default();
        match handle.replace_unique(placeholder) {
            Ok(data) => {
                self.handle = Some(handle);
                Ok(data)
            }
            Err(placeholder) => {
                self.placeholder = Some(placeholder);
                Err(handle)
            }
        }
    }
}

/// A handle no other handle shares, holding `data`: this thread's spare, or a new one.
pub(crate) fn spare_with(data: Arc<ScopeData>) -> Scope {
    let mut data = Some(data);
    let handle = SLOT
        .try_with(|slot| data.take().map(|d| slot.borrow_mut().spare.take(d)))
        .ok()
        .flatten();
    // During thread teardown: a handle of its own.
    handle.unwrap_or_else(|| Scope::from_data(data.take().unwrap_or_default()))
}

/// Keeps `handle` as this thread's spare if nothing else holds it; drops it otherwise. What it
/// held is dropped here, outside the slot's borrow.
#[inline]
pub(crate) fn give_back(handle: Scope) {
    if handle.maybe_shared() {
        return;
    }
    // `try_borrow_mut`: this runs in guards' drops, also while unwinding.
    let left = SLOT.try_with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => slot.spare.keep(handle),
        Err(_) => Err(handle),
    });
    drop(left);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Arc<ScopeData> {
        let mut data = ScopeData::default();
        data.set_tag("k".into(), "v".into());
        Arc::new(data)
    }

    #[test]
    fn a_kept_handle_lets_go_of_its_data_and_is_the_next_one_taken() {
        let mut spare = Spare::NONE;
        let (first, second) = (data(), data());
        let handle = spare.take(first.clone());
        assert!(
            spare.keep(handle.clone()).is_err(),
            "a handle with a clone alive was kept"
        );
        let Ok(released) = spare.keep(handle) else {
            panic!("an unshared handle was not kept");
        };
        assert!(Arc::ptr_eq(&released, &first));
        drop(released);
        assert_eq!(
            Arc::strong_count(&first),
            1,
            "the spare still holds the data"
        );
        assert!(spare.handle.is_some());
        let reused = spare.take(second.clone());
        assert!(spare.handle.is_none(), "the spare was not the handle taken");
        assert!(Arc::ptr_eq(&reused.data(), &second));
    }

    #[test]
    fn only_one_handle_is_kept() {
        let mut spare = Spare::NONE;
        let (a, b) = (spare.take(data()), spare.take(data()));
        assert!(!Scope::ptr_eq(&a, &b), "one handle was given out twice");
        assert!(spare.keep(a).is_ok());
        assert!(spare.keep(b).is_err(), "a second spare replaced the first");
    }
}
