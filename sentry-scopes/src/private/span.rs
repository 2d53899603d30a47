//! `span(..)`: the span a scoped function runs in, started with its fork and finished when the
//! function returns (sync) or its future completes or is dropped (async, future-returning).
//!
//! The status says how the function ended, unless the body set one: `internal_error` when
//! `err` saw an `Err` or the body panicked, `cancelled` when the future was dropped before it
//! completed, else `ok`. Not public API.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::bounds::{SpanName, SpanOp};
use crate::protocol::SpanStatus;
use crate::scope::{Span, SpanGuard};

/// The span of a function with `span(..)`: a child of the span active when it starts, or a
/// transaction when none is. Finishes when dropped. Not public API.
#[must_use = "the span finishes as soon as it is dropped"]
pub struct FnSpan {
    guard: SpanGuard,
    /// The status it finishes with when dropped, unless one was set: `ok` once the function
    /// returned, `cancelled` for a future that has not completed.
    if_dropped: SpanStatus,
}

/// Starts the span of a function: `op` and `name` (its description, or the transaction's name
/// when no span is active), as [`start_span`](crate::start_span) does. Not public API.
pub fn start_span(op: impl Into<Cow<'static, str>>, name: impl Into<Cow<'static, str>>) -> FnSpan {
    FnSpan {
        guard: crate::start_span(op, name),
        if_dropped: SpanStatus::Ok,
    }
}

/// The text of `span(op = expr)`. Not public API.
pub fn span_op<T: SpanOp + ?Sized>(op: &T) -> Cow<'static, str> {
    Cow::Owned(op.as_ref().to_owned())
}

/// The text of `span(name = expr)`. Not public API.
pub fn span_name<T: SpanName + ?Sized>(name: &T) -> Cow<'static, str> {
    Cow::Owned(name.as_ref().to_owned())
}

impl FnSpan {
    /// The span, to be made active on the fork. Not public API.
    #[must_use]
    pub fn span(&self) -> &Span {
        &self.guard
    }

    /// `err` saw an `Err`: the span finishes now, with `internal_error` unless the body set a
    /// status (a more precise one, such as `not_found`). Now, before the error is captured:
    /// the capture (a stack trace, in a debug build tens of milliseconds) is the SDK's time,
    /// not the function's. The event still names the span, which stays active until the
    /// function returns. Not public API.
    pub fn failed(&self) {
        self.guard
            .finish_with_default_status(SpanStatus::InternalError);
    }
}

impl Drop for FnSpan {
    fn drop(&mut self) {
        let status = if std::thread::panicking() {
            SpanStatus::InternalError
        } else {
            self.if_dropped
        };
        self.guard.close_with_default_status(status);
    }
}

pin_project! {
    /// The future of a function with `span(..)`: polls `inner`; when it completes, shows its
    /// output to `check` (the `err` capture, which marks the span failed on an `Err`), then
    /// finishes the span. Dropped before it completed, it drops `inner` first, then finishes
    /// the span as `cancelled`. Generated code binds it to the fork, so `check` and the drop
    /// of `inner` run in the function's scope. Not public API.
    #[must_use = "futures do nothing unless polled"]
    pub struct SpanFuture<F, C> {
        // Field order is drop order: the body (and the spans it holds) before this span.
        #[pin]
        inner: F,
        check: Option<C>,
        span: Option<FnSpan>,
    }
}

/// Wraps the future of a function with `span(..)`; `check` is the `err` capture, or
/// [`no_err`]. The bounds are stated here so that the closure passed as `check` is inferred as
/// higher-ranked over the lifetimes of its arguments. Not public API.
pub fn span_future<F, C>(inner: F, mut span: FnSpan, check: C) -> SpanFuture<F, C>
where
    F: Future,
    C: FnOnce(&F::Output, &FnSpan),
{
    span.if_dropped = SpanStatus::Cancelled;
    SpanFuture {
        inner,
        check: Some(check),
        span: Some(span),
    }
}

/// The `check` of a function with `span(..)` but no `err`. Not public API.
pub const fn no_err<O>(_: &O, _: &FnSpan) {}

impl<F, C> Future for SpanFuture<F, C>
where
    F: Future,
    C: FnOnce(&F::Output, &FnSpan),
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = ready!(this.inner.poll(cx));
        if let Some(mut span) = this.span.take() {
            if let Some(check) = this.check.take() {
                check(&output, &span);
            }
            span.if_dropped = SpanStatus::Ok;
            drop(span);
        }
        Poll::Ready(output)
    }
}
