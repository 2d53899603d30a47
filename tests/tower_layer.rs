//! The tower layer (features `tower`, `axum`), driven without a server: request data, header
//! filtering, trace continuation, transaction names, layer order, what survives a request, and
//! the `http.server` transaction of every request (name, status, continuation, what it holds).

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::routing::get;
use http::{Request, StatusCode};
use sentry_scopes::integrations::tower::{SentryHttpLayer, SentryHttpService};
use sentry_scopes::test::{
    with_captured_envelopes_options, with_captured_events, with_captured_events_options,
};
use sentry_scopes::*;
use tower::util::MapRequestLayer;

use common::{events, runtime, trace_of, traced, transactions};
use tower::{Layer, ServiceExt};

const TRACE: &str = "771a43a4192642f0b136d5159a501700";

async fn show_user(Path(id): Path<u32>) -> &'static str {
    set_tag("user_id", id);
    capture_message("shown", Level::Info);
    "ok"
}

fn request(uri: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header("host", "shop.example")
        .header("authorization", "Bearer secret")
        .header("cookie", "session=abc")
        .header("x-api-key", "key")
        .header("user-agent", "tests")
        .header("sentry-trace", format!("{TRACE}-b7ad6b7169203331-1"))
        .header(
            "baggage",
            format!("sentry-trace_id={TRACE},sentry-release=up@1"),
        )
        .body(Body::empty())
        .unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn layer_and_service_are_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<SentryHttpLayer>();
    assert_traits::<SentryHttpService<Router>>();
}

#[test]
fn a_request_is_recorded_without_credentials_and_continues_its_trace() {
    let events = with_captured_events(|| {
        let app = Router::new()
            .route("/users/{id}", get(show_user))
            .layer(SentryHttpLayer::new());
        block_on(app.oneshot(request("/users/7?sort=asc&token=t"))).unwrap();
    });
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.tags["user_id"], "7");
    assert_eq!(event.transaction.as_deref(), Some("GET /users/{id}"));
    let req = event.request.as_ref().unwrap();
    assert_eq!(req.method.as_deref(), Some("GET"));
    assert_eq!(
        req.url.as_ref().map(|u| u.as_str()),
        Some("http://shop.example/users/7")
    );
    assert_eq!(
        req.query_string.as_deref(),
        Some("sort=asc&token=[Filtered]")
    );
    let mut names: Vec<_> = req.headers.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["baggage", "host", "sentry-trace", "user-agent"]);
    assert_eq!(req.cookies, None);
    let trace = match &event.contexts["trace"] {
        Context::Trace(t) => t,
        other => panic!("{other:?}"),
    };
    assert_eq!(trace.trace_id.to_string(), TRACE);
    assert_eq!(
        trace.parent_span_id.map(|s| s.to_string()).as_deref(),
        Some("b7ad6b7169203331")
    );
}

#[test]
fn no_client_address_credential_or_personal_parameter_leaves_without_pii() {
    let ip_headers = [
        "x-original-forwarded-for",
        "x-cluster-client-ip",
        "fastly-client-ip",
        "x-envoy-external-address",
        "x-forwarded",
        "forwarded-for",
        "forwarded",
        "x-forwarded-for",
        "x-real-ip",
        "x-client-ip",
        "true-client-ip",
        "cf-connecting-ip",
        "fly-client-ip",
    ];
    let events = with_captured_events(|| {
        let app = Router::new()
            .route("/users/{id}", get(show_user))
            .layer(SentryHttpLayer::new());
        let mut req = Request::get("/users/1?page=2&email=a@b.c&code=c&key=k&sig=s&ssn=1")
            .header("accept", "text/html")
            .header("x-access-key", "secret-value");
        for h in ip_headers {
            req = req.header(h, "203.0.113.7");
        }
        block_on(app.oneshot(req.body(Body::empty()).unwrap())).unwrap();
    });
    let req = events[0].request.as_ref().unwrap();
    let names: Vec<_> = req.headers.keys().map(String::as_str).collect();
    assert_eq!(names, ["accept"]);
    assert_eq!(
        req.query_string.as_deref(),
        Some(
            "page=2&email=[Filtered]&code=[Filtered]&key=[Filtered]&sig=[Filtered]&ssn=[Filtered]"
        )
    );
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(
        !json.contains("203.0.113.7") && !json.contains("secret-value"),
        "{json}"
    );
}

