//! The expansions are lint-clean in a strict user crate: rustc's `warnings` and
//! `unused_qualifications`, clippy's `all`, `pedantic`, `nursery` and the restriction lints that
//! generated code tends to trip, over a sync / async / `err` / future-returning matrix.
//!
//! This file is compiled by `cargo test` and checked by `cargo clippy --all-targets -- -D
//! warnings` (CI). `implicit_return` and `needless_return` contradict each other for the code
//! written here by hand, so the matrix exists twice: `explicit` writes `return` everywhere and
//! denies `implicit_return`; `tails` uses tail expressions and denies `needless_return`.
#![deny(
    warnings,
    unused_qualifications,
    clippy::all,
    clippy::pedantic,
    clippy::nursery,
    clippy::redundant_closure_call,
    clippy::blocks_in_conditions,
    clippy::pattern_type_mismatch,
    clippy::used_underscore_binding,
    clippy::shadow_unrelated,
    clippy::let_underscore_must_use,
    clippy::missing_const_for_fn,
    clippy::absolute_paths,
    clippy::std_instead_of_core
)]

use core::error::Error;
use core::fmt::{self, Display, Formatter};

use sentry_scopes::test::with_captured_events;
use tokio::runtime::Builder;

#[derive(Debug)]
struct Failure;

impl Display for Failure {
    #[allow(clippy::implicit_return)]
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("failure")
    }
}

impl Error for Failure {}

/// The matrix with a `return` in every function, under `implicit_return`.
#[deny(clippy::implicit_return)]
#[allow(clippy::needless_return)]
mod explicit {
    use core::future::{Future, ready};
    use core::pin::Pin;

    use sentry_scopes::{Level, capture_message, isolation_scope, scope, with_scope};
    use tokio::task::yield_now;

    use super::{Display, Failure};

    #[with_scope(tag("kind", "sync"), extra(n = n), level = Warning)]
    pub fn sync(n: u32) -> u32 {
        scope!(tag("bang", n));
        capture_message("sync", Level::Info);
        return n + 1;
    }

    #[with_scope]
    pub fn sync_unit() {
        #![allow(unused_variables)] // an inner attribute: hoisted, still applies to the body
        let unused = 1;
        capture_message("unit", Level::Info);
    }

    // The user's tokens are reused, so `dead_code` still sees this function, and the
    // expectation is fulfilled (an unfulfilled one would fail this `deny(warnings)` file).
    #[expect(
        dead_code,
        reason = "proves dead_code still applies to scoped functions"
    )]
    #[with_scope(tag("kind", "never_called"))]
    fn never_called() {}

    #[with_scope(tag("kind", "generic"), extra(item = %item))]
    pub async fn generic<T>(item: T) -> String
    where
        T: Display + Send + Sync,
    {
        yield_now().await;
        return item.to_string();
    }

    #[isolation_scope(user(id = id), err)]
    pub fn sync_err(id: u32) -> Result<u32, Failure> {
        if id == 0 {
            return Err(Failure);
        }
        return Ok(id);
    }

    #[with_scope(tag("kind", "async"), err(level = Warning))]
    pub async fn async_err(fail: bool) -> Result<u32, Failure> {
        yield_now().await;
        scope!(extra(after = true));
        if fail {
            return Err(Failure);
        }
        return Ok(1);
    }

    #[with_scope(tag("kind", "tail"))]
    pub fn tail(n: u32) -> impl Future<Output = u32> {
        return async move {
            return n;
        };
    }

    #[with_scope(tag("kind", "boxed"), err)]
    pub fn boxed(n: u32) -> Pin<Box<dyn Future<Output = Result<u32, Failure>> + Send>> {
        return Box::pin(async move {
            return Ok(n);
        });
    }

    #[with_scope(tag("kind", "returned"))]
    pub fn returned(n: u32) -> impl Future<Output = u32> {
        return ready(n);
    }

    pub struct Service {
        pub name: String,
    }

    impl Service {
        #[with_scope(tag("service", self.name), err(Display))]
        pub fn method(&self, fail: bool) -> Result<&str, Failure> {
            if fail {
                return Err(Failure);
            }
            return Ok(&self.name);
        }

        #[with_scope(tag("service", self.name))]
        pub async fn async_method(&mut self) -> &mut String {
            yield_now().await;
            return &mut self.name;
        }
    }

    #[async_trait::async_trait]
    pub trait Repo {
        async fn get(&self) -> u32;
    }

    #[async_trait::async_trait]
    impl Repo for Service {
        #[with_scope(tag("service", self.name))]
        async fn get(&self) -> u32 {
            return 1;
        }
    }

    #[with_scope(span(op = "db.query", name = name), tag("kind", "span_sync"))]
    pub fn span_sync(name: &str) -> usize {
        return name.len();
    }

    #[isolation_scope(span, err)]
    pub fn span_sync_err(fail: bool) -> Result<u32, Failure> {
        if fail {
            return Err(Failure);
        }
        return Ok(1);
    }

    #[with_scope(span(op = "task"), err(level = Warning))]
    pub async fn span_async_err(fail: bool) -> Result<u32, Failure> {
        yield_now().await;
        if fail {
            return Err(Failure);
        }
        return Ok(1);
    }

    #[with_scope(span(name = "boxed"), err)]
    pub fn span_boxed(n: u32) -> Pin<Box<dyn Future<Output = Result<u32, Failure>> + Send>> {
        return Box::pin(async move {
            return Ok(n);
        });
    }

    #[with_scope(span(op = "ready"))]
    pub fn span_returned(n: u32) -> impl Future<Output = u32> {
        return ready(n);
    }
}

