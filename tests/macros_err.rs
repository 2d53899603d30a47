//! `err`: a returned `Err` is captured inside the scope (exception with its source chain for
//! `Error` types, a message from `Debug` otherwise) and returned unchanged; sync, async,
//! `#[async_trait]` and `fn -> impl Future`.

use std::fmt;
use std::future::Future;
use std::num::ParseIntError;

use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Event, Level, isolation_scope, with_scope};

#[derive(Debug)]
struct LoadError {
    id: u32,
    cause: std::io::Error,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not load {}", self.id)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

fn load_error(id: u32) -> LoadError {
    LoadError {
        id,
        cause: std::io::Error::new(std::io::ErrorKind::NotFound, "row missing"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn exception_values<'a>(e: &'a Event<'static>) -> Vec<&'a str> {
    e.exception
        .values
        .iter()
        .map(|x| x.value.as_deref().unwrap_or(""))
        .collect()
}

#[with_scope(tag("id", id), err)]
fn load(id: u32) -> Result<u32, LoadError> {
    if id == 0 {
        return Ok(0);
    }
    Err(load_error(id))
}

#[test]
fn error_types_become_exceptions_with_their_chain_inside_the_scope() {
    let events = with_captured_events(|| {
        assert_eq!(load(0).unwrap(), 0);
        let err = load(7).unwrap_err();
        assert_eq!(err.id, 7, "the error is returned unchanged");
    });
    assert_eq!(events.len(), 1, "Ok is not captured");
    let e = &events[0];
    assert_eq!(exception_values(e), ["row missing", "could not load 7"]);
    assert_eq!(e.tags["id"], "7");
    assert_eq!(e.level, Level::Error);
}

#[test]
fn other_debug_types_become_messages() {
    #[derive(Debug)]
    enum Plain {
        Busy,
    }
    #[with_scope(err)]
    fn busy() -> Result<(), Plain> {
        Err(Plain::Busy)
    }
    #[with_scope(err(level = Warning))]
    fn text() -> Result<(), String> {
        Err("nope".into())
    }
    let events = with_captured_events(|| {
        assert!(busy().is_err());
        assert!(text().is_err());
    });
    assert_eq!(events[0].message.as_deref(), Some("Busy"));
    assert!(events[0].exception.values.is_empty());
    assert_eq!(events[1].message.as_deref(), Some("\"nope\""));
    assert_eq!(events[1].level, Level::Warning);
}

#[test]
fn boxed_dyn_errors_are_exceptions() {
    #[with_scope(err)]
    fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Err(Box::new(load_error(3)))
    }
    #[with_scope(err)]
    fn boxed_local() -> Result<(), Box<dyn std::error::Error>> {
        Err("plain text".into())
    }
    let events = with_captured_events(|| {
        assert!(boxed().is_err());
        assert!(boxed_local().is_err());
    });
    assert_eq!(
        exception_values(&events[0]),
        ["row missing", "could not load 3"]
    );
    assert_eq!(exception_values(&events[1]), ["plain text"]);
}

#[test]
fn forced_formats_and_levels() {
    #[with_scope(err(Display, level = "fatal"))]
    fn display() -> Result<(), LoadError> {
        Err(load_error(1))
    }
    #[with_scope(err(Debug))]
    fn debug() -> Result<(), ParseIntError> {
        "x".parse::<u8>().map(drop)
    }
    let events = with_captured_events(|| {
        assert!(display().is_err());
        assert!(debug().is_err());
    });
    assert_eq!(events[0].message.as_deref(), Some("could not load 1"));
    assert_eq!(events[0].level, Level::Fatal);
    assert!(
        events[1]
            .message
            .as_deref()
            .unwrap()
            .starts_with("ParseIntError")
    );
}

#[derive(Debug)]
struct AppError(
    #[expect(dead_code, reason = "read through `Debug`, which the event records")] String,
);

impl From<ParseIntError> for AppError {
    fn from(e: ParseIntError) -> Self {
        AppError(e.to_string())
    }
}

struct Counter {
    n: u32,
}

impl Counter {
    #[with_scope(tag("op", "bump"), err)]
    fn bump(&mut self, by: &str) -> Result<&mut u32, AppError> {
        let by: u32 = by.parse()?; // `?` converts through `From`
        if by == 0 {
            return Err(AppError("zero".into()));
        }
        self.n += by;
        Ok(&mut self.n) // a borrow of `self` escapes the body's closure
    }
}

/// Mirrors tracing #2796 / #2857: with the body in a closure, returning a borrow of
/// `&mut self` failed with "captured variable cannot escape"; an `FnOnce` closure fixes it.
#[test]
fn question_mark_early_return_and_returned_borrows() {
    let events = with_captured_events(|| {
        let mut c = Counter { n: 1 };
        *c.bump("2").unwrap() += 1;
        assert_eq!(c.n, 4);
        assert!(c.bump("x").is_err());
        assert!(c.bump("0").is_err());
    });
    assert_eq!(events.len(), 2);
    assert!(
        events[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("AppError(\"invalid digit")
    );
    assert_eq!(events[1].message.as_deref(), Some("AppError(\"zero\")"));
    assert!(events.iter().all(|e| e.tags["op"] == "bump"));
}

#[test]
fn generic_and_impl_trait_results() {
    #[with_scope(err)]
    fn generic<E: std::error::Error>(e: E) -> Result<(), E> {
        Err(e)
    }
    #[with_scope(err)]
    fn opaque(fail: bool) -> Result<impl fmt::Display, LoadError> {
        if fail {
            return Err(load_error(2));
        }
        Ok(5)
    }
    let events = with_captured_events(|| {
        assert!(generic(load_error(9)).is_err());
        assert_eq!(opaque(false).unwrap().to_string(), "5");
        assert!(opaque(true).is_err());
    });
    assert_eq!(exception_values(&events[0])[1], "could not load 9");
    assert_eq!(exception_values(&events[1])[1], "could not load 2");
}

#[test]
fn isolation_scope_with_err() {
    #[isolation_scope(tag("job", "import"), err)]
    fn job() -> Result<(), LoadError> {
        sentry_scopes::set_tag("stage", "parse");
        Err(load_error(4))
    }
    let events = with_captured_events(|| {
        assert!(job().is_err());
        sentry_scopes::capture_message("after", Level::Info);
    });
    assert_eq!(events[0].tags["job"], "import");
    assert_eq!(events[0].tags["stage"], "parse");
    assert!(events[1].tags.is_empty());
}

async fn hop() {
    tokio::task::yield_now().await;
}

#[with_scope(tag("id", id), err)]
async fn fetch(id: u32) -> Result<u32, LoadError> {
    hop().await;
    sentry_scopes::scope!(tag("after_await", true));
    hop().await;
    if id == 0 {
        return Ok(0);
    }
    Err(load_error(id))
}

#[async_trait::async_trait]
trait Repo {
    async fn get(&self, id: u32) -> Result<u32, LoadError>;
}

struct Db;

#[async_trait::async_trait]
impl Repo for Db {
    #[with_scope(tag("repo", "db"), err(level = Warning))]
    async fn get(&self, id: u32) -> Result<u32, LoadError> {
        hop().await;
        Err(load_error(id))
    }
}

#[with_scope(tag("form", "impl_future"), err)]
fn later(id: u32) -> impl Future<Output = Result<u32, LoadError>> {
    async move {
        hop().await;
        Err(load_error(id))
    }
}

#[test]
fn async_forms_capture_inside_the_scope() {
    let events = with_captured_events(|| {
        runtime().block_on(async {
            assert_eq!(fetch(0).await.unwrap(), 0);
            assert_eq!(fetch(5).await.unwrap_err().id, 5);
            assert_eq!(Db.get(6).await.unwrap_err().id, 6);
            assert_eq!(later(8).await.unwrap_err().id, 8);
        });
    });
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].tags["id"], "5");
    assert_eq!(events[0].tags["after_await"], "true");
    assert_eq!(events[1].tags["repo"], "db");
    assert_eq!(events[1].level, Level::Warning);
    assert_eq!(events[2].tags["form"], "impl_future");
    assert_eq!(exception_values(&events[2])[1], "could not load 8");
}
