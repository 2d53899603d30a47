//! Transactions and spans on the scope model: what is sent, what sampling decides, what
//! `before_send_transaction` and transaction processors see, how spans nest across threads and
//! tasks, which trace errors report, and what goes out in trace headers.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sentry_scopes::protocol::{Category, SpanStatus};
use sentry_scopes::test::{TestTransport, with_captured_envelopes_options};
use sentry_scopes::{
    ClientOptions, DiscardReason, Level, TransactionContext, capture_message, start_span,
    start_transaction,
};

use common::{events, trace_of, traced, transactions};

/// One client at a time: some tests install one with `init`, others through the test helpers.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn a_transaction_is_sent_with_its_children_nested_and_timed() {
    let _serial = serial();
    let envelopes = with_captured_envelopes_options(traced(), || {
        let txn = start_transaction(TransactionContext::new("checkout", "http.server"));
        txn.set_tag("region", "eu");
        txn.in_scope(|| {
            let load = start_span("db.query", "load cart");
            load.set_data("rows", 3);
            load.in_scope(|| {
                let _inner = start_span("cache.get", "cart:42");
            });
            load.set_status(SpanStatus::Ok);
        });
        txn.finish();
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), 1);
    let txn = &txns[0];
    assert_eq!(txn.name.as_deref(), Some("checkout"));
    assert_eq!(txn.tags["region"], "eu");
    let root = trace_of(&txn.contexts);
    assert_eq!(root.op.as_deref(), Some("http.server"));
    assert_eq!(root.status, Some(SpanStatus::Ok));
    let by_op = |op: &str| {
        txn.spans
            .iter()
            .find(|s| s.op.as_deref() == Some(op))
            .unwrap()
    };
    let (load, inner) = (by_op("db.query"), by_op("cache.get"));
    assert_eq!(load.parent_span_id, Some(root.span_id));
    assert_eq!(inner.parent_span_id, Some(load.span_id));
    assert_eq!(load.data["rows"], 3);
    assert!(inner.start_timestamp >= load.start_timestamp);
    assert!(inner.timestamp <= load.timestamp && load.timestamp <= txn.timestamp);
    assert!(txn.spans.iter().all(|s| s.trace_id == root.trace_id));
}

#[test]
fn an_error_captured_under_a_span_reports_that_span_as_its_trace() {
    let _serial = serial();
    let envelopes = with_captured_envelopes_options(traced(), || {
        let txn = start_transaction(TransactionContext::new("job", "task"));
        let _active = txn.enter();
        let step = start_span("step", "charge");
        step.in_scope(|| capture_message("declined", Level::Error));
        drop(step);
        drop(_active);
        txn.finish();
    });
    let event = &events(&envelopes)[0];
    let trace = trace_of(&event.contexts);
    let txn = &transactions(&envelopes)[0];
    let step = &txn.spans[0];
    assert_eq!(trace.trace_id, step.trace_id);
    assert_eq!(trace.span_id, step.span_id);
    assert_eq!(trace.parent_span_id, step.parent_span_id);
}

#[test]
fn a_sample_rate_of_zero_sends_no_transaction_and_counts_it_and_its_spans() {
    let _serial = serial();
    let transport = TestTransport::new();
    let guard =
        sentry_scopes::init(ClientOptions::new().transport(transport.clone())).expect("options");
    let txn = start_transaction(TransactionContext::new("job", "task"));
    assert!(!txn.is_sampled());
    txn.in_scope(|| {
        let _a = start_span("a", "a");
        let _b = start_span("b", "b");
    });
    txn.finish();
    drop(guard);
    assert!(transactions(&transport.envelopes()).is_empty());
    assert_eq!(
        transport.discarded(DiscardReason::SampleRate, Category::Transaction),
        1
    );
    assert_eq!(
        transport.discarded(DiscardReason::SampleRate, Category::Span),
        3
    );
}

#[test]
fn the_sampler_sees_the_context_and_the_upstream_decision_and_wins() {
    let _serial = serial();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let options = ClientOptions::new().traces_sampler(move |ctx| {
        record.lock().unwrap().push((
            ctx.transaction_context().name().to_owned(),
            ctx.parent_sampled(),
        ));
        if ctx.transaction_context().name() == "keep" {
            1.0
        } else {
            0.0
        }
    });
    let envelopes = with_captured_envelopes_options(options, || {
        start_transaction(TransactionContext::new("keep", "task")).finish();
        start_transaction(TransactionContext::new("drop", "task")).finish();
        let upstream = [(
            "sentry-trace",
            "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1",
        )];
        start_transaction(TransactionContext::continue_from_headers(
            "drop", "task", upstream,
        ))
        .finish();
    });
    let names: Vec<_> = transactions(&envelopes)
        .into_iter()
        .filter_map(|t| t.name)
        .collect();
    assert_eq!(names, ["keep"]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], ("keep".to_owned(), None));
    assert_eq!(seen[2], ("drop".to_owned(), Some(true)));
}

