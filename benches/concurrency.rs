//! Issue benchmarks 7 and 8, beside sentry-core:
//!
//! - `threads`: 1 and 2 threads, each forking its own parent scope in a loop (a scope of 10
//!   tags per thread; sentry-core: one hub per thread, the client shared as in any process).
//!   Each iteration is one fork on every thread, so time per iteration is flat when the threads
//!   scale perfectly. Goal: 2 threads give ≥ 1.8× the throughput of one. `baseline` does
//!   register-only work with no SDK: its scaling is what the machine offered in the same run.
//! - `threads_cpu`: the same loops, timed by each thread's own CPU time (the mean over the
//!   threads). On a machine whose cores are busy with other work, wall time cannot show scaling;
//!   CPU time per fork still shows whether a second thread makes each fork dearer (shared cache
//!   lines, locks), which is what would stop an SDK from scaling.
//! - `async_tasks`: 10,000 tasks, each an isolation fork with one tag around a body that awaits 3
//!   times, on a 2-worker multi-thread tokio runtime; `baseline` is the same tasks with no SDK.

mod common;

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;

use common::{macro_side, ours, peer};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sentry_core::SentryFutureExt;

const THREADS: [usize; 2] = [1, 2];

/// A thread's loop: sets up its own state, waits on the barrier, runs `iters` iterations and
/// returns the CPU time the loop took on that thread.
type Work = fn(u64, &Barrier) -> Duration;

/// Runs `work` on `threads` threads; returns the wall time from the common start until the
/// last thread is done, and the mean CPU time of the threads' loops.
fn parallel(threads: usize, iters: u64, work: Work) -> (Duration, Duration) {
    let start = Barrier::new(threads + 1);
    let (t0, cpu) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| s.spawn(|| work(iters, &start)))
            .collect();
        start.wait();
        let t0 = Instant::now();
        let cpu: Duration = handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .sum();
        (t0, cpu)
    });
    let threads = u32::try_from(threads).expect("few threads");
    (t0.elapsed(), cpu / threads)
}

/// Times `f` by this thread's CPU time.
fn cpu_timed(f: impl FnOnce()) -> Duration {
    let t = ThreadTime::now();
    f();
    t.elapsed()
}

/// No SDK: a few dozen nanoseconds of register-only work per iteration. Its scaling is what the
/// machine offers two threads in this run (other processes share the cores).
fn baseline(iters: u64, start: &Barrier) -> Duration {
    start.wait();
    cpu_timed(|| {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..iters {
            for _ in 0..16 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            x = black_box(x);
        }
    })
}

fn ours_macro(iters: u64, start: &Barrier) -> Duration {
    let scope = ours::scope_with(10, 0);
    ours::with_current(&scope, || {
        start.wait();
        cpu_timed(|| {
            for _ in 0..iters {
                macro_side::bare();
            }
        })
    })
}

fn ours_closure(iters: u64, start: &Barrier) -> Duration {
    let scope = ours::scope_with(10, 0);
    ours::with_current(&scope, || {
        start.wait();
        cpu_timed(|| {
            for _ in 0..iters {
                sentry_scopes::with_scope(|s| {
                    black_box(s);
                });
            }
        })
    })
}

fn peer_with_scope(iters: u64, start: &Barrier) -> Duration {
    let hub = peer::hub_with(10, 0);
    peer::with_hub(&hub, || {
        start.wait();
        cpu_timed(|| {
            for _ in 0..iters {
                sentry_core::with_scope(
                    |s| {
                        black_box(s);
                    },
                    || (),
                );
            }
        })
    })
}

const VARIANTS: [(&str, Work); 4] = [
    ("baseline", baseline),
    ("ours-macro", ours_macro),
    ("ours-closure", ours_closure),
    ("sentry-core", peer_with_scope),
];

fn threads(c: &mut Criterion) {
    let _client = ours::init();
    for (group, cpu) in [("threads", false), ("threads_cpu", true)] {
        let mut g = c.benchmark_group(group);
        for t in THREADS {
            g.throughput(Throughput::Elements(t as u64));
            for (name, work) in VARIANTS {
                g.bench_function(BenchmarkId::new(name, t), |b| {
                    b.iter_custom(|iters| {
                        let (wall, mean_cpu) = parallel(t, iters, work);
                        if cpu { mean_cpu } else { wall }
                    });
                });
            }
        }
        g.finish();
    }
}

const TASKS: u64 = 10_000;

async fn plain_task(n: u64) -> u64 {
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    black_box(n)
}

fn async_tasks(c: &mut Criterion) {
    let _client = ours::init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    let mut g = c.benchmark_group("async_tasks");
    g.sample_size(10);
    g.throughput(Throughput::Elements(TASKS));
    g.bench_function(BenchmarkId::new("baseline", TASKS), |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|n| tokio::spawn(plain_task(n))).collect();
                for h in handles {
                    black_box(h.await.expect("task finished"));
                }
            });
        });
    });
    g.bench_function(BenchmarkId::new("ours-macro", TASKS), |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|n| tokio::spawn(macro_side::task(n)))
                    .collect();
                for h in handles {
                    black_box(h.await.expect("task finished"));
                }
            });
        });
    });
    let hub = peer::hub_with(0, 0);
    peer::with_hub(&hub, || {
        g.bench_function(BenchmarkId::new("sentry-core", TASKS), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let handles: Vec<_> = (0..TASKS)
                        .map(|n| {
                            let hub = Arc::new(sentry_core::Hub::new_from_top(
                                sentry_core::Hub::current(),
                            ));
                            let task = async move {
                                sentry_core::configure_scope(|s| s.set_tag("task", n));
                                plain_task(n).await
                            };
                            tokio::spawn(task.bind_hub(hub))
                        })
                        .collect();
                    for h in handles {
                        black_box(h.await.expect("task finished"));
                    }
                });
            });
        });
    });
    g.finish();
}

criterion_group!(benches, threads, async_tasks);
criterion_main!(benches);
