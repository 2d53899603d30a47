//! Deterministic figures for issue 16's span costs, beside sentry-core 0.49.5: allocations per
//! operation (a counting global allocator) and, run under callgrind, instructions per
//! operation. The harness of `counts.rs` (`common/harness.rs`), with the cases of `spans.rs`.
//!
//! ```text
//! cargo bench --bench span_counts                      # allocations per op of every case
//! cargo bench --bench span_counts -- --list            # case names
//! cargo bench --bench span_counts -- --run CASE ITERS  # only CASE, ITERS times inside `measured`
//! cargo bench --bench span_counts -- --time [FILTER]   # min and median ns/op over short batches
//! ```
//!
//! Instructions: run `--run CASE ITERS` under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect=*harness::measured*`, divide the total Ir by ITERS, and subtract the
//! `baseline/noop` case (the loop and the indirect call alone). Keep ITERS at 800 or less for
//! the cases below a live transaction: with the harness's 100 warm-up runs that stays below
//! the 1,000 children sentry-core keeps (past them it only counts them, its cheaper path).
//!
//! Goals (issue 16): `span_lifecycle/sentry-scopes` ≤ 0.5× `span_lifecycle/sentry-core`;
//! `tracing_*/sentry-scopes` ≤ 0.5× `tracing_*/sentry-tracing` (a tracing span made a Sentry
//! span: `child` below a live transaction, `root` a transaction of its own, sent);
//! `span_macro/ours-macro/*` within 5 % of `span_macro/hand-written/*`.

mod common;
mod span_setup;

use std::hint::black_box;

use common::harness::{Case, case};
use common::run_ready;
use span_setup::{hand, macro_side, ours, peer, tracing_side};

/// Counts every allocation and reallocation, on every thread.
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn cases() -> Vec<Case> {
    vec![
        case("baseline/noop", |m| m(&mut || {})),
        case("span_lifecycle/sentry-scopes", |m| {
            sentry_scopes::with_isolation_scope(|_| m(&mut ours::lifecycle));
        }),
        case("span_lifecycle/sentry-core", |m| {
            sentry_core::Hub::run(peer::hub(), || m(&mut peer::lifecycle));
        }),
        case("span_child/sentry-scopes", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let (txn, active) = ours::active_transaction();
                m(&mut || ours::child(&txn));
                drop(active);
            });
        }),
        case("span_child/sentry-core", |m| {
            sentry_core::Hub::run(peer::hub(), || {
                let txn = peer::active_transaction();
                m(&mut || peer::child(&txn));
            });
        }),
        case("tracing_child/sentry-scopes", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let (_txn, _active) = ours::active_transaction();
                let _layer = tracing_side::ours();
                m(&mut tracing_side::span);
            });
        }),
        case("tracing_child/sentry-tracing", |m| {
            sentry_core::Hub::run(peer::hub(), || {
                let _txn = peer::active_transaction();
                let _layer = tracing_side::peer();
                m(&mut tracing_side::span);
            });
        }),
        case("tracing_root/sentry-scopes", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let _layer = tracing_side::ours();
                m(&mut tracing_side::span);
            });
        }),
        case("tracing_root/sentry-tracing", |m| {
            sentry_core::Hub::run(peer::hub(), || {
                let _layer = tracing_side::peer();
                m(&mut tracing_side::span);
            });
        }),
        // The same tracing span on a bare registry: what `tracing` itself costs, which the
        // report subtracts to show what each layer adds.
        case("tracing_child/registry-only", |m| {
            let _registry = tracing_side::registry_only();
            m(&mut tracing_side::span);
        }),
        case("tracing_root/registry-only", |m| {
            let _registry = tracing_side::registry_only();
            m(&mut tracing_side::span);
        }),
        case("span_macro/hand-written/sync", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let (_txn, _active) = ours::active_transaction();
                m(&mut || {
                    black_box(hand::sync(black_box(7)));
                });
            });
        }),
        case("span_macro/ours-macro/sync", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let (_txn, _active) = ours::active_transaction();
                m(&mut || {
                    black_box(macro_side::sync(black_box(7)));
                });
            });
        }),
        case("span_macro/hand-written/async", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let (_txn, _active) = ours::active_transaction();
                m(&mut || {
                    black_box(run_ready(hand::in_async(black_box(7))));
                });
            });
        }),
        case("span_macro/ours-macro/async", |m| {
            sentry_scopes::with_isolation_scope(|_| {
                let (_txn, _active) = ours::active_transaction();
                m(&mut || {
                    black_box(run_ready(macro_side::in_async(black_box(7))));
                });
            });
        }),
    ]
}

fn main() {
    let _client = ours::init();
    common::harness::main(&cases());
}
