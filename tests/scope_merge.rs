//! Merge and precedence of the global, isolation and current scopes (scope-model.md 2.1, M01–M15).

mod common;

use common::{ctx, fingerprint, msg, tags, user, user_id};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Event, Level, User, capture_event, capture_event_with, capture_message, capture_message_with,
    get_current_scope, get_global_scope, get_isolation_scope,
};
use serde_json::json;

#[test]
fn m01_tags_merge_keywise_with_current_winning() {
    let events = with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        g.set_tag("shared", "g");
        g.set_tag("g", 1);
        i.set_tag("shared", "i");
        i.set_tag("i", 1);
        c.set_tag("shared", "c");
        c.set_tag("c", 1);
        msg();
    });
    assert_eq!(events.len(), 1);
    assert_eq!(
        tags(&events[0]),
        [("c", "1"), ("g", "1"), ("i", "1"), ("shared", "c")]
    );
}

#[test]
fn m02_extra_merges_keywise_with_current_winning() {
    let events = with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        g.set_extra("shared", "global");
        g.set_extra("global", "data");
        i.set_extra("shared", "isolation");
        i.set_extra("isolation", "data");
        c.set_extra("shared", "current");
        c.set_extra("current", "data");
        msg();
    });
    let extra = serde_json::to_value(&events[0].extra).unwrap();
    assert_eq!(
        extra,
        json!({"shared": "current", "global": "data", "isolation": "data", "current": "data"})
    );
}

#[test]
fn m03_context_value_is_replaced_whole_not_deep_merged() {
    let events = with_captured_events(|| {
        get_global_scope().set_context("app", ctx(json!({"a": 1, "b": 2})));
        get_current_scope().set_context("app", ctx(json!({"c": 3})));
        msg();
    });
    assert_eq!(events[0].contexts.get("app"), Some(&ctx(json!({"c": 3}))));
}

#[test]
fn m04_distinct_context_keys_of_all_scopes_are_kept_plus_trace() {
    let events = with_captured_events(|| {
        get_global_scope().set_context("from_g", ctx(json!({"g": 1})));
        get_isolation_scope().set_context("from_i", ctx(json!({"i": 1})));
        get_current_scope().set_context("from_c", ctx(json!({"c": 1})));
        msg();
    });
    assert_eq!(
        common::context_keys(&events[0]),
        ["from_c", "from_g", "from_i", "trace"]
    );
    assert_eq!(
        events[0].contexts.get("from_g"),
        Some(&ctx(json!({"g": 1})))
    );
    assert_eq!(
        events[0].contexts.get("from_i"),
        Some(&ctx(json!({"i": 1})))
    );
    assert_eq!(
        events[0].contexts.get("from_c"),
        Some(&ctx(json!({"c": 1})))
    );
}

#[test]
fn m05_user_is_replaced_whole_not_merged() {
    let events = with_captured_events(|| {
        get_global_scope().set_user(Some(User {
            id: Some("1".into()),
            email: Some("e@example.com".into()),
            ..User::default()
        }));
        get_isolation_scope().set_user(Some(user("2")));
        msg();
    });
    assert_eq!(events[0].user, Some(user("2")));
}

#[test]
fn m06_most_specific_scope_level_wins() {
    let events = with_captured_events(|| {
        get_global_scope().set_level(Some(Level::Warning));
        get_isolation_scope().set_level(Some(Level::Error));
        msg();
        get_current_scope().set_level(Some(Level::Fatal));
        msg();
    });
    let levels: Vec<_> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::Error, Level::Fatal]);
}

#[test]
fn m07_scope_level_overrides_the_events_own_level() {
    let events = with_captured_events(|| {
        get_isolation_scope().set_level(Some(Level::Warning));
        capture_message("m", Level::Info);
        capture_event(Event {
            level: Level::Debug,
            ..Event::default()
        });
    });
    let levels: Vec<_> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::Warning, Level::Warning]);
}

#[test]
fn m08_most_specific_fingerprint_wins_without_concatenation() {
    let events = with_captured_events(|| {
        get_global_scope().set_fingerprint(Some(&["g"]));
        get_current_scope().set_fingerprint(Some(&["c"]));
        msg();
    });
    assert_eq!(fingerprint(&events[0]), ["c"]);
}

#[test]
fn m09_events_own_fingerprint_wins_over_scope() {
    let events = with_captured_events(|| {
        get_isolation_scope().set_fingerprint(Some(&["scope"]));
        capture_event(Event {
            fingerprint: vec!["event".into()].into(),
            ..Event::default()
        });
        // The default fingerprint counts as none: the scope's applies.
        capture_event(Event::default());
    });
    assert_eq!(fingerprint(&events[0]), ["event"]);
    assert_eq!(fingerprint(&events[1]), ["scope"]);
}

