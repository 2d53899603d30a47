//! Per-request isolation for tower and axum services (features `tower` and `axum`).
//!
//! [`SentryHttpLayer`] wraps a service so that every request runs in a fresh isolation scope,
//! and so in a fresh current scope (both forked, as
//! [`with_isolation_scope`](fn@crate::with_isolation_scope) does). Before the inner service sees
//! the request, that isolation scope gets:
//!
//! - the request (method, URL, query string, headers) for every event captured while handling
//!   it; `Authorization`, `Cookie`, `Set-Cookie`, client-address headers and every header or
//!   query parameter whose name looks like a credential (`X-Api-Key`, `X-Auth-Token`,
//!   `?access_token=`) are left out unless the client option `send_default_pii` is set;
//! - the trace of the incoming `sentry-trace` and `baggage` headers, or a new trace;
//! - the transaction name `METHOD route`: with the `axum` feature the matched route
//!   (`GET /users/{id}`), else the URI path (`GET /users/7`).
//!
//! The handler's future is bound to those scopes ([`ScopeFuture`]), so top-level setters in the
//! handler write to its own request, on whichever worker thread it runs, and nothing is left
//! behind once the response future is dropped.
//!
//! ```
//! use axum::{Router, routing::get};
//! use sentry_scopes::integrations::tower::SentryHttpLayer;
//!
//! async fn show_user() -> &'static str {
//!     sentry_scopes::set_tag("feature", "profiles"); // this request only
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
//! top-level setters would not reach it. Wrapping the whole router from outside
//! (`SentryHttpLayer::new().layer(router)`) works too, with transactions named after the path.
//!
//! Each request's scopes are forked from the scopes that were active where the layer was
//! created (usually `main`, after [`init`](crate::init)): data set there before building the
//! router is on every request; nothing a request writes reaches it.

mod request;

use std::sync::Arc;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

use crate::client::Client;
use crate::context::thread::{Active, Current, with_active};
use crate::context::{ScopeFuture, ScopeGuard};
use crate::scope::{EventProcessor, Scope, ScopeData, arc_str};

/// A [`tower_layer::Layer`] that runs every request in its own isolation scope; see the
/// [module docs](self). Cheap to clone, `Send + Sync`.
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
    /// The scopes of one request: forks of the base with the request's data on the isolation
    /// scope, written as one new version (no per-field publish).
    fn request_scopes<B>(&self, req: &http::Request<B>) -> Active {
        let send_pii = Client::current().is_some_and(|c| c.options().send_default_pii);
        let data = request::request_data(req, send_pii);
        let mut isolation = ScopeData::clone(&self.base.isolation);
        isolation.propagation = request::propagation_context(req.headers());
        isolation.set_transaction(Some(arc_str(request::transaction_name(req))));
        isolation.add_processor(EventProcessor::new(move |mut event| {
            if event.request.is_none() {
                event.request = Some(data.clone());
            }
            Some(event)
        }));
        Active {
            isolation: Scope::from_data(Arc::new(isolation)),
            current: Current::Inline(self.base.current.clone()),
        }
    }
}

impl<S, B> Service<http::Request<B>> for SentryHttpService<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ScopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let scopes = self.request_scopes(&req);
        // The inner `call` may already do work (axum routes here); it sees the request's scopes.
        let guard = ScopeGuard::enter(scopes.clone());
        let future = self.inner.call(req);
        let scopes = guard.exit().unwrap_or(scopes);
        ScopeFuture::new(scopes, future)
    }
}
