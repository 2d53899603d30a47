//! Functions that return a future without being `async fn`: every future they return runs in
//! the function's fork, and every write in their body goes to that fork, whatever the shape of
//! the body (an early `return`, statements before an `async move` tail, a boxed tail).

use std::future::Future;
use std::pin::Pin;

use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Event, Level, capture_message, scope, with_scope};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

fn capture(msg: &str) {
    capture_message(msg, Level::Info);
}

fn tag<'a>(e: &'a Event<'static>, key: &str) -> Option<&'a str> {
    e.tags.get(key).map(String::as_str)
}

fn block_on<F: Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(fut)
}

async fn elsewhere() {
    tokio::task::yield_now().await;
    capture("early");
}

#[with_scope(tag("fn", "early_return"))]
fn early_return(early: bool) -> BoxFuture {
    if early {
        return Box::pin(elsewhere());
    }
    Box::pin(async move {
        capture("tail");
    })
}

#[test]
fn an_early_returned_future_runs_in_the_fork_too() {
    let events = with_captured_events(|| {
        block_on(async {
            early_return(true).await;
            early_return(false).await;
        });
    });
    assert_eq!(events[0].message.as_deref(), Some("early"));
    assert_eq!(tag(&events[0], "fn"), Some("early_return"));
    assert_eq!(events[1].message.as_deref(), Some("tail"));
    assert_eq!(tag(&events[1], "fn"), Some("early_return"));
}

#[with_scope(tag("fn", "prefixed"))]
fn prefixed(n: u32) -> impl Future<Output = u32> {
    scope!(tag("sync_part", n));
    async move {
        capture("async tail");
        n
    }
}

#[with_scope(tag("fn", "boxed_prefixed"))]
fn boxed_prefixed(n: u32) -> BoxFuture {
    scope!(extra(sync_part = n));
    Box::pin(async move {
        capture("boxed tail");
    })
}

#[with_scope(tag("fn", "plain_call"))]
fn plain_call(n: u32) -> impl Future<Output = ()> {
    scope!(tag("sync_part", n));
    std::future::ready(())
}

#[test]
fn writes_before_an_async_tail_go_to_the_fork_not_the_caller() {
    let events = with_captured_events(|| {
        let a = prefixed(1);
        let b = boxed_prefixed(2);
        let c = plain_call(3);
        capture("caller");
        block_on(async {
            assert_eq!(a.await, 1);
            b.await;
            c.await;
        });
    });
    let caller = &events[0];
    assert_eq!(caller.message.as_deref(), Some("caller"));
    assert!(
        caller.tags.is_empty(),
        "leaked to the caller: {:?}",
        caller.tags
    );
    assert!(
        caller.extra.is_empty(),
        "leaked to the caller: {:?}",
        caller.extra
    );
    assert_eq!(tag(&events[1], "fn"), Some("prefixed"));
    assert_eq!(tag(&events[1], "sync_part"), Some("1"));
    assert_eq!(tag(&events[2], "fn"), Some("boxed_prefixed"));
    assert_eq!(events[2].extra["sync_part"], 2);
}

#[with_scope(tag("fn", "tail_only"))]
fn tail_only() -> BoxFuture {
    Box::pin(async move {
        capture("tail only");
    })
}

#[test]
fn a_body_that_is_only_an_async_tail_forks_at_first_poll_like_async_fn() {
    // The `#[async_trait]` shape: no statement runs at the call, so the fork is taken when
    // the future is first polled, as for an `async fn`.
    let events = with_captured_events(|| {
        let fut = tail_only();
        scope!(tag("set_before_first_poll", "1"));
        block_on(fut);
    });
    assert_eq!(tag(&events[0], "fn"), Some("tail_only"));
    assert_eq!(tag(&events[0], "set_before_first_poll"), Some("1"));
}
