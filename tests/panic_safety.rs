//! Panics in user code never leave the scopes changed and never escape a capture
//! (scope-model.md 1.4, 2.2, 2.3, F11).

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use common::{crumb, msg};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{
    Breadcrumb, ClientOptions, Event, Level, Scope, ScopeData, add_breadcrumb, capture_error_with,
    capture_event_with, capture_message_with, get_current_scope, get_global_scope,
    get_isolation_scope, use_isolation_scope, use_scope, with_isolation_scope, with_scope,
};

/// Everything a scope holds except `last_event_id`, which a sent event legitimately updates.
fn describe(data: &ScopeData) -> String {
    format!(
        "tags={:?} extra={:?} contexts={:?} user={:?} level={:?} fp={:?} txn={:?} crumbs={:?} \
         attachments={} processors={} trace={:?}",
        data.tags().collect::<Vec<_>>(),
        data.extras().collect::<Vec<_>>(),
        data.contexts().collect::<Vec<_>>(),
        data.user(),
        data.level(),
        data.fingerprint().map(Iterator::collect::<Vec<_>>),
        data.transaction(),
        data.breadcrumbs()
            .map(|b| b.message.clone())
            .collect::<Vec<_>>(),
        data.attachments().count(),
        data.processor_count(),
        data.propagation_context(),
    )
}

/// The thread's active scopes and their contents at one instant.
struct Snapshot {
    isolation: Scope,
    current: Scope,
    data: [Arc<ScopeData>; 3],
}

impl Snapshot {
    fn take() -> Self {
        let (isolation, current) = (get_isolation_scope(), get_current_scope());
        let data = [get_global_scope().data(), isolation.data(), current.data()];
        Self {
            isolation,
            current,
            data,
        }
    }

    /// The same scopes are active and hold the same data (the very same versions when `exact`).
    fn assert_unchanged(&self, what: &str, exact: bool) {
        let now = Snapshot::take();
        assert!(
            Scope::ptr_eq(&now.isolation, &self.isolation),
            "{what}: isolation scope replaced"
        );
        assert!(
            Scope::ptr_eq(&now.current, &self.current),
            "{what}: current scope replaced"
        );
        for (name, (before, after)) in ["global", "isolation", "current"]
            .iter()
            .zip(self.data.iter().zip(&now.data))
        {
            if exact {
                assert!(Arc::ptr_eq(before, after), "{what}: {name} data changed");
            } else {
                assert_eq!(
                    describe(before),
                    describe(after),
                    "{what}: {name} data changed"
                );
            }
        }
    }
}

/// Prepares scopes holding some data, so that a change would show.
fn populate() {
    get_global_scope().set_tag("g", 1);
    get_isolation_scope().set_tag("i", 1);
    get_current_scope().set_tag("c", 1);
    add_breadcrumb(crumb("before"));
}

/// A named block body that panics.
type Body<'a> = (&'static str, Box<dyn Fn() + 'a>);

#[test]
fn panic_in_block_bodies_restores_scopes_exactly() {
    with_captured_events(|| {
        populate();
        let snap = Snapshot::take();
        let custom = Scope::new();
        let bodies: [Body<'_>; 4] = [
            (
                "with_scope",
                Box::new(|| {
                    with_scope(|s| {
                        s.set_tag("inside", 1);
                        panic!("with_scope body");
                    })
                }),
            ),
            (
                "with_isolation_scope",
                Box::new(|| {
                    with_isolation_scope(|s| {
                        s.set_tag("inside", 1);
                        get_current_scope().set_tag("inside", 1);
                        panic!("with_isolation_scope body");
                    })
                }),
            ),
            (
                "use_scope",
                Box::new(|| {
                    use_scope(&custom, |_| {
                        with_scope(|inner| {
                            inner.set_tag("nested", 1);
                            panic!("use_scope body, nested with_scope");
                        })
                    })
                }),
            ),
            (
                "use_isolation_scope",
                Box::new(|| {
                    use_isolation_scope(&custom, |_| {
                        get_current_scope().set_tag("inside", 1);
                        panic!("use_isolation_scope body");
                    })
                }),
            ),
        ];
        for (what, body) in bodies {
            assert!(
                catch_unwind(AssertUnwindSafe(body)).is_err(),
                "{what} did not panic"
            );
            snap.assert_unchanged(what, true);
        }
        // The scopes still work after the panics.
        assert!(msg().is_some());
    });
}

