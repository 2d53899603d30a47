//! A small axum service instrumented with sentry-scopes: every request in its own isolation
//! scope (the tower layer), logs as breadcrumbs and errors as events (the tracing layer),
//! handler panics as fatal events (the panic hook, which `init` installs), and trace headers for
//! outgoing calls.
//!
//! ```sh
//! cargo run --example axum_server                  # serves http://127.0.0.1:3000 (PORT=.. to change)
//! cargo run --example axum_server -- --self-test   # ephemeral port, sends itself requests, exits
//! SENTRY_DSN=http://KEY@127.0.0.1:8000/1 cargo run --example axum_server -- --self-test
//! ```
//!
//! Without `SENTRY_DSN`, every event is printed to stdout as JSON instead of being sent.
//! Routes: `/`, `/users/{id}` (id 0 is "not found"), `/checkout` (shows the outgoing trace
//! headers), `/fail` (a database error: 500 and an error event), `/panic` (a fatal event).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use sentry_scopes::integrations::tower::SentryHttpLayer;
use sentry_scopes::integrations::tracing::SentryTracingLayer;
use sentry_scopes::{ClientOptions, User, capture_error, set_tag, set_user, trace_headers};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing_subscriber::prelude::*;

#[derive(Debug)]
struct DbError(&'static str);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database unavailable: {}", self.0)
    }
}

impl std::error::Error for DbError {}

async fn index() -> &'static str {
    "hello from sentry-scopes\n"
}

#[tracing::instrument]
async fn show_user(Path(id): Path<u64>) -> Result<String, StatusCode> {
    set_user(Some(User {
        id: Some(id.to_string()),
        ..User::default()
    }));
    tracing::info!(id, "loading user"); // a breadcrumb of this request only
    if id == 0 {
        tracing::warn!("no such user");
        return Err(StatusCode::NOT_FOUND);
    }
    Ok(format!("user {id}\n"))
}

async fn checkout() -> String {
    set_tag("cart_items", 3);
    // What an HTTP client (reqwest, hyper, ...) would add to a call to the next service.
    let headers: Vec<String> = trace_headers().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{}\n", headers.join("\n"))
}

async fn fail() -> StatusCode {
    set_tag("db.replica", "eu-2");
    tracing::info!("opening connection");
    let err = DbError("connection refused");
    tracing::error!(
        error = &err as &dyn std::error::Error,
        "order lookup failed"
    );
    capture_error(&err);
    StatusCode::INTERNAL_SERVER_ERROR
}

async fn panics() -> &'static str {
    set_tag("about_to", "panic");
    let orders: Vec<u32> = Vec::new();
    let _ = orders[3]; // index out of bounds: reported by the panic hook, with this request's data
    "unreachable"
}

fn app() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/users/{id}", get(show_user))
        .route("/checkout", get(checkout))
        .route("/fail", get(fail))
        .route("/panic", get(panics))
        .layer(SentryHttpLayer::new())
}

/// Sends one raw HTTP/1.1 request and returns the status line (or why there is none).
async fn get_status(addr: SocketAddr, path: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return "connect failed".into();
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: self-test\r\n\
         Authorization: Bearer not-sent\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return "write failed".into();
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    let status = response.lines().next().unwrap_or("");
    if status.is_empty() {
        "connection closed (the handler panicked)".into()
    } else {
        status.to_owned()
    }
}

#[tokio::main]
async fn main() {
    let self_test = std::env::args().any(|a| a == "--self-test")
        || std::env::var_os("SELF_TEST").is_some_and(|v| v == "1");
    let _guard = sentry_scopes::init(
        ClientOptions::new()
            .release(concat!("axum-example@", env!("CARGO_PKG_VERSION")))
            .environment("example"),
    )
    .expect("valid client options"); // also installs the panic hook
    tracing_subscriber::registry()
        .with(SentryTracingLayer::new().span_scopes(true))
        .init();
    sentry_scopes::get_global_scope().set_tag("service", "axum-example");

    let port = if self_test {
        0
    } else {
        std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3000)
    };
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("port is free");
    let addr = listener.local_addr().expect("bound");
    eprintln!("listening on http://{addr}");
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });
    if !self_test {
        let _ = server.await;
        return;
    }

    let mut ok = true;
    for (path, expected) in [
        ("/", "200"),
        ("/users/7", "200"),
        ("/users/0", "404"),
        ("/checkout", "200"),
        ("/fail", "500"),
        ("/panic", "connection closed"),
    ] {
        let status = get_status(addr, path).await;
        eprintln!("GET {path} -> {status}");
        ok &= status.contains(expected);
    }
    server.abort();
    // Let the panic report finish before the guard flushes and the process exits.
    tokio::time::sleep(Duration::from_millis(100)).await;
    if !ok {
        eprintln!("self-test failed");
        std::process::exit(1);
    }
    eprintln!("self-test passed");
}