#[test]
fn m10_transaction_name_event_wins_else_most_specific_scope() {
    let events = with_captured_events(|| {
        get_global_scope().set_transaction(Some("g"));
        get_isolation_scope().set_transaction(Some("i"));
        msg();
        get_current_scope().set_transaction(Some("c"));
        msg();
        capture_event(Event {
            transaction: Some("evt".into()),
            ..Event::default()
        });
    });
    let names: Vec<_> = events.iter().map(|e| e.transaction.as_deref()).collect();
    assert_eq!(names, [Some("i"), Some("c"), Some("evt")]);
}

#[test]
fn m11_events_own_tags_win_over_scope_tags() {
    let events = with_captured_events(|| {
        get_isolation_scope().set_tag("k", "scope");
        let mut event = Event::default();
        event.tags.insert("k".into(), "event".into());
        event.tags.insert("only_event".into(), "1".into());
        capture_event(event);
    });
    assert_eq!(tags(&events[0]), [("k", "event"), ("only_event", "1")]);
}

#[test]
fn m12_events_own_extra_and_contexts_win_over_scope_values() {
    let events = with_captured_events(|| {
        let i = get_isolation_scope();
        i.set_extra("k", "scope");
        i.set_extra("scope_only", "s");
        i.set_context("k", ctx(json!({"from": "scope"})));
        i.set_context("scope_ctx", ctx(json!({"from": "scope"})));
        let mut event = Event::default();
        event.extra.insert("k".into(), json!("event"));
        event.extra.insert("only_event".into(), json!(1));
        event
            .contexts
            .insert("k".into(), ctx(json!({"from": "event"})));
        capture_event(event);
    });
    let e = &events[0];
    assert_eq!(
        serde_json::to_value(&e.extra).unwrap(),
        json!({"k": "event", "only_event": 1, "scope_only": "s"})
    );
    assert_eq!(e.contexts.get("k"), Some(&ctx(json!({"from": "event"}))));
    assert_eq!(
        e.contexts.get("scope_ctx"),
        Some(&ctx(json!({"from": "scope"})))
    );
    assert_eq!(common::context_keys(e), ["k", "scope_ctx", "trace"]);
}

#[test]
fn m13_events_own_user_wins_over_scope_user() {
    let events = with_captured_events(|| {
        get_isolation_scope().set_user(Some(User {
            id: Some("scope".into()),
            email: Some("scope@example.com".into()),
            ..User::default()
        }));
        capture_event(Event {
            user: Some(user("event")),
            ..Event::default()
        });
    });
    assert_eq!(events[0].user, Some(user("event")));
}

#[test]
fn m14_capture_callback_outranks_scopes_and_does_not_persist() {
    let events = with_captured_events(|| {
        let c = get_current_scope();
        c.set_tag("k", "current");
        c.set_level(Some(Level::Warning));
        capture_message_with("a", Level::Info, |s| {
            s.set_tags([("k", "kw"), ("x", "1")]);
            s.set_user(Some(user("kw")));
            s.set_extra("e", 1);
        });
        capture_event_with(Event::default(), |s| {
            s.set_level(Some(Level::Fatal));
            s.set_fingerprint(Some(&["kw"]));
        });
        msg();
    });
    assert_eq!(events.len(), 3);
    assert_eq!(tags(&events[0]), [("k", "kw"), ("x", "1")]);
    assert_eq!(user_id(&events[0]), Some("kw"));
    assert_eq!(
        serde_json::to_value(&events[0].extra).unwrap(),
        json!({"e": 1})
    );
    assert_eq!(events[1].level, Level::Fatal);
    assert_eq!(fingerprint(&events[1]), ["kw"]);
    assert_eq!(tags(&events[2]), [("k", "current")]);
    assert_eq!(events[2].level, Level::Warning);
    assert_eq!(events[2].user, None);
    assert!(events[2].extra.is_empty());
    assert_eq!(fingerprint(&events[2]), ["{{ default }}"]);
}

#[test]
fn m15_callback_removal_drops_inherited_key_for_one_event_only() {
    let mut isolation_tags = Vec::new();
    let events = with_captured_events(|| {
        let i = get_isolation_scope();
        i.set_tag("iso", 1);
        capture_message_with("a", Level::Info, |s| {
            s.set_tag("cb", 1);
            s.remove_tag("iso");
            s.set_level(Some(Level::Debug));
        });
        msg();
        let data = i.data();
        isolation_tags = data
            .tags()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(data.level(), None);
    });
    assert_eq!(tags(&events[0]), [("cb", "1")]);
    assert_eq!(events[0].level, Level::Debug);
    assert_eq!(tags(&events[1]), [("iso", "1")]);
    assert_eq!(events[1].level, Level::Info);
    assert_eq!(isolation_tags, [("iso".to_owned(), "1".to_owned())]);
}
