//! Bound futures carry their own scopes across `.await` points and worker threads
//! (scope-model.md 1.5, T06, T08).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{msg, tags, user, user_id};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Scope, ScopeFutureExt, get_current_scope, get_isolation_scope, set_tag, set_user,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

#[test]
fn t06_concurrent_bound_tasks_keep_their_data_apart() {
    let events = with_captured_events(|| {
        let rt = runtime();
        let barrier = Arc::new(tokio::sync::Barrier::new(3));
        rt.block_on(async {
            let handles: Vec<_> = (0..3)
                .map(|n| {
                    let barrier = barrier.clone();
                    let task = async move {
                        set_tag("req", n);
                        set_user(Some(user(&n.to_string())));
                        // Every task has written before any of them captures.
                        barrier.wait().await;
                        for _ in 0..5 {
                            tokio::task::yield_now().await;
                        }
                        msg();
                    };
                    tokio::spawn(task.bind_current_scope())
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        drop(rt);
        set_tag("root", 1);
        msg();
    });
    assert_eq!(events.len(), 4);
    let mut seen: Vec<_> = events[..3]
        .iter()
        .map(|e| {
            assert_eq!(common::tag_keys(e), ["req"]);
            (e.tags["req"].clone(), user_id(e).map(str::to_owned))
        })
        .collect();
    seen.sort();
    let expected: Vec<_> = (0..3)
        .map(|n| (n.to_string(), Some(n.to_string())))
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(tags(&events[3]), [("root", "1")]);
    assert_eq!(events[3].user, None);
}

#[test]
fn t08_bound_task_keeps_writes_across_awaits_and_spawner_is_unchanged() {
    let events = with_captured_events(|| {
        let (i, c) = (get_isolation_scope(), get_current_scope());
        let (i_data, c_data) = (i.data(), c.data());
        let rt = runtime();
        rt.block_on(async {
            let task = async {
                set_tag("stage", "before");
                for _ in 0..20 {
                    tokio::task::yield_now().await;
                }
                msg();
                set_tag("stage", "after");
                tokio::time::sleep(Duration::from_millis(5)).await;
                msg();
            };
            tokio::spawn(task.bind_current_scope()).await.unwrap();
        });
        drop(rt);
        assert!(Scope::ptr_eq(&get_isolation_scope(), &i));
        assert!(Scope::ptr_eq(&get_current_scope(), &c));
        assert!(
            Arc::ptr_eq(&i.data(), &i_data),
            "spawner's isolation data changed"
        );
        assert!(
            Arc::ptr_eq(&c.data(), &c_data),
            "spawner's current data changed"
        );
    });
    assert_eq!(events.len(), 2);
    assert_eq!(tags(&events[0]), [("stage", "before")]);
    assert_eq!(tags(&events[1]), [("stage", "after")]);
}

/// Captures when dropped.
struct CaptureOnDrop;

impl Drop for CaptureOnDrop {
    fn drop(&mut self) {
        msg();
    }
}

#[test]
fn unfinished_bound_future_is_dropped_inside_its_own_scopes() {
    let events = with_captured_events(|| {
        let (i, i_data) = (get_isolation_scope(), get_isolation_scope().data());
        let mut fut = Box::pin(
            async {
                let _held = CaptureOnDrop;
                set_tag("in_future", 1);
                std::future::pending::<()>().await;
            }
            .bind_current_scope(),
        );
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        set_tag("spawner", 1);
        drop(fut);
        assert!(Scope::ptr_eq(&get_isolation_scope(), &i));
        assert_eq!(i.data().tag("in_future"), None);
        assert!(
            !Arc::ptr_eq(&i.data(), &i_data),
            "the spawner's own write is kept"
        );
    });
    assert_eq!(events.len(), 1);
    assert_eq!(tags(&events[0]), [("in_future", "1")]);
}

/// A future that tags its isolation scope on first poll and then panics; its `Drop` reports
/// the tag it sees, to show whose scopes it is dropped in.
struct PanicsAfterTagging(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl std::future::Future for PanicsAfterTagging {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        sentry_scopes::set_tag("owner", "task");
        panic!("poll failed");
    }
}

impl Drop for PanicsAfterTagging {
    fn drop(&mut self) {
        let seen = sentry_scopes::get_isolation_scope()
            .data()
            .tag("owner")
            .map(str::to_owned);
        *self.0.lock().unwrap() = seen;
    }
}

#[test]
fn a_future_whose_poll_panicked_is_still_dropped_inside_its_own_scopes() {
    use sentry_scopes::ScopeFutureExt;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    sentry_scopes::test::with_captured_events(|| {
        let mut fut = Box::pin(PanicsAfterTagging(seen.clone()).bind_current_scope());
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = fut.as_mut().poll(&mut cx);
        }));
        assert!(outcome.is_err());
        sentry_scopes::set_tag("owner", "spawner");
        drop(fut);
    });
    assert_eq!(seen.lock().unwrap().as_deref(), Some("task"));
}
