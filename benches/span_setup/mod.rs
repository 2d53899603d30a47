//! Set-up of the span benchmarks (`spans.rs` for times, `span_counts.rs` for allocations and
//! instructions): in both SDKs a client that samples every trace (`traces_sample_rate` 1.0)
//! and whose transport serialises what it is given, the `span(..)` functions of the macro
//! beside the same spans written by hand, and the `tracing` subscribers that turn tracing spans
//! into Sentry spans (our `SentryTracingLayer`, sentry-tracing's `SpanLayer`), both with their
//! defaults.
//!
//! Both clients send the same transaction: the same release, environment and server name, and
//! the `os`, `rust` and `device` contexts that this SDK adds to every event are set on the
//! peer's scope, which sentry-core applies to its transactions.

#![allow(
    dead_code,
    reason = "each bench binary includes this module and uses a different part of it"
)]

use std::hint::black_box;
use std::sync::Arc;

const RELEASE: &str = "shop@1.4.0";
const ENVIRONMENT: &str = "production";
const SERVER: &str = "bench-host";

/// This SDK.
pub mod ours {
    use super::{Arc, ENVIRONMENT, RELEASE, SERVER};
    use crate::common::ours::Serializing;
    use sentry_scopes::{
        ClientInitGuard, ClientOptions, ScopeGuard, SpanGuard, TransactionContext,
        start_transaction,
    };

    /// Installs the process-wide client: every trace sampled, the serialising transport.
    pub fn init() -> ClientInitGuard {
        sentry_scopes::init(
            ClientOptions::new()
                .transport(Arc::new(Serializing))
                .traces_sample_rate(1.0)
                // Every child is kept, however many the benches start: a kept child is the
                // path a user's spans take (see `active_transaction`).
                .max_spans(1_000_000)
                .release(RELEASE)
                .environment(ENVIRONMENT)
                .server_name(SERVER),
        )
        .expect("valid options")
    }

    /// A transaction with one child span, both finished: the transaction is sent.
    #[inline(never)]
    pub fn lifecycle() {
        let txn = start_transaction(TransactionContext::new("GET /users", "http.server"));
        let child = txn.start_child("db.query", "SELECT * FROM users");
        child.finish();
        txn.finish();
    }

    /// A child span of a transaction, started and finished (the transaction lives on).
    #[inline(never)]
    pub fn child(txn: &SpanGuard) {
        let child = txn.start_child("db.query", "SELECT * FROM users");
        child.finish();
    }

    /// A transaction, entered: spans started while the guard lives are its children, and all
    /// of them are kept (`max_spans` is raised in `init`). sentry-core keeps its first 1,000
    /// children and only counts the rest (a cheaper path than keeping): the instruction counts
    /// stay below that (100 warm-up runs and at most 800 measured), so both SDKs keep every
    /// measured child there; the `--time` batches run past it for sentry-core.
    pub fn active_transaction() -> (SpanGuard, ScopeGuard) {
        let txn = start_transaction(TransactionContext::new("GET /users", "http.server"));
        let active = txn.enter();
        (txn, active)
    }
}

/// sentry-core 0.49.5, the peer: a hub whose client samples every trace and serialises.
pub mod peer {
    use std::borrow::Cow;

    use super::{Arc, ENVIRONMENT, RELEASE, SERVER};
    use crate::common::peer::Serializing;
    use sentry_core::protocol::{Context, DeviceContext, Map, OsContext, RuntimeContext};
    use sentry_core::{Client, ClientOptions, Hub, Scope};

    /// A hub with the client, and the contexts this SDK sends on its scope.
    pub fn hub() -> Arc<Hub> {
        let mut options = ClientOptions::new()
            .dsn("https://public@sentry.invalid/1")
            .transport(Arc::new(Serializing))
            .traces_sample_rate(1.0);
        options.release = Some(Cow::Borrowed(RELEASE));
        options.environment = Some(Cow::Borrowed(ENVIRONMENT));
        options.server_name = Some(Cow::Borrowed(SERVER));
        let client = Arc::new(Client::from(options));
        let hub = Arc::new(Hub::new(Some(client), Arc::new(Scope::default())));
        hub.configure_scope(|scope| {
            scope.set_context(
                "os",
                Context::Os(Box::new(OsContext {
                    name: Some("Debian GNU/Linux".into()),
                    version: Some("12".into()),
                    kernel_version: Some("6.18.44".into()),
                    ..OsContext::default()
                })),
            );
            let mut other = Map::new();
            other.insert("channel".to_owned(), "stable".into());
            scope.set_context(
                "rust",
                Context::Runtime(Box::new(RuntimeContext {
                    name: Some("rustc".into()),
                    version: Some("1.95.0".into()),
                    other,
                })),
            );
            scope.set_context(
                "device",
                Context::Device(Box::new(DeviceContext {
                    arch: Some("x86_64".into()),
                    ..DeviceContext::default()
                })),
            );
        });
        hub
    }

