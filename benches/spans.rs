//! Issue 16's span costs, in one run beside sentry-core 0.49.5 (times; the instruction counts
//! that judge the goals come from `span_counts.rs` under callgrind):
//!
//! - `span_lifecycle`: a sampled transaction with one child span, both finished, the
//!   transaction sent through a transport that serialises it (goal: ≤ 0.5× sentry-core's).
//! - `span_child`: one child span of a live transaction, started and finished.
//! - `tracing_span`: a `tracing` span (two fields) created, entered, left and closed, made a
//!   Sentry span by each SDK's layer: a child of a live transaction, or a root, which is a
//!   transaction sent (goal: ≤ 0.5× sentry-tracing's).
//! - `span_macro`: a function with `#[with_scope(span(..))]` against the same span written by
//!   hand (goal: within 5 %), sync and `async fn`.
//!
//! ```sh
//! cargo bench --bench spans
//! ```

mod common;
mod span_setup;

use std::hint::black_box;

use common::run_ready;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use span_setup::{hand, macro_side, ours, peer, tracing_side};

// Each sentry-core case gets a fresh hub: a transaction set on a hub's scope would stay there
// and turn the next case's roots into children.

fn span_lifecycle(c: &mut Criterion) {
    let _client = ours::init();
    let mut g = c.benchmark_group("span_lifecycle");
    g.bench_function(BenchmarkId::new("sentry-scopes", "txn+child"), |b| {
        sentry_scopes::with_isolation_scope(|_| b.iter(ours::lifecycle));
    });
    g.bench_function(BenchmarkId::new("sentry-core", "txn+child"), |b| {
        sentry_core::Hub::run(peer::hub(), || b.iter(peer::lifecycle));
    });
    g.finish();

    let mut g = c.benchmark_group("span_child");
    g.bench_function(BenchmarkId::new("sentry-scopes", "child"), |b| {
        sentry_scopes::with_isolation_scope(|_| {
            let (txn, active) = ours::active_transaction();
            b.iter(|| ours::child(&txn));
            drop(active);
        });
    });
    g.bench_function(BenchmarkId::new("sentry-core", "child"), |b| {
        sentry_core::Hub::run(peer::hub(), || {
            let txn = peer::active_transaction();
            b.iter(|| peer::child(&txn));
        });
    });
    g.finish();

    let mut g = c.benchmark_group("tracing_span");
    g.bench_function(BenchmarkId::new("sentry-scopes", "child"), |b| {
        sentry_scopes::with_isolation_scope(|_| {
            let (_txn, _active) = ours::active_transaction();
            let _layer = tracing_side::ours();
            b.iter(tracing_side::span);
        });
    });
    g.bench_function(BenchmarkId::new("sentry-tracing", "child"), |b| {
        sentry_core::Hub::run(peer::hub(), || {
            let _txn = peer::active_transaction();
            let _layer = tracing_side::peer();
            b.iter(tracing_side::span);
        });
    });
    g.bench_function(BenchmarkId::new("sentry-scopes", "root"), |b| {
        sentry_scopes::with_isolation_scope(|_| {
            let _layer = tracing_side::ours();
            b.iter(tracing_side::span);
        });
    });
    g.bench_function(BenchmarkId::new("sentry-tracing", "root"), |b| {
        sentry_core::Hub::run(peer::hub(), || {
            let _layer = tracing_side::peer();
            b.iter(tracing_side::span);
        });
    });
    g.finish();

    let mut g = c.benchmark_group("span_macro");
    sentry_scopes::with_isolation_scope(|_| {
        let (_txn, _active) = ours::active_transaction();
        g.bench_function(BenchmarkId::new("hand-written", "sync"), |b| {
            b.iter(|| hand::sync(black_box(7)));
        });
        g.bench_function(BenchmarkId::new("ours-macro", "sync"), |b| {
            b.iter(|| macro_side::sync(black_box(7)));
        });
        g.bench_function(BenchmarkId::new("hand-written", "async"), |b| {
            b.iter(|| run_ready(hand::in_async(black_box(7))));
        });
        g.bench_function(BenchmarkId::new("ours-macro", "async"), |b| {
            b.iter(|| run_ready(macro_side::in_async(black_box(7))));
        });
    });
    g.finish();
}

criterion_group!(benches, span_lifecycle);
criterion_main!(benches);
