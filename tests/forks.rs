//! Forks, nesting and isolation: `with_scope`, `with_isolation_scope`, `use_scope`,
//! `use_isolation_scope` (scope-model.md 1.4, F01–F12).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{crumb, crumbs, ctx, msg, tag_keys, user, user_id};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Scope, add_breadcrumb, get_current_scope, get_global_scope, get_isolation_scope, set_context,
    set_extra, set_tag, set_user, use_isolation_scope, use_scope, with_isolation_scope, with_scope,
};
use serde_json::json;

#[test]
fn f01_with_scope_data_stays_in_the_block() {
    let events = with_captured_events(|| {
        with_scope(|s| {
            s.set_tag("in", 1);
            msg();
        });
        msg();
    });
    assert_eq!(common::tags(&events[0]), [("in", "1")]);
    assert!(events[1].tags.is_empty());
}

#[test]
fn f02_writes_to_parent_after_fork_stay_invisible_inside() {
    let events = with_captured_events(|| {
        let outer = get_current_scope();
        outer.set_tag("before", 1);
        with_scope(|_| {
            outer.set_tag("after", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["before"]);
    assert_eq!(tag_keys(&events[1]), ["after", "before"]);
}

#[test]
fn f03_nested_with_scope_blocks_unwind_one_level_each() {
    let events = with_captured_events(|| {
        with_scope(|a| {
            a.set_tag("x", 1);
            with_scope(|b| {
                b.set_tag("y", 1);
                msg();
            });
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["x", "y"]);
    assert_eq!(tag_keys(&events[1]), ["x"]);
    assert!(events[2].tags.is_empty());
}

#[test]
fn f04_top_level_setter_inside_with_scope_outlives_the_block() {
    let events = with_captured_events(|| {
        with_scope(|_| set_tag("top", 1));
        msg();
    });
    assert_eq!(common::tags(&events[0]), [("top", "1")]);
}

#[test]
fn f05_isolation_block_keeps_top_level_data_inside() {
    let events = with_captured_events(|| {
        with_isolation_scope(|_| {
            set_tag("t", 1);
            set_user(Some(user("u")));
            set_context("c", ctx(json!({"k": 1})));
            set_extra("x", 1);
            add_breadcrumb(crumb("b"));
            msg();
        });
        msg();
    });
    let inner = &events[0];
    assert_eq!(tag_keys(inner), ["t"]);
    assert_eq!(user_id(inner), Some("u"));
    assert_eq!(inner.contexts.get("c"), Some(&ctx(json!({"k": 1}))));
    assert_eq!(inner.extra.get("x"), Some(&json!(1)));
    assert_eq!(crumbs(inner), ["b"]);
    let outer = &events[1];
    assert!(outer.tags.is_empty());
    assert_eq!(outer.user, None);
    assert_eq!(common::context_keys(outer), ["trace"]);
    assert!(outer.extra.is_empty());
    assert!(outer.breadcrumbs.values.is_empty());
}

#[test]
fn f06_isolation_block_forks_the_current_scope_too() {
    let mut inner_is_outer = true;
    let events = with_captured_events(|| {
        let outer_current = get_current_scope();
        outer_current.set_tag("cur_before", 1);
        with_isolation_scope(|_| {
            let inner_current = get_current_scope();
            inner_is_outer = Scope::ptr_eq(&inner_current, &outer_current);
            inner_current.set_tag("cur_inside", 1);
            msg();
        });
        msg();
    });
    assert!(
        !inner_is_outer,
        "the current scope inside with_isolation_scope must be a fork"
    );
    assert_eq!(tag_keys(&events[0]), ["cur_before", "cur_inside"]);
    assert_eq!(tag_keys(&events[1]), ["cur_before"]);
}

#[test]
fn f07_isolation_fork_snapshots_parent_at_block_start() {
    let events = with_captured_events(|| {
        set_tag("a", 1);
        set_user(Some(user("u")));
        add_breadcrumb(crumb("b"));
        let outer = get_isolation_scope();
        with_isolation_scope(|_| {
            outer.set_tag("late", 1);
            msg();
        });
    });
    assert_eq!(tag_keys(&events[0]), ["a"]);
    assert_eq!(user_id(&events[0]), Some("u"));
    assert_eq!(crumbs(&events[0]), ["b"]);
}

#[test]
fn f08_with_scope_swaps_only_the_current_scope() {
    with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        with_scope(|s| {
            assert!(Scope::ptr_eq(&get_isolation_scope(), &i));
            assert!(Scope::ptr_eq(&get_global_scope(), &g));
            assert!(!Scope::ptr_eq(&get_current_scope(), &c));
            assert!(Scope::ptr_eq(&get_current_scope(), s));
        });
        assert!(Scope::ptr_eq(&get_current_scope(), &c));
    });
}

#[test]
fn f09_use_scope_makes_the_given_scope_current() {
    let custom = Scope::new();
    let events = with_captured_events(|| {
        get_current_scope().set_tag("old_current", 1);
        set_tag("iso", 1);
        custom.set_tag("custom", 1);
        use_scope(&custom, |s| {
            assert!(Scope::ptr_eq(s, &custom));
            assert!(Scope::ptr_eq(&get_current_scope(), &custom));
            s.set_tag("in", 1);
            msg();
        });
        msg();
    });
    assert_eq!(tag_keys(&events[0]), ["custom", "in", "iso"]);
    assert_eq!(tag_keys(&events[1]), ["iso", "old_current"]);
    assert_eq!(custom.data().tag("in"), Some("1"));
}

#[test]
fn f10_use_isolation_scope_makes_the_given_scope_isolation() {
    let custom = Scope::new();
    let events = with_captured_events(|| {
        set_tag("old_iso", 1);
        get_current_scope().set_tag("cur", 1);
        custom.set_tag("custom_iso", 1);
        use_isolation_scope(&custom, |s| {
            assert!(Scope::ptr_eq(s, &custom));
            assert!(Scope::ptr_eq(&get_isolation_scope(), &custom));
            set_tag("top", 1);
            get_current_scope().set_tag("cur_inside", 1);
            msg();
        });
        msg();
    });
    assert_eq!(
        tag_keys(&events[0]),
        ["cur", "cur_inside", "custom_iso", "top"]
    );
    assert_eq!(tag_keys(&events[1]), ["cur", "old_iso"]);
    assert_eq!(custom.data().tag("top"), Some("1"));
    assert_eq!(custom.data().tag("cur_inside"), None);
}

#[test]
fn f11_panic_in_a_block_restores_the_previous_scopes() {
    with_captured_events(|| {
        let (i, c) = (get_isolation_scope(), get_current_scope());
        let result = catch_unwind(AssertUnwindSafe(|| with_scope(|_| panic!("in with_scope"))));
        assert!(result.is_err());
        assert!(Scope::ptr_eq(&get_isolation_scope(), &i));
        assert!(Scope::ptr_eq(&get_current_scope(), &c));
        let result = catch_unwind(AssertUnwindSafe(|| {
            with_isolation_scope(|_| panic!("in with_isolation_scope"))
        }));
        assert!(result.is_err());
        assert!(Scope::ptr_eq(&get_isolation_scope(), &i));
        assert!(Scope::ptr_eq(&get_current_scope(), &c));
    });
}

#[test]
fn f12_global_writes_reach_every_nesting_level() {
    let events = with_captured_events(|| {
        with_scope(|_| {
            with_isolation_scope(|_| {
                get_global_scope().set_tag("g", 1);
                msg();
            });
            msg();
        });
        msg();
    });
    assert_eq!(events.len(), 3);
    for e in &events {
        assert_eq!(common::tags(e), [("g", "1")]);
    }
}
