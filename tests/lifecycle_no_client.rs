//! Without `init`, captures are no-ops and setters still store data (scope-model.md 2.3 step 1,
//! 2.4 "before `init`", X01). Its own binary: no test here may install a client.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sentry_scopes::{
    Level, capture_error_with, capture_event, capture_message, capture_message_with,
    get_current_scope, get_global_scope, get_isolation_scope, last_event_id, set_tag,
};

#[test]
fn x01_without_client_captures_return_none_and_setters_store() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    get_isolation_scope().add_event_processor(move |e| {
        counter.fetch_add(1, Ordering::SeqCst);
        Some(e)
    });

    let r = capture_message("m", Level::Info);
    set_tag("a", 1);

    assert_eq!(r, None);
    assert_eq!(get_isolation_scope().data().tag("a"), Some("1"));
    assert!(get_global_scope().data().is_empty());
    assert!(get_current_scope().data().is_empty());

    // No callback and no processor runs, whichever capture function is used.
    let callback_calls = AtomicUsize::new(0);
    let count = |_: &sentry_scopes::Scope| {
        callback_calls.fetch_add(1, Ordering::SeqCst);
    };
    assert_eq!(capture_message_with("m", Level::Info, count), None);
    assert_eq!(capture_error_with(&std::io::Error::other("e"), count), None);
    assert_eq!(capture_event(sentry_scopes::Event::default()), None);
    assert_eq!(callback_calls.load(Ordering::SeqCst), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(last_event_id(), None);
}
