//! Carrying scopes into other threads: the spawn helper and the closure binder.

use super::guard::ScopeGuard;
use super::thread::{Active, with_active};

/// Binds `f` to forks of the caller's isolation and current scopes, taken now; wherever the
/// returned closure runs (a thread pool, a callback), `f` sees those scopes. Later writes on
/// either side stay on that side.
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
/// # });
/// # assert_eq!(events[0].tags["parent"], "1");
/// # assert_eq!(events[0].tags["job"], "7");
/// ```
pub fn bind_fn<F, R>(f: F) -> impl FnOnce() -> R + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
{
    let active = with_active(|a| a.fork_both()).unwrap_or_else(Active::fresh);
    move || {
        let _guard = ScopeGuard::enter(active);
        f()
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
