//! A `#[with_scope]` without items is entered lazily: nothing is copied until the first write
//! inside it; an `#[isolation_scope]` takes a snapshot of the isolation data (with its items
//! written to it) and installs nothing until the first access inside it. These tests pin that the laziness is
//! invisible: every write inside still stays inside, every restore still happens, and a fork of
//! a shared scope is still a snapshot (scope-model.md F01, F02, F03, F05, F07).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{msg, tag_keys};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Scope, get_current_scope, scope, set_tag, use_scope, with_scope};

#[with_scope]
fn bare(body: impl FnOnce()) {
    body();
}

#[test]
fn a_scope_macro_write_inside_a_bare_fork_stays_inside() {
    let events = with_captured_events(|| {
        scope!(tag("outer", 1));
        bare(|| {
            scope!(tag("inner", 1));
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["inner", "outer"]);
    assert_eq!(tag_keys(&events[1]), ["outer"]);
}

#[test]
fn a_handle_asked_for_inside_a_bare_fork_is_the_fork_not_the_parent() {
    let events = with_captured_events(|| {
        bare(|| {
            get_current_scope().set_tag("inner", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["inner"]);
    assert!(events[1].tags.is_empty());
}

#[test]
fn a_bare_fork_of_a_shared_scope_does_not_see_later_writes_to_it() {
    let events = with_captured_events(|| {
        let outer = get_current_scope();
        outer.set_tag("before", 1);
        bare(|| {
            outer.set_tag("after", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["before"]);
    assert_eq!(tag_keys(&events[1]), ["after", "before"]);
}

#[test]
fn a_bare_fork_of_a_used_scope_handle_does_not_see_writes_to_it() {
    let custom = Scope::new();
    let events = with_captured_events(|| {
        use_scope(&custom, |_| {
            bare(|| {
                custom.set_tag("after", 1);
                msg();
            });
            msg();
        });
    });
    assert!(events[0].tags.is_empty());
    assert_eq!(tag_keys(&events[1]), ["after"]);
}

#[test]
fn top_level_setters_inside_a_bare_fork_outlive_it_on_a_fresh_thread() {
    // The thread's scopes do not exist yet when the fork is entered: the isolation scope the
    // setter writes to must still be the thread's own afterwards.
    let events = with_captured_events(|| {
        std::thread::spawn(|| {
            bare(|| set_tag("job", 1));
            msg();
        })
        .join()
        .unwrap();
    });
    assert_eq!(tag_keys(&events[0]), ["job"]);
}

#[test]
fn nested_bare_forks_restore_each_level_whichever_levels_wrote() {
    let events = with_captured_events(|| {
        bare(|| {
            bare(|| {
                scope!(tag("two", 1));
                bare(|| {
                    msg();
                    bare(|| {
                        scope!(tag("four", 1));
                        msg();
                    });
                    msg();
                });
                msg();
            });
            msg();
            scope!(tag("one", 1));
            msg();
        });
        msg();
    });
    let keys: Vec<_> = events.iter().map(tag_keys).collect();
    assert_eq!(
        keys,
        [
            vec!["two"],
            vec!["four", "two"],
            vec!["two"],
            vec!["two"],
            vec![],
            vec!["one"],
            vec![],
        ]
    );
}

#[test]
fn a_panic_inside_a_bare_fork_that_wrote_restores_the_parent() {
    let events = with_captured_events(|| {
        let result = catch_unwind(AssertUnwindSafe(|| {
            bare(|| {
                scope!(tag("inner", 1));
                panic!("boom");
            });
        }));
        assert!(result.is_err());
        msg();
    });
    assert!(events[0].tags.is_empty());
}

#[test]
fn an_impl_future_fn_carries_what_its_bare_fork_saw() {
    #[with_scope]
    fn later() -> impl std::future::Future<Output = ()> {
        // Not an `async` tail (whose fork is taken at first poll): the body runs in the fork
        // and the future it returns is bound to the fork's pair as it was then.
        std::future::poll_fn(|_| {
            msg();
            std::task::Poll::Ready(())
        })
    }

    let events = with_captured_events(|| {
        scope!(tag("outer", 1));
        let fut = later();
        scope!(tag("after", 1)); // not seen by the future: it holds the fork taken at the call
        futures_executor_free::run(fut);
    });
    assert_eq!(tag_keys(&events[0]), ["outer"]);
}

/// Polls a future that never waits to completion, on this thread.
mod futures_executor_free {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    pub fn run(fut: impl Future<Output = ()>) {
        let mut fut = pin!(fut);
        let poll = fut.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(poll, Poll::Ready(())), "the future waited");
    }
}

// --- `#[isolation_scope]` without items: a snapshot and a depth mark until first access ------

#[sentry_scopes::isolation_scope]
fn bare_isolation(body: impl FnOnce()) {
    body();
}

#[test]
fn top_level_setters_inside_a_bare_isolation_fork_stay_inside_it() {
    let events = with_captured_events(|| {
        set_tag("outer", 1);
        bare_isolation(|| {
            set_tag("inner", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["inner", "outer"]);
    assert_eq!(tag_keys(&events[1]), ["outer"]);
}

#[test]
fn a_bare_isolation_fork_does_not_see_writes_through_a_handle_to_its_parent() {
    // F07: the fork is a snapshot taken at entry, even before anything accessed it.
    let events = with_captured_events(|| {
        let outer = sentry_scopes::get_isolation_scope();
        set_tag("before", 1);
        bare_isolation(|| {
            outer.set_tag("late", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["before"]);
    assert_eq!(tag_keys(&events[1]), ["before", "late"]);
}

#[test]
fn a_bare_isolation_fork_inside_another_forks_the_outer_snapshot_not_the_parent() {
    // F07 one level down: the inner fork is a fork of the outer one, which never saw `late`.
    let events = with_captured_events(|| {
        let outer = sentry_scopes::get_isolation_scope();
        bare_isolation(|| {
            outer.set_tag("late", 1);
            bare_isolation(|| {
                msg();
            });
        });
    });
    assert!(tag_keys(&events[0]).is_empty());
}

#[test]
fn nested_bare_isolation_and_scope_forks_restore_each_level() {
    let events = with_captured_events(|| {
        bare_isolation(|| {
            bare(|| {
                bare_isolation(|| {
                    set_tag("deepest", 1);
                    msg();
                });
                set_tag("middle", 1); // the outer isolation fork's, outliving `bare`
                scope!(tag("scoped", 1));
                msg();
            });
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["deepest"]);
    assert_eq!(tag_keys(&events[1]), ["middle", "scoped"]);
    assert_eq!(tag_keys(&events[2]), ["middle"]);
    assert!(tag_keys(&events[3]).is_empty());
}

#[test]
fn a_panic_inside_a_bare_isolation_fork_restores_the_parent() {
    let events = with_captured_events(|| {
        let before = sentry_scopes::get_isolation_scope();
        let caught = catch_unwind(AssertUnwindSafe(|| {
            bare_isolation(|| {
                set_tag("inner", 1);
                panic!("boom");
            });
        }));
        assert!(caught.is_err());
        assert!(Scope::ptr_eq(
            &before,
            &sentry_scopes::get_isolation_scope()
        ));
        msg();
    });
    assert!(tag_keys(&events[0]).is_empty());
}

#[sentry_scopes::isolation_scope(tag("request", id))]
fn request(id: u32, body: impl FnOnce()) {
    body();
}

#[test]
fn an_isolation_forks_items_and_top_level_setters_stay_inside_it() {
    let events = with_captured_events(|| {
        set_tag("outer", 1);
        request(7, || {
            set_tag("inner", 1);
            msg();
        });
        request(8, || {}); // nothing inside accesses the scopes
        msg();
    });
    assert_eq!(
        common::tags(&events[0]),
        [("inner", "1"), ("outer", "1"), ("request", "7")]
    );
    assert_eq!(tag_keys(&events[1]), ["outer"]);
}

#[test]
fn an_isolation_fork_with_items_does_not_see_writes_through_a_handle_to_its_parent() {
    let events = with_captured_events(|| {
        let outer = sentry_scopes::get_isolation_scope();
        request(1, || {
            outer.set_tag("late", 1);
            msg();
        });
    });
    assert_eq!(tag_keys(&events[0]), ["request"]);
}

#[test]
fn an_isolation_handle_kept_from_inside_a_fork_keeps_that_forks_data() {
    // The handle of a fork that nothing kept is reused by the next fork on the thread; one
    // that was kept must never be.
    with_captured_events(|| {
        let mut kept = None;
        request(1, || kept = Some(sentry_scopes::get_isolation_scope()));
        request(2, || set_tag("second", 1));
        request(3, || drop(sentry_scopes::get_isolation_scope()));
        let kept = kept.expect("the body ran");
        assert_eq!(kept.data().tag("request"), Some("1"));
        assert_eq!(kept.data().tag("second"), None);
    });
}

#[test]
fn an_isolation_fork_with_items_inside_a_shared_current_scope_is_installed_at_once() {
    let events = with_captured_events(|| {
        let current = get_current_scope(); // a shared current scope: forks are taken eagerly
        request(4, || {
            current.set_tag("through_handle", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["request"]);
    assert_eq!(tag_keys(&events[1]), ["through_handle"]);
}
