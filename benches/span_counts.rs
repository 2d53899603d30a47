//! Deterministic figures for issue 16's span costs, beside sentry-core 0.49.5: allocations per
//! operation (a counting global allocator) and, run under callgrind, instructions per
//! operation. The same harness as `counts.rs`, with the cases of `spans.rs`.
//!
//! ```text
//! cargo bench --bench span_counts                      # allocations per op of every case
//! cargo bench --bench span_counts -- --list            # case names
//! cargo bench --bench span_counts -- --run CASE ITERS  # only CASE, ITERS times inside `measured`
//! cargo bench --bench span_counts -- --time [FILTER]   # min and median ns/op over short batches
//! ```
//!
//! Instructions: run `--run CASE ITERS` under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect=*span_counts::measured*`, divide the total Ir by ITERS, and subtract the
//! `baseline/noop` case (the loop and the indirect call alone). Keep ITERS at 900 or less for
//! the cases below a live transaction: past 1,000 children sentry-core stops keeping them.
//!
//! Goals (issue 16): `span_lifecycle/sentry-scopes` ≤ 0.5× `span_lifecycle/sentry-core`;
//! `tracing_*/sentry-scopes` ≤ 0.5× `tracing_*/sentry-tracing` (a tracing span made a Sentry
//! span: `child` below a live transaction, `root` a transaction of its own, sent);
//! `span_macro/ours-macro/*` within 5 % of `span_macro/hand-written/*`.

mod common;
mod span_setup;

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use common::run_ready;
use span_setup::{hand, macro_side, ours, peer, tracing_side};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// Counts every allocation and reallocation.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations plus reallocations so far: each is one call into the allocator.
fn allocs() -> usize {
    let s = GLOBAL.stats();
    s.allocations + s.reallocations
}

/// The loop callgrind counts (`--toggle-collect=*span_counts::measured*`).
#[inline(never)]
fn measured(op: &mut dyn FnMut(), iters: u64) {
    for _ in 0..iters {
        op();
    }
}

type Op<'a> = &'a mut dyn FnMut();
type Measure<'a> = &'a mut dyn FnMut(Op<'_>);

/// Warm-up runs, outside what callgrind collects: first-use costs (thread-locals, lazily
/// built statics) out of the way. Few, so that a live transaction's children stay below
/// sentry-core's 1,000 kept children in what is measured (see `span_setup::ours`).
#[inline(never)]
fn warm_up(op: &mut dyn FnMut()) {
    for _ in 0..50 {
        op();
    }
}

/// A named operation: `setup` builds the state, then hands the operation to the measurement.
struct Case {
    name: &'static str,
    setup: Box<dyn Fn(Measure<'_>)>,
}

fn case(name: &'static str, setup: impl Fn(Measure<'_>) + 'static) -> Case {
    Case {
        name,
        setup: Box::new(setup),
    }
}

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

/// Prints the fastest and the median per-op time over many short batches of each case.
fn time_cases(cases: &[Case], filter: &str) {
    println!("{:<36} {:>12} {:>12}", "case", "min ns/op", "median ns/op");
    for c in cases.iter().filter(|c| c.name.contains(filter)) {
        let mut result = (0.0, 0.0);
        (c.setup)(&mut |op| {
            warm_up(op);
            let t = Instant::now();
            measured(op, 100);
            let per_op = t.elapsed().as_secs_f64() / 100.0;
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a small positive count"
            )]
            let batch = ((20e-6 / per_op) as u64).clamp(1, 10_000);
            let mut samples: Vec<f64> = (0..400)
                .map(|_| {
                    let t = Instant::now();
                    measured(op, batch);
                    #[expect(clippy::cast_precision_loss, reason = "small counts")]
                    let ns = t.elapsed().as_secs_f64() * 1e9 / batch as f64;
                    ns
                })
                .collect();
            samples.sort_by(f64::total_cmp);
            result = (samples[0], samples[samples.len() / 2]);
        });
        println!("{:<36} {:>12.1} {:>12.1}", c.name, result.0, result.1);
    }
}

fn main() {
    let _client = ours::init();
    // `cargo bench` appends `--bench`; it carries no meaning here.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let cases = cases();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--list"] => cases.iter().for_each(|c| println!("{}", c.name)),
        ["--run", name, iters] => {
            let iters: u64 = iters.parse().expect("ITERS is a number");
            let c = cases
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no case {name}; see --list"));
            (c.setup)(&mut |op| {
                warm_up(op);
                measured(op, iters);
            });
        }
        ["--time"] => time_cases(&cases, ""),
        ["--time", filter] => time_cases(&cases, filter),
        _ => {
            println!("{:<36} {:>12}", "case", "allocs/op");
            for c in &cases {
                let mut per_op = 0.0;
                (c.setup)(&mut |op| {
                    warm_up(op);
                    let iters = 900;
                    let before = allocs();
                    measured(op, iters);
                    let after = allocs();
                    #[expect(clippy::cast_precision_loss, reason = "small counts")]
                    {
                        per_op = (after - before) as f64 / iters as f64;
                    }
                });
                println!("{:<36} {per_op:>12.2}", c.name);
            }
        }
    }
}
