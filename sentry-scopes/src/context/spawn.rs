//! Carrying scopes into other threads: the spawn helper and the closure binder.

use super::guard::ScopeGuard;
use super::thread::{Active, with_active};

/// Binds `f` to forks of the caller's isolation and current scopes, taken now; wherever the
/// returned closure runs (a thread pool, a callback), `f` sees those scopes. Later writes on
/// either side stay on that side.
///
/// The closure installs its scopes only while `f` runs and then restores the ones the running
/// thread had: a pool thread keeps nothing of the job. This is the binder for any API that
/// takes one `FnOnce + Send` job: [`std::thread::spawn`], `tokio::task::spawn_blocking`,
/// `rayon::spawn`, `rayon::join`, and `ThreadPool::install`, whose job may borrow from the
/// caller (no `'static` needed). For a closure a pool calls once per item, use [`bind_each`].
///
/// ```
/// use sentry_scopes::{Level, bind_fn, capture_message, set_tag};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// set_tag("parent", "1");
/// let job = bind_fn(|| {
///     set_tag("job", "7");
///     capture_message("job done", Level::Info)
/// });
/// std::thread::spawn(job).join().unwrap();
///
/// // A job that borrows, run on a rayon pool while the caller waits.
/// let orders = vec![3, 4];
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
/// let total: i32 = pool.install(bind_fn(|| {
///     capture_message("summing", Level::Info);
///     orders.iter().sum()
/// }));
/// assert_eq!(total, 7);
/// # });
/// # assert_eq!(events[0].tags["parent"], "1");
/// # assert_eq!(events[0].tags["job"], "7");
/// # assert_eq!(events[1].tags["parent"], "1");
/// # assert!(!events[1].tags.contains_key("job"));
/// ```
pub fn bind_fn<F, R>(f: F) -> impl FnOnce() -> R + Send
where
    F: FnOnce() -> R + Send,
{
    let active = with_active(|a| a.fork_both()).unwrap_or_else(Active::fresh);
    move || {
        let _guard = ScopeGuard::enter(active);
        f()
    }
}

/// Binds `f`, a closure called many times (once per item), to the caller's scopes taken now:
/// every call runs in its own forks of them, so what one call writes (a top-level `set_tag`,
/// `set_user`, a breadcrumb) reaches neither the next call, nor the thread that runs it, nor
/// the caller. For `rayon`'s `for_each`, `map` and similar per-item closures; a single job
/// takes [`bind_fn`].
///
/// Each call costs one fork: a reference count and a new isolation cell, never a copy of
/// the scope data.
///
/// ```
/// use rayon::prelude::*;
/// use sentry_scopes::{Level, bind_each, capture_message, set_tag};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// set_tag("batch", "b-1");
/// (0..4).into_par_iter().for_each(bind_each(|image: u32| {
///     set_tag("image", image); // this call's own isolation scope
///     capture_message("resized", Level::Info);
/// }));
/// # });
/// # assert_eq!(events.len(), 4);
/// # assert!(events.iter().all(|e| e.tags["batch"] == "b-1"));
/// # let mut images: Vec<_> = events.iter().map(|e| e.tags["image"].clone()).collect();
/// # images.sort();
/// # assert_eq!(images, ["0", "1", "2", "3"]);
/// ```
pub fn bind_each<F, A, R>(f: F) -> impl Fn(A) -> R + Send + Sync
where
    F: Fn(A) -> R + Send + Sync,
{
    let active = with_active(|a| a.fork_both()).unwrap_or_else(Active::fresh);
    move |item| {
        let _guard = ScopeGuard::enter(active.fork_both());
        f(item)
    }
}

/// Spawns an OS thread that starts with forks of the caller's isolation and current scopes.
///
/// A thread from [`std::thread::spawn`] starts with fresh, empty scopes and sees only the global
/// scope; this one inherits a snapshot of the caller's.
///
/// ```
/// use sentry_scopes::{Level, capture_message, set_tag};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// set_tag("request", "r-9");
/// sentry_scopes::thread::spawn(|| capture_message("from a thread", Level::Info)).join().unwrap();
/// # });
/// # assert_eq!(events[0].tags["request"], "r-9");
/// ```
pub fn spawn<F, T>(f: F) -> std::thread::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(bind_fn(f))
}

/// Like [`spawn`], with a [`std::thread::Builder`] for the name and stack size.
///
/// # Errors
/// As [`std::thread::Builder::spawn`]: the OS refused to create the thread.
pub fn spawn_with<F, T>(
    builder: std::thread::Builder,
    f: F,
) -> std::io::Result<std::thread::JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    builder.spawn(bind_fn(f))
}
