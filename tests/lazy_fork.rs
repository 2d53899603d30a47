//! A `#[with_scope]` without items is entered lazily: nothing is copied until the first write
//! inside it. These tests pin that the laziness is invisible: every write inside still stays
//! inside, every restore still happens, and a fork of a shared current scope is still a
//! snapshot (scope-model.md F01, F02, F03).

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
