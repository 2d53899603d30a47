//! `#[isolation_scope]` around a (simulated) request handler: each request gets its own
//! isolation scope, so the top-level `set_tag`/`set_user` calls deep in the handler land on
//! that request only and never leak into the next one.
//!
//! Run with `cargo run --example isolation_per_request`. Without `SENTRY_DSN`, events are
//! printed to stdout instead of being sent.

use sentry_scopes::{
    ClientOptions, Level, User, capture_message, isolation_scope, set_tag, set_user,
};

struct Request {
    id: u32,
    method: &'static str,
    path: &'static str,
    token: Option<&'static str>,
}

/// The per-request entry point, as a web framework integration would call it.
#[isolation_scope(
    tag("request_id", req.id),
    tags(http.method = req.method, http.path = req.path),
    transaction = req.path,
)]
fn handle(req: &Request) -> u16 {
    let Some(user) = authenticate(req.token) else {
        capture_message("unauthenticated request", Level::Warning);
        return 401;
    };
    if req.path == "/admin" && user != "alice" {
        capture_message("forbidden", Level::Warning);
        return 403;
    }
    200
}

/// Library code far from the handler: it does not know about requests and uses the top-level
/// setters, which write to the current request's isolation scope.
fn authenticate(token: Option<&str>) -> Option<&'static str> {
    let user = match token? {
        "t-alice" => "alice",
        "t-bob" => "bob",
        _ => return None,
    };
    set_user(Some(User {
        username: Some(user.to_owned()),
        ..User::default()
    }));
    set_tag("auth", "token");
    Some(user)
}

fn main() {
    let _guard = sentry_scopes::init(ClientOptions::new().release("api@2.3.0"))
        .expect("valid client options");

    let requests = [
        Request {
            id: 1,
            method: "GET",
            path: "/orders",
            token: Some("t-alice"),
        },
        Request {
            id: 2,
            method: "GET",
            path: "/admin",
            token: Some("t-bob"),
        },
        Request {
            id: 3,
            method: "POST",
            path: "/orders",
            token: None,
        },
    ];
    for req in &requests {
        let status = handle(req);
        println!("{} {} -> {status}", req.method, req.path);
    }
    // Request 3's event has no user: bob's login (request 2) stayed in request 2.
    capture_message("server idle", Level::Info);
}
