//! Hostile values never crash the host and never lose the whole event: nesting deep enough to
//! overflow any recursive walk, more tags than a server accepts, tags Relay rejects, formatting
//! impls that panic, a `before_breadcrumb` that adds breadcrumbs.
//!
//! Every test takes `serial()`: some install a client with `init`, the others through the test
//! helpers, and both replace the one process-wide client.

mod fake_server;

use std::fmt;
use std::time::Duration;

use fake_server::{Answer, FakeServer, serial};
use sentry_scopes::protocol::{Context, Event, Map, User, Value};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{Breadcrumb, ClientOptions, Level, capture_error, capture_event, with_scope};

/// A value nested `n` deep, built without recursion.
fn nested(n: usize) -> Value {
    let mut v = Value::from("bottom");
    for _ in 0..n {
        v = Value::Array(vec![v]);
    }
    v
}

/// How deep `v` is, measured without recursion.
fn depth(v: &Value) -> usize {
    let mut stack = vec![(v, 0)];
    let mut max = 0;
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, d + 1))),
            Value::Object(m) => stack.extend(m.values().map(|c| (c, d + 1))),
            _ => {}
        }
    }
    max
}

fn deep_map() -> Map<String, Value> {
    [("deep".to_owned(), nested(10_000))].into()
}

#[test]
fn values_nested_ten_thousand_deep_are_cut_on_the_way_in_and_the_event_is_sent() {
    let _serial = serial();
    let events = with_captured_events(|| {
        sentry_scopes::set_extra("deep", nested(10_000));
        sentry_scopes::set_context("ctx", Context::Other(deep_map()));
        sentry_scopes::set_user(Some(User {
            id: Some("1".into()),
            other: deep_map(),
            ..User::default()
        }));
        sentry_scopes::add_breadcrumb(Breadcrumb {
            data: deep_map(),
            ..Breadcrumb::default()
        });
        let mut event = Event {
            message: Some("own data too".into()),
            ..Event::default()
        };
        event.extra.insert("own".into(), nested(10_000));
        capture_event(event);
    });
    let json = serde_json::to_value(&events[0]).unwrap();
    for path in [
        "/extra/deep",
        "/extra/own",
        "/contexts/ctx/deep",
        "/user/deep",
        "/breadcrumbs/values/0/data/deep",
    ] {
        let v = json
            .pointer(path)
            .unwrap_or_else(|| panic!("{path} missing"));
        assert!(depth(v) < 10, "{path} is {} deep", depth(v));
    }
    assert_eq!(json["user"]["id"], "1", "the rest of the data is kept");
}

#[test]
fn deep_values_reach_a_real_transport_thread_safely() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(ClientOptions::new().dsn(server.dsn())).expect("options");
    sentry_scopes::set_extra("deep", nested(10_000));
    sentry_scopes::capture_message("deep", Level::Error);
    assert!(sentry_scopes::flush(Duration::from_secs(5)));
    drop(guard);
    let requests = server.requests();
    let event = requests[0].envelope();
    let event = event.event().expect("an event");
    assert!(depth(&event.extra["deep"]) < 10);
}

#[test]
fn a_hundred_thousand_tags_are_cut_to_fit_and_the_event_arrives() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(ClientOptions::new().dsn(server.dsn())).expect("options");
    sentry_scopes::set_tags((0..100_000).map(|i| (format!("tag{i:06}"), "v".repeat(20))));
    sentry_scopes::capture_message("many tags", Level::Error);
    assert!(sentry_scopes::flush(Duration::from_secs(10)));
    drop(guard);
    let requests = server.requests();
    let envelope = requests[0].envelope();
    let event = envelope.event().expect("the event was sent, not dropped");
    assert_eq!(event.message.as_deref(), Some("many tags"));
    assert!(event.tags.len() > 10_000, "{} tags kept", event.tags.len());
    assert!(requests[0].body.len() <= 1024 * 1024 + 1024);
}

#[test]
fn tags_relay_rejects_are_fixed_or_dropped_on_the_way_in() {
    let _serial = serial();
    let events = with_captured_events(|| {
        sentry_scopes::set_tag(" spaced key ", "  trimmed  ");
        sentry_scopes::set_tag("control", "a\nb\tc\u{1}d");
        sentry_scopes::set_tag("nonchar", "x\u{10FFFF}y");
        sentry_scopes::set_tag("long", "v".repeat(300));
        sentry_scopes::set_tag("", "empty key");
        sentry_scopes::set_tag("empty", " ");
        sentry_scopes::set_tag("café", "not a key character");
        sentry_scopes::set_tag("release", "set by the server");
        sentry_scopes::set_tag("k".repeat(250), "long key");
        let mut event = Event::default();
        event.tags.insert("own\u{0}".into(), "x".into());
        event.tags.insert("own".into(), "kept".into());
        capture_event(event);
    });
    let tags = &events[0].tags;
    assert_eq!(tags["spaced-key"], "trimmed");
    assert_eq!(tags["control"], "a b c d");
    assert_eq!(tags["nonchar"], "xy");
    assert_eq!(tags["long"].chars().count(), 200);
    assert_eq!(tags["k".repeat(200).as_str()], "long key");
    assert_eq!(tags["own"], "kept");
    let mut keys: Vec<_> = tags.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys.len(), 6, "{keys:?}");
}

