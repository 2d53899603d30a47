//! Deterministic figures for the paths around the scopes, beside sentry 0.49.5 in the same run:
//! the same harness as `counts.rs` (`common/harness.rs`: `--list`, `--run CASE ITERS`, `--time`,
//! allocations by default).
//!
//! - `capture_http`: `capture_message` with 10 tags and 20 breadcrumbs on the scope, through
//!   each SDK's own HTTP transport, as `init(dsn)` sets it up, to a loopback server
//!   (`common/server.rs`). Run in batches of 20 with a flush between them (unmeasured), so that
//!   neither bounded queue (ours 100, sentry's 30) overflows. The report runs this binary under
//!   callgrind with `--separate-threads=yes` and reads the main thread's counts only: what the
//!   capturing thread pays, not the transport thread. Allocations of these cases count every
//!   thread, delivery included.
//! - `axum_layer`: one request through an axum `Router` with one route, driven by
//!   `tower::ServiceExt::oneshot` and polled once (no sockets, no runtime): no layer, our
//!   `SentryHttpLayer`, and sentry-tower's `NewSentryLayer` + `SentryHttpLayer` as its docs set
//!   them up for axum (with `enable_transaction()`; `sentry-tower-no-txn` without it, which
//!   neither names the transaction nor continues the trace). The report subtracts `no-layer`.
//! - `tracing_breadcrumb`: one `tracing::info!` with a field on a `tracing_subscriber::registry()`
//!   carrying our `SentryTracingLayer` (defaults: info and above become breadcrumbs) or
//!   sentry-tracing's `BreadcrumbLayer` filtered to `INFO` (the lightest set-up of sentry-tracing
//!   that makes breadcrumbs), or nothing (`registry-only`).
//! - `log_breadcrumb`: one `log::info!` record with a formatted argument, handed to our
//!   `SentryLogger` or sentry-log's `SentryLogger` (both with their default filters: info
//!   becomes a breadcrumb) wrapping a logger that does nothing, or to that logger alone
//!   (`no-sdk`). The record is given to the logger directly, as `log`'s global dispatch would,
//!   so that each case runs in one process without installing a global logger.
//!
//! ```text
//! cargo bench --bench counts_paths -- --time
//! valgrind --tool=callgrind --separate-threads=yes --collect-atstart=no \
//!     --toggle-collect='*harness::measured*' target/release/deps/counts_paths-* \
//!     --run capture_http/ours/t10-b20 20
//! ```

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::routing::get;
use common::harness::{Case, Measure, case};
use common::server::Server;
use common::{ours, peer, run_ready};
use http::Request;
use sentry_scopes::integrations::tower::SentryHttpLayer;
use sentry_scopes::integrations::tracing::SentryTracingLayer;
use sentry_scopes::{EncodedEnvelope, Level};
use tower::ServiceExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

/// Counts every allocation and reallocation, on every thread.
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Tags and breadcrumbs on the scope of the HTTP captures.
const TAGS: usize = 10;
const CRUMBS: usize = 20;
/// Captures in a row before the queue is flushed (sentry's queue holds 30).
const BATCH: u64 = 20;
const FLUSH: Duration = Duration::from_secs(10);

/// Drops every envelope: the axum and tracing cases send none.
struct Nothing;

impl sentry_scopes::Transport for Nothing {
    fn send_envelope(&self, _: EncodedEnvelope) {}
}

impl sentry::Transport for Nothing {
    fn send_envelope(&self, _: sentry::Envelope) {}
}

/// Our client with the transport that drops everything.
fn ours_client() -> sentry_scopes::ClientInitGuard {
    sentry_scopes::init(sentry_scopes::ClientOptions::new().transport(Arc::new(Nothing)))
        .expect("valid options")
}

/// sentry's client with the transport that drops everything (a DSN enables it).
fn sentry_client() -> sentry::ClientInitGuard {
    let mut options = sentry::ClientOptions::new();
    options.dsn = "http://public@127.0.0.1:9/1".parse().ok();
    options.transport = Some(Arc::new(Arc::new(Nothing)));
    sentry::init(options)
}

/// Runs `f` in a hub of its own (a fork of the current one), as `Hub::run` does per request.
fn in_new_hub<R>(f: impl FnOnce() -> R) -> R {
    let hub = sentry::Hub::new_from_top(sentry::Hub::current());
    sentry::Hub::run(Arc::new(hub), f)
}

fn capture_http_ours(m: Measure<'_>) {
    let server = Server::start();
    let _client = sentry_scopes::init(server.dsn()).expect("valid DSN");
    sentry_scopes::with_isolation_scope(|_| {
        ours::fill_top_level(TAGS, CRUMBS);
        m(&mut || {
            black_box(sentry_scopes::capture_message("benchmark", Level::Info));
        });
    });
}

fn capture_http_sentry(m: Measure<'_>) {
    let server = Server::start();
    let _client = sentry::init((server.dsn(), sentry::ClientOptions::default()));
    in_new_hub(|| {
        peer::fill_top_level(TAGS, CRUMBS);
        m(&mut || {
            black_box(sentry::capture_message("benchmark", Level::Info));
        });
    });
}

