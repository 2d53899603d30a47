//! `with_scope(|scope| ..)` hands its closure a handle and installs it as the current scope only
//! on the first access to the pair inside; the handle is reused by the next call on the thread
//! when the closure kept no clone of it. These tests pin that neither is visible: the handle is
//! the current scope inside, what is written through it reaches captures inside and nothing
//! outside, and a reused handle carries nothing of its last block (scope-model.md F01, F02).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{msg, tag_keys};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Scope, get_current_scope, get_isolation_scope, scope, set_tag, with_isolation_scope, with_scope,
};

#[with_scope]
fn bare(body: impl FnOnce()) {
    body();
}

#[test]
fn a_write_through_the_closure_handle_reaches_a_capture_inside_and_nothing_after() {
    let events = with_captured_events(|| {
        with_scope(|s| {
            s.set_tag("inner", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["inner"]);
    assert!(events[1].tags.is_empty());
}

#[test]
fn the_closure_handle_is_the_current_scope_inside() {
    with_captured_events(|| {
        with_scope(|s| {
            assert!(Scope::ptr_eq(s, &get_current_scope()));
            s.set_tag("through", "handle");
            assert_eq!(get_current_scope().data().tag("through"), Some("handle"));
        });
    });
}

#[test]
fn a_handle_kept_past_its_block_is_not_reused_and_stays_its_own_scope() {
    let events = with_captured_events(|| {
        let kept = with_scope(|s| {
            s.set_tag("first", 1);
            s.clone()
        });
        with_scope(|s| {
            assert!(
                !Scope::ptr_eq(s, &kept),
                "a kept handle was handed out again"
            );
            kept.set_tag("late", 1);
            msg();
        });
        assert_eq!(kept.data().tag("first"), Some("1"));
    });
    assert!(events[0].tags.is_empty());
}

#[test]
fn a_reused_handle_carries_nothing_of_its_last_block() {
    let events = with_captured_events(|| {
        with_scope(|s| s.set_tag("first", 1));
        with_scope(|s| {
            assert_eq!(s.data().tag("first"), None);
            msg();
        });
    });
    assert!(events[0].tags.is_empty());
}

#[test]
fn a_bare_fork_inside_the_closure_keeps_its_writes_from_the_closure_handle() {
    let events = with_captured_events(|| {
        with_scope(|s| {
            s.set_tag("outer", 1);
            bare(|| {
                scope!(tag("inner", 1));
                msg();
            });
            msg();
            assert_eq!(s.data().tag("inner"), None);
        });
    });
    assert_eq!(tag_keys(&events[0]), ["inner", "outer"]);
    assert_eq!(tag_keys(&events[1]), ["outer"]);
}

#[test]
fn a_nested_closure_does_not_see_later_writes_through_the_outer_handle() {
    let events = with_captured_events(|| {
        with_scope(|outer| {
            outer.set_tag("before", 1);
            with_scope(|_| {
                outer.set_tag("after", 1);
                msg();
            });
            msg();
        });
    });
    assert_eq!(tag_keys(&events[0]), ["before"]);
    assert_eq!(tag_keys(&events[1]), ["after", "before"]);
}

#[test]
fn a_panic_inside_the_closure_restores_the_parent_and_a_later_block_starts_clean() {
    let events = with_captured_events(|| {
        scope!(tag("parent", 1));
        let caught = catch_unwind(AssertUnwindSafe(|| {
            with_scope(|s| {
                s.set_tag("doomed", 1);
                panic!("inside the block");
            })
        }));
        assert!(caught.is_err());
        msg();
        with_scope(|_| msg());
    });
    assert_eq!(tag_keys(&events[0]), ["parent"]);
    assert_eq!(tag_keys(&events[1]), ["parent"]);
}

#[test]
fn the_handle_lets_go_of_its_blocks_data_when_the_block_ends() {
    with_captured_events(|| {
        for touch_the_pair in [false, true] {
            let data = with_scope(|s| {
                s.set_tag("block", 1);
                if touch_the_pair {
                    // Installs the handle as the current scope (a capture would do so too, but
                    // the captured event holds the data it was made from).
                    set_tag("isolation", 1);
                }
                s.data()
            });
            assert_eq!(
                std::sync::Arc::strong_count(&data),
                1,
                "the block's data outlived it (touched the pair: {touch_the_pair})"
            );
        }
    });
}

#[test]
fn a_handle_kept_through_get_current_scope_is_not_reused_and_keeps_its_data() {
    let events = with_captured_events(|| {
        let kept = with_scope(|s| {
            s.set_tag("first", 1);
            msg();
            get_current_scope()
        });
        with_scope(|s| {
            assert!(!Scope::ptr_eq(s, &kept), "a kept handle was lent again");
            assert_eq!(s.data().tag("first"), None);
            s.set_tag("second", 1);
            msg();
        });
        assert_eq!(kept.data().tag("first"), Some("1"));
        assert_eq!(kept.data().tag("second"), None);
    });
    assert_eq!(tag_keys(&events[0]), ["first"]);
    assert_eq!(tag_keys(&events[1]), ["second"]);
}

#[test]
fn a_panic_after_the_closure_touched_the_pair_restores_the_parent_and_the_next_block() {
    let events = with_captured_events(|| {
        scope!(tag("parent", 1));
        let caught = catch_unwind(AssertUnwindSafe(|| {
            with_scope(|s| {
                s.set_tag("doomed", 1);
                msg();
                set_tag("isolation", 1);
                panic!("after a capture inside the block");
            })
        }));
        assert!(caught.is_err());
        msg();
        with_scope(|s| {
            s.set_tag("next", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["doomed", "parent"]);
    assert_eq!(tag_keys(&events[1]), ["isolation", "parent"]);
    assert_eq!(tag_keys(&events[2]), ["isolation", "next", "parent"]);
    assert_eq!(tag_keys(&events[3]), ["isolation", "parent"]);
}

#[test]
fn writes_through_the_handle_from_a_scoped_thread_reach_a_capture_inside() {
    let events = with_captured_events(|| {
        with_scope(|s| {
            std::thread::scope(|t| {
                t.spawn(|| {
                    s.set_tag("from_thread", 1);
                    // The scoped thread's own closure fork lends its own thread's handle.
                    with_scope(|inner| assert!(!Scope::ptr_eq(inner, s)));
                });
            });
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["from_thread"]);
    assert!(events[1].tags.is_empty());
}

#[test]
fn a_closure_fork_inside_a_waiting_isolation_fork_takes_both_on_first_access() {
    let events = with_captured_events(|| {
        bare_isolation(|| {
            with_scope(|s| {
                s.set_tag("current", 1);
                set_tag("isolation", 1);
                msg();
            });
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["current", "isolation"]);
    assert_eq!(tag_keys(&events[1]), ["isolation"]);
    assert!(events[2].tags.is_empty());
}

#[sentry_scopes::isolation_scope]
fn bare_isolation(body: impl FnOnce()) {
    body();
}

#[test]
fn the_isolation_closure_handle_is_the_isolation_scope_and_its_writes_stay_inside() {
    let events = with_captured_events(|| {
        with_isolation_scope(|s| {
            s.set_tag("through", "handle");
            msg();
            assert!(Scope::ptr_eq(s, &get_isolation_scope()));
            set_tag("top_level", 1);
            assert_eq!(s.data().tag("top_level"), Some("1"));
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["through"]);
    assert!(events[1].tags.is_empty());
}

#[test]
fn an_isolation_fork_inside_the_closure_takes_the_handle_as_of_its_entry() {
    let events = with_captured_events(|| {
        with_isolation_scope(|outer| {
            outer.set_tag("before", 1);
            with_isolation_scope(|_| {
                outer.set_tag("after", 1);
                msg();
            });
            bare_isolation(|| {
                set_tag("inner", 1);
                msg();
            });
            msg();
        });
    });
    assert_eq!(tag_keys(&events[0]), ["before"]);
    assert_eq!(tag_keys(&events[1]), ["after", "before", "inner"]);
    assert_eq!(tag_keys(&events[2]), ["after", "before"]);
}

#[test]
fn the_isolation_closure_does_not_see_later_writes_to_its_parent() {
    let events = with_captured_events(|| {
        let parent = get_isolation_scope();
        parent.set_tag("before", 1);
        with_isolation_scope(|_| {
            parent.set_tag("after", 1);
            msg();
        });
    });
    assert_eq!(tag_keys(&events[0]), ["before"]);
}

#[test]
fn a_reused_isolation_handle_carries_nothing_and_a_kept_one_is_not_reused() {
    with_captured_events(|| {
        let kept = with_isolation_scope(|s| {
            s.set_tag("first", 1);
            s.clone()
        });
        with_isolation_scope(|s| {
            assert!(!Scope::ptr_eq(s, &kept));
            assert_eq!(s.data().tag("first"), None);
            s.set_tag("second", 1);
        });
        with_scope(|s| assert_eq!(s.data().tag("second"), None));
        assert_eq!(kept.data().tag("first"), Some("1"));
    });
}
