//! `ScopeGuard`: installs a pair of scopes on this thread and restores the previous pair on drop.

use std::marker::PhantomData;

use super::thread::{self, Active};

/// Keeps a pair of scopes active on this thread until dropped, then restores the previous pair,
/// on every exit path including a panic.
///
/// Used by the macros and block functions; not public API. It is `!Send`, so it cannot be held
/// across an `.await` in a future that must be `Send`:
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// let guard = sentry_scopes::__private::fork_current().enter();
/// assert_send(guard);
/// ```
///
/// ```
/// let guard = sentry_scopes::__private::fork_current().enter();
/// drop(guard);
/// ```
#[must_use = "the scopes are restored as soon as the guard is dropped"]
pub struct ScopeGuard {
    /// What drop puts back: `Some(previous pair)`, where the previous pair is `None` when the
    /// slot was still unused. `None` once restored, or when the thread-local was already gone.
    restore: Option<Option<Active>>,
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

impl ScopeGuard {
    /// Makes `active` the pair of this thread.
    #[inline]
    pub(crate) fn enter(active: Active) -> Self {
        let restore = thread::replace(Some(active)).ok();
        // During thread-local teardown nothing was installed and nothing will be restored, so
        // count no depth: a push without its pop would trip the order check of a guard that
        // is still alive and dropped later in the teardown.
        let depth = if restore.is_some() {
            thread::push_depth()
        } else {
            0
        };
        Self {
            restore,
            depth,
            _not_send: PhantomData,
        }
    }

    /// Restores the previous pair now and returns the pair that was active, with every change
    /// made while it was entered (the write-back a bound future needs).
    pub(crate) fn exit(mut self) -> Option<Active> {
        let prev = self.restore.take()?;
        thread::pop_depth(self.depth);
        thread::replace(prev).ok().flatten()
    }
}

impl Drop for ScopeGuard {
    #[inline]
    fn drop(&mut self) {
        if let Some(prev) = self.restore.take() {
            thread::pop_depth(self.depth);
            // The fork's pair is dropped here, after the slot's borrow has ended.
            drop(thread::replace(prev));
        }
    }
}
