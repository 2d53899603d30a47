//! The harness of the counting benches (`counts.rs`, `counts_paths.rs`, `span_counts.rs`): named
//! cases, each run three ways by the same `main`.
//!
//! ```text
//! cargo bench --bench counts                      # allocations per op of every case (a table)
//! cargo bench --bench counts -- --list            # case names
//! cargo bench --bench counts -- --run CASE ITERS  # only CASE, ITERS times inside `measured`
//! cargo bench --bench counts -- --time [FILTER]   # min and median ns/op over short batches
//! ```
//!
//! `--time` complements criterion on a shared machine: it times many short batches (~20 µs) and
//! keeps the fastest, which a preempted or disturbed batch cannot lower, so it estimates the
//! undisturbed cost. Neighbours on the same physical core can still slow every batch.
//!
//! `scripts/bench-report.py` runs `--run` under
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=*harness::measured*`, so only
//! the measured loop is counted, and divides by ITERS. The `baseline/noop` case is the loop and
//! indirect call alone; the report subtracts it.
//!
//! A case that hands work to another thread (a transport queue) runs in batches
//! ([`Case::in_batches`]): at most so many operations in a row, then `settle` (a flush) outside
//! the measured loop, so that a bounded queue never overflows and every operation pays the
//! same path as the first.

use std::hint::black_box;
use std::time::Instant;

use stats_alloc::INSTRUMENTED_SYSTEM;

/// Allocations plus reallocations so far, on every thread: each is one call into the allocator.
/// Counted only where the bench binary installs `stats_alloc::INSTRUMENTED_SYSTEM` as its global
/// allocator.
fn allocs() -> usize {
    let s = INSTRUMENTED_SYSTEM.stats();
    s.allocations + s.reallocations
}

/// The loop callgrind counts (`--toggle-collect=*harness::measured*`).
#[inline(never)]
pub fn measured(op: &mut dyn FnMut(), iters: u64) {
    for _ in 0..iters {
        op();
    }
}

/// One operation of a case.
pub type Op<'a> = &'a mut dyn FnMut();
/// What a case's setup hands its operation to.
pub type Measure<'a> = &'a mut dyn FnMut(Op<'_>);

/// Operations run before measuring, outside what callgrind collects.
const WARM_UP: u64 = 100;

/// A named operation: `setup` builds the state, then hands the operation to the measurement.
pub struct Case {
    pub name: String,
    setup: Box<dyn Fn(Measure<'_>)>,
    /// At most this many operations in a row, then the function, unmeasured.
    batch: Option<(u64, fn())>,
}

/// A case named `name`.
pub fn case(name: impl Into<String>, setup: impl Fn(Measure<'_>) + 'static) -> Case {
    Case {
        name: name.into(),
        setup: Box::new(setup),
        batch: None,
    }
}

impl Case {
    /// Runs at most `max` operations in a row, then `settle` outside the measured loop.
    pub fn in_batches(mut self, max: u64, settle: fn()) -> Self {
        self.batch = Some((max, settle));
        self
    }

    /// Calls `each(op, n)` for runs of `n` operations adding up to `iters`, settling between.
    fn runs(&self, op: Op<'_>, iters: u64, each: &mut dyn FnMut(Op<'_>, u64)) {
        let Some((max, settle)) = self.batch else {
            return each(op, iters);
        };
        let mut left = iters;
        while left > 0 {
            let n = left.min(max);
            each(&mut *op, n);
            settle();
            left -= n;
        }
    }
}

/// Prints the fastest and the median per-op time over many short batches of each case.
fn time_cases(cases: &[Case], filter: &str) {
    println!("{:<44} {:>12} {:>12}", "case", "min ns/op", "median ns/op");
    for c in cases.iter().filter(|c| c.name.contains(filter)) {
        let mut result = (0.0, 0.0);
        (c.setup)(&mut |op| {
            c.runs(op, WARM_UP, &mut |op, n| measured(op, n));
            // Size a batch to ~20 µs.
            let t = Instant::now();
            c.runs(op, 100, &mut |op, n| measured(op, n));
            let per_op = t.elapsed().as_secs_f64() / 100.0;
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a small positive count"
            )]
            let mut batch = ((20e-6 / per_op) as u64).clamp(1, 10_000);
            if let Some((max, _)) = c.batch {
                batch = batch.min(max);
            }
            let mut samples: Vec<f64> = (0..400)
                .map(|_| {
                    let mut ns = 0.0;
                    c.runs(op, batch, &mut |op, n| {
                        let t = Instant::now();
                        measured(op, n);
                        ns += t.elapsed().as_secs_f64() * 1e9;
                    });
                    #[expect(clippy::cast_precision_loss, reason = "small counts")]
                    let per_op = ns / batch as f64;
                    per_op
                })
                .collect();
            samples.sort_by(f64::total_cmp);
            result = (samples[0], samples[samples.len() / 2]);
        });
        println!("{:<44} {:>12.1} {:>12.1}", c.name, result.0, result.1);
    }
}

/// Allocations per operation of each case (for a batched case, with what its settling does
/// for those operations on other threads).
fn count_allocations(cases: &[Case]) {
    println!("{:<44} {:>12}", "case", "allocs/op");
    for c in cases {
        let mut per_op = 0.0;
        (c.setup)(&mut |op| {
            c.runs(op, WARM_UP, &mut |op, n| measured(op, n));
            // With the warm-up, 900 operations: a span bench's live transaction stays below
            // the 1,000 children sentry-core keeps (`span_counts.rs`).
            let iters = 800;
            let before = allocs();
            c.runs(op, iters, &mut |op, n| measured(op, n));
            let after = allocs();
            #[expect(clippy::cast_precision_loss, reason = "small counts")]
            {
                per_op = (after - before) as f64 / iters as f64;
            }
        });
        println!("{:<44} {per_op:>12.2}", c.name);
    }
}

/// The command line of a counting bench (see the module docs).
pub fn main(cases: &[Case]) {
    // `cargo bench` appends `--bench`; it carries no meaning here.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--list"] => cases.iter().for_each(|c| println!("{}", c.name)),
        ["--run", name, iters] => {
            let iters: u64 = iters.parse().expect("ITERS is a number");
            let c = cases
                .iter()
                .find(|c| c.name == name)
                .unwrap_or_else(|| panic!("no case {name}; see --list"));
            (c.setup)(&mut |op| {
                c.runs(op, WARM_UP, &mut |op, n| warm_up(op, n));
                c.runs(op, iters, &mut |op, n| measured(op, n));
            });
        }
        ["--time"] => time_cases(cases, ""),
        ["--time", filter] => time_cases(cases, filter),
        _ => count_allocations(cases),
    }
}

/// Warm-up runs, outside what callgrind collects.
#[inline(never)]
fn warm_up(op: &mut dyn FnMut(), iters: u64) {
    for _ in 0..iters {
        black_box(&mut *op)();
    }
}
