//! `clear`, the removals and `set_user(None)`: they change only their own scope, and lower
//! scopes show through (scope-model.md 2.1 "removal", 2.4 `clear()`, C01–C08).

mod common;

use common::{crumb, ctx, msg, tags, user, user_id};
use sentry_scopes::protocol::EnvelopeItem;
use sentry_scopes::test::with_captured_envelopes;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Attachment, Level, get_current_scope, get_global_scope, get_isolation_scope, set_tags, set_user,
};
use serde_json::json;

#[test]
fn c01_clear_resets_data_and_trace_but_keeps_processors() {
    let mut trace_before = String::new();
    let envelopes = with_captured_envelopes(|| {
        let i = get_isolation_scope();
        i.set_tag("t", 1);
        i.set_extra("x", 1);
        i.set_context("c", ctx(json!({"k": 1})));
        i.set_user(Some(user("u")));
        i.set_level(Some(Level::Fatal));
        i.set_fingerprint(Some(&["fp"]));
        i.set_transaction(Some("txn"));
        i.add_breadcrumb(crumb("b"));
        i.add_attachment(Attachment {
            buffer: b"data".to_vec(),
            filename: "a.txt".into(),
            ..Attachment::default()
        });
        i.add_event_processor(|mut e| {
            e.extra.insert("proc".into(), "ran".into());
            Some(e)
        });
        trace_before = i.propagation_context().trace_id().to_string();
        i.clear();
        assert!(i.data().is_empty());
        assert_eq!(i.data().processor_count(), 1);
        msg();
    });
    assert_eq!(envelopes.len(), 1);
    let items: Vec<_> = envelopes[0].items().collect();
    assert_eq!(items.len(), 1, "no attachment item expected: {items:?}");
    let EnvelopeItem::Event(e) = items[0] else {
        panic!("expected an event item, got {:?}", items[0]);
    };
    assert!(e.tags.is_empty());
    assert_eq!(e.user, None);
    assert_eq!(common::fingerprint(e), ["{{ default }}"]);
    assert_eq!(e.transaction, None);
    assert_eq!(e.level, Level::Info);
    assert!(e.breadcrumbs.values.is_empty());
    assert_eq!(common::context_keys(e), ["trace"]);
    assert_eq!(
        serde_json::to_value(&e.extra).unwrap(),
        json!({"proc": "ran"})
    );
    let trace = serde_json::to_value(&e.contexts["trace"]).unwrap();
    let trace_after = trace["trace_id"].as_str().unwrap().to_owned();
    assert_eq!(trace_after.len(), 32);
    assert_ne!(trace_after, trace_before);
}

#[test]
fn c02_clearing_isolation_leaves_global_and_current() {
    let events = with_captured_events(|| {
        get_global_scope().set_tag("g", 1);
        get_isolation_scope().set_tag("i", 1);
        get_current_scope().set_tag("c", 1);
        get_isolation_scope().clear();
        msg();
    });
    assert_eq!(common::tag_keys(&events[0]), ["c", "g"]);
}

#[test]
fn c03_removed_tag_lets_lower_scope_show_through() {
    let events = with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        g.set_tag("k", "global");
        i.set_tag("k", "isolation");
        c.set_tag("k", "current");
        let before = c.data();
        c.remove_tag("missing");
        assert!(
            std::sync::Arc::ptr_eq(&before, &c.data()),
            "removing a missing key publishes nothing"
        );
        c.remove_tag("k");
        msg();
        i.remove_tag("k");
        msg();
    });
    assert_eq!(tags(&events[0]), [("k", "isolation")]);
    assert_eq!(tags(&events[1]), [("k", "global")]);
}

#[test]
fn c04_removed_extra_and_context_let_lower_scope_show_through() {
    let events = with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        for (scope, name) in [(&g, "global"), (&i, "isolation"), (&c, "current")] {
            scope.set_extra("k", name);
            scope.set_context("k", ctx(json!({"from": name})));
        }
        c.remove_extra("k");
        c.remove_context("k");
        msg();
        i.remove_extra("k");
        i.remove_context("k");
        msg();
    });
    assert_eq!(events[0].extra.get("k"), Some(&json!("isolation")));
    assert_eq!(
        events[0].contexts.get("k"),
        Some(&ctx(json!({"from": "isolation"})))
    );
    assert_eq!(events[1].extra.get("k"), Some(&json!("global")));
    assert_eq!(
        events[1].contexts.get("k"),
        Some(&ctx(json!({"from": "global"})))
    );
}

#[test]
fn c05_set_user_none_clears_the_user() {
    let full = sentry_scopes::User {
        id: Some("42".into()),
        email: Some("e@example.com".into()),
        ..sentry_scopes::User::default()
    };
    let expected = full.clone();
    let events = with_captured_events(move || {
        set_user(Some(full));
        msg();
        set_user(None);
        msg();
    });
    assert_eq!(events[0].user, Some(expected));
    assert_eq!(events[1].user, None);
}

#[test]
fn c06_clearing_isolation_user_shows_global_user() {
    let events = with_captured_events(|| {
        get_global_scope().set_user(Some(user("global")));
        set_user(Some(user("iso")));
        set_user(None);
        msg();
    });
    assert_eq!(user_id(&events[0]), Some("global"));
}

#[test]
fn c07_clearing_current_user_shows_isolation_user() {
    let events = with_captured_events(|| {
        set_user(Some(user("iso")));
        get_current_scope().set_user(None);
        msg();
    });
    assert_eq!(user_id(&events[0]), Some("iso"));
}

#[test]
fn c08_set_tags_inserts_keywise_and_empty_input_changes_nothing() {
    let events = with_captured_events(|| {
        set_tags([("a", 1), ("b", 2)]);
        set_tags([("b", 3), ("c", 4)]);
        let before = get_isolation_scope().data();
        set_tags(std::iter::empty::<(&str, i32)>());
        assert!(std::sync::Arc::ptr_eq(
            &before,
            &get_isolation_scope().data()
        ));
        msg();
    });
    assert_eq!(tags(&events[0]), [("a", "1"), ("b", "3"), ("c", "4")]);
}
