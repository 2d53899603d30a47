//! The macros on async code: `async fn` (free, methods, native trait impls), `#[async_trait]`,
//! `fn -> impl Future` in its several shapes; scopes across `.await` and worker-thread hops,
//! interleaved futures in one task, cancellation, `Send`-ness and the size of the future.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Waker};

use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Event, Level, capture_message, isolation_scope, scope, set_tag, with_scope};

fn capture(msg: &str) {
    capture_message(msg, Level::Info);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

fn assert_send<T: Send>(_: &T) {}

fn tag<'a>(e: &'a Event<'static>, key: &str) -> Option<&'a str> {
    e.tags.get(key).map(String::as_str)
}

async fn hop(times: u32) {
    for _ in 0..times {
        tokio::task::yield_now().await;
    }
}

#[with_scope(tag("task", n))]
async fn worker(n: u32) -> u32 {
    for step in 0..5 {
        scope!(extra(step = step));
        hop(2).await;
    }
    scope!(tag("late", n));
    hop(3).await;
    capture("done");
    n
}

#[test]
fn concurrent_tasks_keep_their_own_scope_across_awaits_and_threads() {
    let events = with_captured_events(|| {
        let rt = runtime();
        rt.block_on(async {
            let tasks: Vec<_> = (0..32).map(|n| tokio::spawn(worker(n))).collect();
            for (n, task) in (0..).zip(tasks) {
                assert_eq!(task.await.unwrap(), n);
            }
            // Unbound tasks afterwards see clean worker threads: nothing leaked.
            let after: Vec<_> = (0..16)
                .map(|_| {
                    tokio::spawn(async {
                        hop(1).await;
                        capture("unbound");
                    })
                })
                .collect();
            for task in after {
                task.await.unwrap();
            }
        });
        capture("main thread");
    });
    assert_eq!(events.len(), 32 + 16 + 1);
    let (done, rest): (Vec<_>, Vec<_>) = events
        .iter()
        .partition(|e| e.message.as_deref() == Some("done"));
    for e in done {
        assert_eq!(
            tag(e, "task"),
            tag(e, "late"),
            "a task saw another task's data"
        );
        assert_eq!(e.extra["step"], 4, "a scope! change was lost across .await");
    }
    for e in rest {
        assert!(
            e.tags.is_empty() && e.extra.is_empty(),
            "leaked: {:?}",
            e.tags
        );
    }
}

#[isolation_scope(tag("req", id))]
async fn request(id: u32) {
    set_tag("uid", id); // top-level setter: this request's isolation scope
    hop(3).await;
    capture("request");
}

#[test]
fn interleaved_futures_in_one_task_are_isolated() {
    let events = with_captured_events(|| {
        runtime().block_on(async {
            tokio::join!(request(1), request(2), request(3));
        });
        capture("after");
    });
    for e in &events[..3] {
        assert_eq!(tag(e, "req"), tag(e, "uid"));
    }
    assert!(events[3].tags.is_empty());
}

#[test]
fn the_fork_is_taken_at_first_poll() {
    #[with_scope(tag("inner", "1"))]
    async fn scoped() {
        capture("scoped");
    }
    let events = with_captured_events(|| {
        let fut = scoped();
        scope!(tag("set_before_first_poll", "1"));
        runtime().block_on(fut);
    });
    assert_eq!(tag(&events[0], "set_before_first_poll"), Some("1"));
    assert_eq!(tag(&events[0], "inner"), Some("1"));
}

#[test]
fn early_return_and_question_mark_in_async_fn() {
    #[with_scope(tag("f", "1"))]
    async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
        if s.is_empty() {
            return Ok(0);
        }
        hop(1).await;
        let n: u32 = s.parse()?;
        capture("parsed");
        Ok(n)
    }
    let events = with_captured_events(|| {
        runtime().block_on(async {
            assert_eq!(parse("").await, Ok(0));
            assert!(parse("x").await.is_err());
            assert_eq!(parse("7").await, Ok(7));
        });
        capture("after");
    });
    assert_eq!(tag(&events[0], "f"), Some("1"));
    assert!(events[1].tags.is_empty());
}

struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        capture("dropped");
    }
}

