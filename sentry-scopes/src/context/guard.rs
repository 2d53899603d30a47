//! `ScopeGuard`: installs a pair of scopes on this thread and restores the previous pair on drop.

use std::marker::PhantomData;
use std::sync::Arc;

use super::thread::{self, Active, Current};
use crate::scope::{Scope, ScopeData};

/// Keeps a pair of scopes active on this thread until dropped, then restores the previous pair,
/// on every exit path including a panic.
///
/// Returned by [`Span::enter`](crate::Span::enter), and used by the macros and block
/// functions. It is `!Send`, so it cannot be held across an `.await` in a future that must be
/// `Send` (bind the future instead: [`Span::bind`](crate::Span::bind)):
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
    /// The guard depth this guard entered at; 0 once left, or when the thread-local was
    /// already gone and nothing was entered.
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

impl ScopeGuard {
    /// Makes `active` the pair of this thread.
    #[inline]
    pub(crate) fn enter(active: Active) -> Self {
        Self::at(thread::enter(active))
    }

    /// Enters a fork of the current scope that copies nothing until something writes to it
    /// (see [`thread`]): a bare `#[with_scope]` costs a depth mark.
    #[inline]
    pub(crate) fn fork_current() -> Self {
        match thread::enter_lazy() {
            0 => Self::enter(thread::fork_active()),
            depth => Self::at(depth),
        }
    }

    /// Enters a fork of both scopes that takes only a snapshot of the isolation data until
    /// something accesses the pair inside it (see [`thread`]): a bare `#[isolation_scope]`.
    #[inline]
    pub(crate) fn fork_isolation() -> Self {
        match thread::enter_lazy_isolation() {
            0 => Self::enter(thread::with_active(Active::fork_both).unwrap_or_else(Active::fresh)),
            depth => Self::at(depth),
        }
    }

    /// Enters a fork of both scopes whose isolation data an `#[isolation_scope]` item already
    /// wrote (`current` is the current data, unchanged): lazily, as for a fork without items,
    /// when the current scope is not shared; else installed now.
    pub(crate) fn fork_isolation_from(isolation: Arc<ScopeData>, current: Arc<ScopeData>) -> Self {
        match thread::enter_lazy_isolation_data(isolation) {
            Ok(depth) => Self::at(depth),
            Err(isolation) => Self::enter(Active {
                isolation: thread::spare_with(isolation),
                current: Current::Inline(current),
            }),
        }
    }

    /// Enters a fork with a handle of its own, and returns the handle: the fork of both scopes
    /// with the handle as the isolation scope (`with_isolation_scope`, `isolation` true), or
    /// of the current scope (a `with_scope` that could not lend the thread's handle). An
    /// isolation fork is entered lazily, as the handle and a depth mark, when the current
    /// scope is not shared (see [`thread`]); else the handle gets its data and is installed
    /// now. During thread teardown nothing is entered and the handle is a detached scope.
    #[inline]
    pub(crate) fn fork_with_handle(isolation: bool) -> (Self, Scope) {
        let lazy = isolation
            .then(thread::enter_lazy_isolation_handle)
            .flatten();
        match lazy {
            Some((depth, handle)) => (Self::at(depth), handle),
            None => Self::fork_with_handle_now(isolation),
        }
    }

    #[cold]
    #[inline(never)]
    fn fork_with_handle_now(isolation: bool) -> (Self, Scope) {
        let Some(Active {
            isolation: parent,
            current,
        }) = thread::with_active(Active::clone)
        else {
            return (Self::at(0), Scope::new());
        };
        let (active, handle) = if isolation {
            let handle = thread::spare_with(parent.data());
            let current = Current::Inline(current.data());
            (
                Active {
                    isolation: handle.clone(),
                    current,
                },
                handle,
            )
        } else {
            let handle = thread::spare_with(current.data());
            let current = Current::Shared(handle.clone());
            (
                Active {
                    isolation: parent,
                    current,
                },
                handle,
            )
        };
        (Self::enter(active), handle)
    }

    /// Leaves the fork that gave out `handle` ([`fork_with_handle`](Self::fork_with_handle)),
    /// and keeps the handle for the next such fork on this thread when nothing else holds it.
    #[inline]
    pub(crate) fn leave_handle(mut self, handle: Scope) {
        match std::mem::take(&mut self.depth) {
            0 => drop(handle),
            depth => thread::leave_handle(depth, handle),
        }
    }

    fn at(depth: usize) -> Self {
        Self {
            depth,
            _not_send: PhantomData,
        }
    }

    /// Restores the previous pair now and returns the pair that was active, with every change
    /// made while it was entered (the write-back a bound future needs).
    pub(crate) fn exit(mut self) -> Option<Active> {
        let depth = std::mem::take(&mut self.depth);
        if depth == 0 {
            return None;
        }
        // A lazy fork nothing wrote to is still the pair below it: its copy is taken now.
        let unchanged = (!thread::installed_at(depth))
            .then(|| thread::with_active(Active::clone))
            .flatten();
        thread::leave(depth).or(unchanged)
    }
}

impl Drop for ScopeGuard {
    #[inline]
    fn drop(&mut self) {
        if self.depth != 0 {
            // The pair the guard installed is dropped here, after the slot's borrow has ended;
            // an isolation handle nothing else holds is kept as the thread's spare.
            if let Some(Active { isolation, current }) = thread::leave(self.depth) {
                drop(current);
                thread::give_back(isolation);
            }
        }
    }
}
