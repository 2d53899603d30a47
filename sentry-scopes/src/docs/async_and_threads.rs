//! # Scopes in threads and async tasks
//!
//! The isolation and current scopes belong to the running thread, or to a bound future.
//!
//! ## Threads
//!
//! A thread from [`std::thread::spawn`] starts with fresh, empty isolation and current scopes:
//! it sees only the global scope. [`thread::spawn`](crate::thread::spawn) and
//! [`bind_fn`](crate::bind_fn) instead snapshot forks of the caller's scopes; later writes on
//! either side stay on that side.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, set_tag};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     set_tag("request", "r-1");
//!     std::thread::spawn(|| capture_message("plain thread", Level::Info)).join().unwrap();
//!     sentry_scopes::thread::spawn(|| capture_message("bound thread", Level::Info))
//!         .join()
//!         .unwrap();
//! });
//! assert!(!events[0].tags.contains_key("request"));
//! assert_eq!(events[1].tags["request"], "r-1");
//! ```
//!
//! ## Thread pools: bind every job
//!
//! A pool thread (tokio's blocking pool, a rayon pool, a job queue's workers) lives on and runs
//! one job after another, and its isolation scope lives on with it. A top-level setter in an
//! **unbound** job (`set_tag`, `set_user`, `add_breadcrumb`, …) writes to that thread's
//! isolation scope, so the next, unrelated job on the same thread sees it: one request's user
//! in another request's events. The job also does not see the scopes of the code that
//! submitted it.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, set_tag};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     let rt = tokio::runtime::Builder::new_multi_thread().max_blocking_threads(1).build().unwrap();
//!     rt.block_on(async {
//!         tokio::task::spawn_blocking(|| set_tag("job", "1")).await.unwrap();
//!         tokio::task::spawn_blocking(|| capture_message("job 2", Level::Info)).await.unwrap();
//!     });
//! });
//! assert_eq!(events[0].tags["job"], "1"); // job 1's tag, in job 2's event: cross-talk
//! ```
//!
//! The rule: **bind a job where it is submitted**, on the thread whose scopes it should have,
//! before it goes to the pool. A bound job runs in forks of the submitter's scopes; what it
//! writes stays in the job, and the pool thread gets its own scopes back when the job returns.
//!
//! | the pool takes | bind with |
//! |---|---|
//! | a tokio blocking job | `task::spawn_blocking` (feature `tokio`) |
//! | one `FnOnce` job: `rayon::spawn`, `rayon::join`, `ThreadPool::install`, `Scope::spawn`, a job queue | [`bind_fn`](crate::bind_fn)`(job)`; a borrowing job is fine |
//! | a closure called per item: `par_iter().for_each`, `map`, … | [`bind_each`](crate::bind_each)`(closure)` |
//! | an OS thread | [`thread::spawn`](crate::thread::spawn) |
//!
//! Bind on the submitting side: a binder called inside the job runs on the pool thread and
//! snapshots that thread's scopes. With rayon this matters for nested work: the closure given
//! to `install` already runs on the pool, so bind the per-item closure before `install`, or
//! pass `install` a [`bind_fn`](crate::bind_fn) job.
//!
//! ```
//! use rayon::prelude::*;
//! use sentry_scopes::{Level, bind_each, capture_message, set_tag};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     set_tag("request", "r-1");
//!     let resize = bind_each(|image: u32| {
//!         set_tag("image", image); // stays in this item
//!         capture_message("resized", Level::Info);
//!     });
//!     let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//!     pool.install(|| (0..3).into_par_iter().for_each(resize));
//! });
//! assert!(events.iter().all(|e| e.tags["request"] == "r-1" && e.tags.len() == 2));
//! ```
//!
//! When a library runs your callback on its pool and you cannot bind it, start the callback
//! with [`with_isolation_scope`](fn@crate::with_isolation_scope): what the callback writes is
//! then dropped when it returns. It still starts from the pool thread's scopes, not yours.
//!
//! ## Futures
//!
//! A future runs on whichever worker thread polls it, so it cannot rely on the thread's scopes.
//! [`bind_current_scope`](crate::ScopeFutureExt::bind_current_scope) gives the future its own
//! forks of the caller's isolation and current scopes. Every poll installs them on the polling
//! thread and takes them back afterwards, changes included, so data set before an `.await` is
//! still there after it, on any worker. Nothing reaches the spawner or other tasks. A plain
//! `tokio::spawn` carries no scopes: bind every task that needs scope data, or use
//! `task::spawn` (feature `tokio`).
//!
//! ```
//! use sentry_scopes::{Level, ScopeFutureExt, capture_message, set_tag};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//!     let tasks: Vec<_> = (0..4)
//!         .map(|n| {
//!             rt.spawn(
//!                 async move {
//!                     set_tag("task", n);
//!                     tokio::task::yield_now().await;
//!                     capture_message("done", Level::Info);
//!                 }
//!                 .bind_current_scope(),
//!             )
//!         })
//!         .collect();
//!     for t in tasks {
//!         rt.block_on(t).unwrap();
//!     }
//! });
//! let mut seen: Vec<_> = events.iter().map(|e| e.tags["task"].clone()).collect();
//! seen.sort();
//! assert_eq!(seen, ["0", "1", "2", "3"]);
//! ```
//!
//! There is no public guard that could be held across an `.await`: the block functions take
//! closures, and the macros' internal guard is `!Send`.
