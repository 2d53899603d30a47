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