async fn show_user(Path(id): Path<u32>) -> &'static str {
    black_box(id);
    "ok"
}

fn router() -> Router {
    Router::new().route("/users/{id}", get(show_user))
}

fn request() -> Request<Body> {
    Request::builder()
        .uri("/users/7?tab=orders")
        .header("host", "shop.example")
        .header("user-agent", "bench/1.0")
        .header("accept", "text/html")
        .body(Body::empty())
        .expect("a valid request")
}

/// Measures one request through `app` per operation.
fn requests(app: &Router, m: Measure<'_>) {
    m(&mut || {
        let response = run_ready(app.clone().oneshot(request())).expect("infallible");
        assert!(response.status().is_success());
        black_box(response);
    });
}

/// The tracing event of the breadcrumb cases.
fn log_line() {
    tracing::info!(order_id = 42, "checkout started");
}

/// A logger that does nothing: what each SDK's logger wraps.
struct NoLogger;

impl log::Log for NoLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        false
    }
    fn log(&self, _: &log::Record<'_>) {}
    fn flush(&self) {}
}

/// One `log::info!(target: "checkout", "cart holds {} items", 3)` record, given to `logger`.
fn log_record(logger: &dyn log::Log) {
    let items = black_box(3);
    logger.log(
        &log::Record::builder()
            .args(format_args!("cart holds {items} items"))
            .level(log::Level::Info)
            .target("checkout")
            .module_path_static(Some("counts_paths"))
            .build(),
    );
}

fn cases() -> Vec<Case> {
    let p = format!("t{TAGS}-b{CRUMBS}");
    let settle_ours: fn() = || {
        sentry_scopes::flush(FLUSH);
    };
    let settle_sentry: fn() = || {
        if let Some(client) = sentry::Hub::current().client() {
            client.flush(Some(FLUSH));
        }
    };
    vec![
        case("baseline/noop", |m| m(&mut || {})),
        case(format!("capture_http/ours/{p}"), capture_http_ours).in_batches(BATCH, settle_ours),
        case(format!("capture_http/sentry/{p}"), capture_http_sentry)
            .in_batches(BATCH, settle_sentry),
        case("axum_layer/no-layer/request", |m| requests(&router(), m)),
        case("axum_layer/ours/request", |m| {
            let _client = ours_client();
            requests(&router().layer(SentryHttpLayer::new()), m);
        }),
        case("axum_layer/sentry-tower/request", |m| {
            let _client = sentry_client();
            let app = router()
                .layer(sentry::integrations::tower::SentryHttpLayer::new().enable_transaction())
                .layer(
                    sentry::integrations::tower::NewSentryLayer::<Request<Body>>::new_from_top(),
                );
            requests(&app, m);
        }),
        case("axum_layer/sentry-tower-no-txn/request", |m| {
            let _client = sentry_client();
            let app = router()
                .layer(sentry::integrations::tower::SentryHttpLayer::new())
                .layer(
                    sentry::integrations::tower::NewSentryLayer::<Request<Body>>::new_from_top(),
                );
            requests(&app, m);
        }),
        case("log_breadcrumb/no-sdk/info", |m| {
            m(&mut || log_record(&NoLogger));
        }),
        case("log_breadcrumb/ours/info", |m| {
            let _client = ours_client();
            let logger = sentry_scopes::integrations::log::SentryLogger::forwarding_to(NoLogger);
            sentry_scopes::with_isolation_scope(|_| m(&mut || log_record(&logger)));
        }),
        case("log_breadcrumb/sentry-log/info", |m| {
            let _client = sentry_client();
            let logger = sentry::integrations::log::SentryLogger::with_dest(NoLogger);
            in_new_hub(|| m(&mut || log_record(&logger)));
        }),
        case("tracing_breadcrumb/registry-only/info", |m| {
            let _default = tracing::subscriber::set_default(tracing_subscriber::registry());
            m(&mut log_line);
        }),
        case("tracing_breadcrumb/ours/info", |m| {
            let _client = ours_client();
            let layer = SentryTracingLayer::new();
            let _default =
                tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
            sentry_scopes::with_isolation_scope(|_| m(&mut log_line));
        }),
        case("tracing_breadcrumb/sentry-tracing/info", |m| {
            let _client = sentry_client();
            let layer = sentry_tracing::BreadcrumbLayer::new().with_filter(LevelFilter::INFO);
            let _default =
                tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
            in_new_hub(|| m(&mut log_line));
        }),
    ]
}

fn main() {
    // sentry's reqwest transport is built with `rustls-no-provider` here (its default TLS is
    // native-tls), so it needs a process-wide crypto provider, even for plain HTTP. Ours passes
    // its own rustls configuration and needs none.
    let _ = rustls::crypto::ring::default_provider().install_default();
    common::harness::main(&cases());
}
