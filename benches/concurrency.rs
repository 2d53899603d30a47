//! Issue benchmarks 7 and 8, beside sentry-core:
//!
//! - `threads`: 1 and 2 threads, each forking its own parent scope in a loop (a scope of 10
//!   tags per thread; sentry-core: one hub per thread, the client shared as in any process).
//!   Each iteration is one fork on every thread, so time per iteration is flat when the threads
//!   scale perfectly. Goal: 2 threads give ≥ 1.8× the throughput of one. The threads live for
//!   the whole benchmark and spin between samples, and take their iterations in chunks from a
//!   shared count, so the figure is the process's throughput (`common/crew.rs` says why). Two
//!   loops without the SDK show what the machine offered in the same run: `baseline` is one
//!   dependent chain of shifts (bound by latency), and `baseline-wide` six independent chains
//!   of adds (bound by the core's execution width, like a short call-dense function).
//! - `threads_cpu`: the same loops, timed by each thread's own CPU time (the mean over the
//!   threads). On a machine whose cores are busy with other work, wall time cannot show
//!   scaling; CPU time per fork still shows whether a second thread makes each fork dearer.
//! - `threads_equal`: the same loops with `iters` on every thread, timed until the slower
//!   thread is done. Where the CPUs' speed varies, this is below the throughput figure for any
//!   code, the SDK-free loops included.
//! - `async_tasks`: 10,000 tasks, each an isolation fork with one tag around a body that awaits 3
//!   times, on a 2-worker multi-thread tokio runtime; `baseline` is the same tasks with no SDK.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use common::crew::{Crew, Split};
use common::loops::VARIANTS;
use common::{macro_side, ours, peer};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sentry_core::SentryFutureExt;

const THREADS: [usize; 2] = [1, 2];

fn threads(c: &mut Criterion) {
    let _client = ours::init();
    let groups = [
        ("threads", Split::Shared, false),
        ("threads_cpu", Split::Shared, true),
        ("threads_equal", Split::Equal, false),
    ];
    for (group, split, cpu) in groups {
        let mut g = c.benchmark_group(group);
        for t in THREADS {
            g.throughput(Throughput::Elements(t as u64));
            for (name, worker) in VARIANTS {
                Crew::run(t, worker, |crew| {
                    g.bench_function(BenchmarkId::new(name, t), |b| {
                        b.iter_custom(|iters| {
                            let s = crew.sample(iters, split);
                            if cpu { s.mean_cpu } else { s.wall }
                        });
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
