//! What the end-to-end tests send: events with every kind of scope data, from several
//! isolation scopes and threads, and what each of them must look like on the server.

#![allow(dead_code, reason = "each e2e file uses a different part")]

pub mod event;

use std::error::Error;
use std::fmt;

use sentry_scopes::protocol::Map;
use sentry_scopes::{
    Breadcrumb, Context, Level, User, Uuid, Value, add_breadcrumb, capture_error, capture_message,
    get_global_scope, set_context, set_extra, set_fingerprint, set_tag, set_user,
    with_isolation_scope, with_scope,
};

/// The root cause of the exception chain.
#[derive(Debug)]
pub struct ReadError {
    pub path: String,
}
impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}", self.path)
    }
}
impl Error for ReadError {}

/// The error that is captured; its source is a [`ReadError`].
#[derive(Debug)]
pub struct LoadError {
    pub source: ReadError,
}
impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("configuration could not be loaded")
    }
}
impl Error for LoadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

/// One event sent, with the tenant whose isolation scope it came from.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: Uuid,
    pub tenant: &'static str,
    pub kind: &'static str,
}

fn crumb(category: &str, message: &str, level: Level, n: i64) -> Breadcrumb {
    let mut data = Map::new();
    data.insert("n".to_owned(), Value::from(n));
    Breadcrumb {
        ty: "default".into(),
        category: Some(category.into()),
        message: Some(message.into()),
        level,
        data,
        ..Breadcrumb::default()
    }
}

fn user(tenant: &str) -> User {
    User {
        id: Some(format!("user-{tenant}")),
        email: Some(format!("{tenant}@example.org")),
        username: Some(format!("name-{tenant}")),
        ..User::default()
    }
}

/// Scope data of one tenant, written to the active isolation scope.
fn tenant_scope(tenant: &'static str) {
    set_tag("tenant", tenant);
    set_user(Some(user(tenant)));
    add_breadcrumb(crumb(
        "auth",
        &format!("{tenant} logged in"),
        Level::Info,
        1,
    ));
    add_breadcrumb(crumb(
        "cart",
        &format!("{tenant} added 3 items"),
        Level::Warning,
        2,
    ));
    let mut order = Map::new();
    order.insert("id".to_owned(), Value::from(format!("order-{tenant}")));
    order.insert("items".to_owned(), Value::from(3));
    set_context("order", Context::Other(order));
    set_extra(
        "payload",
        serde_json::json!({ "tenant": tenant, "nested": { "list": [1, 2, 3], "ok": true } }),
    );
}

/// Sends, from three isolation scopes on three threads, an error with a two-level exception
/// chain (tenant a), a message with a fingerprint and a current-scope tag (tenant b), and a
/// plain message (tenant c). `run` is set as a global tag. Returns what was sent.
pub fn send_rich_events(run: &str) -> Vec<Sent> {
    get_global_scope().set_tag("run", run);
    let a = sentry_scopes::thread::spawn(|| {
        with_isolation_scope(|_| {
            tenant_scope("a");
            set_fingerprint(Some(&["load-error", "{{ default }}"]));
            let err = LoadError {
                source: ReadError {
                    path: "/etc/app.toml".into(),
                },
            };
            let id = capture_error(&err).expect("sent");
            Sent {
                id,
                tenant: "a",
                kind: "error",
            }
        })
    });
    let b = sentry_scopes::thread::spawn(|| {
        with_isolation_scope(|_| {
            tenant_scope("b");
            set_fingerprint(Some(&["payment-declined"]));
            let id = with_scope(|scope| {
                scope.set_tag("step", "charge");
                capture_message("payment declined", Level::Warning).expect("sent")
            });
            Sent {
                id,
                tenant: "b",
                kind: "message",
            }
        })
    });
    let c = with_isolation_scope(|_| {
        tenant_scope("c");
        let id = capture_message("plain message", Level::Info).expect("sent");
        Sent {
            id,
            tenant: "c",
            kind: "plain",
        }
    });
    let mut sent = vec![a.join().expect("thread a"), b.join().expect("thread b"), c];
    sent.sort_by_key(|s| s.tenant);
    sent
}
