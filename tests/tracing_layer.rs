//! The tracing layer (feature `tracing`): breadcrumbs, captured events, span scopes, and
//! tracing spans as Sentry spans and transactions.

mod common;

use sentry_scopes::integrations::tracing::SentryTracingLayer;
use sentry_scopes::test::{with_captured_envelopes_options, with_captured_events};
use sentry_scopes::*;
use tracing_subscriber::prelude::*;

use common::{events, trace_of, traced, transactions};

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

// ---- performance: tracing spans as Sentry spans -------------------------------------------

fn span_by<'a>(
    txn: &'a Transaction<'static>,
    description: &str,
) -> &'a sentry_types::protocol::v7::Span {
    txn.spans
        .iter()
        .find(|s| s.description.as_deref() == Some(description))
        .unwrap_or_else(|| panic!("no span {description} in {:?}", txn.spans))
}

#[tracing::instrument(fields(sentry.op = "stock.reserve"))]
fn reserve(sku: &str) {
    tracing::error!(sku, "out of stock");
}

#[tracing::instrument]
fn pay(order_id: u32) {
    capture_message("paying", Level::Info);
    reserve("sku-1");
}

#[tracing::instrument(fields(outcome = tracing::field::Empty))]
fn place_order(cart: u32) {
    pay(cart * 10);
    let _manual = start_span("db.query", "save order"); // by hand, below the tracing span
    tracing::Span::current().record("outcome", "placed");
}

#[test]
fn nested_instrumented_functions_give_one_transaction_with_nested_spans() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        with_layer(SentryTracingLayer::new(), || place_order(3));
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), 1);
    let txn = &txns[0];
    assert_eq!(txn.name.as_deref(), Some("place_order"));
    let root = trace_of(&txn.contexts);
    assert_eq!(root.op.as_deref(), Some("place_order"));
    assert_eq!(root.data["cart"], 3);
    assert_eq!(
        root.data["outcome"], "placed",
        "recorded fields become data"
    );
    let pay = span_by(txn, "pay");
    let reserve = span_by(txn, "reserve");
    let save = span_by(txn, "save order");
    assert_eq!(pay.op.as_deref(), Some("pay"));
    assert_eq!(pay.parent_span_id, Some(root.span_id));
    assert_eq!(pay.data["order_id"], 30);
    assert_eq!(reserve.op.as_deref(), Some("stock.reserve"));
    assert_eq!(reserve.parent_span_id, Some(pay.span_id));
    assert_eq!(reserve.data["sku"], "sku-1");
    assert!(!reserve.data.contains_key("sentry.op"));
    assert_eq!(save.parent_span_id, Some(root.span_id));
    assert_eq!(txn.spans.len(), 3);
    assert!(txn.spans.iter().all(|s| s.trace_id == root.trace_id));
    assert!(reserve.timestamp <= pay.timestamp && pay.timestamp <= txn.timestamp);
}

#[test]
fn an_event_inside_reports_the_innermost_span() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        with_layer(SentryTracingLayer::new(), || place_order(1));
    });
    let txn = &transactions(&envelopes)[0];
    let events = events(&envelopes);
    assert_eq!(events.len(), 2);
    let (paying, out_of_stock) = (trace_of(&events[0].contexts), trace_of(&events[1].contexts));
    let pay = span_by(txn, "pay");
    let reserve = span_by(txn, "reserve");
    assert_eq!(paying.span_id, pay.span_id);
    assert_eq!(paying.op.as_deref(), Some("pay"));
    assert_eq!(out_of_stock.span_id, reserve.span_id);
    assert_eq!(out_of_stock.parent_span_id, Some(pay.span_id));
    assert_eq!(out_of_stock.trace_id, pay.trace_id);
    assert_eq!(events[1].message.as_deref(), Some("out of stock"));
}

