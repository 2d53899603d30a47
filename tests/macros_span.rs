//! The `span(..)` argument of `#[with_scope]` and `#[isolation_scope]`: the span it opens (a
//! child of the active span, or a transaction), where it is active, when it starts and ends
//! (sync, `async fn` across awaits and worker threads, future-returning functions), how
//! attributes nest, and the status it ends with (`ok`, `internal_error` from `err` or a panic,
//! `cancelled`, or the body's own).

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use sentry_scopes::protocol::{
    Envelope, EnvelopeItem, SpanId, SpanStatus, TraceContext, Transaction,
};
use sentry_scopes::test::with_captured_envelopes_options;
use sentry_scopes::{
    ClientOptions, Context, Event, Level, ScopeFutureExt, TransactionContext, capture_message,
    get_current_scope, isolation_scope, scope, start_span, start_transaction, with_scope,
};
use sentry_types::protocol::v7::Span;
use tokio::runtime::{Builder, Runtime};
use tokio::task::yield_now;

fn traced(f: impl FnOnce()) -> (Vec<Transaction<'static>>, Vec<Event<'static>>) {
    let envelopes =
        with_captured_envelopes_options(ClientOptions::new().traces_sample_rate(1.0), f);
    let items = || envelopes.iter().flat_map(Envelope::items);
    let txns = items()
        .filter_map(|i| match i {
            EnvelopeItem::Transaction(t) => Some((**t).clone()),
            _ => None,
        })
        .collect();
    let events = items()
        .filter_map(|i| match i {
            EnvelopeItem::Event(e) => Some((**e).clone()),
            _ => None,
        })
        .collect();
    (txns, events)
}

fn trace_of(contexts: &sentry_scopes::protocol::Map<String, Context>) -> TraceContext {
    match contexts.get("trace") {
        Some(Context::Trace(t)) => (**t).clone(),
        other => panic!("no trace context: {other:?}"),
    }
}

/// The span of `txn` whose description is `description`.
fn span<'a>(txn: &'a Transaction<'static>, description: &str) -> &'a Span {
    txn.spans
        .iter()
        .find(|s| s.description.as_deref() == Some(description))
        .unwrap_or_else(|| panic!("no span {description:?} in {:#?}", txn.spans))
}

fn root_id(txn: &Transaction<'static>) -> SpanId {
    trace_of(&txn.contexts).span_id
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("runtime")
}

fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

#[with_scope(span(op = "db.query", name = "load user"), tag("table", "users"))]
fn load_user() {
    capture_message("loading", Level::Info);
}

#[test]
fn a_sync_span_is_a_child_of_the_active_span_and_active_only_inside() {
    let (txns, events) = traced(|| {
        let txn = start_transaction(TransactionContext::new("GET /user", "http.server"));
        txn.in_scope(|| {
            load_user();
            capture_message("after", Level::Info);
        });
    });
    let txn = &txns[0];
    let load = span(txn, "load user");
    assert_eq!(load.op.as_deref(), Some("db.query"));
    assert_eq!(load.parent_span_id, Some(root_id(txn)));
    assert_eq!(load.status, Some(SpanStatus::Ok));
    let inside = trace_of(&events[0].contexts);
    assert_eq!(inside.span_id, load.span_id);
    assert_eq!(events[0].tags["table"], "users");
    // Back in the transaction, without the fork's tag.
    assert_eq!(trace_of(&events[1].contexts).span_id, root_id(txn));
    assert!(!events[1].tags.contains_key("table"));
}

#[isolation_scope(span(op = "task", name = "nightly report"))]
fn nightly_report() {
    let _query = start_span("db.query", "orders");
}

#[test]
fn without_an_active_span_the_function_is_a_transaction() {
    let (txns, _) = traced(nightly_report);
    assert_eq!(txns.len(), 1);
    let txn = &txns[0];
    assert_eq!(txn.name.as_deref(), Some("nightly report"));
    let root = trace_of(&txn.contexts);
    assert_eq!(root.op.as_deref(), Some("task"));
    assert_eq!(root.status, Some(SpanStatus::Ok));
    assert_eq!(span(txn, "orders").parent_span_id, Some(root.span_id));
}

#[with_scope(span)]
fn resize_image() {}

#[with_scope(span())]
fn r#move() {}

const OP: &str = "cache.get";

#[isolation_scope(span(name = format!("load {id}"), op = OP))]
fn load(id: u32) {}

