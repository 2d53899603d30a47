//! The tracing layer (feature `tracing`): breadcrumbs, captured events, span scopes.

use sentry_scopes::integrations::tracing::SentryTracingLayer;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::*;
use tracing_subscriber::prelude::*;

fn with_layer(layer: SentryTracingLayer, f: impl FnOnce()) {
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
}

fn spans() -> SentryTracingLayer {
    SentryTracingLayer::new().span_scopes(true)
}

#[derive(Debug)]
struct Timeout;
impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("upstream timed out")
    }
}
impl std::error::Error for Timeout {}

#[test]
fn info_and_warn_become_breadcrumbs_debug_does_not() {
    let events = with_captured_events(|| {
        with_layer(SentryTracingLayer::new(), || {
            tracing::debug!("too chatty");
            tracing::info!(items = 3, user = "ann", "cart loaded");
            tracing::warn!("slow query");
        });
        capture_message("m", Level::Info);
    });
    let crumbs = &events[0].breadcrumbs.values;
    assert_eq!(crumbs.len(), 2);
    assert_eq!(crumbs[0].message.as_deref(), Some("cart loaded"));
    assert_eq!(crumbs[0].level, Level::Info);
    assert_eq!(crumbs[0].category.as_deref(), Some("tracing_layer"));
    assert_eq!(crumbs[0].data["items"], 3);
    assert_eq!(crumbs[0].data["user"], "ann");
    assert_eq!(crumbs[1].level, Level::Warning);
}

#[test]
fn the_breadcrumb_level_is_configurable() {
    let events = with_captured_events(|| {
        with_layer(
            SentryTracingLayer::new().breadcrumb_level(tracing::Level::TRACE),
            || {
                tracing::trace!("t");
                tracing::debug!("d");
            },
        );
        capture_message("m", Level::Info);
    });
    let messages: Vec<_> = events[0]
        .breadcrumbs
        .values
        .iter()
        .map(|b| (b.message.as_deref().unwrap(), b.level))
        .collect();
    assert_eq!(messages, [("t", Level::Debug), ("d", Level::Debug)]);
}

#[test]
fn errors_become_events_with_their_fields_as_extra() {
    let events = with_captured_events(|| {
        with_layer(SentryTracingLayer::new(), || {
            tracing::info!("before");
            let err = Timeout;
            tracing::error!(
                order_id = 42,
                retry = false,
                error = &err as &dyn std::error::Error,
                "payment failed"
            );
        });
    });
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.level, Level::Error);
    assert_eq!(event.message.as_deref(), Some("payment failed"));
    assert_eq!(event.logger.as_deref(), Some("tracing_layer"));
    assert_eq!(event.extra["order_id"], 42);
    assert_eq!(event.extra["retry"], false);
    assert_eq!(event.extra["error"], "upstream timed out");
    // The error itself is not also a breadcrumb; earlier logs are.
    assert_eq!(event.breadcrumbs.values.len(), 1);
}

#[test]
fn the_event_level_is_configurable() {
    let events = with_captured_events(|| {
        with_layer(
            SentryTracingLayer::new().event_level(tracing::Level::WARN),
            || tracing::warn!("disk at 91%"),
        );
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].level, Level::Warning);
}

#[tracing::instrument]
fn charge(order_id: u32, customer: &str) -> Option<Uuid> {
    capture_message("charging", Level::Info)
}

#[tracing::instrument(fields(step = "checkout"))]
fn checkout(cart: u32) {
    charge(cart * 10, "ann");
    capture_message("checked out", Level::Info);
}

#[test]
fn span_fields_become_tags_of_a_forked_current_scope() {
    let events = with_captured_events(|| {
        with_layer(spans(), || {
            checkout(3);
            capture_message("after", Level::Info);
        });
    });
    let tags = |i: usize| {
        let mut t: Vec<_> = events[i]
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        t.sort();
        t.join(",")
    };
    assert_eq!(tags(0), "cart=3,customer=ann,order_id=30,step=checkout");
    assert_eq!(tags(1), "cart=3,step=checkout");
    assert_eq!(tags(2), "");
}

#[test]
fn without_span_scopes_spans_add_nothing() {
    let events = with_captured_events(|| {
        with_layer(SentryTracingLayer::new(), || {
            checkout(1);
        });
    });
    assert!(events.iter().all(|e| e.tags.is_empty()));
}

#[test]
fn a_span_keeps_its_scope_between_enters_and_nothing_leaks_out() {
    let events = with_captured_events(|| {
        with_layer(spans(), || {
            let span = tracing::info_span!("job", job = 1);
            span.in_scope(|| get_current_scope().set_tag("stage", "one"));
            capture_message("between", Level::Info);
            span.in_scope(|| {
                set_tag("isolation", "yes"); // top-level: the isolation scope, outlives the span
                capture_message("second enter", Level::Info);
            });
            capture_message("after", Level::Info);
        });
    });
    assert_eq!(
        events[0].tags.keys().collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    assert_eq!(events[1].tags["stage"], "one");
    assert_eq!(events[1].tags["job"], "1");
    assert!(!events[2].tags.contains_key("stage"));
    assert_eq!(events[2].tags["isolation"], "yes");
}

#[test]
fn recorded_fields_update_the_tags() {
    let events = with_captured_events(|| {
        with_layer(spans(), || {
            let span = tracing::info_span!("req", status = tracing::field::Empty);
            let _entered = span.enter();
            span.record("status", 503);
            capture_message("m", Level::Info);
        });
    });
    assert_eq!(events[0].tags["status"], "503");
}

#[test]
fn out_of_order_exits_do_not_panic_or_leak() {
    let events = with_captured_events(|| {
        with_layer(spans(), || {
            let a = tracing::info_span!("a", a = 1).entered();
            let b = tracing::info_span!("b", b = 1).entered();
            drop(a);
            capture_message("in b", Level::Info);
            drop(b);
            capture_message("after", Level::Info);
        });
    });
    assert_eq!(events[0].tags["b"], "1");
    assert!(events[1].tags.is_empty());
}

#[tracing::instrument]
async fn handle(request: u32) -> Option<Uuid> {
    get_current_scope().set_tag("before_await", request);
    for _ in 0..10 {
        tokio::task::yield_now().await; // re-entered on every poll, maybe on another thread
    }
    capture_message("handled", Level::Info)
}

#[test]
fn instrumented_futures_keep_their_span_scope_across_polls_and_threads() {
    let events = with_captured_events(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(spans()));
        rt.block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|n| {
                    let fut = tracing::instrument::WithSubscriber::with_subscriber(
                        handle(n),
                        dispatch.clone(),
                    );
                    tokio::spawn(fut.bind_current_scope())
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
    });
    assert_eq!(events.len(), 8);
    for event in &events {
        assert_eq!(event.tags["request"], event.tags["before_await"]);
        assert_eq!(event.tags.len(), 2);
    }
}
