//! The HTTP transport against a misbehaving loopback server: 5xx, 4xx, 429 with both headers,
//! Bugsink's permanent transaction limit, a server that never answers, resets and garbage.
//! Every drop must show up in a client report; nothing may block the app thread.

mod fake_server;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fake_server::{Answer, FakeServer, Request, accepted_event_ids, reported_discards, serial};
use sentry_scopes::{
    ClientOptions, Level, Transaction, capture_message, capture_transaction_event, flush,
};

fn options(server: &FakeServer) -> ClientOptions {
    ClientOptions::new().dsn(server.dsn())
}

fn discards(list: &[(&str, &str, u64)]) -> BTreeMap<(String, String), u64> {
    list.iter()
        .map(|(r, c, n)| (((*r).to_owned(), (*c).to_owned()), *n))
        .collect()
}

fn events_sent(requests: &[Request]) -> usize {
    requests
        .iter()
        .filter(|r| r.envelope().event().is_some())
        .count()
}

#[test]
fn server_errors_without_a_cache_are_dropped_and_reported() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    server.script([
        Answer::status(500),
        Answer::status(502),
        Answer::status(503),
    ]);
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    for i in 0..3 {
        capture_message(&format!("lost {i}"), Level::Error);
    }
    assert!(flush(Duration::from_secs(5)));
    drop(guard);
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        4,
        "three failures, then the report: {requests:#?}"
    );
    assert_eq!(
        reported_discards(&requests),
        discards(&[("network_error", "error", 3)])
    );
}

#[test]
fn client_errors_are_dropped_and_reported_and_the_key_never_logged() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    // Bugsink echoes the DSN "as understood" in its 403 body.
    let echo = format!("Project not found or key incorrect: {}", server.dsn());
    server.script([
        Answer::status(400),
        Answer::Status(403, vec![], echo),
        Answer::status(413),
        Answer::Status(
            301,
            vec![("Location", "http://elsewhere.invalid/".into())],
            String::new(),
        ),
    ]);
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    for i in 0..4 {
        capture_message(&format!("refused {i}"), Level::Error);
    }
    capture_message("accepted", Level::Error);
    drop(guard);
    let requests = server.requests();
    assert_eq!(accepted_event_ids(&requests).len(), 1);
    assert_eq!(
        reported_discards(&requests),
        discards(&[("send_error", "error", 4)])
    );
}

#[test]
fn a_429_with_both_headers_blocks_everything_until_it_expires() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    // X-Sentry-Rate-Limits wins over Retry-After: 2 s, not 1 s.
    server.script([Answer::Status(
        429,
        vec![
            ("Retry-After", "1".into()),
            ("X-Sentry-Rate-Limits", "2::key".into()),
        ],
        "quota".into(),
    )]);
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    capture_message("refused", Level::Error);
    assert!(flush(Duration::from_secs(5)));
    // The 429 was handled before the flush returned: the limit ends at most 2 s from here.
    let start = Instant::now();
    for i in 0..5 {
        capture_message(&format!("dropped locally {i}"), Level::Error);
    }
    assert!(flush(Duration::from_secs(5)));
    assert_eq!(server.requests().len(), 1, "no request while limited");

    std::thread::sleep(Duration::from_millis(1300).saturating_sub(start.elapsed()));
    capture_message("still limited after Retry-After", Level::Error);
    assert!(flush(Duration::from_secs(5)));
    assert_eq!(server.requests().len(), 1);

    std::thread::sleep(Duration::from_millis(2100).saturating_sub(start.elapsed()));
    capture_message("after the limit", Level::Error);
    drop(guard);
    let requests = server.requests();
    assert_eq!(accepted_event_ids(&requests).len(), 1, "{requests:#?}");
    assert_eq!(
        reported_discards(&requests),
        discards(&[("ratelimit_backoff", "error", 7)])
    );
}

#[test]
fn a_429_with_retry_after_only_blocks_for_that_long() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    server.script([Answer::Status(
        429,
        vec![("Retry-After", "1".into())],
        String::new(),
    )]);
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    capture_message("refused", Level::Error);
    assert!(flush(Duration::from_secs(5)));
    capture_message("dropped", Level::Error);
    assert!(flush(Duration::from_secs(5)));
    std::thread::sleep(Duration::from_millis(1100));
    capture_message("sent", Level::Error);
    drop(guard);
    let requests = server.requests();
    assert_eq!(accepted_event_ids(&requests).len(), 1);
    assert_eq!(
        reported_discards(&requests),
        discards(&[("ratelimit_backoff", "error", 2)])
    );
}

fn transaction() -> Transaction<'static> {
    let now = std::time::SystemTime::now();
    Transaction {
        name: Some("job".into()),
        start_timestamp: now - Duration::from_millis(5),
        timestamp: Some(now),
        ..Transaction::default()
    }
}

#[test]
fn bugsinks_transaction_limit_on_a_200_keeps_errors_flowing() {
    let _serial = serial();
    let server = FakeServer::start(Answer::bugsink_ok());
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    capture_message("first", Level::Error);
    assert!(flush(Duration::from_secs(5)));
    capture_transaction_event(transaction());
    capture_transaction_event(transaction());
    capture_message("second", Level::Error);
    capture_message("third", Level::Error);
    drop(guard);
    let requests = server.requests();
    assert_eq!(accepted_event_ids(&requests).len(), 3);
    assert!(requests.iter().all(|r| {
        r.envelope()
            .items()
            .all(|i| !matches!(i, sentry_scopes::protocol::EnvelopeItem::Transaction(_)))
    }));
    assert_eq!(
        reported_discards(&requests),
        discards(&[
            ("ratelimit_backoff", "span", 2),
            ("ratelimit_backoff", "transaction", 2)
        ])
    );
}

