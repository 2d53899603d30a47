//! # Moving from the `sentry` crate (0.49)
//!
//! What you call in `sentry` 0.49 and what to call here instead, then the differences that
//! change behaviour, each with an example that runs as a test.
//!
//! The big one first: **there is no `Hub`.** `sentry` keeps a stack of scopes per hub and a hub
//! per thread; you clone hubs to separate units of work and bind them to futures. Here the
//! active scopes are three, as in Sentry's newer SDKs: a **global** scope for the process, an
//! **isolation** scope per unit of work (request, job, task, thread) and a **current** scope per
//! [`with_scope`](fn@crate::with_scope) block. Top-level setters write to the isolation scope.
//! [`docs::scope_model`](crate::docs::scope_model) has the whole model.
//!
//! ## API by API
//!
//! | `sentry` 0.49 | `sentry-scopes` | what differs |
//! |---|---|---|
//! | `sentry::init(options)` → guard | [`init`](crate::init)`(options)` → `Result<ClientInitGuard, InitError>` | invalid options (a DSN that does not parse, a sample rate outside 0..=1) are an [`InitError`](crate::InitError), not a silently disabled client; dropping the guard flushes, as in `sentry` |
//! | `ClientOptions { dsn, release, .. }`, `ClientOptions::new().release(..)` | [`ClientOptions::new()`](crate::ClientOptions::new)`.dsn(..).release(..)` | a builder only, no struct literal; unset DSN, release and environment come from `SENTRY_DSN`, `SENTRY_RELEASE`, `SENTRY_ENVIRONMENT`; the environment then defaults to `development`/`production` by the build and the server name to the host name, as in `sentry`; `SENTRY_DEBUG` turns `debug` on |
//! | `ClientOptions { http_proxy, https_proxy, .. }`, defaulting to `HTTP_PROXY` / `HTTPS_PROXY` | [`ClientOptions::http_proxy`](crate::ClientOptions::http_proxy)`(url)`, [`https_proxy`](crate::ClientOptions::https_proxy)`(url)` | the same choice (`https_proxy` for an `https://` DSN, else `http_proxy`); unset, the environment's proxies apply, `NO_PROXY` and `ALL_PROXY` included; `""` sends directly; a URL that is not an `http`/`https` proxy URL is an [`InitError`](crate::InitError) (sentry ignores it, with a debug line, and sends without it) |
//! | `ClientOptions { accept_invalid_certs: true, .. }`, `SSL_VERIFY=false` | [`ClientOptions::accept_invalid_certs`](crate::ClientOptions::accept_invalid_certs)`(true)` | the option only: `SSL_VERIFY` is not read, so an environment variable cannot turn verification off; certificates are otherwise checked against the system's trust store, so a private CA the system trusts needs no option |
//! | `sentry::release_name!()` → `Option<Cow<'static, str>>` | [`release_name!()`](crate::release_name) → `&'static str` | a compile-time constant: `.release(release_name!())` |
//! | contexts integration (feature `contexts`): `os`, `rust`, `device`, `server_name` | always on | the same three contexts, gathered once per process; a scope's context of the same key wins; [`ClientOptions::server_name("")`](crate::ClientOptions::server_name) sends no host name |
//! | `capture_message`, `capture_error`, `capture_event` → `Uuid` | same names → `Option<Uuid>` | `None` when nothing was sent (no client, sampled out, dropped by `before_send`), instead of a nil id |
//! | `sentry::integrations::anyhow::capture_anyhow(&err)` | [`capture_error`](crate::capture_error)`(&err)` (feature `anyhow`) | one function for every error kind ([`CapturableError`](crate::CapturableError)) |
//! | `Hub::current().capture_message(..)` | [`Scope::capture_message`](crate::Scope::capture_message) on any scope | |
//! | `with_scope(\|scope\| config, \|\| work)` | [`with_scope`](fn@crate::with_scope)`(\|scope\| work)` | one closure that gets the forked scope |
//! | `configure_scope(\|scope\| ..)` | [`configure_scope`](crate::configure_scope)`(ScopeType::Isolation, \|scope\| ..)` | you name the scope: `Global`, `Isolation` or `Current` |
//! | `configure_scope(\|s\| s.set_tag(k, v))` and the other setters | [`set_tag`](crate::set_tag), [`set_user`](crate::set_user), [`set_extra`](crate::set_extra), [`set_context`](crate::set_context), [`set_level`](crate::set_level), [`set_fingerprint`](crate::set_fingerprint), [`set_transaction`](crate::set_transaction) | top-level functions that write to the isolation scope |
//! | `add_breadcrumb(b)` | [`add_breadcrumb`](crate::add_breadcrumb)`(b)` | takes a [`Breadcrumb`](crate::Breadcrumb); breadcrumbs added before `init` are dropped, as in `sentry` |
//! | `Hub::current().push_scope()` → guard | [`with_scope`](fn@crate::with_scope), `#[with_scope]`, `scope!` | no public guard: a guard held across `.await` was the classic way to leak a scope |
//! | `Hub::new_from_top(Hub::current())` + `Hub::run(hub, f)` | [`with_isolation_scope`](fn@crate::with_isolation_scope)`(\|_\| f())`, `#[isolation_scope]` | a new unit of work is a forked isolation scope |
//! | `future.bind_hub(Hub::new_from_top(..))` (`SentryFutureExt`) | [`future.bind_current_scope()`](crate::ScopeFutureExt::bind_current_scope), `task::spawn` (feature `tokio`) | |
//! | `ClientOptions { traces_sample_rate: 0.0, .. }` (the default), `traces_sampler` | [`ClientOptions::traces_sample_rate`](crate::ClientOptions::traces_sample_rate)`(rate)` (the field is an `Option<f32>`, `None` by default), `traces_sampler` | unset means tracing off, as in sentry-python: a request whose `sentry-trace` says sampled sends no transaction (sentry sends it at rate 0); set `traces_sample_rate(0.0)` to inherit upstream decisions as sentry does |
//! | `ClientOptions { org_id, strict_trace_continuation, .. }` | [`ClientOptions::org_id`](crate::ClientOptions::org_id)`(id)`, [`strict_trace_continuation`](crate::ClientOptions::strict_trace_continuation)`(true)` | the same rule where a transaction starts from incoming headers; traces started here also send `sentry-org_id` in their baggage (sentry does not), so services with strict continuation downstream keep them; [`PropagationContext::from_headers`](crate::PropagationContext::from_headers) parses only and does not apply the rule |
//! | `last_event_id()` | [`last_event_id`](crate::last_event_id) | per isolation scope |
//! | panic integration (feature `panic`, added by `init`) | the same: `init` installs the panic hook (feature `panic`) | [`ClientOptions::panic_hook(false)`](crate::ClientOptions::panic_hook) to opt out |
//! | backtrace integration (feature `backtrace`): `attach_stacktrace`, `in_app_include`, `in_app_exclude` | always on: [`ClientOptions::attach_stacktrace`](crate::ClientOptions::attach_stacktrace), [`in_app_include`](crate::ClientOptions::in_app_include), [`in_app_exclude`](crate::ClientOptions::in_app_exclude) | errors always carry frames (sentry's `capture_error` only with `attach_stacktrace`); in-app frames get source lines; prefixes match whole path segments; see [`docs::symbolication`](crate::docs::symbolication) |
//! | debug images integration (feature `debug-images`) | always on, for events with frames | |
//! | `sentry::integrations::tower::{NewSentryLayer, SentryHttpLayer}` | `integrations::tower::SentryHttpLayer` (features `tower`, `axum`) | one layer: isolation per request, the request on events, trace continuation, transaction names |
//! | `SentryHttpLayer::with_transaction()` (sentry-tower performance) | `integrations::tower::SentryHttpLayer::new()` | every request is an `http.server` transaction, no opt-in: sampling decides what is sent; the same status mapping, but a dropped response future is `cancelled` (sentry-tower: `aborted`) and a panicking handler `internal_error`; continues `traceparent` too; the request is also on the transaction |
//! | `sentry::integrations::tracing::layer()` with `event_filter` | `integrations::tracing::SentryTracingLayer` (feature `tracing`) with `event_level`, `breadcrumb_level`, `span_scopes` | levels instead of a filter closure |
//! | `sentry::integrations::tracing::layer().span_filter(f)`, `SpanLayer` (sentry-tracing performance) | `SentryTracingLayer::new().span_filter(f)` | the same default (`INFO` and above) and the same `sentry.op`, `sentry.name`, `sentry.trace` fields; op defaults to the span's name (sentry-tracing: `target::name`); fields become data, `tags.*` fields are not turned into tags (use `span_scopes(true)`); no `code.*` or `sentry.tracing.target` data |
//! | `sentry::integrations::log::SentryLogger::with_dest(logger)` with `filter` | `integrations::log::SentryLogger::forwarding_to(logger)` (feature `log`) with `filter` | the filter returns a `LogAction`: `Ignore`, `Breadcrumb` or `Event` |
//! | `sentry::test::with_captured_events`, `with_captured_envelopes`, `TestTransport` | `test::with_captured_events`, `with_captured_envelopes`, `TestTransport` (feature `test`) | each run also gets fresh scopes, and such tests run one at a time |
//! | `Transport` (`send_envelope`, `flush`, `shutdown`), `TransportFactory`, `ClientOptions::transport` | [`Transport`](crate::Transport), [`TransportFactory`](crate::TransportFactory), [`ClientOptions::transport`](crate::ClientOptions::transport) | the same three methods, but `send_envelope` receives an [`EncodedEnvelope`](crate::EncodedEnvelope) (the bytes, written once by the pipeline; `parse()` gives sentry's `Envelope`); an `Arc<T: Transport>` is a factory; one built-in HTTP transport (reqwest with rustls, feature `http`) with rate limits and an offline cache |
//!
//! Sessions (`start_session`) and `Hub::with_integration` have no counterpart.
//!
//! The other `ClientOptions` of `sentry` 0.49, one by one:
//!
//! - `transport_channel_capacity` is [`queue_size`](crate::ClientOptions::queue_size) here
//!   (default 100 envelopes, sentry 30).
//! - `event_sampling_strategy` and `traces_sampling_strategy` are
//!   [`sample_rate`](crate::ClientOptions::sample_rate),
//!   [`traces_sample_rate`](crate::ClientOptions::traces_sample_rate) and
//!   [`traces_sampler`](crate::ClientOptions::traces_sampler).
//! - `default_integrations` and `integrations`: integrations are Cargo features and the layers
//!   and loggers you install (see `integrations`); there is no list to edit at `init`.
//! - `user_agent` is not configurable: requests say `sentry-scopes/VERSION`.
//! - `max_request_body_size`: request bodies are never read or sent, so there is nothing to
//!   limit.
//! - `auto_session_tracking` and `session_mode`: no release health (sessions) yet.
//! - `enable_logs`, `before_send_log`, `enable_metrics` and `before_send_metric`: no Sentry
//!   logs or metrics yet; the `log` and `tracing` integrations turn records into breadcrumbs
//!   and events.
//!
//! ## Captures return `Option<Uuid>`
//!
//! ```
//! use sentry_scopes::{Level, capture_message};
//! // No client yet: nothing is sent, and the id says so.
//! assert_eq!(capture_message("before init", Level::Info), None);
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let id = capture_message("with a client", Level::Info);
//! assert!(id.is_some());
//! # });
//! # assert_eq!(events.len(), 1);
//! ```
//!
//! ## `with_scope` takes one closure
//!
//! In `sentry` the first closure configures the pushed scope and the second does the work.
//! Here the closure gets the forked current scope and does both:
//!
//! ```
//! use sentry_scopes::{Level, capture_message, with_scope};
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! // sentry: with_scope(|scope| scope.set_tag("step", "charge"), || capture_message(..));
//! with_scope(|scope| {
//!     scope.set_tag("step", "charge");
//!     capture_message("card declined", Level::Warning);
//! });
//! # });
//! # assert_eq!(events[0].tags["step"], "charge");
//! ```
//!
//! ## Top-level setters write to the isolation scope
//!
//! In `sentry`, `configure_scope` inside a `with_scope` block changes the pushed scope, and the
//! change is gone when the block ends. Here top-level setters (and
//! `configure_scope(ScopeType::Isolation, ..)`) write to the isolation scope, which the block
//! does not replace, so the data stays for the rest of the unit of work. Data meant for the
//! block alone goes on the scope the closure receives:
//!
//! ```
//! use sentry_scopes::{Level, capture_message, set_tag, with_scope};
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! with_scope(|scope| {
//!     set_tag("tenant", "acme"); // isolation scope: stays after the block
//!     scope.set_tag("step", "charge"); // this block only
//! });
//! capture_message("after the block", Level::Info);
//! # });
//! # assert_eq!(events[0].tags["tenant"], "acme");
//! # assert!(!events[0].tags.contains_key("step"));
//! ```
//!
//! ## `configure_scope` names its scope
//!
//! ```
//! use sentry_scopes::{ScopeType, configure_scope};
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! configure_scope(ScopeType::Global, |scope| scope.set_tag("service", "billing"));
//! configure_scope(ScopeType::Isolation, |scope| scope.set_tag("request_id", "r-1"));
//! sentry_scopes::capture_message("hello", sentry_scopes::Level::Info);
//! # });
//! # assert_eq!(events[0].tags["service"], "billing");
//! # assert_eq!(events[0].tags["request_id"], "r-1");
//! ```
//!
//! ## Data for every thread goes on the global scope
//!
//! In `sentry` a thread without a hub of its own starts from a copy of the main hub's scope, so
//! tags set in `main` reach every thread. Here a plain thread starts with empty isolation and
//! current scopes: what `main` set with top-level setters stays in `main`. Put process-wide data
//! on the global scope (or as `ClientOptions` release and environment), and start threads
//! that should inherit the caller's scopes with [`thread::spawn`](crate::thread::spawn):
//!
//! ```
//! use sentry_scopes::{Level, capture_message, get_global_scope, set_tag};
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! get_global_scope().set_tag("service", "billing"); // every thread
//! set_tag("request_id", "r-1"); // this thread's isolation scope
//! std::thread::spawn(|| capture_message("plain thread", Level::Info)).join().unwrap();
//! sentry_scopes::thread::spawn(|| capture_message("bound thread", Level::Info))
//!     .join()
//!     .unwrap();
//! # });
//! # assert_eq!(events[0].tags["service"], "billing");
//! # assert!(!events[0].tags.contains_key("request_id"));
//! # assert_eq!(events[1].tags["request_id"], "r-1");
//! ```
//!
//! Pool threads (tokio's blocking pool, rayon) keep their scopes from one job to the next:
//! bind each job as [`docs::async_and_threads`](crate::docs::async_and_threads) says.
//!
//! ## Per request and per task, without a hub
//!
//! ```
//! use sentry_scopes::{Level, ScopeFutureExt, capture_message, set_tag, with_isolation_scope};
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! // sentry: Hub::run(Arc::new(Hub::new_from_top(Hub::current())), || handle());
//! with_isolation_scope(|_| {
//!     set_tag("request_id", "r-1");
//!     capture_message("in the request", Level::Info);
//! });
//!
//! // sentry: future.bind_hub(Hub::new_from_top(Hub::current()))
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(
//!     async {
//!         set_tag("task", "t-1");
//!         capture_message("in the task", Level::Info);
//!     }
//!     .bind_current_scope(),
//! );
//! capture_message("outside", Level::Info);
//! # });
//! # assert_eq!(events[0].tags["request_id"], "r-1");
//! # assert_eq!(events[1].tags["task"], "t-1");
//! # assert!(events[2].tags.is_empty());
//! ```
//!
//! ## Integrations
//!
//! ```
//! # #[cfg(all(feature = "tracing", feature = "log", feature = "anyhow"))] {
//! use sentry_scopes::integrations::log::{LogAction, SentryLogger, default_filter};
//! use sentry_scopes::integrations::tracing::SentryTracingLayer;
//! use tracing_subscriber::prelude::*;
//!
//! // sentry::integrations::tracing::layer()
//! let subscriber = tracing_subscriber::registry()
//!     .with(SentryTracingLayer::new().breadcrumb_level(tracing::Level::INFO));
//!
//! // sentry::integrations::log::SentryLogger::with_dest(inner).filter(..)
//! let logger = SentryLogger::new().filter(|metadata| match metadata.target() {
//!     "hyper" => LogAction::Ignore,
//!     _ => default_filter(metadata),
//! });
//!
//! // sentry::integrations::anyhow::capture_anyhow(&err)
//! let err = anyhow::anyhow!("quota exceeded");
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! sentry_scopes::capture_error(&err);
//! # });
//! # assert_eq!(events[0].exception.values[0].value.as_deref(), Some("quota exceeded"));
//! # let _ = (subscriber, logger);
//! # }
//! ```
//!
//! ## Tests and transports
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use sentry_scopes::{ClientOptions, EncodedEnvelope, Level, Transport, capture_message};
//!
//! // sentry::test::with_captured_events
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     capture_message("recorded", Level::Info);
//! });
//! assert_eq!(events[0].message.as_deref(), Some("recorded"));
//!
//! // impl sentry::Transport, installed with ClientOptions::transport
//! #[derive(Default)]
//! struct Collect(Mutex<Vec<EncodedEnvelope>>);
//! impl Transport for Collect {
//!     // Envelopes arrive encoded: `as_bytes()` to write them out, `parse()` to look inside.
//!     fn send_envelope(&self, envelope: EncodedEnvelope) {
//!         self.0.lock().unwrap().push(envelope);
//!     }
//! }
//! let sink = Arc::new(Collect::default());
//! let guard = sentry_scopes::init(ClientOptions::new().transport(sink.clone()))
//!     .expect("valid client options");
//! capture_message("sent", Level::Info);
//! drop(guard);
//! assert_eq!(sink.0.lock().unwrap().len(), 1);
//! ```