/// The matrix with tail expressions, under `needless_return`.
#[deny(clippy::needless_return)]
mod tails {
    use core::future::{Future, ready};

    use sentry_scopes::{Level, capture_message, isolation_scope, with_scope};
    use tokio::task::yield_now;

    use super::Failure;

    #[with_scope(tag("kind", "sync"))]
    pub fn sync(n: u32) -> u32 {
        n + 1
    }

    #[isolation_scope(err)]
    pub fn sync_err(fail: bool) -> Result<u32, Failure> {
        if fail { Err(Failure) } else { Ok(1) }
    }

    #[with_scope(tag("kind", "async"), err)]
    pub async fn async_err(fail: bool) -> Result<u32, Failure> {
        yield_now().await;
        capture_message("async", Level::Info);
        if fail { Err(Failure) } else { Ok(2) }
    }

    #[with_scope(tag("kind", "tail"))]
    pub fn tail(n: u32) -> impl Future<Output = u32> {
        async move { n }
    }

    #[with_scope(tag("kind", "returned"))]
    pub fn returned(n: u32) -> impl Future<Output = u32> {
        ready(n)
    }

    #[with_scope(span(op = "db.query"))]
    pub fn span_sync(n: u32) -> u32 {
        n + 1
    }

    #[isolation_scope(span, err)]
    pub fn span_sync_err(fail: bool) -> Result<u32, Failure> {
        if fail { Err(Failure) } else { Ok(1) }
    }

    #[with_scope(span(name = "async"), err)]
    pub async fn span_async_err(fail: bool) -> Result<u32, Failure> {
        yield_now().await;
        if fail { Err(Failure) } else { Ok(2) }
    }

    #[with_scope(span(op = "tail"))]
    pub fn span_tail(n: u32) -> impl Future<Output = u32> {
        async move { n }
    }

    #[with_scope(span(op = "ready"), err)]
    pub fn span_returned(n: u32) -> impl Future<Output = Result<u32, Failure>> {
        ready(Ok(n))
    }
}

#[test]
#[allow(clippy::implicit_return)]
fn strict_matrix_runs() {
    use explicit::Repo as _;

    let events = with_captured_events(|| {
        assert_eq!(explicit::sync(1), 2);
        explicit::sync_unit();
        assert!(explicit::sync_err(0).is_err());
        let mut service = explicit::Service {
            name: "svc".to_owned(),
        };
        assert!(service.method(true).is_err());
        assert_eq!(tails::sync(1), 2);
        assert!(tails::sync_err(true).is_err());
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            assert!(explicit::async_err(true).await.is_err());
            assert_eq!(explicit::tail(4).await, 4);
            assert_eq!(explicit::boxed(5).await.ok(), Some(5));
            assert_eq!(explicit::returned(6).await, 6);
            assert_eq!(explicit::generic(7_u8).await, "7");
            service.async_method().await.push('!');
            assert_eq!(service.get().await, 1);
            assert!(tails::async_err(false).await.is_ok());
            assert_eq!(tails::tail(7).await, 7);
            assert_eq!(tails::returned(8).await, 8);
        });
    });
    assert_eq!(events.len(), 7);
}

#[test]
#[allow(clippy::implicit_return)]
fn strict_span_matrix_runs() {
    let events = with_captured_events(|| {
        assert_eq!(explicit::span_sync("name"), 4);
        assert!(explicit::span_sync_err(true).is_err());
        assert_eq!(tails::span_sync(1), 2);
        assert!(tails::span_sync_err(false).is_ok());
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            assert!(explicit::span_async_err(false).await.is_ok());
            assert_eq!(explicit::span_boxed(5).await.ok(), Some(5));
            assert_eq!(explicit::span_returned(6).await, 6);
            assert!(tails::span_async_err(true).await.is_err());
            assert_eq!(tails::span_tail(7).await, 7);
            assert_eq!(tails::span_returned(8).await.ok(), Some(8));
        });
    });
    assert_eq!(events.len(), 2);
}
