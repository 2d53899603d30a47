//! Captures into a transport that accepts raw envelopes: the event is written straight from the
//! scopes to JSON, and reads back as the event the typed path would have sent. Anything that
//! needs the event as an `Event` (an event processor, `before_send`) keeps the typed path.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sentry_scopes::protocol::EnvelopeItem;
use sentry_scopes::{
    Breadcrumb, ClientInitGuard, ClientOptions, Envelope, Event, Level, Transport, add_breadcrumb,
    capture_message, configure_scope, last_event_id, set_tag, with_scope,
};

/// Keeps the envelopes it gets, raw or typed.
#[derive(Default)]
struct RawSink(Mutex<Vec<Envelope>>);

impl Transport for RawSink {
    fn send_envelope(&self, envelope: Envelope) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(envelope);
    }

    fn accepts_raw_envelopes(&self) -> bool {
        true
    }
}

impl RawSink {
    /// Each envelope as (was it raw, the event it carries, parsed back from its bytes).
    fn events(&self) -> Vec<(bool, Event<'static>)> {
        let envelopes = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        envelopes
            .iter()
            .map(|e| {
                let raw = e.items().next().is_none();
                let mut bytes = Vec::new();
                e.to_writer(&mut bytes).unwrap();
                let parsed = Envelope::from_slice(&bytes).unwrap();
                let event = parsed.items().find_map(|i| match i {
                    EnvelopeItem::Event(e) => Some((**e).clone()),
                    _ => None,
                });
                (raw, event.expect("an event item"))
            })
            .collect()
    }
}

/// One client at a time in this binary: the tests share the process-wide client.
fn init(options: ClientOptions) -> (MutexGuard<'static, ()>, Arc<RawSink>, ClientInitGuard) {
    static ONE: Mutex<()> = Mutex::new(());
    let lock = ONE.lock().unwrap_or_else(PoisonError::into_inner);
    let sink = Arc::new(RawSink::default());
    let guard = sentry_scopes::init(options.transport(sink.clone()).panic_hook(false)).unwrap();
    (lock, sink, guard)
}

fn crumb(message: &str) -> Breadcrumb {
    Breadcrumb {
        message: Some(message.into()),
        ..Breadcrumb::default()
    }
}

#[test]
fn a_plain_capture_is_sent_raw_with_every_scope_tag_and_breadcrumb() {
    let (_lock, sink, _guard) = init(ClientOptions::new().max_breadcrumbs(2));
    std::thread::spawn(|| {
        sentry_scopes::get_global_scope().set_tag("service", "billing");
        set_tag("request", "r-1");
        add_breadcrumb(crumb("one"));
        add_breadcrumb(crumb("two"));
        with_scope(|s| {
            s.set_tag("request", "r-2\nsecond line");
            s.add_breadcrumb(crumb("three"));
            capture_message("inside", Level::Warning);
        });
        assert!(last_event_id().is_some());
    })
    .join()
    .unwrap();
    let events = sink.events();
    let (raw, event) = &events[0];
    assert!(raw, "a capture without processors goes raw");
    assert_eq!(event.tags["service"], "billing");
    assert_eq!(
        event.tags["request"], "r-2 second line",
        "limits apply on the raw path too"
    );
    let crumbs: Vec<_> = event
        .breadcrumbs
        .values
        .iter()
        .map(|c| c.message.as_deref().unwrap())
        .collect();
    assert_eq!(
        crumbs,
        ["two", "three"],
        "the newest max_breadcrumbs, in order"
    );
    assert_eq!(event.level, Level::Warning);
    assert!(event.contexts.contains_key("trace"));
    assert!(event.sdk.is_some());
}

#[test]
fn before_send_sees_a_typed_event() {
    let options = ClientOptions::new().before_send(|mut e| {
        e.tags.insert("seen".into(), "yes".into());
        Some(e)
    });
    let (_lock, sink, _guard) = init(options);
    std::thread::spawn(|| {
        set_tag("a", "1");
        capture_message("m", Level::Info);
    })
    .join()
    .unwrap();
    let events = sink.events();
    assert!(!events[0].0, "before_send needs the typed path");
    assert_eq!(events[0].1.tags["seen"], "yes");
    assert_eq!(events[0].1.tags["a"], "1");
}

#[test]
fn an_event_processor_on_any_scope_sees_a_typed_event() {
    let (_lock, sink, _guard) = init(ClientOptions::new());
    std::thread::spawn(|| {
        configure_scope(sentry_scopes::ScopeType::Isolation, |s| {
            s.add_event_processor(|mut e| {
                e.tags.insert("processed".into(), "yes".into());
                Some(e)
            });
        });
        capture_message("m", Level::Info);
    })
    .join()
    .unwrap();
    let events = sink.events();
    assert!(!events[0].0);
    assert_eq!(events[0].1.tags["processed"], "yes");
}

#[test]
fn an_event_too_large_for_sentry_is_sent_typed_for_the_transport_to_trim() {
    let (_lock, sink, _guard) = init(ClientOptions::new());
    std::thread::spawn(|| {
        // Messages are cut to 8192 characters; breadcrumb data is not.
        add_breadcrumb(Breadcrumb {
            data: [("blob".to_owned(), "x".repeat(1024 * 1024).into())].into(),
            ..crumb("big")
        });
        capture_message("m", Level::Info);
    })
    .join()
    .unwrap();
    let events = sink.events();
    assert!(!events[0].0);
    assert_eq!(events[0].1.breadcrumbs.values.len(), 1);
}