#[sentry_scopes::with_scope(
    tag("control", "a\nb"),
    tag("empty", " "),
    tag("long", "v".repeat(300)),
    tag("kept", value)
)]
fn macro_tags(value: &str) {
    sentry_scopes::capture_message("macro tags", Level::Info);
}

#[test]
fn macro_tag_values_relay_rejects_are_fixed_or_dropped_like_set_tag_ones() {
    // A macro's keys are checked when it expands; its values at each write.
    let _serial = serial();
    let events = with_captured_events(|| {
        macro_tags("first");
        macro_tags(" second ");
        macro_tags("");
    });
    let long = "v".repeat(197) + "...";
    for (event, kept) in events.iter().zip([Some("first"), Some("second"), None]) {
        let tags: Vec<_> = event
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut expected = vec![("control", "a b")];
        expected.extend(kept.map(|v| ("kept", v)));
        expected.push(("long", long.as_str()));
        assert_eq!(tags, expected);
    }
}

/// An error whose formatting impls panic.
struct Hostile;

impl fmt::Debug for Hostile {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Debug is broken")
    }
}

impl fmt::Display for Hostile {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("Display is broken")
    }
}

impl std::error::Error for Hostile {}

#[with_scope(tag("path", "err"), err)]
fn fails() -> Result<(), Hostile> {
    Err(Hostile)
}

#[with_scope(err(Debug))]
fn fails_debug() -> Result<(), Hostile> {
    Err(Hostile)
}

#[test]
fn an_error_whose_formatting_panics_is_sent_with_a_placeholder_and_the_caller_goes_on() {
    let _serial = serial();
    let events = with_captured_events(|| {
        assert!(capture_error(&Hostile).is_some());
        assert!(fails().is_err());
        assert!(fails_debug().is_err());
    });
    assert_eq!(events.len(), 3);
    for event in &events[..2] {
        let exception = &event.exception.values[0];
        assert_eq!(
            exception.value.as_deref(),
            Some("<the Display impl panicked>")
        );
        assert_eq!(exception.ty, "Hostile");
    }
    assert_eq!(events[1].tags["path"], "err");
    assert_eq!(
        events[2].message.as_deref(),
        Some("<the Debug impl panicked>")
    );
}

#[test]
fn a_before_breadcrumb_that_adds_breadcrumbs_does_not_recurse() {
    let _serial = serial();
    let options = ClientOptions::new().before_breadcrumb(|crumb| {
        sentry_scopes::add_breadcrumb(Breadcrumb {
            message: Some("from inside the hook".into()),
            ..Breadcrumb::default()
        });
        Some(crumb)
    });
    let events = with_captured_events_options(options, || {
        sentry_scopes::add_breadcrumb(Breadcrumb {
            message: Some("outer".into()),
            ..Breadcrumb::default()
        });
        sentry_scopes::capture_message("m", Level::Info);
    });
    let messages: Vec<_> = events[0]
        .breadcrumbs
        .values
        .iter()
        .filter_map(|c| c.message.as_deref())
        .collect();
    assert_eq!(messages, ["outer"]);
}

#[test]
fn breadcrumb_messages_are_cut_to_the_protocol_limit() {
    let _serial = serial();
    let events = with_captured_events(|| {
        sentry_scopes::add_breadcrumb(Breadcrumb {
            message: Some("m".repeat(10_000)),
            category: Some("c".repeat(500)),
            ..Breadcrumb::default()
        });
        sentry_scopes::capture_message("m", Level::Info);
    });
    let crumb = &events[0].breadcrumbs.values[0];
    assert_eq!(
        crumb.message.as_ref().map(|m| m.chars().count()),
        Some(8192)
    );
    assert_eq!(
        crumb.category.as_ref().map(|c| c.chars().count()),
        Some(128)
    );
}

#[test]
fn breadcrumbs_pushed_out_of_a_full_buffer_are_counted_in_client_reports() {
    use sentry_scopes::DiscardReason;
    use sentry_scopes::protocol::Category;
    let _serial = serial();
    let transport = sentry_scopes::test::TestTransport::new();
    let guard = sentry_scopes::init(
        ClientOptions::new()
            .transport(transport.clone())
            .max_breadcrumbs(3),
    )
    .expect("options");
    sentry_scopes::with_isolation_scope(|_| {
        for i in 0..5 {
            sentry_scopes::add_breadcrumb(Breadcrumb {
                message: Some(format!("{i}")),
                ..Breadcrumb::default()
            });
        }
    });
    drop(guard);
    let evicted = transport.discarded(DiscardReason::BufferOverflow, Category::LogItem);
    assert_eq!(evicted, 2);
}
