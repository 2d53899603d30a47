//! `OnErr`: the async form of `err`, a future that shows its output to a callback.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

pin_project! {
    /// Polls `inner`; when it completes, calls `on_err(&output)` once (the callback captures an
    /// `Err`), then returns the output unchanged. Generated code wraps the body in it inside the
    /// `ScopeFuture`, so the capture sees the function's scope. Not public API.
    #[must_use = "futures do nothing unless polled"]
    pub struct OnErr<F, C> {
        #[pin]
        inner: F,
        on_err: Option<C>,
    }
}

impl<F, C> OnErr<F, C>
where
    F: Future,
    C: FnOnce(&F::Output),
{
    /// Wraps `inner`. The bounds are stated here, not only on `Future`, so that the closure
    /// passed as `on_err` is inferred as higher-ranked over the output's lifetime. Nothing here
    /// requires a `Result`: the closure checks that, so a wrong return type is one error, at
    /// `err`, in the macro's words (`bounds::ErrResult`). Not public API.
    pub fn new(inner: F, on_err: C) -> Self {
        Self {
            inner,
            on_err: Some(on_err),
        }
    }
}

impl<F, C> Future for OnErr<F, C>
where
    F: Future,
    C: FnOnce(&F::Output),
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Some(on_err) = this.on_err.take() {
            on_err(&result);
        }
        Poll::Ready(result)
    }
}
