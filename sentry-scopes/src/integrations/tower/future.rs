//! The response future: the inner service's future, run inside the request's transaction, which
//! it finishes with a status taken from the response.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::StatusCode;
use pin_project_lite::pin_project;
use sentry_types::protocol::v7::SpanStatus;

use crate::scope::SpanGuard;

pin_project! {
    /// The future of a [`SentryHttpService`](super::SentryHttpService) call: the inner
    /// service's response future, which finishes the request's `http.server` transaction when
    /// it completes (status from the response code) or is dropped before that (`cancelled`).
    ///
    /// The service returns it bound to the request's scopes ([`ScopeFuture`](
    /// crate::ScopeFuture)), so the transaction is sent with the request's scope data.
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        // `None` only while the future is dropped: the response future goes first, so the
        // spans it still holds finish before their transaction.
        #[pin]
        inner: Option<F>,
        transaction: Option<SpanGuard>,
        // Set around the inner poll: still set when dropped means that poll panicked.
        polling: bool,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            let Some(transaction) = this.transaction.take() else {
                return;
            };
            this.inner.set(None);
            if transaction.status().is_none() {
                transaction.set_status(if *this.polling {
                    SpanStatus::InternalError
                } else {
                    SpanStatus::Cancelled
                });
            }
            drop(transaction);
        }
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, transaction: SpanGuard) -> Self {
        Self {
            inner: Some(inner),
            transaction: Some(transaction),
            polling: false,
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(inner) = this.inner.as_pin_mut() else {
            // Unreachable: `inner` is only taken while the future is dropped.
            return Poll::Pending;
        };
        *this.polling = true;
        let poll = inner.poll(cx);
        *this.polling = false;
        let Poll::Ready(result) = poll else {
            return Poll::Pending;
        };
        if let Some(transaction) = this.transaction.take() {
            match &result {
                Ok(response) => {
                    let code = response.status();
                    transaction.set_data("http.response.status_code", code.as_u16());
                    if transaction.status().is_none() {
                        transaction.set_status(span_status(code));
                    }
                }
                Err(_) if transaction.status().is_none() => {
                    transaction.set_status(SpanStatus::UnknownError);
                }
                Err(_) => {}
            }
            // Finished here, inside the request's scopes, which the transaction is sent with.
            drop(transaction);
        }
        Poll::Ready(result)
    }
}

/// The span status of an HTTP response code, as sentry-tower maps it: the codes with a status
/// of their own, other client errors `invalid_argument`, other server errors `internal_error`,
/// success `ok`, the rest (informational, redirects, non-standard) `unknown_error`.
pub(super) fn span_status(code: StatusCode) -> SpanStatus {
    match code.as_u16() {
        200..=299 => SpanStatus::Ok,
        401 => SpanStatus::Unauthenticated,
        403 => SpanStatus::PermissionDenied,
        404 => SpanStatus::NotFound,
        409 => SpanStatus::AlreadyExists,
        429 => SpanStatus::ResourceExhausted,
        400..=499 => SpanStatus::InvalidArgument,
        501 => SpanStatus::Unimplemented,
        503 => SpanStatus::Unavailable,
        500..=599 => SpanStatus::InternalError,
        _ => SpanStatus::UnknownError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_codes_map_to_span_statuses() {
        let cases = [
            (200, SpanStatus::Ok),
            (204, SpanStatus::Ok),
            (301, SpanStatus::UnknownError),
            (400, SpanStatus::InvalidArgument),
            (401, SpanStatus::Unauthenticated),
            (403, SpanStatus::PermissionDenied),
            (404, SpanStatus::NotFound),
            (409, SpanStatus::AlreadyExists),
            (418, SpanStatus::InvalidArgument),
            (429, SpanStatus::ResourceExhausted),
            (500, SpanStatus::InternalError),
            (501, SpanStatus::Unimplemented),
            (502, SpanStatus::InternalError),
            (503, SpanStatus::Unavailable),
            (599, SpanStatus::InternalError),
            (101, SpanStatus::UnknownError),
        ];
        for (code, status) in cases {
            let code = StatusCode::from_u16(code).expect("a valid code");
            assert_eq!(span_status(code), status, "{code}");
        }
    }
}
