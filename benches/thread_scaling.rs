//! Diagnostic for issue benchmark 7: long runs, one and two threads, of the bare macro fork and
//! of two loops without the SDK (a dependent ALU chain, and a chain of indirect calls that
//! looks like the fork to the CPU's front end), with each thread's own time.
//!
//! ```text
//! cargo bench --bench thread_scaling
//! ```
//!
//! Criterion's `concurrency` bench spawns fresh threads per sample and takes the wall time,
//! the slower thread's; this shows whether a shortfall in its ratio comes from the fork or
//! from the two CPUs running the same code at different speeds.

mod common;

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::{macro_side, ours};

type Work = fn(u64);

/// `n` iterations of `work` on each of `threads` threads, started together.
fn run(threads: usize, n: u64, work: Work) -> (Duration, Vec<Duration>) {
    let start = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    let t0 = Instant::now();
                    work(n);
                    t0.elapsed()
                })
            })
            .collect();
        start.wait();
        let t0 = Instant::now();
        let each = handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect();
        (t0.elapsed(), each)
    })
}

fn fork(n: u64) {
    let scope = ours::scope_with(10, 0);
    ours::with_current(&scope, || {
        for _ in 0..n {
            macro_side::bare();
        }
    });
}

fn alu(n: u64) {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..n {
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        x = black_box(x);
    }
}

#[inline(never)]
fn leaf(x: u64) -> u64 {
    black_box(x + 1)
}

#[inline(never)]
fn middle(x: u64) -> u64 {
    let f: fn(u64) -> u64 = black_box(leaf);
    f(f(x))
}

fn calls(n: u64) {
    let f: fn(u64) -> u64 = black_box(middle);
    let mut x = 0;
    for _ in 0..n {
        x = f(f(x));
    }
    black_box(x);
}

fn main() {
    let _client = ours::init();
    let n = 100_000_000;
    let loops: [(&str, Work); 3] = [("fork", fork), ("alu", alu), ("calls", calls)];
    println!(
        "{:<6} {:>7} {:>10} {:>28} {:>8}",
        "loop", "threads", "ns/iter", "each thread (s)", "scaling"
    );
    for round in 0..2 {
        for (name, work) in loops {
            let (one, _) = run(1, n, work);
            let (two, each) = run(2, n, work);
            let ns = |d: Duration| d.as_secs_f64() * 1e9 / n as f64;
            let each: Vec<String> = each
                .iter()
                .map(|d| format!("{:.3}", d.as_secs_f64()))
                .collect();
            println!(
                "{name:<6} {:>7} {:>10.2} {:>28}",
                1,
                ns(one),
                format!("{:.3}", one.as_secs_f64())
            );
            println!(
                "{name:<6} {:>7} {:>10.2} {:>28} {:>7.2}x  (round {round})",
                2,
                ns(two),
                each.join(" "),
                2.0 * one.as_secs_f64() / two.as_secs_f64()
            );
        }
    }
}
