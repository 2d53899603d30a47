//! Helpers shared by the conformance tests: short builders and readers of recorded events.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(
    dead_code,
    reason = "every test binary uses a different subset of these helpers"
)]

use std::time::SystemTime;

use sentry_scopes::protocol::{EnvelopeItem, Map, TraceContext};
use sentry_scopes::{
    Breadcrumb, ClientOptions, Context, Envelope, Event, Level, Transaction, User, Uuid,
    capture_message,
};

/// `msg` of the checklist: `capture_message("m", Level::Info)`.
pub fn msg() -> Option<Uuid> {
    capture_message("m", Level::Info)
}

/// The event's tags as `(key, value)` pairs, ordered by key.
pub fn tags<'a>(event: &'a Event<'static>) -> Vec<(&'a str, &'a str)> {
    event
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The event's tag keys, ordered.
pub fn tag_keys<'a>(event: &'a Event<'static>) -> Vec<&'a str> {
    event.tags.keys().map(String::as_str).collect()
}

/// A breadcrumb with `message`, stamped now, of type `default`.
pub fn crumb(message: &str) -> Breadcrumb {
    Breadcrumb {
        message: Some(message.to_owned()),
        ..Breadcrumb::default()
    }
}

/// A breadcrumb with `message` and an explicit timestamp.
pub fn crumb_at(message: &str, timestamp: SystemTime) -> Breadcrumb {
    Breadcrumb {
        timestamp,
        ..crumb(message)
    }
}

/// The messages of the event's breadcrumbs, in order.
pub fn crumbs<'a>(event: &'a Event<'static>) -> Vec<&'a str> {
    event
        .breadcrumbs
        .values
        .iter()
        .map(|b| b.message.as_deref().unwrap_or("<none>"))
        .collect()
}

/// A user with only an id.
pub fn user(id: &str) -> User {
    User {
        id: Some(id.to_owned()),
        ..User::default()
    }
}

/// The id of the event's user, if any.
pub fn user_id<'a>(event: &'a Event<'static>) -> Option<&'a str> {
    event.user.as_ref().and_then(|u| u.id.as_deref())
}

/// The contexts the SDK puts on every event that has none of that key (`tests/contexts.rs`).
pub const HOST_CONTEXTS: [&str; 3] = ["device", "os", "rust"];

/// The event's context keys, ordered, without the [`HOST_CONTEXTS`]: the ones scopes, the
/// event and the trace gave it.
pub fn context_keys<'a>(event: &'a Event<'static>) -> Vec<&'a str> {
    event
        .contexts
        .keys()
        .map(String::as_str)
        .filter(|k| !HOST_CONTEXTS.contains(k))
        .collect()
}

/// The event's fingerprint as plain strings.
pub fn fingerprint<'a>(event: &'a Event<'static>) -> Vec<&'a str> {
    event.fingerprint.iter().map(|s| &**s).collect()
}

/// A custom ("unknown" type) context from a JSON object literal.
pub fn ctx(value: serde_json::Value) -> sentry_scopes::Context {
    match value {
        serde_json::Value::Object(map) => sentry_scopes::Context::Other(map.into_iter().collect()),
        other => panic!("ctx() takes a JSON object, got {other}"),
    }
}

/// A processor or `before_send` that counts its calls and passes the event on.
pub fn counting(
    calls: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> impl Fn(Event<'static>) -> Option<Event<'static>> + Send + Sync + use<> {
    let calls = calls.clone();
    move |e| {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Some(e)
    }
}

/// The first transaction in `envelopes`; panics when none was sent.
pub fn first_transaction(envelopes: &[Envelope]) -> &Transaction<'static> {
    envelopes
        .iter()
        .flat_map(|e| e.items())
        .find_map(|item| match item {
            EnvelopeItem::Transaction(t) => Some(t),
            _ => None,
        })
        .expect("a transaction was sent")
}

/// Client options that send every transaction (`traces_sample_rate` 1.0).
pub fn traced() -> ClientOptions {
    ClientOptions::new().traces_sample_rate(1.0)
}

/// The transactions in `envelopes`, in the order they were sent.
pub fn transactions(envelopes: &[Envelope]) -> Vec<Transaction<'static>> {
    items(envelopes, |item| match item {
        EnvelopeItem::Transaction(t) => Some((**t).clone()),
        _ => None,
    })
}

/// The events (not transactions) in `envelopes`, in the order they were sent.
pub fn events(envelopes: &[Envelope]) -> Vec<Event<'static>> {
    items(envelopes, |item| match item {
        EnvelopeItem::Event(e) => Some((**e).clone()),
        _ => None,
    })
}

fn items<T>(envelopes: &[Envelope], pick: impl Fn(&EnvelopeItem) -> Option<T>) -> Vec<T> {
    envelopes
        .iter()
        .flat_map(Envelope::items)
        .filter_map(pick)
        .collect()
}

/// The `trace` context among an event's or a transaction's contexts; panics when there is none.
pub fn trace_of(contexts: &Map<String, Context>) -> TraceContext {
    match contexts.get("trace") {
        Some(Context::Trace(t)) => (**t).clone(),
        other => panic!("not a trace context: {other:?}"),
    }
}

/// A multi-thread tokio runtime with two workers, timers and I/O: tasks can change threads.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