#[test]
fn without_a_sampler_an_incoming_decision_is_inherited_both_ways() {
    let _serial = serial();
    let sampled = [(
        "sentry-trace",
        "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1",
    )];
    let unsampled = [(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    )];
    let options = ClientOptions::new().traces_sample_rate(0.0);
    let envelopes = with_captured_envelopes_options(options, || {
        start_transaction(TransactionContext::continue_from_headers(
            "in", "op", sampled,
        ))
        .finish();
        let txn = start_transaction(TransactionContext::continue_from_headers(
            "out", "op", unsampled,
        ));
        assert!(!txn.is_sampled());
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), 1);
    let trace = trace_of(&txns[0].contexts);
    assert_eq!(
        trace.trace_id.to_string(),
        "771a43a4192642f0b136d5159a501700"
    );
    assert_eq!(
        trace.parent_span_id.map(|s| s.to_string()).as_deref(),
        Some("b7ad6b7169203331")
    );
}

#[test]
fn with_tracing_off_nothing_is_sent_and_the_upstream_decision_is_passed_on_unchanged() {
    let _serial = serial();
    let upstream = [(
        "sentry-trace",
        "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1",
    )];
    let mut outgoing = Vec::new();
    // Default options: neither traces_sample_rate nor traces_sampler.
    let envelopes = with_captured_envelopes_options(ClientOptions::new(), || {
        let continued = start_transaction(TransactionContext::continue_from_headers(
            "in", "op", upstream,
        ));
        assert!(!continued.is_sampled());
        outgoing.push(continued.sentry_trace_header());
        continued.finish();
        let head = start_transaction(TransactionContext::new("head", "op"));
        outgoing.push(head.sentry_trace_header());
        let headers: Vec<_> = head.in_scope(|| sentry_scopes::trace_headers().collect());
        let baggage = &headers.iter().find(|(k, _)| *k == "baggage").unwrap().1;
        assert!(!baggage.contains("sentry-sampled"), "{baggage}");
        head.finish();
    });
    assert!(transactions(&envelopes).is_empty());
    assert!(outgoing[0].ends_with("-1"), "{}", outgoing[0]);
    // No decision anywhere: the header defers to the downstream service.
    assert_eq!(outgoing[1].split('-').count(), 2, "{}", outgoing[1]);
}

#[test]
fn before_send_transaction_changes_or_drops_and_drops_are_counted() {
    let _serial = serial();
    let transport = TestTransport::new();
    let options = traced()
        .transport(transport.clone())
        .before_send_transaction(|mut txn| {
            if txn.name.as_deref() == Some("secret") {
                return None;
            }
            txn.tags.insert("checked".into(), "yes".into());
            Some(txn)
        });
    let guard = sentry_scopes::init(options).expect("options");
    start_transaction(TransactionContext::new("public", "task")).finish();
    let secret = start_transaction(TransactionContext::new("secret", "task"));
    secret.in_scope(|| drop(start_span("child", "child")));
    secret.finish();
    drop(guard);
    let txns = transactions(&transport.envelopes());
    assert_eq!(txns.len(), 1);
    assert_eq!(txns[0].tags["checked"], "yes");
    assert_eq!(
        transport.discarded(DiscardReason::BeforeSend, Category::Transaction),
        1
    );
    assert_eq!(
        transport.discarded(DiscardReason::BeforeSend, Category::Span),
        2
    );
}

#[test]
fn transaction_processors_see_transactions_with_the_scopes_applied() {
    let _serial = serial();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let envelopes = with_captured_envelopes_options(traced(), || {
        sentry_scopes::set_tag("tenant", "acme");
        sentry_scopes::get_isolation_scope().add_transaction_processor(move |mut txn| {
            counter.fetch_add(1, Ordering::Relaxed);
            assert_eq!(txn.tags["tenant"], "acme", "scopes are applied first");
            txn.tags.insert("processed".into(), "yes".into());
            Some(txn)
        });
        sentry_scopes::get_isolation_scope().add_event_processor(|_| None);
        start_transaction(TransactionContext::new("job", "task")).finish();
    });
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert_eq!(transactions(&envelopes)[0].tags["processed"], "yes");
}

