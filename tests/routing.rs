//! Levels and routing: top-level setters write to the active isolation scope only
//! (scope-model.md 2.4, L01–L03).

mod common;

use common::{crumb, ctx, user};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Attachment, Level, Scope, add_attachment, add_breadcrumb, capture_error, capture_message,
    get_current_scope, get_global_scope, get_isolation_scope, set_context, set_extra,
    set_fingerprint, set_level, set_tag, set_transaction, set_user,
};
use serde_json::json;

#[test]
fn l01_without_scope_level_message_keeps_its_level_and_error_is_error() {
    let events = with_captured_events(|| {
        capture_message("m", Level::Info);
        capture_error(&std::io::Error::other("boom"));
    });
    let levels: Vec<_> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::Info, Level::Error]);
}

#[test]
fn l02_top_level_level_and_transaction_are_stored_on_isolation() {
    with_captured_events(|| {
        set_level(Some(Level::Warning));
        set_transaction(Some("t"));
        let i = get_isolation_scope().data();
        assert_eq!(i.level(), Some(Level::Warning));
        assert_eq!(i.transaction(), Some("t"));
        for other in [get_current_scope(), get_global_scope()] {
            let d = other.data();
            assert_eq!(d.level(), None);
            assert_eq!(d.transaction(), None);
        }
    });
}

#[test]
fn l03_top_level_setters_write_only_to_isolation() {
    with_captured_events(|| {
        set_tag("t", 1);
        set_extra("x", 1);
        set_context("c", ctx(json!({"k": 1})));
        set_user(Some(user("u")));
        set_fingerprint(Some(&["fp"]));
        add_attachment(Attachment {
            buffer: b"a".to_vec(),
            filename: "a.txt".into(),
            ..Attachment::default()
        });
        add_breadcrumb(crumb("b"));

        let i = get_isolation_scope().data();
        assert_eq!(i.tag("t"), Some("1"));
        assert_eq!(i.extra("x"), Some(&json!(1)));
        assert_eq!(i.context("c"), Some(&ctx(json!({"k": 1}))));
        assert_eq!(i.user(), Some(&user("u")));
        assert_eq!(
            i.fingerprint().map(Iterator::collect::<Vec<_>>),
            Some(vec!["fp"])
        );
        let files: Vec<_> = i.attachments().map(|a| a.filename.as_str()).collect();
        assert_eq!(files, ["a.txt"]);
        let crumbs: Vec<_> = i.breadcrumbs().map(|b| b.message).collect();
        assert_eq!(crumbs, [Some("b".to_owned())]);

        let check_empty = |name: &str, scope: Scope| {
            let d = scope.data();
            assert!(d.is_empty(), "{name} scope should hold nothing: {d:?}");
        };
        check_empty("global", get_global_scope());
        check_empty("current", get_current_scope());
    });
}