#[test]
fn send_default_pii_keeps_credentials_and_cookies() {
    let options = ClientOptions::new().send_default_pii(true);
    let events = with_captured_events_options(options, || {
        let app = Router::new()
            .route("/users/{id}", get(show_user))
            .layer(SentryHttpLayer::new());
        block_on(app.oneshot(request("/users/1?token=t"))).unwrap();
    });
    let req = events[0].request.as_ref().unwrap();
    assert_eq!(req.headers["authorization"], "Bearer secret");
    assert_eq!(req.headers["x-api-key"], "key");
    assert_eq!(req.cookies.as_deref(), Some("session=abc"));
    assert_eq!(req.query_string.as_deref(), Some("token=t"));
}

#[test]
fn without_trace_headers_each_request_starts_its_own_trace() {
    let mut outer_trace = None;
    let events = with_captured_events(|| {
        outer_trace = Some(get_isolation_scope().propagation_context().trace_id());
        let app = Router::new()
            .route("/users/{id}", get(show_user))
            .layer(SentryHttpLayer::new());
        block_on(async {
            for id in 0..2 {
                let req = Request::get(format!("/users/{id}")).body(Body::empty());
                app.clone().oneshot(req.unwrap()).await.unwrap();
            }
        });
    });
    let trace_of = |e: &Event<'static>| match &e.contexts["trace"] {
        Context::Trace(t) => (t.trace_id, t.parent_span_id),
        _ => unreachable!(),
    };
    let (a, b) = (trace_of(&events[0]), trace_of(&events[1]));
    assert_ne!(a.0, b.0);
    assert_ne!(Some(a.0), outer_trace);
    assert_eq!(a.1, None);
}

#[test]
fn wrapping_the_whole_router_names_transactions_after_the_path() {
    let events = with_captured_events(|| {
        let router = Router::new().route("/users/{id}", get(show_user));
        let app = SentryHttpLayer::new().layer(router);
        block_on(app.oneshot(request("/users/3"))).unwrap();
    });
    assert_eq!(events[0].transaction.as_deref(), Some("GET /users/3"));
    assert_eq!(events[0].tags["user_id"], "3");
}

/// A middleware that writes to the isolation scope while the request passes through it.
fn tagging_middleware() -> MapRequestLayer<fn(Request<Body>) -> Request<Body>> {
    MapRequestLayer::new(|req: Request<Body>| {
        set_tag("middleware", req.uri().path().to_owned());
        req
    })
}

#[test]
fn either_layer_order_records_the_same_request() {
    for sentry_first in [true, false] {
        let events = with_captured_events(|| {
            let routes = Router::new().route("/users/{id}", get(show_user));
            let app = if sentry_first {
                routes
                    .layer(SentryHttpLayer::new())
                    .layer(tagging_middleware())
            } else {
                routes
                    .layer(tagging_middleware())
                    .layer(SentryHttpLayer::new())
            };
            block_on(async {
                for id in [1, 2] {
                    let req = request(&format!("/users/{id}"));
                    app.clone().oneshot(req).await.unwrap();
                }
            });
        });
        assert_eq!(events.len(), 2, "sentry_first={sentry_first}");
        for (event, id) in events.iter().zip(["1", "2"]) {
            assert_eq!(event.tags["user_id"], id);
            assert_eq!(event.transaction.as_deref(), Some("GET /users/{id}"));
            let url = event.request.as_ref().unwrap().url.as_ref().unwrap();
            assert_eq!(url.path(), format!("/users/{id}"));
            // Inside the Sentry layer, the middleware writes to the request's own scope.
            if !sentry_first {
                assert_eq!(event.tags["middleware"], format!("/users/{id}"));
            }
        }
    }
}