#[test]
fn the_span_filter_decides_which_spans_become_sentry_spans_and_a_panicking_one_refuses() {
    let run = |layer: SentryTracingLayer| {
        let envelopes = with_captured_envelopes_options(traced(), || {
            with_layer(layer, || {
                tracing::info_span!("job").in_scope(|| {
                    tracing::debug_span!("step").in_scope(|| {
                        tracing::info_span!("write").in_scope(|| {});
                    });
                });
            });
        });
        transactions(&envelopes)
    };
    // Default: INFO and more severe. The DEBUG span is left out; the span inside it goes below
    // the nearest Sentry span.
    let txns = run(SentryTracingLayer::new());
    assert_eq!(txns.len(), 1);
    let descriptions: Vec<_> = txns[0]
        .spans
        .iter()
        .map(|s| s.description.as_deref())
        .collect();
    assert_eq!(descriptions, [Some("write")]);
    assert_eq!(
        txns[0].spans[0].parent_span_id,
        Some(trace_of(&txns[0].contexts).span_id)
    );
    // A filter that takes DEBUG too.
    let txns = run(SentryTracingLayer::new().span_filter(|m| *m.level() <= tracing::Level::DEBUG));
    assert_eq!(txns[0].spans.len(), 2);
    assert_eq!(
        span_by(&txns[0], "write").parent_span_id,
        Some(span_by(&txns[0], "step").span_id)
    );
    // A filter that takes nothing: no performance data at all.
    assert!(run(SentryTracingLayer::new().span_filter(|_| false)).is_empty());
    // A filter that panics refuses the span; the panic stays in the SDK.
    let txns = run(SentryTracingLayer::new().span_filter(|m| {
        assert!(m.name() != "step", "the filter panics");
        true
    }));
    assert_eq!(txns[0].spans.len(), 1);
    assert_eq!(
        txns[0].spans[0].parent_span_id,
        Some(trace_of(&txns[0].contexts).span_id)
    );
}

#[test]
fn span_scopes_still_tag_events_and_fields_are_also_span_data() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        with_layer(spans(), || checkout(2));
    });
    let events = events(&envelopes);
    assert_eq!(events[0].tags["order_id"], "20");
    assert_eq!(events[0].tags["step"], "checkout");
    let txn = &transactions(&envelopes)[0];
    assert_eq!(txn.name.as_deref(), Some("checkout"));
    assert_eq!(trace_of(&txn.contexts).data["step"], "checkout");
    assert_eq!(span_by(txn, "charge").data["customer"], "ann");
    // Events report the span they were captured in.
    assert_eq!(
        trace_of(&events[0].contexts).span_id,
        span_by(txn, "charge").span_id
    );
}

#[test]
fn a_root_span_sends_its_transaction_with_its_own_scope_and_its_fields_can_rename_it() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        with_layer(SentryTracingLayer::new(), || {
            let span = tracing::info_span!("consume", sentry.name = tracing::field::Empty);
            span.in_scope(|| {
                get_current_scope().set_tag("inside", "yes"); // the span's own scope
            });
            span.record("sentry.name", "orders queue");
            drop(span);
            capture_message("after", Level::Info);
        });
    });
    let txn = &transactions(&envelopes)[0];
    assert_eq!(txn.name.as_deref(), Some("orders queue"));
    assert_eq!(txn.tags["inside"], "yes");
    assert!(!events(&envelopes)[0].tags.contains_key("inside"));
}

#[test]
fn explicit_parents_and_hand_made_transactions_decide_the_parent() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        with_layer(SentryTracingLayer::new(), || {
            let txn = start_transaction(TransactionContext::new("by hand", "task"));
            let outer = txn.in_scope(|| tracing::info_span!("outer"));
            txn.in_scope(|| {
                // Created while the hand-made transaction is active: its child.
                tracing::info_span!("inside").in_scope(|| {});
                // parent: None is a root of its own; an explicit parent wins over the context.
                tracing::info_span!(parent: None, "detached").in_scope(|| {});
            });
            tracing::info_span!(parent: &outer, "adopted").in_scope(|| {});
            drop(outer);
            txn.finish();
        });
    });
    let txns = transactions(&envelopes);
    let names: Vec<_> = txns.iter().map(|t| t.name.as_deref().unwrap()).collect();
    assert_eq!(names, ["detached", "by hand"]);
    let txn = &txns[1];
    let root = trace_of(&txn.contexts).span_id;
    assert_eq!(span_by(txn, "inside").parent_span_id, Some(root));
    assert_eq!(span_by(txn, "outer").parent_span_id, Some(root));
    assert_eq!(
        span_by(txn, "adopted").parent_span_id,
        Some(span_by(txn, "outer").span_id)
    );
    assert_ne!(
        trace_of(&txns[0].contexts).trace_id,
        trace_of(&txn.contexts).trace_id
    );
}

