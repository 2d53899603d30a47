//! `last_event_id`: stored on the isolation scope, set only for events that reached the
//! transport (scope-model.md 2.4, E01–E05).

mod common;

use common::msg;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Transaction, capture_transaction_event, get_isolation_scope, last_event_id,
    with_isolation_scope, with_scope,
};

#[test]
fn e01_last_event_id_is_the_id_of_the_sent_event() {
    let mut ids = (None, None, None, None);
    let events = with_captured_events(|| {
        ids.0 = last_event_id();
        ids.1 = msg();
        ids.2 = last_event_id();
        ids.3 = get_isolation_scope().last_event_id();
    });
    let (before, returned, after, on_isolation) = ids;
    assert_eq!(before, None);
    assert_eq!(returned, Some(events[0].event_id));
    assert!(!events[0].event_id.is_nil());
    assert_eq!(after, returned);
    assert_eq!(on_isolation, returned);
}

#[test]
fn e02_isolation_fork_inherits_and_updates_only_itself() {
    with_captured_events(|| {
        let outer = msg();
        assert!(outer.is_some());
        with_isolation_scope(|_| {
            assert_eq!(last_event_id(), outer);
            let inner = msg();
            assert!(inner.is_some());
            assert_ne!(inner, outer);
            assert_eq!(last_event_id(), inner);
        });
        assert_eq!(last_event_id(), outer);
    });
}

#[test]
fn e03_capture_inside_with_scope_updates_the_shared_isolation() {
    with_captured_events(|| {
        let id = with_scope(|_| msg());
        assert!(id.is_some());
        assert_eq!(last_event_id(), id);
    });
}

#[test]
fn e04_clearing_isolation_forgets_last_event_id() {
    with_captured_events(|| {
        assert!(msg().is_some());
        get_isolation_scope().clear();
        assert_eq!(last_event_id(), None);
    });
}

#[test]
fn e05_transaction_event_leaves_last_event_id_unchanged() {
    let mut sent = None;
    with_captured_events(|| {
        let id = msg();
        sent = capture_transaction_event(Transaction {
            name: Some("txn".into()),
            ..Transaction::default()
        });
        assert!(sent.is_some());
        assert_ne!(sent, id);
        assert_eq!(last_event_id(), id);
    });
    assert!(sent.is_some(), "the transaction reached the transport");
}
