//! A real axum server on loopback, behind the Sentry layer, hit by 1,000 concurrent requests:
//! each handler sets its own user, tags and breadcrumb, and every event must carry exactly the
//! data of the request that captured it; each handler starts spans, and every transaction must
//! hold exactly the spans of its own request.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use sentry_scopes::integrations::tower::SentryHttpLayer;
use sentry_scopes::test::{with_captured_envelopes_options, with_captured_events};
use sentry_scopes::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;

use common::{runtime, transactions};

const REQUESTS: usize = 1_000;

async fn work(Path(n): Path<usize>) -> String {
    set_user(Some(User {
        id: Some(n.to_string()),
        ..User::default()
    }));
    set_tag("n", n);
    set_tags([("parity", if n.is_multiple_of(2) { "even" } else { "odd" })]);
    add_breadcrumb(Breadcrumb {
        message: Some(format!("b{n}")),
        ..Breadcrumb::default()
    });
    for _ in 0..n % 4 {
        tokio::task::yield_now().await; // interleave with other requests, maybe hop threads
    }
    get_current_scope().set_extra("n", n);
    capture_message(&format!("request {n}"), Level::Info);
    format!("done {n}")
}

/// A fixed, distinct trace id per request.
fn trace_id(n: usize) -> String {
    format!("{n:032x}")
}

async fn send(addr: std::net::SocketAddr, n: usize, barrier: Arc<Barrier>) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /work/{n}?q={n} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {n}\r\n\
         sentry-trace: {}-{:016x}-1\r\nConnection: close\r\n\r\n",
        trace_id(n),
        n + 1
    );
    barrier.wait().await; // every client is connected: send all requests at once
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

/// Serves `app` on loopback and sends the 1,000 requests at once; checks every response.
async fn serve_and_hit(app: Router) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let barrier = Arc::new(Barrier::new(REQUESTS));
    let clients: Vec<_> = (0..REQUESTS)
        .map(|n| tokio::spawn(send(addr, n, barrier.clone())))
        .collect();
    for (n, client) in clients.into_iter().enumerate() {
        let response = client.await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with(&format!("done {n}")), "{response}");
    }
    server.abort();
}

#[test]
fn every_event_carries_exactly_its_own_request() {
    let mut leftover = None;
    let events = with_captured_events(|| {
        set_tag("service", "api");
        let rt = runtime();
        rt.block_on(async {
            let app = Router::new()
                .route("/work/{n}", get(work))
                .layer(SentryHttpLayer::new());
            serve_and_hit(app).await;

            // An unbound task on the same workers sees none of the requests' data.
            leftover = Some(
                tokio::spawn(async { get_isolation_scope().data() })
                    .await
                    .unwrap(),
            );
        });
    });

    let leftover = leftover.unwrap();
    assert_eq!(leftover.tags().count(), 0);
    assert!(leftover.user().is_none());
    assert_eq!(leftover.breadcrumbs().count(), 0);

    assert_eq!(events.len(), REQUESTS);
    let mut seen = BTreeSet::new();
    for event in &events {
        let message = event.message.as_deref().unwrap();
        let n: usize = message.strip_prefix("request ").unwrap().parse().unwrap();
        assert!(seen.insert(n), "request {n} reported twice");
        let ns = n.to_string();
        let tags: BTreeMap<&str, &str> = event
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let parity = if n.is_multiple_of(2) { "even" } else { "odd" };
        let expected = [("n", ns.as_str()), ("parity", parity), ("service", "api")];
        assert_eq!(tags, BTreeMap::from(expected), "{message}");
        assert_eq!(
            event.user.as_ref().unwrap().id.as_deref(),
            Some(ns.as_str())
        );
        assert_eq!(event.extra["n"], n);
        let crumbs: Vec<_> = event
            .breadcrumbs
            .values
            .iter()
            .map(|b| b.message.as_deref().unwrap())
            .collect();
        assert_eq!(crumbs, [format!("b{n}")]);
        let req = event.request.as_ref().unwrap();
        assert_eq!(req.url.as_ref().unwrap().path(), format!("/work/{n}"));
        assert_eq!(req.query_string.as_deref(), Some(format!("q={n}").as_str()));
        assert!(!req.headers.contains_key("authorization"));
        assert_eq!(event.transaction.as_deref(), Some("GET /work/{n}"));
        match &event.contexts["trace"] {
            Context::Trace(t) => {
                assert_eq!(t.trace_id.to_string(), trace_id(n));
                assert_eq!(
                    t.parent_span_id.map(|s| s.to_string()),
                    Some(format!("{:016x}", n + 1))
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Starts a span tagged with the request's number, and below it, across awaits that may move
/// the task to another worker, a second one.
async fn spanned_work(Path(n): Path<usize>) -> String {
    let step = start_span("work", format!("request {n}"));
    step.set_tag("request", n.to_string());
    let inner = async move {
        for _ in 0..n % 4 {
            tokio::task::yield_now().await;
        }
        let lookup = start_span("db.query", format!("lookup {n}"));
        lookup.set_tag("request", n.to_string());
        tokio::task::yield_now().await;
    };
    step.bind(inner).await;
    format!("done {n}")
}

#[test]
fn no_span_lands_in_another_requests_transaction() {
    let options = ClientOptions::new().traces_sample_rate(1.0);
    let envelopes = with_captured_envelopes_options(options, || {
        let rt = runtime();
        rt.block_on(async {
            let app = Router::new()
                .route("/work/{n}", get(spanned_work))
                .layer(SentryHttpLayer::new());
            serve_and_hit(app).await;
        });
    });
    let txns = transactions(&envelopes);
    assert_eq!(txns.len(), REQUESTS);
    let mut seen = BTreeSet::new();
    for txn in &txns {
        assert_eq!(txn.name.as_deref(), Some("GET /work/{n}"));
        let Some(Context::Trace(root)) = txn.contexts.get("trace") else {
            panic!("a transaction without a trace context");
        };
        // The incoming trace names the request: trace id `n`.
        let n = usize::from_str_radix(&root.trace_id.to_string(), 16).unwrap();
        assert!(seen.insert(n), "request {n} has two transactions");
        let path = txn
            .request
            .as_ref()
            .and_then(|r| r.url.as_ref())
            .unwrap()
            .path();
        assert_eq!(path, format!("/work/{n}"));
        assert_eq!(txn.spans.len(), 2, "request {n}: {:?}", txn.spans);
        let ns = n.to_string();
        for span in &txn.spans {
            assert_eq!(span.tags["request"], ns, "a span of another request in {n}");
            assert_eq!(span.trace_id, root.trace_id);
        }
        let work = txn.spans.iter().find(|s| s.op.as_deref() == Some("work"));
        let query = txn
            .spans
            .iter()
            .find(|s| s.op.as_deref() == Some("db.query"));
        let (work, query) = (work.unwrap(), query.unwrap());
        assert_eq!(work.parent_span_id, Some(root.span_id));
        assert_eq!(query.parent_span_id, Some(work.span_id));
        assert_eq!(work.description, Some(format!("request {n}")));
        assert_eq!(query.description, Some(format!("lookup {n}")));
    }
}