#[tracing::instrument]
async fn load(request: u32) {
    for _ in 0..5 {
        tokio::task::yield_now().await; // may resume on the other worker
    }
    let _query = start_span("db.query", format!("query {request}"));
    tokio::task::yield_now().await;
    tracing::error!(request, "load failed");
}

#[tracing::instrument]
async fn serve(request: u32) {
    tokio::task::yield_now().await;
    load(request).await;
    tokio::task::yield_now().await;
}

#[test]
fn instrumented_futures_keep_their_spans_across_awaits_and_threads() {
    const TASKS: u32 = 16;
    let envelopes = with_captured_envelopes_options(traced(), || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let dispatch =
            tracing::Dispatch::new(tracing_subscriber::registry().with(SentryTracingLayer::new()));
        rt.block_on(async {
            // Plain tokio::spawn: the instrumented future carries its spans itself.
            let tasks: Vec<_> = (0..TASKS)
                .map(|n| {
                    let fut = tracing::instrument::WithSubscriber::with_subscriber(
                        serve(n),
                        dispatch.clone(),
                    );
                    tokio::spawn(fut)
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), TASKS as usize);
    let mut span_of_request = std::collections::BTreeMap::new();
    for txn in &txns {
        let root = trace_of(&txn.contexts);
        let n = root.data["request"].as_u64().unwrap();
        assert_eq!(txn.name.as_deref(), Some("serve"));
        assert_eq!(txn.spans.len(), 2, "{:?}", txn.spans);
        let load = span_by(txn, "load");
        let query = span_by(txn, &format!("query {n}"));
        assert_eq!(load.parent_span_id, Some(root.span_id));
        assert_eq!(load.data["request"], n);
        assert_eq!(query.parent_span_id, Some(load.span_id));
        span_of_request.insert(n, (root.trace_id, load.span_id));
    }
    let events = events(&envelopes);
    assert_eq!(events.len(), TASKS as usize);
    for event in &events {
        let n = event.extra["request"].as_u64().unwrap();
        let trace = trace_of(&event.contexts);
        assert_eq!((trace.trace_id, trace.span_id), span_of_request[&n]);
    }
}

#[test]
fn a_root_span_continues_the_trace_of_its_sentry_trace_field() {
    // Tracing on (rate 0): the upstream decision is inherited.
    let options = ClientOptions::new().traces_sample_rate(0.0);
    let envelopes = with_captured_envelopes_options(options, || {
        with_layer(SentryTracingLayer::new(), || {
            let header = "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1";
            tracing::info_span!(
                "consume",
                sentry.op = "queue.process",
                sentry.trace = header
            )
            .in_scope(|| {});
        });
    });
    // Sampled upstream: sent although this service's own rate is 0.
    let txn = &transactions(&envelopes)[0];
    let root = trace_of(&txn.contexts);
    assert_eq!(
        root.trace_id.to_string(),
        "771a43a4192642f0b136d5159a501700"
    );
    assert_eq!(
        root.parent_span_id.map(|s| s.to_string()).as_deref(),
        Some("b7ad6b7169203331")
    );
    assert_eq!(root.op.as_deref(), Some("queue.process"));
    assert!(root.data.is_empty(), "{:?}", root.data);
}

/// Writes `part`, then fails, as a broken `Display` or `Debug` may.
struct Failing;

impl std::fmt::Display for Failing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("part")?;
        Err(std::fmt::Error)
    }
}

impl std::fmt::Debug for Failing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[derive(Debug)]
struct FailingError;

impl std::fmt::Display for FailingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Failing.fmt(f)
    }
}

impl std::error::Error for FailingError {}

#[test]
fn fields_whose_formatting_fails_keep_what_they_wrote_and_never_panic() {
    let events = with_captured_events(|| {
        with_layer(SentryTracingLayer::new(), || {
            let error: &(dyn std::error::Error + 'static) = &FailingError;
            tracing::info!(value = ?Failing, error, "crumb");
            tracing::error!(value = ?Failing, error, "event");
        });
    });
    let event = &events[0];
    assert_eq!(event.extra["value"], "part");
    assert_eq!(event.extra["error"], "part");
    let crumb = &event.breadcrumbs.values[0];
    assert_eq!(crumb.data["value"], "part");
    assert_eq!(crumb.data["error"], "part");
}
