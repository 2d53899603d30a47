//! Issue benchmark 3: `capture_message` inside `with_scope` (which sets one tag), with 0, 10 or
//! 100 tags and 0 or 100 breadcrumbs on the scope, into a transport that serialises the envelope,
//! beside sentry-core in the same group. Goal: ≤ 0.5 of sentry-core at 100 tags + 100 breadcrumbs.

mod common;

use std::hint::black_box;

use common::{macro_side, ours, peer};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sentry_scopes::Level;

/// (tags, breadcrumbs) on the scope before the fork.
const SHAPES: [(usize, usize); 6] = [(0, 0), (10, 0), (100, 0), (0, 100), (10, 100), (100, 100)];

fn capture(c: &mut Criterion) {
    let _client = ours::init();
    let mut g = c.benchmark_group("capture");
    for (tags, crumbs) in SHAPES {
        let id = format!("t{tags}-b{crumbs}");
        let scope = ours::scope_with(tags, crumbs);
        ours::with_current(&scope, || {
            g.bench_function(BenchmarkId::new("ours-macro", &id), |b| {
                b.iter(|| macro_side::capture("value"));
            });
            g.bench_function(BenchmarkId::new("ours-closure", &id), |b| {
                b.iter(|| {
                    sentry_scopes::with_scope(|s| {
                        s.set_tag("bench", "value");
                        black_box(sentry_scopes::capture_message("benchmark", Level::Info));
                    });
                });
            });
        });
        let hub = peer::hub_with(tags, crumbs);
        peer::with_hub(&hub, || {
            g.bench_function(BenchmarkId::new("sentry-core", &id), |b| {
                b.iter(|| {
                    sentry_core::with_scope(
                        |s| s.set_tag("bench", "value"),
                        || black_box(sentry_core::capture_message("benchmark", Level::Info)),
                    );
                });
            });
        });
    }
    g.finish();
}

criterion_group!(benches, capture);
criterion_main!(benches);