    /// A transaction with one child span, both finished: the transaction is sent.
    #[inline(never)]
    pub fn lifecycle() {
        let ctx = sentry_core::TransactionContext::new("GET /users", "http.server");
        let txn = sentry_core::start_transaction(ctx);
        let child = txn.start_child("db.query", "SELECT * FROM users");
        child.finish();
        txn.finish();
    }

    /// A child span of a transaction, started and finished (the transaction lives on).
    #[inline(never)]
    pub fn child(txn: &sentry_core::Transaction) {
        let child = txn.start_child("db.query", "SELECT * FROM users");
        child.finish();
    }

    /// A transaction, set as the span of the hub's scope.
    pub fn active_transaction() -> sentry_core::Transaction {
        let ctx = sentry_core::TransactionContext::new("GET /users", "http.server");
        let txn = sentry_core::start_transaction(ctx);
        sentry_core::configure_scope(|s| s.set_span(Some(txn.clone().into())));
        txn
    }
}

/// The functions with `span(..)`.
pub mod macro_side {
    use super::black_box;
    use sentry_scopes::with_scope;

    /// A child span of the active span around a sync call.
    #[inline(never)]
    #[with_scope(span(op = "db.query", name = "load user"))]
    pub fn sync(n: u64) -> u64 {
        black_box(n)
    }

    /// The same around an `async fn`.
    #[with_scope(span(op = "db.query", name = "load user"))]
    pub async fn in_async(n: u64) -> u64 {
        black_box(n)
    }
}

/// The same spans written by hand with the public API, as a user without the macro would.
pub mod hand {
    use super::black_box;
    use sentry_scopes::protocol::SpanStatus;
    use sentry_scopes::start_span;

    /// `start_span`, `enter`, the body, `ok`.
    #[inline(never)]
    pub fn sync(n: u64) -> u64 {
        let span = start_span("db.query", "load user");
        let _active = span.enter();
        let out = black_box(n);
        span.set_status(SpanStatus::Ok);
        out
    }

    /// `start_span`, the body bound to the span (`Span::bind` also forks the isolation scope,
    /// which the macro's `#[with_scope]` does not), `ok`.
    pub async fn in_async(n: u64) -> u64 {
        let span = start_span("db.query", "load user");
        let out = span.bind(async move { black_box(n) }).await;
        span.set_status(SpanStatus::Ok);
        out
    }
}

/// `tracing` spans made Sentry spans, by each SDK's layer with its defaults.
pub mod tracing_side {
    use super::black_box;
    use sentry_scopes::integrations::tracing::SentryTracingLayer;
    use tracing::subscriber::DefaultGuard;
    use tracing_subscriber::prelude::*;

    /// Makes our layer the thread's subscriber until the guard drops.
    pub fn ours() -> DefaultGuard {
        tracing::subscriber::set_default(
            tracing_subscriber::registry().with(SentryTracingLayer::new()),
        )
    }

    /// Makes a registry without layers the thread's subscriber until the guard drops.
    pub fn registry_only() -> DefaultGuard {
        tracing::subscriber::set_default(tracing_subscriber::registry())
    }

    /// Makes sentry-tracing's layer the thread's subscriber until the guard drops.
    pub fn peer() -> DefaultGuard {
        tracing::subscriber::set_default(
            tracing_subscriber::registry().with(sentry_tracing::SpanLayer::new()),
        )
    }

    /// A span with two fields, created, entered, left and closed: a Sentry span below the
    /// active one, or a transaction when none is active.
    #[inline(never)]
    pub fn span() {
        tracing::info_span!("load_user", table = "users", id = 7).in_scope(|| black_box(1));
    }
}
