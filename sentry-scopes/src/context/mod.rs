//! Where the active scopes live, and the block functions that fork and replace them.

mod future;
mod global;
mod guard;
mod span;
pub(crate) mod spawn;
pub(crate) mod thread;

pub use self::future::{ScopeFuture, ScopeFutureExt};
pub(crate) use self::global::global;
pub use self::guard::ScopeGuard;
pub(crate) use self::thread::spare_with;
use self::thread::{Active, Current, with_active, with_active_mut};
use crate::scope::{Scope, ScopeData};
use std::sync::Arc;

/// Names one of the three scopes, for [`configure_scope`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeType {
    /// The process-wide scope: release, environment, data for every event.
    Global,
    /// The scope of the unit of work (request, job, task, thread) that top-level setters write to.
    Isolation,
    /// The innermost scope, forked by [`with_scope`].
    Current,
}

/// The global scope, shared by every thread and task.
///
/// ```
/// # sentry_scopes::test::with_captured_events(|| {
/// sentry_scopes::get_global_scope().set_tag("service", "billing");
/// # });
/// ```
#[must_use]
pub fn get_global_scope() -> Scope {
    global().clone()
}

/// The active isolation scope of this thread or bound task (the scope itself, not a copy).
#[must_use]
pub fn get_isolation_scope() -> Scope {
    with_active(|a| a.isolation.clone()).unwrap_or_default()
}

/// The active current scope of this thread or bound task (the scope itself, not a copy):
/// writes through the handle reach later captures of the same block.
#[must_use]
pub fn get_current_scope() -> Scope {
    with_active_mut(|a| a.current.promote()).unwrap_or_default()
}

/// Runs `f` on the named active scope, changing it in place without a fork.
///
/// ```
/// use sentry_scopes::{ScopeType, configure_scope};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// configure_scope(ScopeType::Isolation, |scope| scope.set_tag("tenant", "acme"));
/// sentry_scopes::capture_message("hello", sentry_scopes::Level::Info);
/// # });
/// # assert_eq!(events[0].tags["tenant"], "acme");
/// ```
pub fn configure_scope<R>(which: ScopeType, f: impl FnOnce(&Scope) -> R) -> R {
    let scope = match which {
        ScopeType::Global => get_global_scope(),
        ScopeType::Isolation => get_isolation_scope(),
        ScopeType::Current => get_current_scope(),
    };
    f(&scope)
}

/// Runs `f` with a fork of the current scope as the current scope; the previous current scope is
/// active again afterwards, also when `f` panics. `f` receives the fork.
///
/// Top-level setters inside still write to the (unchanged) isolation scope, so their data
/// outlives the block; put block-local data on the scope `f` receives.
///
/// ```
/// use sentry_scopes::{Level, capture_message, with_scope};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// with_scope(|scope| {
///     scope.set_tag("step", "charge");
///     capture_message("inside", Level::Info);
/// });
/// capture_message("outside", Level::Info);
/// # });
/// # assert_eq!(events[0].tags.get("step").map(String::as_str), Some("charge"));
/// # assert!(events[1].tags.get("step").is_none());
/// ```
pub fn with_scope<R>(f: impl FnOnce(&Scope) -> R) -> R {
    match thread::with_lent(f) {
        Ok(r) => r,
        Err(f) => with_handle(false, f),
    }
}

/// Runs `f` with forks of both the isolation and the current scope (a new unit of work, such as
/// a request or a job); `f` receives the new isolation scope. Everything is restored afterwards.
///
/// ```
/// use sentry_scopes::{Level, capture_message, set_tag, with_isolation_scope};
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// with_isolation_scope(|_| {
///     set_tag("request_id", "r-1");
///     capture_message("in request", Level::Info);
/// });
/// capture_message("after", Level::Info);
/// # });
/// # assert_eq!(events[0].tags["request_id"], "r-1");
/// # assert!(events[1].tags.is_empty());
/// ```
pub fn with_isolation_scope<R>(f: impl FnOnce(&Scope) -> R) -> R {
    with_handle(true, f)
}

/// Runs `f` inside a fork with a handle of its own (this thread's spare, see
/// `thread/spare.rs`): of both scopes with the handle as the isolation scope, or of the current
/// scope when [`with_scope`] cannot lend the thread's handle (`thread/lent.rs`). The handle is
/// kept for the next fork afterwards unless `f` kept a clone. On a panic the fork is left and
/// the handle dropped.
#[inline]
fn with_handle<R>(isolation: bool, f: impl FnOnce(&Scope) -> R) -> R {
    let (guard, scope) = ScopeGuard::fork_with_handle(isolation);
    let r = f(&scope);
    guard.leave_handle(scope);
    r
}

/// Runs `f` with `scope` itself (not a copy) as the current scope; writes inside stay on
/// `scope`. The previous current scope does not apply inside.
///
/// ```
/// use sentry_scopes::{Level, Scope, capture_message, use_scope};
/// let custom = Scope::new();
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// use_scope(&custom, |s| {
///     s.set_tag("in", "1");
///     capture_message("inside", Level::Info);
/// });
/// # });
/// # assert_eq!(events[0].tags["in"], "1");
/// assert_eq!(custom.data().tag("in"), Some("1"));
/// ```
pub fn use_scope<R>(scope: &Scope, f: impl FnOnce(&Scope) -> R) -> R {
    let Some(isolation) = with_active(|a| a.isolation.clone()) else {
        return f(scope);
    };
    let _guard = ScopeGuard::enter(Active {
        isolation,
        current: Current::Shared(scope.clone()),
    });
    f(scope)
}

/// Runs `f` with `scope` itself as the isolation scope and a fork of the current scope; top-level
/// setters inside write to `scope`.
///
/// ```
/// use sentry_scopes::{Scope, set_tag, use_isolation_scope};
/// let request = Scope::new();
/// use_isolation_scope(&request, |_| set_tag("route", "/pay"));
/// assert_eq!(request.data().tag("route"), Some("/pay"));
/// ```
pub fn use_isolation_scope<R>(scope: &Scope, f: impl FnOnce(&Scope) -> R) -> R {
    let Some(current) = with_active(|a| a.current.data()) else {
        return f(scope);
    };
    let _guard = ScopeGuard::enter(Active {
        isolation: scope.clone(),
        current: Current::Inline(current),
    });
    f(scope)
}

/// The active pair's data, for capture: (isolation handle, current handle if shared, current data).
pub(crate) fn active_snapshot() -> (Scope, Option<Scope>, Arc<ScopeData>) {
    with_active(|a| {
        let shared = match &a.current {
            Current::Shared(s) => Some(s.clone()),
            Current::Inline(_) => None,
        };
        (a.isolation.clone(), shared, a.current.data())
    })
    .unwrap_or_else(|| {
        let fresh = Active::fresh();
        (fresh.isolation, None, fresh.current.data())
    })
}

/// Applies `f` to the active current scope in place (the `scope!` macro).
pub(crate) fn update_current(f: impl FnMut(&mut ScopeData)) {
    with_active_mut(|a| a.current.update(f));
}

/// The active span: the most specific of the current, isolation and global scopes'.
pub(crate) fn active_span() -> Option<crate::scope::Span> {
    let from_pair = with_active(|a| {
        a.current
            .data()
            .span
            .clone()
            .or_else(|| a.isolation.data().span.clone())
    })
    .flatten();
    from_pair.or_else(|| global().data().span.clone())
}