#[test]
fn defaults_and_values_function_name_and_expressions() {
    let (txns, _) = traced(|| {
        let txn = start_transaction(TransactionContext::new("job", "task"));
        txn.in_scope(|| {
            resize_image();
            r#move();
            load(7);
        });
    });
    let txn = &txns[0];
    assert_eq!(span(txn, "resize_image").op.as_deref(), Some("function"));
    assert_eq!(span(txn, "move").op.as_deref(), Some("function"));
    assert_eq!(span(txn, "load 7").op.as_deref(), Some("cache.get"));
}

#[isolation_scope(span(op = "job"))]
fn job() {
    capture_message("in the job", Level::Info);
}

#[test]
fn an_isolation_span_is_active_over_a_span_on_the_outer_current_scope() {
    // `Span::enter` puts the transaction on the current scope; the attribute's own items go to
    // the forked isolation scope, but its span must still win inside.
    let (txns, events) = traced(|| {
        let txn = start_transaction(TransactionContext::new("request", "http.server"));
        let _active = txn.enter();
        job();
    });
    let txn = &txns[0];
    let job = span(txn, "job");
    assert_eq!(job.parent_span_id, Some(root_id(txn)));
    assert_eq!(trace_of(&events[0].contexts).span_id, job.span_id);
}

#[with_scope(span(op = "task.step", name = format!("step {n}")), tag("n", n))]
async fn step(n: u32) -> u32 {
    scope!(extra(before = true));
    for _ in 0..10 {
        yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    capture_message("stepped", Level::Info);
    let _child = start_span("db.query", format!("child of {n}"));
    yield_now().await;
    n
}

#[test]
fn an_async_span_covers_every_await_across_worker_hops() {
    let (txns, events) = traced(|| {
        let txn = start_transaction(TransactionContext::new("batch", "task"));
        multi_thread().block_on(txn.bind(async {
            let tasks: Vec<_> = (0..8)
                .map(|n| tokio::spawn(step(n).bind_current_scope()))
                .collect();
            for (n, task) in (0..).zip(tasks) {
                assert_eq!(task.await.expect("task"), n);
            }
        }));
    });
    let txn = &txns[0];
    assert_eq!(events.len(), 8);
    for event in &events {
        let n = &event.tags["n"];
        assert_eq!(event.extra["before"], true);
        let step = span(txn, &format!("step {n}"));
        assert_eq!(step.parent_span_id, Some(root_id(txn)));
        assert_eq!(trace_of(&event.contexts).span_id, step.span_id);
        let child = span(txn, &format!("child of {n}"));
        assert_eq!(child.parent_span_id, Some(step.span_id));
        let took = step
            .timestamp
            .unwrap()
            .duration_since(step.start_timestamp)
            .unwrap();
        assert!(took >= Duration::from_millis(20), "{took:?}");
        assert!(child.timestamp <= step.timestamp);
    }
}

#[test]
fn an_async_span_starts_at_the_first_poll_below_the_span_active_then() {
    let mut polled = None;
    let (txns, _) = traced(|| {
        let fut = step(1); // outside any span: nothing starts here
        std::thread::sleep(Duration::from_millis(30));
        polled = Some(SystemTime::now());
        let txn = start_transaction(TransactionContext::new("later", "task"));
        current_thread().block_on(txn.bind(fut));
    });
    assert_eq!(txns.len(), 1, "one transaction, no stray one: {txns:#?}");
    let step = span(&txns[0], "step 1");
    assert_eq!(step.parent_span_id, Some(root_id(&txns[0])));
    assert!(step.start_timestamp >= polled.unwrap());
}

#[with_scope(span(op = "outer"))]
async fn outer() {
    inner().await;
    yield_now().await;
    inner_sync();
}

#[with_scope(span(op = "inner"), tag("level", "inner"))]
async fn inner() {
    yield_now().await;
    inner_sync();
}

#[isolation_scope(span(op = "inner_sync"))]
fn inner_sync() {
    capture_message("deepest", Level::Info);
}

#[test]
fn nested_attributes_nest_spans() {
    let (txns, events) = traced(|| multi_thread().block_on(outer()));
    assert_eq!(txns.len(), 1);
    let txn = &txns[0];
    assert_eq!(txn.name.as_deref(), Some("outer"));
    let root = root_id(txn);
    let inner = span(txn, "inner");
    assert_eq!(inner.parent_span_id, Some(root));
    let syncs: Vec<&Span> = txn
        .spans
        .iter()
        .filter(|s| s.op.as_deref() == Some("inner_sync"))
        .collect();
    assert_eq!(syncs.len(), 2);
    let parents: Vec<_> = syncs.iter().map(|s| s.parent_span_id).collect();
    assert!(parents.contains(&Some(inner.span_id)), "{parents:?}");
    assert!(parents.contains(&Some(root)), "{parents:?}");
    // Each event names the innermost span it was captured in.
    for event in &events {
        let id = trace_of(&event.contexts).span_id;
        assert!(syncs.iter().any(|s| s.span_id == id));
    }
    assert_eq!(events[0].tags["level"], "inner");
}

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("declined")
    }
}

