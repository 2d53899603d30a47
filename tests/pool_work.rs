//! Pool threads run many unrelated jobs: a bound job sees the scopes of the code that
//! submitted it, and leaves nothing on the pool thread for the next job (issue 12, "thread
//! pools carry one job's scope into the next").

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Level, User, bind_each, bind_fn, capture_message, get_isolation_scope, set_tag, set_user,
};

const JOBS: usize = 200;

/// One job of the cross-talk scenario: counts a leak when it finds another job's tag or user
/// already set, then sets its own, as a request handler would.
fn job(n: usize, leaks: &AtomicUsize) {
    let isolation = get_isolation_scope().data();
    if isolation.tag("job").is_some() || isolation.user().is_some() {
        leaks.fetch_add(1, Ordering::Relaxed);
    }
    set_tag("job", n);
    set_user(Some(User {
        id: Some(n.to_string()),
        ..User::default()
    }));
}

/// A multi-thread runtime whose blocking pool has `threads` threads, so they are reused.
fn runtime(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(threads)
        .build()
        .expect("a tokio runtime")
}

/// A rayon pool of `threads` threads.
fn rayon_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool")
}

#[test]
fn two_hundred_bound_blocking_jobs_never_see_each_others_tags_or_users() {
    let leaks = Arc::new(AtomicUsize::new(0));
    let rt = runtime(2);
    rt.block_on(async {
        let handles: Vec<_> = (0..JOBS)
            .map(|n| {
                let leaks = leaks.clone();
                sentry_scopes::task::spawn_blocking(move || job(n, &leaks))
            })
            .collect();
        for h in handles {
            h.await.expect("the job did not panic");
        }
    });
    assert_eq!(leaks.load(Ordering::Relaxed), 0);
}

#[test]
fn a_bound_blocking_job_sees_the_spawners_scopes_and_the_pool_thread_gets_its_own_back() {
    let rt = runtime(1);
    let events = with_captured_events(|| {
        rt.block_on(async {
            // Unbound, so this stays on the one pool thread, as a stray write would.
            tokio::task::spawn_blocking(|| set_tag("pool_thread", "own"))
                .await
                .unwrap();
            set_tag("request", "r-1");
            sentry_scopes::task::spawn_blocking(|| {
                set_tag("job", "bound");
                capture_message("bound", Level::Info);
            })
            .await
            .unwrap();
            tokio::task::spawn_blocking(|| capture_message("unbound after", Level::Info))
                .await
                .unwrap();
        });
    });
    assert_eq!(events.len(), 2);
    let bound = &events[0].tags;
    assert_eq!(bound.get("request").map(String::as_str), Some("r-1"));
    assert_eq!(bound.get("job").map(String::as_str), Some("bound"));
    assert!(!bound.contains_key("pool_thread"), "{bound:?}");
    let after = &events[1].tags;
    assert_eq!(after.get("pool_thread").map(String::as_str), Some("own"));
    assert!(!after.contains_key("job"), "{after:?}");
    assert!(!after.contains_key("request"), "{after:?}");
}

#[test]
fn two_hundred_bind_fn_jobs_on_a_rayon_pool_never_see_each_other() {
    let leaks = AtomicUsize::new(0);
    let pool = rayon_pool(2);
    let leaks = &leaks;
    pool.scope(|s| {
        for n in 0..JOBS {
            let bound = bind_fn(move || job(n, leaks));
            s.spawn(move |_| bound());
        }
    });
    assert_eq!(leaks.load(Ordering::Relaxed), 0);
}

#[test]
fn install_runs_a_borrowing_job_with_the_callers_scopes() {
    let pool = rayon_pool(1);
    let order = String::from("o-42");
    let events = with_captured_events(|| {
        set_tag("request", "r-1");
        let len = pool.install(bind_fn(|| {
            capture_message(&order, Level::Info);
            order.len()
        }));
        assert_eq!(len, 4);
    });
    assert_eq!(events[0].message.as_deref(), Some("o-42"));
    assert_eq!(events[0].tags["request"], "r-1");
}

#[test]
fn two_hundred_bind_each_items_on_a_rayon_pool_never_see_each_other() {
    let leaks = AtomicUsize::new(0);
    let pool = rayon_pool(2);
    let events = with_captured_events(|| {
        set_tag("batch", "b-1");
        // Bound here, on the caller's thread: the closure given to `install` runs on the pool.
        let each = bind_each(|n| {
            job(n, &leaks);
            capture_message("item", Level::Info);
        });
        pool.install(|| (0..JOBS).into_par_iter().for_each(each));
        capture_message("caller", Level::Info);
    });
    assert_eq!(leaks.load(Ordering::Relaxed), 0);
    assert_eq!(events.len(), JOBS + 1);
    let (items, caller) = events.split_at(JOBS);
    assert!(items.iter().all(|e| e.tags["batch"] == "b-1"));
    assert_eq!(caller[0].tags.len(), 1, "{:?}", caller[0].tags);
    assert!(caller[0].user.is_none());
}
