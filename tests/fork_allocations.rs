//! A fork of the current scope allocates nothing and is O(1), whatever the scope holds
//! (performance.md section 7 goal "fork: 0 allocations, independent of scope size"): a depth
//! mark when the current scope is inline in the thread-local slot, two reference counts when it
//! is a shared cell and must be copied at once.
//!
//! This binary has its own counting `#[global_allocator]` (from `allocation-counter`, because the
//! workspace forbids `unsafe` and a `GlobalAlloc` impl needs it). Counts are per thread, so the
//! test harness's own threads never pollute a measurement.

use std::hint::black_box;
use std::sync::Arc;

use allocation_counter::measure;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Breadcrumb, Scope, get_current_scope, with_isolation_scope};

const SIZES: [usize; 3] = [0, 100, 10_000];

/// `fork_current()` + `.enter()` + drop, as `#[with_scope]` expands to.
fn fork_enter_drop() {
    let guard = black_box(sentry_scopes::__private::fork_current()).enter();
    drop(black_box(guard));
}

/// Allocations of one fork/enter/drop on this thread, after a warm-up (thread-local slot,
/// arc-swap's per-thread debt node).
fn allocations_per_fork() -> u64 {
    for _ in 0..3 {
        fork_enter_drop();
    }
    let info = measure(|| {
        for _ in 0..100 {
            fork_enter_drop();
        }
    });
    info.count_total
}

fn fill_current(n: usize) {
    let current = get_current_scope();
    current.set_tags((0..n).map(|i| (format!("tag{i}"), i)));
    for i in 0..n.min(100) {
        current.add_breadcrumb(Breadcrumb {
            message: Some(format!("crumb{i}")),
            ..Default::default()
        });
    }
}

#[test]
fn counting_allocator_is_active() {
    // Guards against a vacuous pass: the counter must see an allocation it should see.
    let info = measure(|| drop(black_box(Box::new(1_u64))));
    assert_eq!(info.count_total, 1);
}

#[test]
fn fork_current_enter_and_drop_allocate_nothing_at_any_size() {
    for n in SIZES {
        with_captured_events(|| {
            fill_current(n);
            // The current scope is a shared cell here (a handle was taken).
            assert_eq!(allocations_per_fork(), 0, "shared current scope, {n} tags");
            // Inside `with_isolation_scope` the current scope is kept inline in the slot.
            with_isolation_scope(|_| {
                assert_eq!(allocations_per_fork(), 0, "inline current scope, {n} tags");
            });
        });
    }
}

#[test]
fn fork_shares_the_parent_version_instead_of_copying_it() {
    with_captured_events(|| {
        fill_current(10_000);
        let outer = get_current_scope().data();
        let guard = sentry_scopes::__private::fork_current().enter();
        let inner = get_current_scope();
        assert!(
            Arc::ptr_eq(&outer, &inner.data()),
            "the fork must start at the very same immutable version (O(1), no copy)"
        );
        assert!(!Scope::ptr_eq(&inner, &Scope::new()));
        drop(guard);
    });
}

#[test]
fn scope_fork_allocates_only_its_cell_at_any_size() {
    let mut counts = Vec::new();
    for n in SIZES {
        with_captured_events(|| {
            fill_current(n);
            let scope = get_current_scope();
            drop(scope.fork()); // warm-up
            let info = measure(|| drop(black_box(scope.fork())));
            counts.push(info.count_total);
        });
    }
    assert!(
        counts.iter().all(|&c| c == counts[0] && c <= 1),
        "Scope::fork() must cost the same at every size, one cell at most: {counts:?}"
    );
}
