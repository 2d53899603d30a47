//! Servers close keep-alive connections that sit idle (gunicorn after 2 s, with a FIN; some
//! proxies with a reset). The transport must neither hand an envelope to such a connection and
//! lose it, nor need the offline cache to get it through.

mod fake_server;

use std::time::Duration;

use fake_server::{FakeServer, IdleClose, accepted_event_ids, serial};
use sentry_scopes::{ClientOptions, Level, capture_message, flush};

/// Captures `n` events `spacing` apart, each flushed, without a cache; returns how many the
/// server accepted and how many requests it saw.
fn deliver_spaced(idle: IdleClose, n: usize, spacing: Duration) -> (usize, usize) {
    let _serial = serial();
    let server = FakeServer::closing_idle(idle);
    let guard = sentry_scopes::init(ClientOptions::new().dsn(server.dsn())).expect("options");
    for i in 0..n {
        if i > 0 {
            std::thread::sleep(spacing);
        }
        capture_message(&format!("event {i}"), Level::Error);
        assert!(flush(Duration::from_secs(10)));
    }
    drop(guard);
    let requests = server.requests();
    (accepted_event_ids(&requests).len(), requests.len())
}

#[test]
fn events_spaced_beyond_a_closing_servers_idle_time_all_arrive_fin() {
    let (accepted, _) = deliver_spaced(
        IdleClose::Fin(Duration::from_secs(1)),
        10,
        Duration::from_millis(1500),
    );
    assert_eq!(accepted, 10);
}

#[test]
fn events_spaced_beyond_a_closing_servers_idle_time_all_arrive_rst() {
    let (accepted, _) = deliver_spaced(
        IdleClose::Rst(Duration::from_secs(1)),
        10,
        Duration::from_millis(1500),
    );
    assert_eq!(accepted, 10);
}

// The server closes sooner than the pool lets connections idle: every second request meets a
// closed connection and is sent again, at once, on a new one.

#[test]
fn a_request_on_a_connection_the_server_closed_is_sent_again_on_a_new_one_fin() {
    let (accepted, requests) = deliver_spaced(
        IdleClose::Fin(Duration::from_millis(250)),
        5,
        Duration::from_millis(600),
    );
    assert_eq!((accepted, requests), (5, 5));
}

#[test]
fn a_request_on_a_connection_the_server_reset_is_sent_again_on_a_new_one_rst() {
    let (accepted, requests) = deliver_spaced(
        IdleClose::Rst(Duration::from_millis(250)),
        5,
        Duration::from_millis(600),
    );
    assert_eq!((accepted, requests), (5, 5));
}