#[test]
fn a_cancelled_future_runs_its_destructors_inside_the_scope() {
    #[with_scope(tag("cancel", "me"))]
    async fn never_finishes() {
        let _guard = Guard;
        std::future::pending::<()>().await;
    }
    let events = with_captured_events(|| {
        {
            let mut fut = pin!(never_finishes());
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
        capture("after");
    });
    assert_eq!(events[0].message.as_deref(), Some("dropped"));
    assert_eq!(tag(&events[0], "cancel"), Some("me"));
    assert!(events[1].tags.is_empty());
}

struct Store {
    name: &'static str,
    loads: u32,
}

trait Native {
    async fn get(&self, id: u32) -> u32;
}

impl Native for Store {
    #[with_scope(tag("store", self.name), tag("id", id))]
    async fn get(&self, id: u32) -> u32 {
        hop(1).await;
        capture("native trait");
        id
    }
}

impl Store {
    #[with_scope(tag("loads", self.loads))]
    async fn load(&mut self) -> &mut u32 {
        hop(1).await;
        self.loads += 1;
        capture("method");
        &mut self.loads
    }
}

#[async_trait::async_trait]
trait Repo {
    async fn find(&self, id: u32) -> Option<u32>;
}

// Mirrors tracing #1297: the statements of an `#[async_trait]` body before its tail must be
// kept, and the future (not its constructor) must run in the scope.
#[async_trait::async_trait]
impl Repo for Store {
    #[with_scope(tag("repo", self.name), tag("id", id))]
    async fn find(&self, id: u32) -> Option<u32> {
        let doubled = id * 2;
        hop(2).await;
        scope!(tag("found", true));
        hop(1).await;
        capture("async-trait");
        Some(doubled)
    }
}

#[test]
fn methods_native_trait_impls_and_async_trait() {
    let events = with_captured_events(|| {
        runtime().block_on(async {
            let mut store = Store {
                name: "db",
                loads: 0,
            };
            let find = store.find(4);
            assert_send(&find);
            assert_eq!(find.await, Some(8));
            assert_eq!(store.get(3).await, 3);
            *store.load().await += 10;
            assert_eq!(store.loads, 11);
        });
        capture("after");
    });
    assert_eq!(tag(&events[0], "repo"), Some("db"));
    assert_eq!(tag(&events[0], "id"), Some("4"));
    assert_eq!(tag(&events[0], "found"), Some("true"));
    assert_eq!(tag(&events[1], "store"), Some("db"));
    assert_eq!(tag(&events[2], "loads"), Some("0"));
    assert!(events[3].tags.is_empty());
}

#[with_scope(tag("form", "tail"))]
fn tail(n: u32) -> impl Future<Output = u32> + Send {
    let m = n + 1; // statements before the tail are kept, and run at the call, in the fork
    async move {
        hop(2).await;
        capture("tail");
        m
    }
}

#[with_scope(tag("form", "boxed"), tag("n", n))]
fn boxed(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    Box::pin(async move {
        hop(2).await;
        capture("boxed");
        n
    })
}

#[with_scope(tag("form", "returned"))]
fn returned(n: u32) -> impl Future<Output = u32> {
    scope!(tag("sync_part", "yes")); // the sync half and the future share one fork
    if n == 0 {
        return std::future::ready(0);
    }
    std::future::ready(n)
}

#[with_scope(tag("form", "boxed_value"))]
fn boxed_value(n: u32) -> Pin<Box<dyn Future<Output = u32> + Send>> {
    let fut = async move {
        hop(1).await;
        capture("boxed value");
        n
    };
    Box::pin(fut)
}

#[test]
fn future_returning_functions() {
    let events = with_captured_events(|| {
        runtime().block_on(async {
            let t = tail(1);
            assert_send(&t);
            assert_eq!(t.await, 2);
            assert_eq!(boxed(5).await, 5);
            let r = returned(3);
            capture("between");
            assert_eq!(r.await, 3);
            assert_eq!(returned(0).await, 0);
            assert_eq!(boxed_value(9).await, 9);
        });
        capture("after");
    });
    let messages: Vec<_> = events
        .iter()
        .map(|e| e.message.as_deref().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["tail", "boxed", "between", "boxed value", "after"]
    );
    assert_eq!(tag(&events[0], "form"), Some("tail"));
    assert_eq!(tag(&events[1], "n"), Some("5"));
    assert!(
        events[2].tags.is_empty(),
        "the sync part of `returned` was restored"
    );
    assert_eq!(tag(&events[3], "form"), Some("boxed_value"));
    assert!(events[4].tags.is_empty());
}

#[test]
fn the_returned_future_carries_the_sync_parts_changes() {
    async fn capture_later() {
        capture("async part");
    }
    #[with_scope(tag("form", "returned"))]
    fn returned() -> impl Future<Output = ()> {
        scope!(tag("sync_part", "yes"));
        capture_later()
    }
    let events = with_captured_events(|| runtime().block_on(returned()));
    assert_eq!(tag(&events[0], "form"), Some("returned"));
    assert_eq!(tag(&events[0], "sync_part"), Some("yes"));
}

#[with_scope(tag("order", "above"))]
#[tokio::main(flavor = "current_thread")]
async fn above_tokio_main() {
    hop(1).await;
    capture("above");
}

#[tokio::main(flavor = "current_thread")]
#[with_scope(tag("order", "below"))]
async fn below_tokio_main() {
    hop(1).await;
    capture("below");
}

#[test]
fn both_orders_with_tokio_main() {
    let events = with_captured_events(|| {
        above_tokio_main();
        below_tokio_main();
    });
    assert_eq!(tag(&events[0], "order"), Some("above"));
    assert_eq!(tag(&events[1], "order"), Some("below"));
}

#[test]
fn scoped_futures_stay_small() {
    async fn plain(x: [u8; 256]) -> u8 {
        hop(1).await;
        x[0]
    }
    #[with_scope(tag("t", 1))]
    async fn scoped(x: [u8; 256]) -> u8 {
        hop(1).await;
        x[0]
    }
    let plain = size_of_val(&plain([0; 256]));
    let scoped = size_of_val(&scoped([0; 256]));
    let scopes = sentry_scopes::__private::SCOPES_SIZE;
    let budget = plain + scopes + 16;
    assert!(
        scoped <= budget,
        "scoped {scoped} B > plain {plain} B + scopes {scopes} B + 16"
    );
}
