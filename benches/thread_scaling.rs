//! Issue benchmark 7 measured in interleaved pairs: for each loop of `common/loops.rs`, runs of
//! one and two threads take turns (1, 2, 1, 2, …, 1), each run long enough (≥ 0.2 s) that
//! starting it costs nothing, and each two-thread run is compared with the mean of the
//! one-thread runs just before and after it.
//!
//! ```text
//! cargo bench --bench thread_scaling
//! ```
//!
//! Why pairs: on these virtual CPUs the same loop runs up to ±12 % faster or slower from one
//! second to the next, with or without a second thread beside it. Criterion measures the
//! one-thread and the two-thread benchmark several seconds apart, so their ratio carries that
//! drift; a pair measured within half a second does not. The median over the pairs is the
//! figure; min and max show the spread.
//!
//! Output: a human-readable table, then one line per loop that `scripts/bench-report.py`
//! reads: `scaling/<loop> <median> <min> <max> <ns per iteration, one thread>`.

mod common;

use std::time::Duration;

use common::crew::{Crew, Split};
use common::loops::{VARIANTS, Worker};
use common::ours;

/// Two-thread runs per loop, each between two one-thread runs.
const PAIRS: usize = 9;
/// The shortest run.
const RUN: Duration = Duration::from_millis(200);

/// Wall time of one shared-work sample of `iters` iterations per thread on `threads` threads.
fn timed(threads: usize, worker: Worker, iters: u64) -> Duration {
    Crew::run(threads, worker, |crew| {
        crew.sample(iters, Split::Shared).wall
    })
}

/// Iterations per thread that make a one-thread run last at least [`RUN`].
fn calibrate(worker: Worker) -> u64 {
    let mut iters = 1_000;
    loop {
        let took = timed(1, worker, iters);
        if took >= RUN {
            return iters;
        }
        let factor = RUN.as_secs_f64() / took.as_secs_f64().max(1e-6);
        iters = (iters as f64 * factor.clamp(2.0, 100.0)) as u64;
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn main() {
    let _client = ours::init();
    let mut machine_lines = Vec::new();
    println!(
        "{:<14} {:>12} {:>8} {:>8} {:>8}   pairs",
        "loop", "ns/iter (1)", "median", "min", "max"
    );
    for (name, worker) in VARIANTS {
        let iters = calibrate(worker);
        let mut one = vec![timed(1, worker, iters)];
        let mut ratios = Vec::with_capacity(PAIRS);
        for _ in 0..PAIRS {
            let two = timed(2, worker, iters);
            one.push(timed(1, worker, iters));
            let before_after = one[one.len() - 2] + one[one.len() - 1];
            // Two threads did 2 × iters in `two`; one thread did iters in the mean of its runs.
            ratios.push(before_after.as_secs_f64() / two.as_secs_f64());
        }
        let pairs: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
        ratios.sort_by(f64::total_cmp);
        let mut ones: Vec<f64> = one.iter().map(|d| d.as_secs_f64()).collect();
        ones.sort_by(f64::total_cmp);
        let ns = median(&ones) * 1e9 / iters as f64;
        let (med, min, max) = (median(&ratios), ratios[0], ratios[PAIRS - 1]);
        println!(
            "{name:<14} {ns:>12.2} {med:>7.2}x {min:>7.2}x {max:>7.2}x   {}",
            pairs.join(" ")
        );
        machine_lines.push(format!("scaling/{name} {med:.4} {min:.4} {max:.4} {ns:.4}"));
    }
    println!();
    for line in machine_lines {
        println!("{line}");
    }
}