#[test]
fn nothing_a_request_writes_survives_it() {
    let events = with_captured_events(|| {
        set_tag("service", "api"); // set before the layer: every request has it
        let layer = SentryHttpLayer::new();
        set_tag("late", "1"); // set after: no request sees it
        let app = Router::new()
            .route("/users/{id}", get(show_user))
            .layer(layer);
        block_on(app.oneshot(request("/users/9"))).unwrap();
        capture_message("after", Level::Info);
    });
    assert_eq!(events[0].tags["service"], "api");
    assert!(!events[0].tags.contains_key("late"));
    let after = &events[1];
    assert!(!after.tags.contains_key("user_id"));
    assert!(after.request.is_none());
    assert_eq!(after.transaction, None);
}

// ---- transactions -------------------------------------------------------------------------

async fn respond_with(Path(code): Path<u16>) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT)
}

#[test]
fn every_request_is_an_http_server_transaction_named_after_its_route_with_its_status() {
    let codes = [200, 401, 403, 404, 429, 500, 503];
    let envelopes = with_captured_envelopes_options(traced(), || {
        let app = Router::new()
            .route("/users/{id}", get(show_user))
            .route("/status/{code}", get(respond_with))
            .layer(SentryHttpLayer::new());
        block_on(async {
            app.clone().oneshot(request("/users/7")).await.unwrap();
            for code in codes {
                let req = Request::get(format!("/status/{code}")).body(Body::empty());
                app.clone().oneshot(req.unwrap()).await.unwrap();
            }
        });
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), 1 + codes.len());
    let user = &txns[0];
    assert_eq!(user.name.as_deref(), Some("GET /users/{id}"));
    assert_eq!(
        user.tags["user_id"], "7",
        "the request's scope data is applied"
    );
    let req = user
        .request
        .as_ref()
        .expect("the request is on the transaction");
    assert_eq!(req.url.as_ref().map(|u| u.path()), Some("/users/7"));
    assert!(!req.headers.contains_key("authorization"));
    let statuses: Vec<_> = txns[1..]
        .iter()
        .map(|t| {
            let trace = trace_of(&t.contexts);
            assert_eq!(t.name.as_deref(), Some("GET /status/{code}"));
            assert_eq!(trace.op.as_deref(), Some("http.server"));
            let code = trace.data["http.response.status_code"].as_u64().unwrap();
            (code, trace.status.unwrap())
        })
        .collect();
    use protocol::SpanStatus::*;
    assert_eq!(
        statuses,
        [
            (200, Ok),
            (401, Unauthenticated),
            (403, PermissionDenied),
            (404, NotFound),
            (429, ResourceExhausted),
            (500, InternalError),
            (503, Unavailable),
        ]
    );
}

