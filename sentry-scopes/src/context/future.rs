//! `ScopeFuture`: a future that carries its own pair of scopes to whichever thread polls it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::guard::ScopeGuard;
use super::thread::{Active, with_active};
use crate::scope::Scope;

pin_project! {
    /// A future bound to its own isolation and current scopes.
    ///
    /// Each poll installs the scopes on the polling thread and takes them back afterwards, with
    /// every change made during the poll, so data set before an `.await` is still there after it,
    /// on any worker thread. Nothing reaches the spawner or other tasks. The inner future is also
    /// dropped inside its scopes. Created by [`ScopeFutureExt`].
    #[must_use = "futures do nothing unless polled"]
    pub struct ScopeFuture<F> {
        scopes: Option<Active>,
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for ScopeFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_some() {
                let guard = this.scopes.take().map(ScopeGuard::enter);
                this.inner.set(None);
                drop(guard);
            }
        }
    }
}

impl<F> ScopeFuture<F> {
    pub(crate) fn new(scopes: Active, inner: F) -> Self {
        Self {
            scopes: Some(scopes),
            inner: Some(inner),
        }
    }
}

impl<F: Future> Future for ScopeFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        let guard = this.scopes.take().map(ScopeGuard::enter);
        // Takes the scopes back into the future on every exit, a panicking poll included, so a
        // future dropped after a panic is still dropped inside its own scopes.
        let _write_back = WriteBack {
            slot: this.scopes,
            guard,
        };
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            panic!("`ScopeFuture` polled after it completed");
        };
        let poll = inner.poll(cx);
        if poll.is_ready() {
            this.inner.set(None);
        }
        poll
    }
}

struct WriteBack<'a> {
    slot: &'a mut Option<Active>,
    guard: Option<ScopeGuard>,
}

impl Drop for WriteBack<'_> {
    fn drop(&mut self) {
        *self.slot = self.guard.take().and_then(ScopeGuard::exit);
    }
}

/// Binds futures to scopes, for tasks that are spawned or polled elsewhere.
///
/// A plain `tokio::spawn` does not carry scopes: the task would see whatever its worker thread
/// holds. Bind every task that needs scope data.
///
/// ```
/// use sentry_scopes::{Level, ScopeFutureExt, capture_message, set_tag};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// set_tag("parent", "yes");
/// let task = async {
///     set_tag("job", "42"); // lands on the task's own isolation scope
///     tokio::task::yield_now().await;
///     capture_message("done", Level::Info);
/// };
/// rt.block_on(rt.spawn(task.bind_current_scope())).unwrap();
/// capture_message("parent", Level::Info);
/// # });
/// # assert_eq!(events[0].tags["job"], "42");
/// # assert_eq!(events[0].tags["parent"], "yes");
/// # assert!(events[1].tags.get("job").is_none());
/// ```
pub trait ScopeFutureExt: Future + Sized {
    /// Binds the future to forks of the caller's isolation and current scopes, taken now.
    fn bind_current_scope(self) -> ScopeFuture<Self> {
        let active = with_active(|a| a.fork_both()).unwrap_or_else(Active::fresh);
        ScopeFuture::new(active, self)
    }

    /// Binds the future to `isolation` itself as its isolation scope (top-level setters inside
    /// write to it) and a fork of the caller's current scope, taken now. For integrations that
    /// prepare a request's scope before running its handler.
    fn bind_isolation_scope(self, isolation: &Scope) -> ScopeFuture<Self> {
        let mut active = super::thread::fork_active();
        active.isolation = isolation.clone();
        ScopeFuture::new(active, self)
    }
}

impl<F: Future> ScopeFutureExt for F {}
