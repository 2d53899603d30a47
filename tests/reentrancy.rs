//! A capture from inside the capture pipeline (a processor, `before_send`, a `_with` callback)
//! is a no-op returning `None`, and does not deadlock (style.md 1.9, scope-model.md 2.5).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sentry_scopes::test::with_captured_events_options;
use sentry_scopes::{
    ClientOptions, Event, Level, Uuid, capture_error, capture_event, capture_message,
    capture_message_with, get_current_scope, get_isolation_scope, with_scope,
};

type Results = Arc<Mutex<Vec<(&'static str, Option<Uuid>)>>>;

/// Runs `f` on another thread and fails if it does not finish in time (a deadlock).
fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, wait) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done.send(f());
    });
    match wait.recv_timeout(Duration::from_secs(30)) {
        Ok(value) => {
            worker.join().expect("worker finished");
            value
        }
        Err(_) => panic!("a nested capture deadlocked"),
    }
}

/// Captures from inside the pipeline, recording what the nested captures return.
fn nested_captures(results: &Results, at: &'static str) {
    let got = [
        capture_message("nested", Level::Info),
        capture_error(&std::io::Error::other("nested")),
        capture_event(Event::default()),
        get_current_scope().capture_message("nested", Level::Info),
        // Block functions still work inside the pipeline.
        with_scope(|s| {
            s.set_tag("nested", 1);
            capture_message("nested in block", Level::Info)
        }),
    ];
    results.lock().unwrap().extend(got.map(|id| (at, id)));
}

#[test]
fn captures_inside_the_pipeline_are_noops() {
    let results: Results = Arc::default();
    let (events, outer) = within_deadline({
        let results = results.clone();
        move || {
            let options = ClientOptions::new().before_send({
                let results = results.clone();
                move |e| {
                    nested_captures(&results, "before_send");
                    Some(e)
                }
            });
            let mut outer = Vec::new();
            let events = with_captured_events_options(options, || {
                let in_processor = results.clone();
                get_isolation_scope().add_event_processor(move |e| {
                    nested_captures(&in_processor, "processor");
                    Some(e)
                });
                let in_callback = results.clone();
                outer.push(capture_message_with("outer", Level::Info, move |_| {
                    nested_captures(&in_callback, "callback");
                }));
                // The flag is released: a later capture works.
                outer.push(capture_message("after", Level::Info));
            });
            (events, outer)
        }
    });

    assert_eq!(events.len(), 2, "only the outer captures are sent");
    let messages: Vec<_> = events.iter().map(|e| e.message.as_deref()).collect();
    assert_eq!(messages, [Some("outer"), Some("after")]);
    assert_eq!(outer, [Some(events[0].event_id), Some(events[1].event_id)]);
    let results = results.lock().unwrap();
    let places: Vec<_> = results.iter().map(|(at, _)| *at).collect();
    let mut expected = vec!["callback"; 5];
    for _ in 0..2 {
        expected.extend(["processor"; 5]);
        expected.extend(["before_send"; 5]);
    }
    assert_eq!(places, expected);
    assert!(results.iter().all(|(_, id)| id.is_none()), "{results:?}");
}
