//! A fork allocates nothing, whatever the size of the scope (performance.md §7): the
//! zero-allocation half of the bare-fork goal, as a test. `benches/counts.rs` reports the same
//! figure beside sentry-core; the instruction count is there too.
//!
//! One test in this binary: the counting allocator is process-wide. The test harness's own
//! thread may still allocate now and then, so each size takes the fewest allocations of a few
//! rounds: a fork that allocated would show 1,000 in every round.

use std::alloc::System;

use sentry_scopes::{Scope, use_scope, with_isolation_scope};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn a_bare_fork_allocates_nothing_at_any_scope_size() {
    for n in [0_usize, 10, 100, 1_000, 10_000] {
        let scope = Scope::new();
        scope.set_tags((0..n).map(|i| (format!("tag.{i}"), i)));
        // The current scope now holds the n tags inline, as after any fork.
        use_scope(&scope, |_| {
            with_isolation_scope(|_| {
                drop(sentry_scopes::__private::fork_current().enter()); // first use of the slot
                let fewest = (0..5)
                    .map(|_| {
                        let region = Region::new(GLOBAL);
                        for _ in 0..1_000 {
                            let guard = sentry_scopes::__private::fork_current().enter();
                            drop(guard);
                        }
                        let change = region.change();
                        change.allocations + change.reallocations
                    })
                    .min();
                assert_eq!(
                    fewest,
                    Some(0),
                    "a fork allocated with {n} tags on the scope"
                );
            });
        });
    }
}
