//! The loops of the scaling benchmarks (`concurrency`'s `threads` groups and `thread_scaling`):
//! each is a [`Crew`] worker that sets up its own parent scope (or hub) and then forks in a loop
//! on its thread, beside two loops without the SDK that show what the machine offers two threads.

use std::hint::black_box;

use super::crew::Crew;
use super::{macro_side, ours, peer};

/// One dependent chain: each step waits for the one before.
fn baseline(crew: &Crew) {
    crew.serve(|iters| {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..iters {
            for _ in 0..16 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            x = black_box(x);
        }
    });
}

/// Six independent chains: as many instructions per cycle as the core can issue.
fn baseline_wide(crew: &Crew) {
    crew.serve(|iters| {
        let mut r = black_box([1_u64, 2, 3, 4, 5, 6]);
        for _ in 0..iters {
            for _ in 0..8 {
                for i in 0..6 {
                    r[i] = r[i].wrapping_add(r[(i + 1) % 6] ^ (7 + i as u64));
                }
            }
            r = black_box(r);
        }
    });
}

fn ours_macro(crew: &Crew) {
    let scope = ours::scope_with(10, 0);
    ours::with_current(&scope, || {
        crew.serve(|iters| {
            for _ in 0..iters {
                macro_side::bare();
            }
        });
    });
}

fn ours_closure(crew: &Crew) {
    let scope = ours::scope_with(10, 0);
    ours::with_current(&scope, || {
        crew.serve(|iters| {
            for _ in 0..iters {
                sentry_scopes::with_scope(|s| {
                    black_box(s);
                });
            }
        });
    });
}

fn peer_with_scope(crew: &Crew) {
    let hub = peer::hub_with(10, 0);
    peer::with_hub(&hub, || {
        crew.serve(|iters| {
            for _ in 0..iters {
                sentry_core::with_scope(
                    |s| {
                        black_box(s);
                    },
                    || (),
                );
            }
        });
    });
}

/// A thread's loop: sets up its state, then serves the crew's samples.
pub type Worker = fn(&Crew);

/// `(name, worker)`, the two SDK-free loops first.
pub const VARIANTS: [(&str, Worker); 5] = [
    ("baseline", baseline),
    ("baseline-wide", baseline_wide),
    ("ours-macro", ours_macro),
    ("ours-closure", ours_closure),
    ("sentry-core", peer_with_scope),
];
