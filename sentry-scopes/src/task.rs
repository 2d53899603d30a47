//! Spawning tokio tasks and blocking jobs that carry the caller's scopes (feature `tokio`).

use std::future::Future;

use crate::context::ScopeFutureExt;
use crate::context::spawn::bind_fn;

/// [`tokio::spawn`] with the task bound to forks of the caller's isolation and current scopes,
/// taken now (see [`ScopeFutureExt::bind_current_scope`]).
///
/// ```
/// use sentry_scopes::{Level, capture_message, set_tag};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     set_tag("request", "r-1");
///     sentry_scopes::task::spawn(async { capture_message("in task", Level::Info) })
///         .await
///         .unwrap();
/// });
/// # });
/// # assert_eq!(events[0].tags["request"], "r-1");
/// ```
///
/// # Panics
/// As [`tokio::spawn`]: when called outside a tokio runtime.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.bind_current_scope())
}

/// [`tokio::task::spawn_blocking`] with the closure bound to forks of the caller's isolation
/// and current scopes, taken now (see [`bind_fn`]).
///
/// A blocking-pool thread runs many closures one after another. An unbound closure writes its
/// top-level setters to that thread's own isolation scope, where the next, unrelated closure
/// finds them; this one writes to its own forks, and the pool thread gets its previous scopes
/// back when the closure returns.
///
/// ```
/// use sentry_scopes::{Level, capture_message, set_tag, set_user};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// let rt = tokio::runtime::Builder::new_multi_thread().max_blocking_threads(1).build().unwrap();
/// rt.block_on(async {
///     set_tag("request", "r-1");
///     sentry_scopes::task::spawn_blocking(|| {
///         set_user(Some(sentry_scopes::User { id: Some("ann".into()), ..Default::default() }));
///         capture_message("first job", Level::Info);
///     })
///     .await
///     .unwrap();
///     // The same pool thread; the first job's user is gone.
///     sentry_scopes::task::spawn_blocking(|| capture_message("second job", Level::Info))
///         .await
///         .unwrap();
/// });
/// # });
/// # assert_eq!(events[0].tags["request"], "r-1");
/// # assert!(events[0].user.is_some());
/// # assert_eq!(events[1].tags["request"], "r-1");
/// # assert!(events[1].user.is_none());
/// ```
///
/// # Panics
/// As [`tokio::task::spawn_blocking`]: when called outside a tokio runtime.
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(bind_fn(f))
}