#[test]
fn spans_nest_across_threads_and_tasks_like_the_rest_of_the_scope() {
    let _serial = serial();
    let envelopes = with_captured_envelopes_options(traced(), || {
        let txn = start_transaction(TransactionContext::new("fan-out", "task"));
        txn.in_scope(|| {
            sentry_scopes::thread::spawn(|| drop(start_span("thread", "on a thread")))
                .join()
                .unwrap();
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let task = sentry_scopes::task::spawn(async {
                    tokio::task::yield_now().await;
                    drop(start_span("task", "in a task"));
                });
                task.await.unwrap();
            });
        });
        txn.finish();
    });
    let txn = &transactions(&envelopes)[0];
    let root = trace_of(&txn.contexts).span_id;
    let mut ops: Vec<_> = txn.spans.iter().filter_map(|s| s.op.as_deref()).collect();
    ops.sort_unstable();
    assert_eq!(ops, ["task", "thread"]);
    assert!(txn.spans.iter().all(|s| s.parent_span_id == Some(root)));
}

#[test]
fn trace_headers_come_from_the_active_span_with_its_decision_and_baggage() {
    let _serial = serial();
    let options = traced().release("shop@1.0");
    with_captured_envelopes_options(options, || {
        let txn = start_transaction(TransactionContext::new("checkout", "http.server"));
        let child = txn.start_child("http.client", "GET /stock");
        let headers: Vec<_> = child.in_scope(|| sentry_scopes::trace_headers().collect());
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            get("sentry-trace").unwrap(),
            format!("{}-{}-1", child.trace_id(), child.span_id())
        );
        let baggage = get("baggage").unwrap();
        assert!(baggage.contains("sentry-sampled=true"), "{baggage}");
        assert!(baggage.contains("sentry-release=shop@1.0"), "{baggage}");
        assert!(baggage.contains("sentry-transaction=checkout"), "{baggage}");
        assert_eq!(
            get("traceparent").unwrap(),
            format!("00-{}-{}-01", child.trace_id(), child.span_id())
        );
        // Downstream continues below the child.
        let downstream = TransactionContext::continue_from_headers(
            "downstream",
            "http.server",
            headers.iter().map(|(k, v)| (*k, v.as_str())),
        );
        assert_eq!(downstream.parent_span_id(), Some(child.span_id()));
        assert_eq!(downstream.parent_sampled(), Some(true));
    });
}

#[test]
fn spans_beyond_max_spans_or_after_the_transaction_are_left_out_and_counted() {
    let _serial = serial();
    let transport = TestTransport::new();
    let guard =
        sentry_scopes::init(traced().max_spans(2).transport(transport.clone())).expect("options");
    let txn = start_transaction(TransactionContext::new("big", "task"));
    for i in 0..3 {
        drop(txn.start_child("op", format!("span {i}")));
    }
    let late = txn.start_child("op", "finishes after the transaction");
    let handle = txn.span().clone();
    txn.finish();
    drop(late);
    assert!(handle.is_finished());
    drop(guard);
    let txns = transactions(&transport.envelopes());
    assert_eq!(txns[0].spans.len(), 2);
    assert_eq!(
        transport.discarded(DiscardReason::BufferOverflow, Category::Span),
        1
    );
}

#[test]
fn an_invalid_traces_sample_rate_is_an_init_error() {
    let _serial = serial();
    let err = sentry_scopes::init(ClientOptions::new().traces_sample_rate(1.5)).unwrap_err();
    assert!(err.to_string().contains("traces_sample_rate"), "{err}");
}

#[test]
fn an_event_keeps_the_trace_context_it_was_captured_with_when_written_later() {
    let _serial = serial();
    let transport = TestTransport::new();
    let guard = sentry_scopes::init(traced().transport(transport.clone())).expect("options");
    let span_id = {
        let txn = start_transaction(TransactionContext::new("job", "task"));
        let step = txn.start_child("step", "charge");
        step.in_scope(|| capture_message("declined", Level::Error));
        step.set_op("renamed after the capture");
        step.span_id()
    }; // both finished before the transport writes the event
    drop(guard);
    let event = &events(&transport.envelopes())[0];
    let trace = trace_of(&event.contexts);
    assert_eq!(trace.span_id, span_id);
    assert_eq!(trace.op.as_deref(), Some("step"));
}