#[test]
fn panic_in_before_breadcrumb_drops_the_crumb_only() {
    let options = ClientOptions::new().before_breadcrumb(|b: Breadcrumb| {
        if b.message.as_deref() == Some("boom") {
            panic!("before_breadcrumb panics");
        }
        Some(b)
    });
    let events = with_captured_events_options(options, || {
        populate();
        let snap = Snapshot::take();
        add_breadcrumb(crumb("boom"));
        get_current_scope().add_breadcrumb(crumb("boom"));
        get_global_scope().add_breadcrumb(crumb("boom"));
        snap.assert_unchanged("before_breadcrumb", true);
        add_breadcrumb(crumb("after"));
        msg();
    });
    assert_eq!(common::crumbs(&events[0]), ["before", "after"]);
}

#[test]
fn panic_in_processor_or_before_send_never_escapes_capture() {
    let options = ClientOptions::new().before_send(|e: Event<'static>| {
        if e.message.as_deref() == Some("boom") {
            panic!("before_send panics");
        }
        Some(e)
    });
    let events = with_captured_events_options(options, || {
        populate();
        let processor_scope = Scope::new();
        get_current_scope().add_event_processor(move |e| {
            if e.message.as_deref() == Some("processor boom") {
                // Enter a block, then panic inside it: the block must unwind too.
                use_scope(&processor_scope, |_| panic!("processor panics"));
            }
            Some(e)
        });
        let snap = Snapshot::take();
        let dropped = catch_unwind(|| sentry_scopes::capture_message("boom", Level::Info));
        assert_eq!(
            dropped.ok(),
            Some(None),
            "before_send panic escaped or the event was sent"
        );
        snap.assert_unchanged("before_send", true);
        let sent = catch_unwind(|| sentry_scopes::capture_message("processor boom", Level::Info));
        assert!(
            matches!(sent, Ok(Some(_))),
            "processor panic escaped or the event was dropped"
        );
        snap.assert_unchanged("processor", false);
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message.as_deref(), Some("processor boom"));
}

#[test]
fn panic_in_capture_callback_drops_the_event_and_restores_scopes() {
    let events = with_captured_events(|| {
        populate();
        let snap = Snapshot::take();
        let results = [
            catch_unwind(|| capture_message_with("m", Level::Info, |_| panic!("message callback"))),
            catch_unwind(|| {
                capture_error_with(&std::io::Error::other("e"), |s| {
                    s.set_tag("cb", 1);
                    panic!("error callback")
                })
            }),
            catch_unwind(|| {
                capture_event_with(Event::default(), |_| {
                    with_isolation_scope(|_| panic!("event callback"))
                })
            }),
            catch_unwind(|| {
                get_isolation_scope().capture_message_with("m", Level::Info, |_| {
                    with_scope(|_| panic!("scope method callback"))
                })
            }),
            catch_unwind(|| {
                Scope::new()
                    .capture_message_with("m", Level::Info, |_| panic!("foreign scope callback"))
            }),
        ];
        for (n, r) in results.into_iter().enumerate() {
            assert_eq!(
                r.ok(),
                Some(None),
                "callback {n}: panic escaped or the event was sent"
            );
        }
        snap.assert_unchanged("capture callbacks", true);
        assert!(msg().is_some(), "captures work again after the panics");
    });
    assert_eq!(events.len(), 1);
}
