//! Sampling of error and message events by `sample_rate` (scope-model.md 2.3 step 2, S01–S02).
//!
//! S01 reads the discard counters, which only a client installed with `init` exposes, so this
//! binary installs clients itself; its tests take a file-local lock because the client is
//! process-wide.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use common::{counting, msg};
use sentry_scopes::protocol::Category;
use sentry_scopes::test::{TestTransport, with_captured_events_options};
use sentry_scopes::{ClientOptions, DiscardReason, get_isolation_scope, init, last_event_id};

static CLIENT_LOCK: Mutex<()> = Mutex::new(());

#[test]
fn s01_sampled_out_event_is_discarded_before_processors() {
    let _lock = CLIENT_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let (processor_calls, before_send_calls) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let transport = TestTransport::new();
    let options = ClientOptions::new()
        .sample_rate(0.0)
        .before_send(counting(&before_send_calls))
        .transport(transport.clone());
    let guard = init(options).expect("valid options");
    get_isolation_scope().add_event_processor(counting(&processor_calls));

    let result = msg();
    let last = last_event_id();
    drop(guard);

    assert_eq!(result, None);
    assert_eq!(last, None);
    assert!(transport.envelopes().is_empty());
    assert_eq!(processor_calls.load(Ordering::SeqCst), 0);
    assert_eq!(before_send_calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        transport.discarded(DiscardReason::SampleRate, Category::Error),
        1
    );
    assert_eq!(
        transport.discarded(DiscardReason::EventProcessor, Category::Error),
        0
    );
    assert_eq!(
        transport.discarded(DiscardReason::BeforeSend, Category::Error),
        0
    );
}

#[test]
fn s02_sample_rate_one_sends_every_event() {
    let _lock = CLIENT_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let mut ids = Vec::new();
    let events = with_captured_events_options(ClientOptions::new().sample_rate(1.0), || {
        for _ in 0..20 {
            ids.push(msg());
        }
    });
    assert_eq!(events.len(), 20);
    let sent: Vec<_> = events.iter().map(|e| Some(e.event_id)).collect();
    assert_eq!(ids, sent);
}
