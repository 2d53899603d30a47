//! Data set before `init` and what survives it; the client's guard ends captures
//! (scope-model.md 2.2 "no client", 2.4 "before `init`", X01, X02, B10).
//!
//! Every test installs the process-wide client itself, so they take a file-local lock.

use std::sync::{Mutex, PoisonError};

use sentry_scopes::test::TestTransport;
use sentry_scopes::{
    Breadcrumb, ClientOptions, Level, add_breadcrumb, capture_message, get_current_scope,
    get_global_scope, init, set_tag,
};

static CLIENT_LOCK: Mutex<()> = Mutex::new(());

fn crumb(message: &str) -> Breadcrumb {
    Breadcrumb {
        message: Some(message.into()),
        ..Breadcrumb::default()
    }
}

#[test]
fn x02_global_and_isolation_data_set_before_init_apply_after() {
    let _lock = CLIENT_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    get_global_scope().set_tag("g", 1);
    set_tag("i", 1);
    let transport = TestTransport::new();
    let guard = init(ClientOptions::new().transport(transport.clone())).expect("valid options");
    let id = capture_message("m", Level::Info);
    drop(guard);
    get_global_scope().clear();

    let events = transport.events();
    assert_eq!(events.len(), 1);
    assert_eq!(id, Some(events[0].event_id));
    let tags: Vec<_> = events[0]
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(tags, [("g", "1"), ("i", "1")]);
}

#[test]
fn b10_breadcrumbs_added_before_init_are_discarded() {
    let _lock = CLIENT_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    add_breadcrumb(crumb("a"));
    get_current_scope().add_breadcrumb(crumb("b"));
    get_global_scope().add_breadcrumb(crumb("g"));
    let transport = TestTransport::new();
    let guard = init(ClientOptions::new().transport(transport.clone())).expect("valid options");
    capture_message("m", Level::Info);
    drop(guard);

    let events = transport.events();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].breadcrumbs.values.is_empty(),
        "{:?}",
        events[0].breadcrumbs
    );
}

#[test]
fn x01_captures_are_noops_again_after_the_guard_is_dropped() {
    let _lock = CLIENT_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let transport = TestTransport::new();
    let guard = init(ClientOptions::new().transport(transport.clone())).expect("valid options");
    assert!(capture_message("while installed", Level::Info).is_some());
    drop(guard);
    assert_eq!(capture_message("after drop", Level::Info), None);
    add_breadcrumb(crumb("after drop"));
    assert_eq!(
        sentry_scopes::get_isolation_scope()
            .data()
            .breadcrumbs()
            .count(),
        0
    );

    let events = transport.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message.as_deref(), Some("while installed"));
}