impl std::error::Error for Declined {}

#[with_scope(span(op = "payment", name = "charge sync"), err)]
fn charge(fail: bool) -> Result<u32, Declined> {
    if fail { Err(Declined) } else { Ok(1) }
}

#[with_scope(span(op = "payment", name = "charge async"), err(level = Warning))]
async fn charge_async(fail: bool) -> Result<u32, Declined> {
    yield_now().await;
    if fail { Err(Declined) } else { Ok(2) }
}

#[with_scope(span(op = "payment", name = "charge later"), err)]
fn charge_later(fail: bool) -> impl Future<Output = Result<u32, Declined>> {
    scope!(tag("prepared", "yes"));
    async move {
        yield_now().await;
        if fail { Err(Declined) } else { Ok(3) }
    }
}

#[test]
fn err_ends_the_span_as_internal_error_and_its_event_names_the_span() {
    for fail in [true, false] {
        let (txns, events) = traced(|| {
            let txn = start_transaction(TransactionContext::new("checkout", "http.server"));
            txn.in_scope(|| {
                let _ = charge(fail);
                let rt = current_thread();
                let _ = rt.block_on(charge_async(fail));
                let _ = rt.block_on(charge_later(fail));
            });
        });
        let txn = &txns[0];
        let names = ["charge sync", "charge async", "charge later"];
        let expected = if fail {
            SpanStatus::InternalError
        } else {
            SpanStatus::Ok
        };
        for name in names {
            assert_eq!(
                span(txn, name).status,
                Some(expected),
                "{name}, fail: {fail}"
            );
        }
        if fail {
            assert_eq!(events.len(), 3);
            for (event, name) in events.iter().zip(names) {
                assert_eq!(trace_of(&event.contexts).span_id, span(txn, name).span_id);
                assert_eq!(event.exception.values[0].value.as_deref(), Some("declined"));
            }
            assert_eq!(events[1].level, Level::Warning);
            assert_eq!(events[2].tags["prepared"], "yes");
        } else {
            assert!(events.is_empty());
        }
    }
}

#[with_scope(span(op = "lookup"), err)]
fn lookup(fail: bool) -> Result<(), Declined> {
    let span = get_current_scope()
        .span()
        .expect("the function's span is active");
    span.set_status(SpanStatus::NotFound);
    if fail { Err(Declined) } else { Ok(()) }
}

#[test]
fn a_status_the_body_set_is_kept() {
    let (txns, events) = traced(|| {
        let txn = start_transaction(TransactionContext::new("t", "task"));
        txn.in_scope(|| {
            let _ = lookup(false);
            let _ = lookup(true);
        });
    });
    assert_eq!(events.len(), 1);
    let statuses: Vec<_> = txns[0].spans.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Some(SpanStatus::NotFound); 2]);
}

#[with_scope(span(op = "explode"))]
fn explode() {
    panic!("boom");
}

#[test]
fn a_panic_ends_the_span_as_internal_error() {
    let (txns, _) = traced(|| {
        let txn = start_transaction(TransactionContext::new("t", "task"));
        txn.in_scope(|| {
            assert!(std::panic::catch_unwind(explode).is_err());
            capture_message("after the panic", Level::Info);
        });
    });
    assert_eq!(
        span(&txns[0], "explode").status,
        Some(SpanStatus::InternalError)
    );
}

#[with_scope(span(op = "wait"))]
async fn wait_forever() {
    let _child = start_span("db.query", "never answered");
    yield_now().await;
    std::future::pending::<()>().await;
}

