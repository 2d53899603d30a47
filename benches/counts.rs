//! Deterministic figures for the hot paths, beside sentry-core: allocations per operation
//! (a counting global allocator) and, run under callgrind, instructions per operation.
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
//! `scripts/bench-report.sh` runs `--run` under
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect=*counts::measured*`, so only
//! the measured loop is counted, and divides by ITERS. The `baseline/noop` case is the loop and
//! indirect call alone; the report subtracts it.

mod common;

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use common::{hand, macro_side, ours, peer, run_ready};
use sentry_scopes::{Breadcrumb, Level, User};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

/// Counts every allocation and reallocation (a few atomic adds each, also under callgrind).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations plus reallocations so far: each is one call into the allocator.
fn allocs() -> usize {
    let s = GLOBAL.stats();
    s.allocations + s.reallocations
}

/// The loop callgrind counts (`--toggle-collect=*counts::measured*`).
#[inline(never)]
fn measured(op: &mut dyn FnMut(), iters: u64) {
    for _ in 0..iters {
        op();
    }
}

type Op<'a> = &'a mut dyn FnMut();
type Measure<'a> = &'a mut dyn FnMut(Op<'_>);

/// Warm-up runs, outside what callgrind collects.
#[inline(never)]
fn warm_up(op: &mut dyn FnMut()) {
    for _ in 0..100 {
        op();
    }
}

/// A named operation: `setup` builds the state, then hands the operation to the measurement.
struct Case {
    name: String,
    setup: Box<dyn Fn(Measure<'_>)>,
}

fn case(name: impl Into<String>, setup: impl Fn(Measure<'_>) + 'static) -> Case {
    Case {
        name: name.into(),
        setup: Box::new(setup),
    }
}

const COUNT_SIZES: [usize; 5] = common::SIZES;

fn user() -> User {
    User {
        id: Some("user-42".to_owned()),
        ..User::default()
    }
}

fn new_crumb() -> Breadcrumb {
    Breadcrumb {
        category: Some("bench".into()),
        message: Some("the new one".into()),
        ..Breadcrumb::default()
    }
}

fn cases() -> Vec<Case> {
    let mut v = vec![case("baseline/noop", |m| m(&mut || {}))];
    // The floor of a fork that keeps two handles: two `Arc` clones and their drops.
    v.push(case("baseline/two-arc-clones", |m| {
        let (a, b) = (std::sync::Arc::new(1_u64), std::sync::Arc::new(2_u64));
        m(&mut || drop(black_box((a.clone(), b.clone()))));
    }));
    for n in COUNT_SIZES {
        v.push(case(format!("fork/ours-macro/{n}"), move |m| {
            let s = ours::scope_with(n, 0);
            ours::with_current(&s, || m(&mut macro_side::bare));
        }));
        v.push(case(format!("fork/ours-closure/{n}"), move |m| {
            let s = ours::scope_with(n, 0);
            ours::with_current(&s, || {
                m(&mut || {
                    sentry_scopes::with_scope(|s| {
                        black_box(s);
                    });
                });
            });
        }));
        v.push(case(format!("fork/sentry-core/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || {
                    sentry_core::with_scope(
                        |s| {
                            black_box(s);
                        },
                        || (),
                    );
                });
            });
        }));
        v.push(case(format!("fork/sentry-core-push/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || drop(black_box(sentry_core::Hub::current().push_scope())));
            });
        }));
        v.push(case(format!("with_scope_tag/ours-macro/{n}"), move |m| {
            let s = ours::scope_with(n, 0);
            ours::with_current(&s, || m(&mut || macro_side::tagged("value")));
        }));
        v.push(case(format!("with_scope_tag/ours-closure/{n}"), move |m| {
            let s = ours::scope_with(n, 0);
            ours::with_current(&s, || {
                m(&mut || sentry_scopes::with_scope(|s| s.set_tag("bench", "value")));
            });
        }));
        v.push(case(format!("with_scope_tag/sentry-core/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || sentry_core::with_scope(|s| s.set_tag("bench", "value"), || ()));
            });
        }));
    }
    // A scope map folds its overlay of recent writes every few writes, so the parent's overlay
    // holds 0 to 8 entries depending on how many writes built it. A fork's write must cost the
    // same in every phase: 10,000 + k tags, k = 0..=8, cover them all.
    for k in 0..=8 {
        v.push(case(
            format!("with_scope_tag_phase/ours-macro/{k}"),
            move |m| {
                let s = ours::scope_with(10_000 + k, 0);
                ours::with_current(&s, || m(&mut || macro_side::tagged("value")));
            },
        ));
    }
    for n in [0, 100] {
        v.push(case(format!("isolation_fork/ours-macro/{n}"), move |m| {
            let s = ours::scope_with(n, 0);
            ours::with_isolation(&s, || {
                m(&mut || macro_side::request("user-42", "/checkout", "POST"));
            });
        }));
        v.push(case(format!("isolation_fork/ours-closure/{n}"), move |m| {
            let s = ours::scope_with(n, 0);
            ours::with_isolation(&s, || {
                m(&mut || {
                    sentry_scopes::with_isolation_scope(|_| {
                        sentry_scopes::set_user(Some(user()));
                        sentry_scopes::set_tags([("route", "/checkout"), ("method", "POST")]);
                    });
                });
            });
        }));
        v.push(case(format!("isolation_fork/sentry-core/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || {
                    let hub = sentry_core::Hub::new_from_top(sentry_core::Hub::current());
                    sentry_core::Hub::run(std::sync::Arc::new(hub), || {
                        sentry_core::configure_scope(|s| {
                            s.set_user(Some(user()));
                            s.set_tag("route", "/checkout");
                            s.set_tag("method", "POST");
                        });
                    });
                });
            });
        }));
    }
    v.push(case("breadcrumb/ours-closure/100", |m| {
        let s = ours::scope_with(0, 100);
        ours::with_current(&s, || {
            m(&mut || sentry_scopes::with_scope(|s| s.add_breadcrumb(new_crumb())));
        });
    }));
    // The list is rebuilt every ~100 pushes, so a parent links 100 to 200 breadcrumbs depending
    // on how many were ever added; a fork's push must cost the same in every phase.
    for k in [0, 50, 100] {
        v.push(case(
            format!("breadcrumb_phase/ours-closure/{k}"),
            move |m| {
                let s = ours::scope_with(0, 100 + k);
                ours::with_current(&s, || {
                    m(&mut || sentry_scopes::with_scope(|s| s.add_breadcrumb(new_crumb())));
                });
            },
        ));
    }
    v.push(case("breadcrumb/sentry-core/100", |m| {
        peer::with_hub(&peer::hub_with(0, 100), || {
            m(
                &mut || {
                    sentry_core::with_scope(|_| (), || sentry_core::add_breadcrumb(new_crumb()))
                },
            );
        });
    }));
    for (t, b) in [(0, 0), (100, 100)] {
        let p = format!("t{t}-b{b}");
        v.push(case(format!("capture/ours-macro/{p}"), move |m| {
            let s = ours::scope_with(t, b);
            ours::with_current(&s, || m(&mut || macro_side::capture("value")));
        }));
        v.push(case(format!("capture/ours-closure/{p}"), move |m| {
            let s = ours::scope_with(t, b);
            ours::with_current(&s, || {
                m(&mut || {
                    sentry_scopes::with_scope(|s| {
                        s.set_tag("bench", "value");
                        black_box(sentry_scopes::capture_message("benchmark", Level::Info));
                    });
                });
            });
        }));
        v.push(case(format!("capture/sentry-core/{p}"), move |m| {
            peer::with_hub(&peer::hub_with(t, b), || {
                m(&mut || {
                    sentry_core::with_scope(
                        |s| s.set_tag("bench", "value"),
                        || black_box(sentry_core::capture_message("benchmark", Level::Info)),
                    );
                });
            });
        }));
    }
    v.push(case("macro_overhead/hand-written/sync", |m| {
        let s = ours::scope_with(10, 0);
        ours::with_current(&s, || m(&mut || hand::tagged("value")));
    }));
    v.push(case("macro_overhead/ours-macro/sync", |m| {
        let s = ours::scope_with(10, 0);
        ours::with_current(&s, || m(&mut || macro_side::tagged("value")));
    }));
    v.push(case("macro_overhead/hand-written/async", |m| {
        let s = ours::scope_with(10, 0);
        ours::with_current(&s, || {
            m(&mut || {
                black_box(run_ready(hand::tagged_async(black_box(7))));
            });
        });
    }));
    v.push(case("macro_overhead/ours-macro/async", |m| {
        let s = ours::scope_with(10, 0);
        ours::with_current(&s, || {
            m(&mut || {
                black_box(run_ready(macro_side::tagged_async(black_box(7))));
            });
        });
    }));
    v
}

/// Prints the fastest and the median per-op time over many short batches of each case.
fn time_cases(cases: &[Case], filter: &str) {
    println!("{:<40} {:>12} {:>12}", "case", "min ns/op", "median ns/op");
    for c in cases.iter().filter(|c| c.name.contains(filter)) {
        let mut result = (0.0, 0.0);
        (c.setup)(&mut |op| {
            warm_up(op);
            // Size a batch to ~20 µs.
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
        println!("{:<40} {:>12.1} {:>12.1}", c.name, result.0, result.1);
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
            println!("{:<40} {:>12}", "case", "allocs/op");
            for c in &cases {
                let mut per_op = 0.0;
                (c.setup)(&mut |op| {
                    warm_up(op);
                    let iters = 1_000;
                    let before = allocs();
                    measured(op, iters);
                    let after = allocs();
                    #[expect(clippy::cast_precision_loss, reason = "small counts")]
                    {
                        per_op = (after - before) as f64 / iters as f64;
                    }
                });
                println!("{:<40} {per_op:>12.2}", c.name);
            }
        }
    }
}
