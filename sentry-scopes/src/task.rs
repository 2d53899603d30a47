//! Spawning tokio tasks that carry the caller's scopes (feature `tokio`).

use std::future::Future;

use crate::context::ScopeFutureExt;

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
