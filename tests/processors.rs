//! Event processors and `before_send`: order, dropping and panics (scope-model.md 2.3, P01–P08).
//!
//! P07 does not exist in the checklist; P09 is optional (processors take no hint) and skipped.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::{counting, crumb, msg};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{
    ClientOptions, Event, Level, add_breadcrumb, capture_message, get_current_scope,
    get_global_scope, get_isolation_scope, last_event_id, with_scope,
};

/// A processor that appends `suffix` to the event's message.
fn append(suffix: &'static str) -> impl Fn(Event<'static>) -> Option<Event<'static>> + Send + Sync {
    move |mut e| {
        e.message = Some(format!("{}{suffix}", e.message.unwrap_or_default()));
        Some(e)
    }
}

fn messages<'a>(events: &'a [Event<'static>]) -> Vec<&'a str> {
    events
        .iter()
        .map(|e| e.message.as_deref().unwrap_or(""))
        .collect()
}

#[test]
fn p01_processors_run_global_isolation_current_then_before_send() {
    let options = ClientOptions::new().before_send(append("|before_send"));
    let events = with_captured_events_options(options, || {
        // Registered in reverse scope order: the scope, not the registration time, decides.
        get_current_scope().add_event_processor(append("|current"));
        get_isolation_scope().add_event_processor(append("|isolation"));
        get_global_scope().add_event_processor(append("|global"));
        capture_message("m", Level::Info);
    });
    assert_eq!(
        messages(&events),
        ["m|global|isolation|current|before_send"]
    );
}

#[test]
fn p02_processors_of_nested_forks_apply_inside_only() {
    let options = ClientOptions::new().before_send(append("baz"));
    let events = with_captured_events_options(options, || {
        with_scope(|s1| {
            s1.add_event_processor(append("foo"));
            with_scope(|s2| {
                s2.add_event_processor(append("bar"));
                capture_message("hi", Level::Info);
            });
            capture_message("hi", Level::Info);
        });
        capture_message("hi", Level::Info);
    });
    assert_eq!(messages(&events), ["hifoobarbaz", "hifoobaz", "hibaz"]);
}

#[test]
fn p03_processor_returning_none_drops_the_event() {
    let (current_calls, before_send_calls) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let options = ClientOptions::new().before_send(counting(&before_send_calls));
    let mut result = Some(sentry_scopes::Uuid::nil());
    let mut last = Some(sentry_scopes::Uuid::nil());
    let events = with_captured_events_options(options, || {
        get_isolation_scope().add_event_processor(|_| None);
        get_current_scope().add_event_processor(counting(&current_calls));
        result = msg();
        last = last_event_id();
    });
    assert!(events.is_empty());
    assert_eq!(result, None);
    assert_eq!(last, None);
    assert_eq!(current_calls.load(Ordering::SeqCst), 0);
    assert_eq!(before_send_calls.load(Ordering::SeqCst), 0);
}

/// Set in the child process P04 starts to read the debug log.
const P04_CHILD: &str = "SENTRY_SCOPES_P04_CHILD";

/// The body of P04: returns the captured events and the capture's result.
fn p04_body(debug: bool) -> (Vec<Event<'static>>, Option<sentry_scopes::Uuid>) {
    let mut result = None;
    let events = with_captured_events_options(ClientOptions::new().debug(debug), || {
        get_isolation_scope().add_event_processor(|_| panic!("processor p04 panics"));
        get_current_scope().add_event_processor(|mut e| {
            e.tags.insert("from_current".into(), "1".into());
            Some(e)
        });
        result = msg();
    });
    (events, result)
}

#[test]
fn p04_panicking_processor_is_skipped_with_one_debug_line() {
    if std::env::var_os(P04_CHILD).is_some() {
        let (events, result) = p04_body(true);
        assert_eq!(events.len(), 1);
        assert!(result.is_some());
        return;
    }
    let (events, result) = p04_body(false);
    assert_eq!(events.len(), 1);
    assert_eq!(result, Some(events[0].event_id));
    assert_eq!(common::tags(&events[0]), [("from_current", "1")]);
    assert_eq!(events[0].message.as_deref(), Some("m"));

    // The debug log goes to stderr; run this test alone in a child process to read it.
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([
            "p04_panicking_processor_is_skipped_with_one_debug_line",
            "--exact",
            "--nocapture",
        ])
        .env(P04_CHILD, "1")
        .output()
        .expect("the child test runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stderr}");
    let lines: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("[sentry-scopes]"))
        .collect();
    assert_eq!(lines.len(), 1, "expected one debug line, stderr:\n{stderr}");
    assert!(
        lines[0].contains("event processor panicked"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("processor p04 panics"), "{}", lines[0]);
}

#[test]
fn p05_before_send_sees_merged_event_and_can_drop() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let drop_next = Arc::new(AtomicBool::new(false));
    let options = ClientOptions::new().before_send({
        let (seen, drop_next) = (seen.clone(), drop_next.clone());
        move |mut e: Event<'static>| {
            let tags: Vec<String> = e.tags.keys().cloned().collect();
            let crumbs: Vec<String> = common::crumbs(&e).into_iter().map(str::to_owned).collect();
            seen.lock().unwrap().push((tags, crumbs));
            if drop_next.load(Ordering::SeqCst) {
                return None;
            }
            e.tags.insert("bs".into(), "1".into());
            Some(e)
        }
    });
    let (mut first, mut second, mut last) = (None, Some(sentry_scopes::Uuid::nil()), None);
    let events = with_captured_events_options(options, || {
        get_global_scope().set_tag("g", 1);
        get_isolation_scope().set_tag("i", 1);
        add_breadcrumb(crumb("b"));
        first = msg();
        drop_next.store(true, Ordering::SeqCst);
        second = msg();
        last = last_event_id();
    });
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        (vec!["g".to_owned(), "i".to_owned()], vec!["b".to_owned()])
    );
    assert_eq!(seen.len(), 2);
    assert_eq!(events.len(), 1);
    assert_eq!(common::tag_keys(&events[0]), ["bs", "g", "i"]);
    assert_eq!(first, Some(events[0].event_id));
    assert_eq!(second, None);
    assert_eq!(last, first);
}

#[test]
fn p06_panicking_before_send_drops_the_event() {
    let options = ClientOptions::new().before_send(|_| panic!("before_send p06 panics"));
    let mut result = Some(sentry_scopes::Uuid::nil());
    let events = with_captured_events_options(options, || {
        result = msg();
        assert_eq!(last_event_id(), None);
    });
    assert!(events.is_empty());
    assert_eq!(result, None);
}

#[test]
fn p08_processor_added_in_with_scope_does_not_outlive_it() {
    let calls = Arc::new(AtomicUsize::new(0));
    let events = with_captured_events(|| {
        with_scope(|s| s.add_event_processor(counting(&calls)));
        msg();
    });
    assert_eq!(events.len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