#[test]
fn resets_and_garbage_are_network_errors() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    // A reset is sent once more on a new connection (it may have been a stale keep-alive
    // connection); reset again, it is lost. An answer that is not HTTP is not sent again.
    server.script([Answer::Reset, Answer::Reset, Answer::Garbage]);
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    // No flush in between: a flush would send a client report, which would take an answer.
    capture_message("reset", Level::Error);
    capture_message("garbage", Level::Error);
    capture_message("fine", Level::Error);
    drop(guard);
    let requests = server.requests();
    assert_eq!(accepted_event_ids(&requests).len(), 1, "{requests:#?}");
    assert_eq!(
        requests.len(),
        4,
        "reset, its retry, garbage, fine (with the report)"
    );
    assert_eq!(
        reported_discards(&requests),
        discards(&[("network_error", "error", 2)])
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[test]
fn a_hanging_server_never_blocks_captures_and_flush_gives_up_at_its_timeout() {
    let _serial = serial();
    let server = FakeServer::start(Answer::Hang);
    let guard = sentry_scopes::init(
        options(&server)
            // Long enough that only `release` ends the hung request, however slow this machine.
            .http_timeout(Duration::from_secs(30))
            .shutdown_timeout(Duration::from_secs(1)),
    )
    .expect("valid options");
    // The transport thread takes the first envelope and hangs on it.
    capture_message("warm-up", Level::Error);
    server.wait_until(Duration::from_secs(5), |r| !r.is_empty());

    const N: usize = 5000;
    let mut took = Vec::with_capacity(N);
    for i in 0..N {
        let start = Instant::now();
        let id = capture_message("while hanging", Level::Error);
        took.push(start.elapsed());
        assert!(id.is_some(), "capture {i} returned no id");
    }
    took.sort();
    let (p50, p99, max) = (percentile(&took, 0.5), percentile(&took, 0.99), took[N - 1]);
    eprintln!("capture_message while the server hangs: p50 {p50:?}, p99 {p99:?}, max {max:?}");
    // The 50 µs bound is about optimised code: an unoptimised build spends about 20 µs (p50)
    // in the capture pipeline alone, before the transport is reached, so on a busy machine its
    // p99 can pass 50 µs with any transport. `.ci/run` runs this test with `--release` too.
    // Unoptimised, the bound only proves that nothing waits on the network (which would take
    // until the server is released).
    let bound = if cfg!(debug_assertions) {
        Duration::from_millis(1)
    } else {
        Duration::from_micros(50)
    };
    assert!(p99 < bound, "p99 {p99:?} (bound {bound:?})");

    let start = Instant::now();
    assert!(
        !flush(Duration::from_millis(300)),
        "queue cannot empty while the server hangs"
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(1),
        "{waited:?}"
    );

    // Recovery: the hung request's connection closes without an answer, so it is sent again at
    // once on a new connection and arrives; the queue drains.
    server.set(Answer::ok());
    server.release();
    assert!(flush(Duration::from_secs(20)));
    let start = Instant::now();
    drop(guard);
    assert!(start.elapsed() < Duration::from_secs(2));

    let requests = server.requests();
    let sent = events_sent(
        &requests
            .iter()
            .filter(|r| r.accepted())
            .cloned()
            .collect::<Vec<_>>(),
    );
    let reported = reported_discards(&requests);
    let overflow = reported
        .get(&("queue_overflow".into(), "error".into()))
        .copied()
        .unwrap_or(0);
    let network = reported
        .get(&("network_error".into(), "error".into()))
        .copied()
        .unwrap_or(0);
    eprintln!("sent {sent}, queue_overflow {overflow}, network_error {network}");
    assert_eq!(network, 0, "the hung request arrived on its second attempt");
    assert_eq!(
        sent as u64 + overflow,
        N as u64 + 1,
        "every capture accounted for"
    );
    assert!(sent <= 101, "queue bound: {sent}");
}

#[test]
fn shutdown_with_a_hanging_server_returns_at_its_timeout() {
    let _serial = serial();
    let server = FakeServer::start(Answer::Hang);
    let guard = sentry_scopes::init(
        options(&server)
            .http_timeout(Duration::from_secs(30))
            .shutdown_timeout(Duration::from_millis(500)),
    )
    .expect("valid options");
    for _ in 0..10 {
        capture_message("stuck", Level::Error);
    }
    let start = Instant::now();
    drop(guard);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    server.release();
}

#[test]
fn time_values_as_large_as_duration_max_wait_without_limit_and_never_panic() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(
        options(&server)
            .http_timeout(Duration::MAX)
            .shutdown_timeout(Duration::MAX),
    )
    .expect("valid options");
    capture_message("no deadline", Level::Error);
    assert!(flush(Duration::MAX));
    drop(guard);
    assert_eq!(accepted_event_ids(&server.requests()).len(), 1);
}