#[test]
fn a_transaction_continues_the_incoming_trace_and_propagates_it() {
    let mut outgoing = Vec::new();
    let envelopes = with_captured_envelopes_options(traced(), || {
        let app = Router::new()
            .route("/hop", get(hop))
            .layer(SentryHttpLayer::new());
        block_on(async {
            // sentry-trace + baggage: the upstream decision and sampling context are kept.
            let req = Request::get("/hop")
                .header("sentry-trace", format!("{TRACE}-b7ad6b7169203331-1"))
                .header(
                    "baggage",
                    format!("sentry-trace_id={TRACE},sentry-release=up@1"),
                );
            let res = app.clone().oneshot(req.body(Body::empty()).unwrap());
            outgoing.push(headers_of(res.await.unwrap()).await);
            // W3C traceparent alone continues too.
            let req = Request::get("/hop").header(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            );
            let res = app.clone().oneshot(req.body(Body::empty()).unwrap());
            outgoing.push(headers_of(res.await.unwrap()).await);
        });
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), 2);
    let (sentry, w3c) = (trace_of(&txns[0].contexts), trace_of(&txns[1].contexts));
    assert_eq!(sentry.trace_id.to_string(), TRACE);
    assert_eq!(
        sentry.parent_span_id.map(|s| s.to_string()).as_deref(),
        Some("b7ad6b7169203331")
    );
    assert_eq!(w3c.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        w3c.parent_span_id.map(|s| s.to_string()).as_deref(),
        Some("00f067aa0ba902b7")
    );
    // Downstream calls made in the handler continue below the request's transaction, with
    // the upstream's sampling context.
    let header = |i: usize, name: &str| {
        outgoing[i]
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        header(0, "sentry-trace"),
        format!("{TRACE}-{}-1", sentry.span_id)
    );
    assert!(header(0, "baggage").contains("sentry-release=up@1"));
    assert!(header(1, "sentry-trace").starts_with(&format!("{}-{}", w3c.trace_id, w3c.span_id)));
}

/// Reports an event and answers with the trace headers an outgoing call would carry.
async fn hop() -> String {
    capture_message("hop", Level::Info);
    trace_headers()
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

async fn headers_of(res: http::Response<Body>) -> Vec<(String, String)> {
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

async fn fails_inside_a_span() -> StatusCode {
    capture_message("under the transaction", Level::Error);
    let lookup = start_span("db.query", "load order");
    tokio::task::yield_now().await;
    lookup.in_scope(|| capture_message("under the query", Level::Error));
    drop(lookup);
    // A block that clears the active span still reports the request's trace.
    with_scope(|scope| {
        scope.set_span(None);
        capture_message("no span active", Level::Error);
    });
    StatusCode::INTERNAL_SERVER_ERROR
}

#[test]
fn events_and_child_spans_of_the_handler_belong_to_the_requests_transaction() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        let app = Router::new()
            .route("/orders/{id}", get(fails_inside_a_span))
            .layer(SentryHttpLayer::new());
        block_on(app.oneshot(request("/orders/1"))).unwrap();
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), 1);
    let root = trace_of(&txns[0].contexts);
    assert_eq!(root.status, Some(protocol::SpanStatus::InternalError));
    assert_eq!(txns[0].spans.len(), 1);
    let query = &txns[0].spans[0];
    assert_eq!(query.op.as_deref(), Some("db.query"));
    assert_eq!(query.parent_span_id, Some(root.span_id));
    assert_eq!(query.trace_id, root.trace_id);

    let events = events(&envelopes);
    let traces: Vec<_> = events.iter().map(|e| trace_of(&e.contexts)).collect();
    assert_eq!(traces.len(), 3);
    assert!(traces.iter().all(|t| t.trace_id == root.trace_id));
    assert_eq!(traces[0].span_id, root.span_id);
    assert_eq!(traces[0].op.as_deref(), Some("http.server"));
    assert_eq!(traces[1].span_id, query.span_id);
    assert_eq!(traces[2].span_id, root.span_id);
    assert_eq!(traces[2].parent_span_id, root.parent_span_id);
}

async fn slow() -> &'static str {
    let _step = start_span("sleep", "waiting");
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    "late"
}

async fn panics() -> &'static str {
    tokio::task::yield_now().await;
    let items: Vec<&str> = Vec::new();
    items.first().copied().expect("the handler panics")
}

