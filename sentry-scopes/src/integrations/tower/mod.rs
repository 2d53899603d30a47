//! Per-request isolation and transactions for tower and axum services (features `tower` and
//! `axum`).
//!
//! [`SentryHttpLayer`] wraps a service so that every request runs in a fresh isolation scope,
//! and so in a fresh current scope (both forked, as
//! [`with_isolation_scope`](fn@crate::with_isolation_scope) does), inside its own `http.server`
//! transaction. Before the inner service sees the request, that isolation scope gets:
//!
//! - the request (method, URL, query string, headers) for every event captured while handling
//!   it, and for the request's transaction; `Authorization`, `Cookie`, `Set-Cookie`,
//!   client-address headers and every header or query parameter whose name looks like a
//!   credential (`X-Api-Key`, `X-Auth-Token`, `?access_token=`) are left out unless the client
//!   option `send_default_pii` is set. The layer keeps a copy of the method, URI and headers
//!   (their bytes are shared, not copied) and writes the event's `request` from it only when
//!   an event or transaction of the request is sent, on the thread that encodes it;
//! - the transaction name `METHOD route`: with the `axum` feature the matched route
//!   (`GET /users/{id}`), else the URI path (`GET /users/7`);
//! - the trace of the request's transaction as its propagation context.
//!
//! The handler's future is bound to those scopes ([`ScopeFuture`]), so top-level setters in the
//! handler write to its own request, on whichever worker thread it runs, and nothing is left
//! behind once the response future is dropped.
//!
//! # The request's transaction
//!
//! Each request starts a transaction ([`start_transaction`]) with op
//! `http.server` and the name above, continuing the trace of the incoming `sentry-trace` and
//! `baggage` headers, or of a W3C `traceparent`, or starting a new trace. It is the active span
//! of the request's current scope for the whole handler, so:
//!
//! - [`start_span`](crate::start_span) in the handler (or below it, the `tracing` layer) starts
//!   children of the request's transaction, also on tasks the handler binds
//!   ([`ScopeFutureExt`](crate::ScopeFutureExt), `task::spawn` of the `tokio` feature);
//! - events captured in the handler report the transaction's (or the innermost span's) trace
//!   context; [`trace_headers`](crate::trace_headers) continues the trace below it.
//!
//! It finishes when the response future completes, inside the request's scopes (its tags,
//! user and request are the request's), with the response code as data
//! `http.response.status_code` and as status: 2xx `ok`, 401 `unauthenticated`, 403
//! `permission_denied`, 404 `not_found`, 409 `already_exists`, 429 `resource_exhausted`, other
//! 4xx `invalid_argument`, 501 `unimplemented`, 503 `unavailable`, other 5xx `internal_error`,
//! anything else `unknown_error` (the mapping of sentry-tower). An error from the inner service
//! gives `unknown_error`, a handler that panics `internal_error`, and a response future
//! dropped before it completes (the client went away, a timeout) `cancelled`. A status the
//! handler set itself (`get_current_scope().span()`, then [`Span::set_status`]) is kept.
//!
//! Whether the transaction is sent follows the client options as for any transaction: the
//! `traces_sampler`, else the upstream decision of a continued trace, else
//! `traces_sample_rate`. With neither option set (the default) tracing is off and nothing is
//! sent, not even for a request whose `sentry-trace` says sampled (`-1`); trace ids still flow:
//! events and outgoing headers carry the request's trace and pass the upstream decision on.
//!
//! ```
//! use axum::{Router, routing::get};
//! use sentry_scopes::integrations::tower::SentryHttpLayer;
//!
//! async fn show_user() -> &'static str {
//!     sentry_scopes::set_tag("feature", "profiles"); // this request only
//!     let _query = sentry_scopes::start_span("db.query", "load user"); // in its transaction
//!     "ok"
//! }
//!
//! let app: Router = Router::new()
//!     .route("/users/{id}", get(show_user))
//!     .layer(SentryHttpLayer::new());
//! # let _ = app;
//! ```
//!
//! # Where to put the layer
//! Use `Router::layer` (as above): axum runs such layers after routing, so the matched route is
//! known, and the order among other `.layer(..)` calls does not matter for what is recorded.
//! Layers applied *outside* the Sentry layer run before the request has its scope: their
//! top-level setters would not reach it, and spans they start are not in the request's
//! transaction (a `tracing` span of tower-http's `TraceLayer` outside it becomes a transaction
//! of its own). Wrapping the whole router from outside (`SentryHttpLayer::new().layer(router)`)
//! works too, with transactions named after the path.
//!
//! Each request's scopes are forked from the scopes that were active where the layer was
//! created (usually `main`, after [`init`](crate::init)): data set there before building the
//! router is on every request; nothing a request writes reaches it. The request's transaction
//! always starts a trace of its own or continues the incoming one, never a span that was active
//! where the layer was created.
//!
//! # Limitations
//! - The transaction covers the response future, not the streaming of the response body: a
//!   body streamed after the handler returned is not timed.
//! - The service must answer with `http::Response` (any body), as axum's do.