#[test]
fn a_future_dropped_before_it_completes_ends_its_span_as_cancelled() {
    let (txns, _) = traced(|| {
        let txn = start_transaction(TransactionContext::new("t", "task"));
        let timed_out =
            current_thread().block_on(txn.bind(async {
                tokio::time::timeout(Duration::from_millis(10), wait_forever()).await
            }));
        assert!(timed_out.is_err());
    });
    let txn = &txns[0];
    let wait = span(txn, "wait_forever");
    assert_eq!(wait.status, Some(SpanStatus::Cancelled));
    // The body was dropped first: its child ended before the function's span.
    let child = span(txn, "never answered");
    assert_eq!(child.parent_span_id, Some(wait.span_id));
    assert!(child.timestamp <= wait.timestamp);
}

trait Repo {
    fn get(&self, id: u32) -> Pin<Box<dyn Future<Output = u32> + Send + '_>>;
}

struct Db;

impl Repo for Db {
    // The shape `#[async_trait]` gives a method: the body only an async block, boxed.
    #[with_scope(span(op = "db.get", name = "get"))]
    fn get(&self, id: u32) -> Pin<Box<dyn Future<Output = u32> + Send + '_>> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(15)).await;
            capture_message("got", Level::Info);
            id
        })
    }
}

#[with_scope(span(op = "prepare", name = "prepared"))]
fn prepared(n: u32) -> impl Future<Output = u32> {
    let _sync_part = start_span("sync", "built at the call");
    async move {
        tokio::time::sleep(Duration::from_millis(15)).await;
        capture_message("ran", Level::Info);
        n
    }
}

#[test]
fn future_returning_functions_keep_their_span_open_until_the_future_completes() {
    let (txns, events) = traced(|| {
        let txn = start_transaction(TransactionContext::new("t", "task"));
        let rt = multi_thread();
        let (a, b) = rt.block_on(txn.bind(async {
            let a = tokio::spawn(Db.get(1).bind_current_scope());
            let b = tokio::spawn(prepared(2).bind_current_scope());
            (a.await.expect("a"), b.await.expect("b"))
        }));
        assert_eq!((a, b), (1, 2));
    });
    let txn = &txns[0];
    for (name, message) in [("get", "got"), ("prepared", "ran")] {
        let span = span(txn, name);
        assert_eq!(span.parent_span_id, Some(root_id(txn)));
        assert_eq!(span.status, Some(SpanStatus::Ok));
        let took = span
            .timestamp
            .unwrap()
            .duration_since(span.start_timestamp)
            .unwrap();
        assert!(took >= Duration::from_millis(15), "{name}: {took:?}");
        let event = events
            .iter()
            .find(|e| e.message.as_deref() == Some(message))
            .expect("event");
        assert_eq!(trace_of(&event.contexts).span_id, span.span_id);
    }
    let sync_part = span(txn, "built at the call");
    assert_eq!(
        sync_part.parent_span_id,
        Some(span(txn, "prepared").span_id)
    );
}

#[tracing::instrument(fields(sentry.op = "tracing.outer"))]
fn traced_outer() {
    load_user(); // a macro span below the tracing span
}

#[with_scope(span(op = "macro.outer"))]
fn macro_outer() {
    let _inner = tracing::info_span!("tracing_inner").entered();
    capture_message("in the tracing span", Level::Info);
}

#[test]
fn macro_spans_and_tracing_spans_nest_both_ways() {
    use sentry_scopes::integrations::tracing::SentryTracingLayer;
    use tracing_subscriber::prelude::*;

    let (txns, events) = traced(|| {
        let subscriber = tracing_subscriber::registry().with(SentryTracingLayer::new());
        tracing::subscriber::with_default(subscriber, || {
            let txn = start_transaction(TransactionContext::new("t", "task"));
            txn.in_scope(|| {
                traced_outer();
                macro_outer();
            });
        });
    });
    let txn = &txns[0];
    let outer = span(txn, "traced_outer");
    assert_eq!(outer.parent_span_id, Some(root_id(txn)));
    assert_eq!(span(txn, "load user").parent_span_id, Some(outer.span_id));
    let macro_outer = span(txn, "macro_outer");
    let inner = span(txn, "tracing_inner");
    assert_eq!(inner.parent_span_id, Some(macro_outer.span_id));
    let last = events.last().expect("event");
    assert_eq!(trace_of(&last.contexts).span_id, inner.span_id);
}