#[test]
fn a_dropped_response_is_cancelled_and_a_panicking_handler_an_internal_error() {
    let envelopes = with_captured_envelopes_options(traced(), || {
        let app = Router::new()
            .route("/slow", get(slow))
            .route("/panics", get(panics))
            .layer(SentryHttpLayer::new());
        let rt = runtime();
        rt.block_on(async {
            let req = Request::get("/slow").body(Body::empty()).unwrap();
            let timeout = std::time::Duration::from_millis(50);
            let res = tokio::time::timeout(timeout, app.clone().oneshot(req)).await;
            assert!(res.is_err(), "the handler is still sleeping");
        });
        let req = Request::get("/panics").body(Body::empty()).unwrap();
        let run = std::panic::AssertUnwindSafe(|| rt.block_on(app.oneshot(req)));
        assert!(std::panic::catch_unwind(run).is_err());
    });
    let txns = transactions(&envelopes);
    let status = |name: &str| {
        let txn = txns.iter().find(|t| t.name.as_deref() == Some(name));
        txn.and_then(|t| trace_of(&t.contexts).status)
    };
    assert_eq!(status("GET /slow"), Some(protocol::SpanStatus::Cancelled));
    assert_eq!(
        status("GET /panics"),
        Some(protocol::SpanStatus::InternalError)
    );
    let slow = txns.iter().find(|t| t.name.as_deref() == Some("GET /slow"));
    let spans = slow.map(|t| t.spans.len());
    assert_eq!(
        spans,
        Some(1),
        "the handler's span finished before its transaction"
    );
}

#[test]
fn without_sampling_nothing_is_sent_but_the_trace_still_flows() {
    let mut outgoing = Vec::new();
    let options = ClientOptions::new().traces_sampler(|ctx| {
        let tc = ctx.transaction_context();
        assert_eq!(tc.op(), "http.server");
        if tc.name() == "GET /hop" { 0.0 } else { 1.0 }
    });
    let envelopes = with_captured_envelopes_options(options, || {
        let app = Router::new()
            .route("/hop", get(hop))
            .layer(SentryHttpLayer::new());
        block_on(async {
            let req =
                Request::get("/hop").header("sentry-trace", format!("{TRACE}-b7ad6b7169203331"));
            let res = app.oneshot(req.body(Body::empty()).unwrap());
            outgoing = headers_of(res.await.unwrap()).await;
        });
    });
    assert!(transactions(&envelopes).is_empty());
    let events = events(&envelopes);
    let trace = trace_of(&events[0].contexts);
    assert_eq!(trace.trace_id.to_string(), TRACE);
    let sentry_trace = &outgoing
        .iter()
        .find(|(n, _)| n == "sentry-trace")
        .unwrap()
        .1;
    assert_eq!(sentry_trace, &format!("{TRACE}-{}-0", trace.span_id));
}

#[tracing::instrument]
async fn load_profile(user: u32) {
    tokio::task::yield_now().await;
}

async fn traced_handler(Path(id): Path<u32>) -> &'static str {
    load_profile(id).await;
    "ok"
}

#[test]
fn tracing_spans_in_the_handler_are_children_of_the_requests_transaction() {
    use sentry_scopes::integrations::tracing::SentryTracingLayer;
    use tracing_subscriber::prelude::*;
    let envelopes = with_captured_envelopes_options(traced(), || {
        let subscriber = tracing_subscriber::registry().with(SentryTracingLayer::new());
        let _default = tracing::subscriber::set_default(subscriber);
        let app = Router::new()
            .route("/profiles/{id}", get(traced_handler))
            .layer(SentryHttpLayer::new());
        // block_on polls on this thread, where the subscriber is the default.
        block_on(app.oneshot(request("/profiles/5"))).unwrap();
    });
    let txns = transactions(&envelopes);
    assert_eq!(
        txns.len(),
        1,
        "the tracing span is no transaction of its own"
    );
    let root = trace_of(&txns[0].contexts);
    assert_eq!(txns[0].name.as_deref(), Some("GET /profiles/{id}"));
    let span = &txns[0].spans[0];
    assert_eq!(span.op.as_deref(), Some("load_profile"));
    assert_eq!(span.parent_span_id, Some(root.span_id));
    assert_eq!(span.data["user"], 5);
}
