//! Making a span active: the current scope is forked with the span set on it, as
//! [`with_scope`](crate::with_scope) forks it, so spans nest the way scopes do, across threads
//! and `.await` with the rest of the scope.

use std::future::Future;
use std::sync::Arc;

use super::ScopeFuture;
use super::guard::ScopeGuard;
use super::thread::{Active, Current, fork_active};
use crate::scope::Span;

/// A fork of the current scope with `span` active on it.
fn with_span(span: &Span) -> Active {
    let mut active = fork_active();
    let data = match &mut active.current {
        Current::Inline(d) => d,
        Current::Shared(s) => {
            active.current = Current::Inline(s.data());
            match &mut active.current {
                Current::Inline(d) => d,
                Current::Shared(_) => unreachable!("made inline above"),
            }
        }
    };
    Arc::make_mut(data).span = Some(span.clone());
    active
}

impl Span {
    /// Makes this span the active one on this thread until the guard is dropped: events
    /// captured meanwhile report its trace context and [`start_span`](crate::start_span) starts
    /// its children. The current scope is forked, so writes meanwhile stay inside.
    ///
    /// ```
    /// use sentry_scopes::{TransactionContext, start_transaction};
    /// # let events = sentry_scopes::test::with_captured_events(|| {
    /// let txn = start_transaction(TransactionContext::new("job", "task"));
    /// {
    ///     let _active = txn.enter();
    ///     sentry_scopes::capture_message("inside", sentry_scopes::Level::Info);
    /// }
    /// # });
    /// # let trace = match &events[0].contexts["trace"] {
    /// #     sentry_scopes::Context::Trace(t) => t.clone(), _ => unreachable!(),
    /// # };
    /// # assert_eq!(trace.op.as_deref(), Some("task"));
    /// ```
    pub fn enter(&self) -> ScopeGuard {
        ScopeGuard::enter(with_span(self))
    }

    /// Runs `f` with this span active (see [`enter`](Self::enter)).
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _active = self.enter();
        f()
    }

    /// Binds `future` to a fork of the caller's scopes with this span active, on every poll,
    /// whichever thread polls it.
    pub fn bind<F: Future>(&self, future: F) -> ScopeFuture<F> {
        let mut active = with_span(self);
        active.isolation = active.isolation.fork();
        ScopeFuture::new(active, future)
    }
}
