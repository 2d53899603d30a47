//! The expansions need no lint allowance: every lint they could trip is `forbid`den here, and
//! an `#[allow(..)]` in generated code under a `forbid` is error E0453. `cargo test` checks
//! rustc's lints, `cargo clippy --all-targets` clippy's, over a sync / async / `err` /
//! future-returning matrix.
//!
//! `implicit_return` is left out: it contradicts `needless_return` for hand-written code, and
//! `macros_lints.rs` checks it.
#![forbid(
    unused,
    unreachable_code,
    unused_qualifications,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    clippy::needless_return,
    clippy::redundant_closure_call,
    clippy::diverging_sub_expression,
    clippy::blocks_in_conditions,
    clippy::used_underscore_binding,
    clippy::let_underscore_must_use,
    clippy::shadow_unrelated
)]

use core::fmt::{self, Display, Formatter};
use core::future::{Future, ready};
use core::pin::Pin;

use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Level, capture_message, isolation_scope, scope, with_scope};
use tokio::task::yield_now;

#[derive(Debug)]
struct Failure;

impl Display for Failure {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("failure")
    }
}

impl core::error::Error for Failure {}

type Boxed = Pin<Box<dyn Future<Output = Result<u32, Failure>> + Send>>;

#[with_scope(tag("kind", "sync"), extra(n = n), level = Warning)]
fn sync(n: u32) -> u32 {
    scope!(tag("bang", n));
    scope!(isolation: extra(iso = n));
    capture_message("sync", Level::Info);
    n + 1
}

#[isolation_scope(user(id = id), err)]
fn sync_err(id: u32) -> Result<u32, Failure> {
    if id == 0 { Err(Failure) } else { Ok(id) }
}

#[with_scope(err(Display, level = Warning))]
fn sync_err_display(fail: bool) -> Result<(), Failure> {
    if fail { Err(Failure) } else { Ok(()) }
}

#[with_scope(tag("kind", "async"), err)]
async fn async_err(fail: bool) -> Result<u32, Failure> {
    yield_now().await;
    scope!(extra(after = true));
    if fail { Err(Failure) } else { Ok(1) }
}

#[with_scope(tag("kind", "unit"))]
async fn async_unit() {
    yield_now().await;
}

#[with_scope(tag("kind", "tail_only"), err)]
fn tail_only(n: u32) -> Boxed {
    Box::pin(async move { Ok(n) })
}

#[with_scope(tag("kind", "prefixed"), err(Debug))]
fn prefixed(n: u32) -> Boxed {
    scope!(tag("sync_part", n));
    if n == 0 {
        return Box::pin(ready(Err(Failure)));
    }
    Box::pin(async move { Ok(n) })
}

#[with_scope(tag("kind", "returned"))]
fn returned(n: u32) -> impl Future<Output = u32> {
    ready(n)
}

struct Service {
    name: String,
}

impl Service {
    #[with_scope(tag("service", self.name), err)]
    fn method(&self, fail: bool) -> Result<&str, Failure> {
        if fail { Err(Failure) } else { Ok(&self.name) }
    }

    #[with_scope(tag("service", self.name))]
    async fn async_method(&mut self) -> &mut String {
        yield_now().await;
        &mut self.name
    }
}

#[with_scope(span(op = "db.query", name = "load"), tag("kind", "span"))]
fn span_sync(n: u32) -> u32 {
    n + 1
}

#[isolation_scope(span, err)]
fn span_sync_err(fail: bool) -> Result<u32, Failure> {
    if fail { Err(Failure) } else { Ok(1) }
}

#[with_scope(span(op = "task"), err(level = Warning))]
async fn span_async_err(fail: bool) -> Result<u32, Failure> {
    yield_now().await;
    if fail { Err(Failure) } else { Ok(1) }
}

#[with_scope(span(op = "tail"), err)]
fn span_tail(n: u32) -> Boxed {
    Box::pin(async move { Ok(n) })
}

#[with_scope(span(name = "prefixed"), err(Debug))]
fn span_prefixed(n: u32) -> Boxed {
    if n == 0 {
        return Box::pin(ready(Err(Failure)));
    }
    Box::pin(async move { Ok(n) })
}

#[test]
fn forbid_span_matrix_runs() {
    let events = with_captured_events(|| {
        assert_eq!(span_sync(1), 2);
        assert!(span_sync_err(true).is_err());
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                assert!(span_async_err(true).await.is_err());
                assert_eq!(span_tail(2).await.ok(), Some(2));
                assert!(span_prefixed(0).await.is_err());
                assert_eq!(span_prefixed(3).await.ok(), Some(3));
            });
    });
    assert_eq!(events.len(), 3);
}

#[test]
fn forbid_everything_matrix_runs() {
    let events = with_captured_events(|| {
        assert_eq!(sync(1), 2);
        assert!(sync_err(0).is_err());
        assert!(sync_err_display(true).is_err());
        let mut service = Service {
            name: "svc".to_owned(),
        };
        assert!(service.method(true).is_err());
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                assert!(async_err(true).await.is_err());
                async_unit().await;
                assert_eq!(tail_only(2).await.ok(), Some(2));
                assert!(prefixed(0).await.is_err());
                assert_eq!(prefixed(3).await.ok(), Some(3));
                assert_eq!(returned(4).await, 4);
                service.async_method().await.push('!');
            });
    });
    assert_eq!(events.len(), 6);
}
