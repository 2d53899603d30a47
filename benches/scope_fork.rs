//! Forks and writes, each beside its sentry-core twin in the same criterion group:
//!
//! - `fork`: a bare fork at every scope size (goal: ≤ 20 ns, flat);
//! - `with_scope_tag` (issue benchmark 1): `with_scope` setting one tag;
//! - `isolation_fork` (2): fork the isolation scope, set user and two tags, empty body;
//! - `breadcrumb` (4): fork, then add one breadcrumb with 100 stored;
//! - `nesting` (5): 1,000 nested `with_scope` levels, a new tag at each.
//!
//! Variants: `ours-closure` is the public `with_scope(|scope| ..)`/`with_isolation_scope` API;
//! `ours-macro` is what `#[with_scope]`/`#[isolation_scope]` expand to (hand-expanded for now,
//! see `common/macro_side.rs`); `sentry-core` is the peer.

mod common;

use std::hint::black_box;

use common::{SIZES, macro_side, ours, peer};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sentry_scopes::{Breadcrumb, User};

fn fork(c: &mut Criterion) {
    let _client = ours::init();
    let mut g = c.benchmark_group("fork");
    for n in SIZES {
        let scope = ours::scope_with(n, 0);
        ours::with_current(&scope, || {
            g.bench_function(BenchmarkId::new("ours-macro", n), |b| {
                b.iter(macro_side::bare);
            });
            g.bench_function(BenchmarkId::new("ours-closure", n), |b| {
                b.iter(|| {
                    sentry_scopes::with_scope(|s| {
                        black_box(s);
                    })
                });
            });
        });
        let hub = peer::hub_with(n, 0);
        peer::with_hub(&hub, || {
            g.bench_function(BenchmarkId::new("sentry-core", n), |b| {
                b.iter(|| {
                    sentry_core::with_scope(
                        |s| {
                            black_box(s);
                        },
                        || black_box(()),
                    );
                });
            });
            g.bench_function(BenchmarkId::new("sentry-core-push", n), |b| {
                b.iter(|| black_box(sentry_core::Hub::current().push_scope()));
            });
        });
    }
    g.finish();
}

fn with_scope_tag(c: &mut Criterion) {
    let _client = ours::init();
    let mut g = c.benchmark_group("with_scope_tag");
    for n in SIZES {
        let scope = ours::scope_with(n, 0);
        ours::with_current(&scope, || {
            g.bench_function(BenchmarkId::new("ours-macro", n), |b| {
                b.iter(|| macro_side::tagged("value"));
            });
            g.bench_function(BenchmarkId::new("ours-closure", n), |b| {
                b.iter(|| {
                    sentry_scopes::with_scope(|s| {
                        s.set_tag("bench", "value");
                        black_box(());
                    });
                });
            });
        });
        let hub = peer::hub_with(n, 0);
        peer::with_hub(&hub, || {
            g.bench_function(BenchmarkId::new("sentry-core", n), |b| {
                b.iter(|| {
                    sentry_core::with_scope(|s| s.set_tag("bench", "value"), || black_box(()));
                });
            });
        });
    }
    g.finish();
}

fn user(id: &str) -> User {
    User {
        id: Some(id.to_owned()),
        ..User::default()
    }
}

