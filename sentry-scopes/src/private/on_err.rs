//! `OnErr`: the async form of `err`, a future that reports the error its inner future returns.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

pin_project! {
    /// Polls `inner`; when it completes with `Err(e)`, calls `on_err(&e)` once, then returns the
    /// result unchanged. Generated code wraps the body in it inside the `ScopeFuture`, so the
    /// capture sees the function's scope. Not public API.
    #[must_use = "futures do nothing unless polled"]
    pub struct OnErr<F, C> {
        #[pin]
        inner: F,
        on_err: Option<C>,
    }
}

impl<F, C, T, E> OnErr<F, C>
where
    F: Future<Output = Result<T, E>>,
    C: FnOnce(&E),
{
    /// Wraps `inner`. The bounds are stated here, not only on `Future`, so that the closure
    /// passed as `on_err` is inferred as higher-ranked over the error's lifetime.
    /// Not public API.
    pub fn new(inner: F, on_err: C) -> Self {
        Self {
            inner,
            on_err: Some(on_err),
        }
    }
}

impl<F, C, T, E> Future for OnErr<F, C>
where
    F: Future<Output = Result<T, E>>,
    C: FnOnce(&E),
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Err(e) = &result
            && let Some(on_err) = this.on_err.take()
        {
            on_err(e);
        }
        Poll::Ready(result)
    }
}
