//! Memory per live fork: 100,000 futures, each holding its own isolation fork, polled once and
//! parked (as tasks waiting on I/O), beside sentry-core 0.49.5 in the same run.
//!
//! - `own`: each future writes its own 20 tags and 20 breadcrumbs into its fork;
//! - `inherit`: the parent scope holds 20 tags and 20 breadcrumbs, each future writes one tag.
//!
//! Ours: an `async fn` under `#[isolation_scope]` writing with the top-level setters. sentry-core:
//! `Hub::new_from_top(Hub::current())` bound to the future with `bind_hub`, the writes made
//! with `configure_scope` and `add_breadcrumb` inside it. `baseline` is the same future with no
//! SDK. Bytes are live bytes as the program asked for them (a counting allocator: allocated −
//! freed, sizes as requested, not what the system allocator rounds them up to), after creating
//! and polling the futures minus before, divided by their number; `net` subtracts `baseline`.
//!
//! ```text
//! cargo bench --bench fork_memory
//! ```
//!
//! Output: a table, then one line per variant and case that `scripts/bench-report.py` reads:
//! `memory/<variant>/<case> <bytes per future> <net bytes per fork>`.

mod common;

use std::future::{Future, pending};
use std::hint::black_box;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use common::{crumb, key, ours, peer, value};
use sentry_core::SentryFutureExt;
use sentry_scopes::isolation_scope;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Live futures per measurement.
const N: usize = 100_000;
/// Tags and breadcrumbs written (`own`) or inherited (`inherit`).
const ITEMS: usize = 20;

type Parked = Pin<Box<dyn Future<Output = ()>>>;

/// Bytes currently allocated. `stats_alloc` already adds a reallocation's growth to
/// `bytes_allocated` (and its shrinkage to `bytes_deallocated`); `bytes_reallocated` is the same
/// difference once more, so it is not added: that counted every temporary `Vec` or `String`
/// that grew and was freed as live (3.5 kB of sentry-core's 10.8 kB per future, checked with
/// `valgrind --tool=dhat`).
fn live() -> i128 {
    let s = GLOBAL.stats();
    i128::try_from(s.bytes_allocated).unwrap_or(i128::MAX)
        - i128::try_from(s.bytes_deallocated).unwrap_or(i128::MAX)
}

/// Live bytes per future that `make` creates, each polled once until it parks.
fn bytes_per(make: &dyn Fn() -> Parked) -> f64 {
    let mut parked: Vec<Parked> = Vec::with_capacity(N);
    let before = live();
    for _ in 0..N {
        let mut future = make();
        let poll = future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
        assert!(poll == Poll::Pending, "the future parks");
        parked.push(future);
    }
    let after = live();
    drop(parked);
    #[expect(clippy::cast_precision_loss, reason = "a byte count far below 2^52")]
    let per = (after - before) as f64 / N as f64;
    per
}

/// Our task with its own writes.
#[isolation_scope]
async fn ours_own() {
    for i in 0..ITEMS {
        sentry_scopes::set_tag(key(i), value(i));
    }
    for i in 0..ITEMS {
        sentry_scopes::add_breadcrumb(crumb(i));
    }
    pending::<()>().await;
}

/// Our task that inherits its parent's data and writes one tag.
#[isolation_scope]
async fn ours_inherit() {
    sentry_scopes::set_tag("own", "value");
    pending::<()>().await;
}

/// sentry-core's task with its own writes, in a hub of its own.
fn sentry_own() -> Parked {
    let hub = Arc::new(sentry_core::Hub::new_from_top(sentry_core::Hub::current()));
    Box::pin(
        async {
            sentry_core::configure_scope(|s| {
                for i in 0..ITEMS {
                    s.set_tag(&key(i), value(i));
                }
            });
            for i in 0..ITEMS {
                sentry_core::add_breadcrumb(crumb(i));
            }
            pending::<()>().await;
        }
        .bind_hub(hub),
    )
}

/// sentry-core's task that inherits its parent's data and writes one tag.
fn sentry_inherit() -> Parked {
    let hub = Arc::new(sentry_core::Hub::new_from_top(sentry_core::Hub::current()));
    Box::pin(
        async {
            sentry_core::configure_scope(|s| s.set_tag("own", "value"));
            pending::<()>().await;
        }
        .bind_hub(hub),
    )
}

/// The same future with no SDK.
fn baseline() -> Parked {
    Box::pin(async {
        black_box(ITEMS);
        pending::<()>().await;
    })
}

fn main() {
    let _client = ours::init();
    let empty = sentry_scopes::Scope::new();
    let full = ours::scope_with(ITEMS, ITEMS);
    let rows = [
        ("baseline", "own", bytes_per(&baseline)),
        ("baseline", "inherit", bytes_per(&baseline)),
        (
            "ours",
            "own",
            ours::with_isolation(&empty, || bytes_per(&|| -> Parked { Box::pin(ours_own()) })),
        ),
        (
            "ours",
            "inherit",
            ours::with_isolation(&full, || {
                bytes_per(&|| -> Parked { Box::pin(ours_inherit()) })
            }),
        ),
        (
            "sentry-core",
            "own",
            peer::with_hub(&peer::hub_with(0, 0), || bytes_per(&sentry_own)),
        ),
        (
            "sentry-core",
            "inherit",
            peer::with_hub(&peer::hub_with(ITEMS, ITEMS), || bytes_per(&sentry_inherit)),
        ),
    ];
    let base = |case: &str| {
        rows.iter()
            .find(|(v, c, _)| *v == "baseline" && *c == case)
            .map_or(0.0, |r| r.2)
    };
    println!(
        "{:<12} {:<8} {:>16} {:>16}",
        "variant", "case", "bytes / future", "net / fork"
    );
    for (variant, case, bytes) in &rows {
        println!(
            "{variant:<12} {case:<8} {bytes:>16.1} {:>16.1}",
            bytes - base(case)
        );
    }
    println!();
    for (variant, case, bytes) in &rows {
        println!(
            "memory/{variant}/{case} {bytes:.2} {:.2}",
            bytes - base(case)
        );
    }
}
