//! Transaction events take the scopes' data (scope-model.md 2.4, X03; E05 and A02 cover
//! `last_event_id` and attachments of transactions).

mod common;

use sentry_scopes::test::with_captured_envelopes;
use sentry_scopes::{
    Transaction, User, capture_transaction_event, get_current_scope, get_global_scope, set_tag,
    set_user,
};

#[test]
fn x03_transaction_event_gets_scope_tags_and_user() {
    let envelopes = with_captured_envelopes(|| {
        get_global_scope().set_tag("g", 1);
        set_tag("i", 1);
        get_current_scope().set_tag("c", 1);
        set_user(Some(User {
            id: Some("u".into()),
            ..User::default()
        }));
        let mut txn = Transaction {
            name: Some("txn".into()),
            ..Transaction::default()
        };
        txn.tags.insert("own".into(), "1".into());
        capture_transaction_event(txn);
    });
    let txn = common::first_transaction(&envelopes);
    let tags: Vec<_> = txn
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(tags, [("c", "1"), ("g", "1"), ("i", "1"), ("own", "1")]);
    assert_eq!(txn.user.as_ref().and_then(|u| u.id.as_deref()), Some("u"));
    assert_eq!(txn.name.as_deref(), Some("txn"));
    assert!(txn.contexts.contains_key("trace"));
}
