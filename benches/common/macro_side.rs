//! # The "macro" side of the benchmarks
//!
//! Each function carries the real `#[with_scope]` / `#[isolation_scope]` attribute from
//! `sentry-macros`; the benchmarks that say "macro" measure the proc macro's own expansion.
//! `benches/common/mod.rs` (`hand`) holds the same forks written by hand against `__private`,
//! for the macro-overhead comparison.

use std::hint::black_box;

use sentry_scopes::{Level, isolation_scope, with_scope};

/// A fork with no items.
#[inline(never)]
#[with_scope]
pub fn bare() {
    black_box(());
}

/// A fork of the current scope with one tag.
#[inline(never)]
#[with_scope(tag("bench", value))]
pub fn tagged(value: &str) {
    black_box(value);
}

/// One tag, then a capture inside the fork.
#[inline(never)]
#[with_scope(tag("bench", value))]
pub fn capture(value: &str) {
    black_box(sentry_scopes::capture_message("benchmark", Level::Info));
}

/// A request: a new isolation scope with a user and two tags.
#[inline(never)]
#[isolation_scope(user(id = id), tag("route", route), tag("method", method))]
pub fn request(id: &str, route: &str, method: &str) {
    black_box(id);
}

/// A new isolation scope with nothing written to it.
#[inline(never)]
#[isolation_scope]
pub fn bare_isolation() {
    black_box(());
}

/// An `async fn` whose fork is bound to its future.
#[with_scope(tag("n", n))]
pub async fn tagged_async(n: u64) -> u64 {
    black_box(n)
}

/// A task of the async workload: its own isolation scope, three awaits.
#[isolation_scope(tag("task", n))]
pub async fn task(n: u64) -> u64 {
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    black_box(n)
}
