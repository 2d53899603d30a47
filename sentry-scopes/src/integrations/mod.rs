//! Integrations: the glue that manages scopes for you in real services.
//!
//! | module | feature | what it does |
//! |---|---|---|
//! | `panic` | `panic` (default) | reports panics as `fatal` events, with the panicking thread's scopes |
//! | `tower` | `tower`, `axum` | runs every HTTP request in its own isolation scope and `http.server` transaction, records the request, continues its trace |
//! | `tracing` | `tracing` | log events become breadcrumbs or events; spans become Sentry spans (root spans transactions) and can fork the current scope |
//! | `log` | `log` | `log` records become breadcrumbs or events, then go on to your logger |
//! | [`trace_headers`](crate::trace_headers) | always | `sentry-trace` and `baggage` values for outgoing requests |
//!
//! Every integration writes through the same scope API as your code: a request layer is
//! [`with_isolation_scope`](fn@crate::with_isolation_scope) around a future with its
//! transaction active, a tracing span is a [`with_scope`](fn@crate::with_scope) with its Sentry
//! span active that is entered and left many times.

#[cfg(feature = "log")]
pub mod log;
#[cfg(feature = "panic")]
pub mod panic;
pub(crate) mod propagation;
#[cfg(feature = "tower")]
pub mod tower;
#[cfg(feature = "tracing")]
pub mod tracing;