mod future;
mod request;

use std::sync::Arc;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

pub use self::future::ResponseFuture;
use crate::client::start_transaction;
use crate::context::thread::{Active, Current, with_active};
use crate::context::{ScopeFuture, ScopeGuard};
use crate::scope::{PropagationContext, Scope, ScopeData, Span, TransactionContext, arc_str};

/// A [`tower_layer::Layer`] that runs every request in its own isolation scope and
/// `http.server` transaction; see the [module docs](self). Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct SentryHttpLayer {
    base: Arc<Base>,
}

/// The scopes every request forks from.
struct Base {
    isolation: Arc<ScopeData>,
    current: Arc<ScopeData>,
}

impl std::fmt::Debug for SentryHttpLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryHttpLayer").finish_non_exhaustive()
    }
}

impl Default for SentryHttpLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl SentryHttpLayer {
    /// A layer whose requests fork the isolation and current scopes active here, now.
    #[must_use]
    pub fn new() -> Self {
        let (isolation, current) = with_active(|a| (a.isolation.data(), a.current.data()))
            .unwrap_or_else(|| {
                let fresh = Active::fresh();
                (fresh.isolation.data(), fresh.current.data())
            });
        Self {
            base: Arc::new(Base { isolation, current }),
        }
    }
}

impl<S> Layer<S> for SentryHttpLayer {
    type Service = SentryHttpService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SentryHttpService {
            inner,
            base: self.base.clone(),
        }
    }
}

/// The service [`SentryHttpLayer`] wraps around an inner service. `Clone`, `Send` and `Sync`
/// when the inner service is.
#[derive(Clone)]
pub struct SentryHttpService<S> {
    inner: S,
    base: Arc<Base>,
}

impl<S> std::fmt::Debug for SentryHttpService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryHttpService").finish_non_exhaustive()
    }
}

impl<S> SentryHttpService<S> {
    /// The scopes of one request, running `transaction`: forks of the base with the request's
    /// data on the isolation scope, written as one new version (no per-field publish), and the
    /// transaction active on the current scope.
    fn request_scopes<B>(&self, req: &http::Request<B>, name: &str, transaction: &Span) -> Active {
        let mut isolation = ScopeData::clone(&self.base.isolation);
        // Events of the request report the transaction's trace even where it is not the active
        // span (a scope that cleared it); trace headers continue it.
        let seldom = isolation.seldom_mut();
        seldom.propagation = PropagationContext::of_span(transaction);
        seldom.transaction = Some(arc_str(name));
        seldom.request = Some(request::request_source(req));
        let mut current = self.base.current.clone();
        Arc::make_mut(&mut current).span = Some(transaction.clone());
        Active {
            isolation: Scope::from_data(Arc::new(isolation)),
            current: Current::Inline(current),
        }
    }
}

impl<S, B, ResBody> Service<http::Request<B>> for SentryHttpService<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ScopeFuture<ResponseFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let name = request::transaction_name(&req);
        let transaction = start_transaction(TransactionContext::continue_from_headers(
            name.as_str(),
            "http.server",
            request::trace_headers(req.headers()),
        ));
        let scopes = self.request_scopes(&req, &name, &transaction);
        // The inner `call` may already do work (axum routes here); it sees the request's scopes.
        let guard = ScopeGuard::enter(scopes.clone());
        let future = self.inner.call(req);
        let scopes = guard.exit().unwrap_or(scopes);
        ScopeFuture::new(scopes, ResponseFuture::new(future, transaction))
    }
}
