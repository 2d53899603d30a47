//! Deterministic figures for the scope operations, beside sentry-core: allocations per
//! operation (a counting global allocator), instructions per operation (run under callgrind),
//! and the fastest of many short batches. The harness and its command line are in
//! `common/harness.rs`; `counts_paths.rs` holds the paths around the scopes (HTTP capture,
//! axum layer, tracing breadcrumbs).
//!
//! ```text
//! cargo bench --bench counts                      # allocations per op of every case (a table)
//! cargo bench --bench counts -- --list            # case names
//! cargo bench --bench counts -- --run CASE ITERS  # only CASE, ITERS times inside `measured`
//! cargo bench --bench counts -- --time [FILTER]   # min and median ns/op over short batches
//! ```

mod common;

use std::hint::black_box;

use common::harness::{Case, case};
use common::{hand, macro_side, ours, peer, run_ready};
use sentry_scopes::{Breadcrumb, Level, User};

/// Counts every allocation and reallocation (a few atomic adds each, also under callgrind).
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

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
    // What the closure variant of `isolation_fork` pays for its inputs alone: the `User` and
    // the two `String`s that `set_user(Some(User))` and `set_tags(impl ToString)` take, built
    // and dropped inside a bare closure fork that writes nothing. Added to the macro variant's
    // scope work, it bounds from below what the closure variant can cost.
    v.push(case("isolation_fork_inputs/ours-closure/0", |m| {
        ours::with_isolation(&sentry_scopes::Scope::new(), || {
            m(&mut || {
                sentry_scopes::with_isolation_scope(|_| {
                    black_box((user(), "/checkout".to_string(), "POST".to_string()));
                });
            });
        });
    }));
    // The isolation fork alone, nothing written, empty scopes: what every request or task pays
    // before it does anything.
    v.push(case("isolation_fork_bare/ours-macro/0", |m| {
        ours::with_isolation(&sentry_scopes::Scope::new(), || {
            m(&mut macro_side::bare_isolation);
        });
    }));
    v.push(case("isolation_fork_bare/ours-closure/0", |m| {
        ours::with_isolation(&sentry_scopes::Scope::new(), || {
            m(&mut || {
                sentry_scopes::with_isolation_scope(|s| {
                    black_box(s);
                });
            });
        });
    }));
    v.push(case("isolation_fork_bare/sentry-core/0", |m| {
        peer::with_hub(&peer::hub_with(0, 0), || {
            m(&mut || {
                let hub = sentry_core::Hub::new_from_top(sentry_core::Hub::current());
                sentry_core::Hub::run(std::sync::Arc::new(hub), || black_box(()));
            });
        });
    }));
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
    // The top-level setters outside any fork, as a handler calls them: they write the
    // isolation scope in place (sentry-core: `configure_scope`, the hub's top scope).
    for n in [10, 100] {
        v.push(case(format!("top_level_tag/ours/{n}"), move |m| {
            ours::with_isolation(&ours::scope_with(n, 0), || {
                m(&mut || sentry_scopes::set_tag("bench", "value"));
            });
        }));
        v.push(case(format!("top_level_tag/sentry-core/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || sentry_core::configure_scope(|s| s.set_tag("bench", "value")));
            });
        }));
        v.push(case(format!("top_level_user/ours/{n}"), move |m| {
            ours::with_isolation(&ours::scope_with(n, 0), || {
                m(&mut || sentry_scopes::set_user(Some(user())));
            });
        }));
        v.push(case(format!("top_level_user/sentry-core/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || sentry_core::configure_scope(|s| s.set_user(Some(user()))));
            });
        }));
        v.push(case(format!("top_level_extra/ours/{n}"), move |m| {
            ours::with_isolation(&ours::scope_with(n, 0), || {
                m(&mut || sentry_scopes::set_extra("bench", 42));
            });
        }));
        v.push(case(format!("top_level_extra/sentry-core/{n}"), move |m| {
            peer::with_hub(&peer::hub_with(n, 0), || {
                m(&mut || sentry_core::configure_scope(|s| s.set_extra("bench", 42.into())));
            });
        }));
        v.push(case(format!("top_level_breadcrumb/ours/{n}"), move |m| {
            ours::with_isolation(&ours::scope_with(0, n), || {
                m(&mut || sentry_scopes::add_breadcrumb(new_crumb()));
            });
        }));
        v.push(case(
            format!("top_level_breadcrumb/sentry-core/{n}"),
            move |m| {
                peer::with_hub(&peer::hub_with(0, n), || {
                    m(&mut || sentry_core::add_breadcrumb(new_crumb()));
                });
            },
        ));
    }
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
    // The same capture with an event processor on the scope (one that keeps the event as it
    // is), as under a tower layer that attaches the request: both SDKs then build the event as
    // an `Event` and serialise it; ours cannot write it straight from the scopes.
    v.push(case("capture_processor/ours-closure/t100-b100", |m| {
        let s = ours::scope_with(100, 100);
        s.add_event_processor(Some);
        ours::with_current(&s, || {
            m(&mut || {
                sentry_scopes::with_scope(|s| {
                    s.set_tag("bench", "value");
                    black_box(sentry_scopes::capture_message("benchmark", Level::Info));
                });
            });
        });
    }));
    v.push(case("capture_processor/sentry-core/t100-b100", |m| {
        let hub = peer::hub_with(100, 100);
        hub.configure_scope(|s| s.add_event_processor(Some));
        peer::with_hub(&hub, || {
            m(&mut || {
                sentry_core::with_scope(
                    |s| s.set_tag("bench", "value"),
                    || black_box(sentry_core::capture_message("benchmark", Level::Info)),
                );
            });
        });
    }));
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

fn main() {
    let _client = ours::init();
    common::harness::main(&cases());
}
