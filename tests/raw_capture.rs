//! Captures into a custom transport: a plain capture is written straight from the scopes to
//! JSON (no transport opts in: every one receives encoded envelopes), and reads back as the
//! event the typed path would have sent. Anything that needs the event as an `Event` (an event
//! processor, `before_send`) takes the typed path and sees the whole event.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sentry_scopes::{
    Breadcrumb, ClientInitGuard, ClientOptions, EncodedEnvelope, Event, Level, Transport,
    add_breadcrumb, capture_message, configure_scope, last_event_id, set_tag, with_scope,
};

/// Keeps the envelopes it gets.
#[derive(Default)]
struct RawSink(Mutex<Vec<EncodedEnvelope>>);

impl Transport for RawSink {
    fn send_envelope(&self, envelope: EncodedEnvelope) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(envelope);
    }
}

impl RawSink {
    /// The event of each envelope, parsed back from its bytes.
    fn events(&self) -> Vec<Event<'static>> {
        let envelopes = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        envelopes
            .iter()
            .map(|e| e.parse().unwrap().event().cloned().expect("an event item"))
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
fn a_plain_capture_reaches_a_custom_transport_with_every_scope_tag_and_breadcrumb() {
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
    let event = &events[0];
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
    assert_eq!(events[0].tags["seen"], "yes");
    assert_eq!(events[0].tags["a"], "1");
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
    assert_eq!(events[0].tags["processed"], "yes");
}

#[test]
fn an_event_too_large_for_a_server_is_cut_to_fit_before_any_transport_sees_it() {
    let (_lock, sink, _guard) = init(ClientOptions::new());
    std::thread::spawn(|| {
        set_tag("kept", "yes");
        // Messages are cut to 8192 characters; breadcrumb data is not.
        add_breadcrumb(Breadcrumb {
            data: [("blob".to_owned(), "x".repeat(1024 * 1024).into())].into(),
            ..crumb("big")
        });
        add_breadcrumb(crumb("small"));
        capture_message("m", Level::Info);
    })
    .join()
    .unwrap();
    let events = sink.events();
    let crumbs: Vec<_> = events[0]
        .breadcrumbs
        .values
        .iter()
        .filter_map(|c| c.message.as_deref())
        .collect();
    assert_eq!(
        crumbs,
        ["small"],
        "the oldest breadcrumbs went, as many as needed"
    );
    assert_eq!(events[0].tags["kept"], "yes");
}