fn isolation_fork(c: &mut Criterion) {
    let _client = ours::init();
    let mut g = c.benchmark_group("isolation_fork");
    for n in SIZES {
        let scope = ours::scope_with(n, 0);
        ours::with_isolation(&scope, || {
            g.bench_function(BenchmarkId::new("ours-macro", n), |b| {
                b.iter(|| macro_side::request("user-42", "/checkout", "POST"));
            });
            g.bench_function(BenchmarkId::new("ours-closure", n), |b| {
                b.iter(|| {
                    sentry_scopes::with_isolation_scope(|_| {
                        sentry_scopes::set_user(Some(user("user-42")));
                        sentry_scopes::set_tags([("route", "/checkout"), ("method", "POST")]);
                        black_box(());
                    });
                });
            });
        });
        let hub = peer::hub_with(n, 0);
        peer::with_hub(&hub, || {
            g.bench_function(BenchmarkId::new("sentry-core", n), |b| {
                b.iter(|| {
                    let request = sentry_core::Hub::new_from_top(sentry_core::Hub::current());
                    sentry_core::Hub::run(std::sync::Arc::new(request), || {
                        sentry_core::configure_scope(|s| {
                            s.set_user(Some(user("user-42")));
                            s.set_tag("route", "/checkout");
                            s.set_tag("method", "POST");
                        });
                        black_box(());
                    });
                });
            });
        });
    }
    g.finish();
}

fn new_crumb() -> Breadcrumb {
    Breadcrumb {
        category: Some("bench".into()),
        message: Some("the new one".into()),
        ..Breadcrumb::default()
    }
}

fn breadcrumb(c: &mut Criterion) {
    let _client = ours::init();
    let mut g = c.benchmark_group("breadcrumb");
    let stored = 100;
    let scope = ours::scope_with(0, stored);
    ours::with_current(&scope, || {
        g.bench_function(BenchmarkId::new("ours-closure", stored), |b| {
            b.iter(|| sentry_scopes::with_scope(|s| s.add_breadcrumb(new_crumb())));
        });
    });
    let hub = peer::hub_with(0, stored);
    peer::with_hub(&hub, || {
        g.bench_function(BenchmarkId::new("sentry-core", stored), |b| {
            b.iter(|| {
                sentry_core::with_scope(|_| (), || sentry_core::add_breadcrumb(new_crumb()));
            });
        });
    });
    g.finish();
}

const LEVELS: usize = 1_000;

fn nest_ours_closure(keys: &[String]) {
    if let Some((k, rest)) = keys.split_first() {
        sentry_scopes::with_scope(|s| {
            s.set_tag(k, "value");
            nest_ours_closure(rest);
        });
    }
}

/// What `#[with_scope(tag(..))]` expands to, with one key per level.
fn nest_ours_fork(keys: &[sentry_scopes::__private::Key]) {
    if let Some((k, rest)) = keys.split_first() {
        let value = sentry_scopes::__private::tag_value("value");
        let mut fork = sentry_scopes::__private::fork_current();
        sentry_scopes::__private::set_tags(fork.target(), [(k, value)]);
        let _guard = fork.enter();
        nest_ours_fork(rest);
    }
}

fn nest_peer(keys: &[String]) {
    if let Some((k, rest)) = keys.split_first() {
        sentry_core::with_scope(|s| s.set_tag(k, "value"), || nest_peer(rest));
    }
}

fn nesting(c: &mut Criterion) {
    let _client = ours::init();
    let keys: Vec<String> = (0..LEVELS).map(|i| format!("level.{i:04}")).collect();
    // A macro's keys are literals; these live as long as the benchmark, like statics.
    let macro_keys: Vec<_> = keys
        .iter()
        .map(|k| sentry_scopes::__private::Key::new(Box::leak(k.clone().into_boxed_str())))
        .collect();
    let mut g = c.benchmark_group("nesting");
    g.sample_size(10);
    ours::with_current(&sentry_scopes::Scope::new(), || {
        g.bench_function(BenchmarkId::new("ours-macro", LEVELS), |b| {
            b.iter(|| nest_ours_fork(&macro_keys));
        });
        g.bench_function(BenchmarkId::new("ours-closure", LEVELS), |b| {
            b.iter(|| nest_ours_closure(&keys));
        });
    });
    let hub = peer::hub_with(0, 0);
    peer::with_hub(&hub, || {
        g.bench_function(BenchmarkId::new("sentry-core", LEVELS), |b| {
            b.iter(|| nest_peer(&keys));
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    fork,
    with_scope_tag,
    isolation_fork,
    breadcrumb,
    nesting
);
criterion_main!(benches);
