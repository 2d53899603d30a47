//! The `os`, `rust` and `device` contexts on every event and transaction, under the scopes'
//! own contexts of the same key; and the `dist` option.

mod common;

use std::fmt;

use common::ctx;
use sentry_scopes::test::{
    with_captured_envelopes, with_captured_events, with_captured_events_options,
};
use sentry_scopes::{
    ClientOptions, Context, Event, Level, Transaction, capture_error, capture_event,
    capture_message, capture_transaction_event, get_global_scope, set_context,
};
use serde_json::json;

#[derive(Debug)]
struct Boom;
impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("boom")
    }
}
impl std::error::Error for Boom {}

/// Asserts the three host contexts as the SDK fills them in.
fn assert_host_contexts(contexts: &sentry_scopes::protocol::Map<String, Context>) {
    let Some(Context::Os(os)) = contexts.get("os") else {
        panic!("no os context: {contexts:?}");
    };
    assert!(os.name.as_deref().is_some_and(|n| !n.is_empty()), "{os:?}");
    assert!(os.kernel_version.is_some(), "{os:?}");
    let Some(Context::Runtime(rust)) = contexts.get("rust") else {
        panic!("no rust context: {contexts:?}");
    };
    assert_eq!(rust.name.as_deref(), Some("rustc"));
    // This test was compiled by the same compiler as the SDK.
    assert!(
        rust.version.as_deref().is_some_and(|v| v.starts_with("1.")),
        "{rust:?}"
    );
    assert!(rust.other.contains_key("channel"), "{rust:?}");
    let Some(Context::Device(device)) = contexts.get("device") else {
        panic!("no device context: {contexts:?}");
    };
    assert_eq!(device.arch.as_deref(), Some(std::env::consts::ARCH));
}

#[test]
fn error_and_message_events_carry_the_os_rust_and_device_contexts() {
    let events = with_captured_events(|| {
        capture_error(&Boom);
        capture_message("hello", Level::Info);
    });
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_host_contexts(&e.contexts);
        assert!(e.contexts.contains_key("trace"));
    }
}

#[test]
fn events_that_take_the_typed_path_carry_them_too() {
    // A before_send makes the client build the whole `Event` instead of writing the envelope
    // straight from the scopes.
    let options = ClientOptions::new().before_send(Some);
    let events = with_captured_events_options(options, || {
        capture_error(&Boom);
    });
    assert_host_contexts(&events[0].contexts);
}

#[test]
fn transactions_carry_them() {
    let envelopes = with_captured_envelopes(|| {
        capture_transaction_event(Transaction {
            name: Some("GET /".into()),
            ..Transaction::default()
        });
    });
    let txn = common::first_transaction(&envelopes);
    assert_host_contexts(&txn.contexts);
}

#[test]
fn a_scope_context_of_the_same_key_wins_over_the_sdk_s() {
    let mine = ctx(json!({"name": "custom os"}));
    let events = with_captured_events(|| {
        set_context("os", mine.clone());
        get_global_scope().set_context("device", ctx(json!({"model": "rack 7"})));
        capture_error(&Boom);
    });
    let e = &events[0];
    assert_eq!(e.contexts.get("os"), Some(&mine));
    assert_eq!(
        e.contexts.get("device"),
        Some(&ctx(json!({"model": "rack 7"})))
    );
    assert!(matches!(e.contexts.get("rust"), Some(Context::Runtime(_))));
}

#[test]
fn a_scope_s_trace_context_wins_over_the_propagation_context_on_both_paths() {
    let mine = ctx(json!({"trace_id": "set by hand"}));
    let capture = || {
        set_context("trace", mine.clone());
        capture_message("m", Level::Info);
    };
    let raw = with_captured_events(capture);
    let typed = with_captured_events_options(ClientOptions::new().before_send(Some), capture);
    assert_eq!(
        raw[0].contexts.get("trace"),
        Some(&mine),
        "written from the scopes"
    );
    assert_eq!(
        typed[0].contexts.get("trace"),
        Some(&mine),
        "built as an Event"
    );
}

#[test]
fn the_event_s_own_context_wins_over_the_sdk_s() {
    let mine = ctx(json!({"version": "from the event"}));
    let events = with_captured_events(|| {
        let mut event = Event::default();
        event.contexts.insert("rust".into(), mine.clone());
        capture_event(event);
    });
    assert_eq!(events[0].contexts.get("rust"), Some(&mine));
    assert!(matches!(events[0].contexts.get("os"), Some(Context::Os(_))));
}

#[test]
fn dist_lands_on_events_that_have_none() {
    let options = ClientOptions::new().release("app@1.0").dist("arm64");
    let events = with_captured_events_options(options, || {
        capture_error(&Boom);
        capture_event(Event {
            dist: Some("own".into()),
            ..Event::default()
        });
    });
    assert_eq!(events[0].dist.as_deref(), Some("arm64"));
    assert_eq!(events[1].dist.as_deref(), Some("own"));
    let events = with_captured_events(|| {
        capture_error(&Boom);
    });
    assert_eq!(events[0].dist, None, "no dist unless set");
}
