//! Thread-local teardown: a bound future, a scope guard or a value that captures on drop, kept
//! in a `thread_local!`, is dropped while the thread's own thread-locals are destroyed. Whatever
//! order the destructors run in, nothing panics (a panic there aborts the process)
//! (style.md 1.9, scope-model.md 2.5).
//!
//! Each case runs twice: once with the user's thread-local registered before the crate's (so it
//! is destroyed after it, with LIFO destructors) and once after. The guard cases use the
//! `__private` guard the macros generate, the only way to keep a guard alive until teardown.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use sentry_scopes::__private::ScopeGuard;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Breadcrumb, Level, ScopeFutureExt, add_breadcrumb, capture_message, get_current_scope,
    get_isolation_scope, set_tag, with_scope,
};

static DROPS: AtomicUsize = AtomicUsize::new(0);

/// Touches every kind of scope access when dropped.
struct CaptureOnDrop(&'static str);

impl Drop for CaptureOnDrop {
    fn drop(&mut self) {
        set_tag("dropping", self.0);
        add_breadcrumb(Breadcrumb::default());
        get_current_scope().set_tag("current", 1);
        with_scope(|s| {
            s.set_tag("in_block", 1);
            capture_message(self.0, Level::Info);
        });
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

type BoxedFuture = Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    static FUTURE: RefCell<Option<BoxedFuture>> = const { RefCell::new(None) };
    static VALUE: RefCell<Option<CaptureOnDrop>> = const { RefCell::new(None) };
    static GUARD: RefCell<Option<ScopeGuard>> = const { RefCell::new(None) };
}

/// Which thread-local is registered first.
#[derive(Clone, Copy, Debug)]
enum Order {
    /// The user's thread-locals (guard, value, future), then the crate's.
    UserFirst,
    /// The user's thread-locals in the reverse order (future, value, guard), then the crate's.
    UserFirstReversed,
    /// The crate's thread-locals, then the user's.
    CrateFirst,
}

const ORDERS: [Order; 3] = [
    Order::UserFirst,
    Order::UserFirstReversed,
    Order::CrateFirst,
];

/// A bound future, polled once so that it is suspended holding a `CaptureOnDrop`.
fn suspended_bound_future(name: &'static str) -> BoxedFuture {
    set_tag("before_bind", 1);
    let mut fut: BoxedFuture = Box::pin(
        async move {
            let _held = CaptureOnDrop(name);
            set_tag("in_future", 1);
            std::future::pending::<()>().await;
        }
        .bind_current_scope(),
    );
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Pending));
    fut
}

/// Runs `setup` on a new thread in `order` and joins it; the thread-locals die as it exits.
fn run_thread(order: Order, setup: fn()) {
    let before = DROPS.load(Ordering::SeqCst);
    std::thread::spawn(move || {
        match order {
            Order::UserFirst => {
                GUARD.with(|_| ());
                VALUE.with(|_| ());
                FUTURE.with(|_| ());
            }
            Order::UserFirstReversed => {
                FUTURE.with(|_| ());
                VALUE.with(|_| ());
                GUARD.with(|_| ());
            }
            Order::CrateFirst => {
                get_isolation_scope().set_tag("crate_first", 1);
                with_scope(|s| s.set_tag("crate_first", 1));
            }
        }
        setup();
    })
    .join()
    .unwrap_or_else(|_| panic!("thread with {order:?} panicked"));
    assert!(
        DROPS.load(Ordering::SeqCst) > before,
        "{order:?}: the value was not dropped"
    );
}

fn store_future() {
    FUTURE.with(|f| *f.borrow_mut() = Some(suspended_bound_future("future")));
}

fn store_value() {
    VALUE.with(|v| *v.borrow_mut() = Some(CaptureOnDrop("value")));
    // Use the scopes after storing, so the crate's thread-locals (the closure fork's lent
    // handle among them) are registered after the value's in the user-first orders.
    set_tag("after_store", 1);
    with_scope(|s| s.set_tag("after_store", 1));
}

fn store_guard_and_future() {
    let guard = sentry_scopes::__private::fork_current().enter();
    get_current_scope().set_tag("in_guard", 1);
    GUARD.with(|g| *g.borrow_mut() = Some(guard));
    store_future();
    store_value();
}

#[test]
fn bound_future_in_a_thread_local_is_dropped_safely() {
    let events = with_captured_events(|| {
        for order in ORDERS {
            run_thread(order, store_future);
        }
    });
    // Every value dropped during teardown captured its event.
    assert_eq!(events.len(), ORDERS.len());
}

#[test]
fn value_capturing_on_drop_in_a_thread_local_is_safe() {
    let events = with_captured_events(|| {
        for order in ORDERS {
            run_thread(order, store_value);
        }
    });
    // Every value dropped during teardown captured its event.
    assert_eq!(events.len(), ORDERS.len());
}

#[test]
fn guard_and_bound_future_in_thread_locals_are_dropped_safely() {
    let events = with_captured_events(|| {
        for order in ORDERS {
            run_thread(order, store_guard_and_future);
        }
    });
    // Every value dropped during teardown captured its event.
    assert_eq!(events.len(), 2 * ORDERS.len());
}
