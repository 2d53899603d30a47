//! The tower layer (features `tower`, `axum`), driven without a server: request data, header
//! filtering, trace continuation, transaction names, layer order and what survives a request.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::routing::get;
use http::Request;
use sentry_scopes::integrations::tower::{SentryHttpLayer, SentryHttpService};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::*;
use tower::util::MapRequestLayer;
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
