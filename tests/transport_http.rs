//! The HTTP transport against a well-behaved loopback server: endpoint, auth, gzip, envelope
//! framing (parsed back with `sentry_types`), PII, size limits, flush and shutdown.

mod fake_server;

use std::time::Duration;

use fake_server::{Answer, FakeServer, serial};
use sentry_scopes::protocol::{EnvelopeItem, Map};
use sentry_scopes::{
    Attachment, Breadcrumb, ClientOptions, Event, Level, Transaction, User, Value, capture_event,
    capture_message, capture_transaction_event, with_isolation_scope,
};
use sentry_types::protocol::v7::{IpAddress, Request};

fn options(server: &FakeServer) -> ClientOptions {
    ClientOptions::new()
        .dsn(server.dsn())
        .release("app@1.0")
        .environment("test")
}

#[test]
fn envelopes_reach_the_endpoint_with_auth_and_gzip_above_1_kib() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    let small = capture_message("small", Level::Info).expect("sent");
    let big = with_isolation_scope(|scope| {
        scope.set_extra("blob", "x".repeat(4096));
        capture_message("big", Level::Warning).expect("sent")
    });
    assert!(sentry_scopes::flush(Duration::from_secs(5)));
    drop(guard);

    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    for r in &requests {
        assert_eq!(r.path, "/api/42/envelope/");
        let auth = r.header("x-sentry-auth").expect("auth header");
        assert!(auth.starts_with("Sentry "), "{auth}");
        assert!(auth.contains("sentry_key=public-key-123"), "{auth}");
        assert!(auth.contains("sentry_version=7"), "{auth}");
        assert!(auth.contains("sentry_client=sentry-scopes/"), "{auth}");
        assert!(!auth.contains("sentry_secret"), "{auth}");
        assert_eq!(
            r.header("content-type"),
            Some("application/x-sentry-envelope")
        );
        assert!(
            r.header("user-agent")
                .unwrap_or("")
                .starts_with("sentry-scopes/")
        );
    }
    let (plain, gzipped) = (&requests[0], &requests[1]);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.raw_len, plain.body.len());
    assert!(plain.body.len() < 1024);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert!(
        gzipped.raw_len < gzipped.body.len() / 2,
        "{} vs {}",
        gzipped.raw_len,
        gzipped.body.len()
    );

    for (r, id) in [(plain, small), (gzipped, big)] {
        let envelope = r.envelope();
        assert_eq!(envelope.uuid(), Some(&id));
        let header: serde_json::Value =
            serde_json::from_slice(r.body.split(|&b| b == b'\n').next().unwrap()).unwrap();
        let sent_at = header["sent_at"].as_str().expect("sent_at");
        assert!(sent_at.len() >= 20 && sent_at.ends_with('Z'), "{sent_at}");
        let event = envelope.event().expect("event item");
        assert_eq!(event.event_id, id);
        assert_eq!(event.release.as_deref(), Some("app@1.0"));
        assert_eq!(event.platform, "native");
    }
}

#[test]
fn attachments_and_transactions_parse_back_with_sentry_types() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    with_isolation_scope(|scope| {
        scope.add_attachment(Attachment {
            buffer: b"line 1\nline 2\n".to_vec(),
            filename: "log.txt".into(),
            content_type: Some("text/plain".into()),
            ..Attachment::default()
        });
        capture_message("with attachment", Level::Error);
    });
    let now = std::time::SystemTime::now();
    capture_transaction_event(Transaction {
        name: Some("GET /".into()),
        start_timestamp: now - Duration::from_millis(20),
        timestamp: Some(now),
        ..Transaction::default()
    });
    drop(guard);

    let requests = server.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let first = requests[0].envelope();
    let items: Vec<_> = first.items().collect();
    assert!(matches!(items[0], EnvelopeItem::Event(_)));
    let EnvelopeItem::Attachment(a) = items[1] else {
        panic!("attachment expected: {items:?}")
    };
    assert_eq!(a.filename, "log.txt");
    assert_eq!(a.buffer, b"line 1\nline 2\n");
    let second = requests[1].envelope();
    let EnvelopeItem::Transaction(t) = second.items().next().expect("item") else {
        panic!("transaction expected")
    };
    assert_eq!(t.name.as_deref(), Some("GET /"));
}

fn pii_event(ip_address: IpAddress) -> Event<'static> {
    let mut headers = Map::new();
    headers.insert("Authorization".to_owned(), "Bearer secret".to_owned());
    headers.insert("Cookie".to_owned(), "session=1".to_owned());
    headers.insert("X-Forwarded-For".to_owned(), "198.51.100.7".to_owned());
    headers.insert("Accept".to_owned(), "*/*".to_owned());
    Event {
        message: Some("pii".into()),
        user: Some(User {
            id: Some("7".into()),
            ip_address: Some(ip_address),
            ..User::default()
        }),
        request: Some(Request {
            url: "https://u:p@shop.example/cart".parse().ok(),
            cookies: Some("session=1".into()),
            headers,
            ..Request::default()
        }),
        ..Event::default()
    }
}

#[test]
fn personal_data_is_sent_only_with_send_default_pii() {
    let _serial = serial();
    let explicit = IpAddress::Exact("203.0.113.9".parse().unwrap());
    for pii in [false, true] {
        let server = FakeServer::start(Answer::ok());
        let guard = sentry_scopes::init(options(&server).send_default_pii(pii)).expect("valid");
        capture_event(pii_event(IpAddress::Auto));
        capture_event(pii_event(explicit));
        drop(guard);
        let requests = server.requests();
        for (request, ip) in requests.iter().zip([IpAddress::Auto, explicit]) {
            let envelope = request.envelope();
            let event = envelope.event().expect("event");
            let user = event.user.as_ref().expect("user");
            let data = event.request.as_ref().expect("request");
            let text = String::from_utf8_lossy(&request.body).into_owned();
            assert_eq!(user.id.as_deref(), Some("7"));
            assert_eq!(data.headers.get("Accept").map(String::as_str), Some("*/*"));
            if pii {
                assert_eq!(user.ip_address, Some(ip));
                assert_eq!(data.cookies.as_deref(), Some("session=1"));
                assert!(data.headers.contains_key("Authorization"));
                continue;
            }
            // `{{auto}}` would have the server record the sender's address; an address the
            // application set itself is its own decision.
            let kept = (ip != IpAddress::Auto).then_some(ip);
            assert_eq!(user.ip_address, kept);
            assert!(!text.contains("{{auto}}"), "{text}");
            assert_eq!(data.cookies, None);
            for secret in ["Bearer secret", "session=1", "198.51.100.7", "u:p@"] {
                assert!(!text.contains(secret), "{secret} leaked: {text}");
            }
        }
    }
}

#[test]
fn size_limits_hold_on_the_wire() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    with_isolation_scope(|scope| {
        scope.set_tag("k".repeat(240), "v".repeat(250));
        for i in 0..100 {
            // Messages are cut to 8192 characters; data is not, so these exceed 1 MiB.
            scope.add_breadcrumb(Breadcrumb {
                message: Some(format!("{i:03}")),
                data: [("blob".to_owned(), Value::from("b".repeat(20_000)))].into(),
                ..Breadcrumb::default()
            });
        }
        scope.set_extra("small", Value::from("kept"));
        capture_message(&"m".repeat(10_000), Level::Info);
    });
    drop(guard);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let raw_event_len = {
        // The event item's declared length, from its item header (second line).
        let header = requests[0].body.split(|&b| b == b'\n').nth(1).unwrap();
        serde_json::from_slice::<serde_json::Value>(header).unwrap()["length"]
            .as_u64()
            .unwrap()
    };
    assert!(raw_event_len <= 1024 * 1024, "{raw_event_len}");
    let envelope = requests[0].envelope();
    let event = envelope.event().expect("event");
    let (key, value) = event.tags.iter().next().expect("tag");
    assert_eq!(key.chars().count(), 200);
    assert_eq!(value.chars().count(), 200);
    assert_eq!(
        event.message.as_ref().map(|m| m.chars().count()),
        Some(8192)
    );
    let crumbs = &event.breadcrumbs.values;
    assert!(!crumbs.is_empty() && crumbs.len() < 100, "{}", crumbs.len());
    assert!(
        crumbs
            .last()
            .unwrap()
            .message
            .as_ref()
            .unwrap()
            .starts_with("099")
    );
    assert_eq!(event.extra.get("small"), Some(&Value::from("kept")));
}

#[test]
fn dropping_the_guard_sends_everything_queued() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    let ids: Vec<_> = (0..30)
        .map(|i| capture_message(&format!("m{i}"), Level::Info).expect("queued"))
        .collect();
    drop(guard);
    // Every one, in any order: a second thread helps send a backlog (docs::delivery).
    let mut got = fake_server::accepted_event_ids(&server.requests());
    let mut want: Vec<_> = ids.iter().map(|u| u.simple().to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // Captures after the guard is gone are no-ops.
    assert_eq!(capture_message("late", Level::Info), None);
}

#[test]
fn an_https_dsn_that_meets_no_tls_server_fails_quietly() {
    let _serial = serial();
    let server = FakeServer::start(Answer::Reset);
    let dsn = format!("https://public-key-123@127.0.0.1:{}/42", server.port());
    let guard = sentry_scopes::init(ClientOptions::new().dsn(dsn)).expect("valid options");
    capture_message("over tls", Level::Info);
    assert!(sentry_scopes::flush(Duration::from_secs(5)));
    drop(guard);
}

#[test]
fn an_unusable_cache_dir_is_an_init_error_that_says_what_to_do() {
    let _serial = serial();
    let file = fake_server::temp_dir("not-a-dir");
    std::fs::write(&file, b"a file, not a directory").unwrap();
    let err = sentry_scopes::init(
        ClientOptions::new()
            .dsn("https://key@sentry.example.com/1")
            .cache_dir(&file),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("cannot use cache_dir") && text.contains("leave it unset"),
        "{text}"
    );
    assert_eq!(capture_message("not installed", Level::Info), None);
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn a_backlog_goes_out_on_two_connections_while_the_server_answers_well_and_on_one_after_a_failure()
{
    let _serial = serial();
    let slow = |code| Answer::Slow(Duration::from_millis(30), code);
    let server = FakeServer::start(slow(200));
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    capture_message("first", Level::Info);
    assert!(sentry_scopes::flush(Duration::from_secs(5)));
    for i in 0..10 {
        capture_message(&format!("burst {i}"), Level::Info);
    }
    assert!(sentry_scopes::flush(Duration::from_secs(10)));
    assert_eq!(server.max_in_flight(), 2, "a helper sends the backlog");

    drop(guard);
    let failing = FakeServer::start(slow(500));
    let guard = sentry_scopes::init(options(&failing)).expect("valid options");
    for i in 0..10 {
        capture_message(&format!("failing {i}"), Level::Info);
    }
    assert!(sentry_scopes::flush(Duration::from_secs(10)));
    drop(guard);
    assert_eq!(
        failing.max_in_flight(),
        1,
        "a failing server gets one request at a time"
    );
}

#[test]
fn a_backlog_queued_before_the_first_answer_goes_out_on_two_connections() {
    let _serial = serial();
    let server = FakeServer::start(Answer::Slow(Duration::from_millis(30), 200));
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    // All queued at once, long before the first answer: no later capture wakes the helper.
    for i in 0..10 {
        capture_message(&format!("at start {i}"), Level::Info);
    }
    assert!(sentry_scopes::flush(Duration::from_secs(10)));
    assert_eq!(server.requests().len(), 10);
    assert_eq!(
        server.max_in_flight(),
        2,
        "the helper joins after the first success"
    );
    drop(guard);
}

#[test]
fn an_envelope_captured_while_both_threads_wait_is_sent_without_a_flush() {
    let _serial = serial();
    let server = FakeServer::start(Answer::Slow(Duration::from_millis(5), 200));
    let guard = sentry_scopes::init(options(&server)).expect("valid options");
    let mut expected = 0;
    for round in 0..20 {
        // A backlog, so that both threads send and then both wait, in either order.
        for i in 0..6 {
            capture_message(&format!("burst {round}.{i}"), Level::Info);
        }
        expected += 6;
        let got = server.wait_until(Duration::from_secs(10), |r| r.len() >= expected);
        assert_eq!(got.len(), expected, "round {round}: the burst");
        std::thread::sleep(Duration::from_millis(20));
        // One envelope alone: whichever thread the wake-up reaches, it must be sent.
        capture_message(&format!("alone {round}"), Level::Info);
        expected += 1;
        let got = server.wait_until(Duration::from_secs(3), |r| r.len() >= expected);
        assert_eq!(
            got.len(),
            expected,
            "round {round}: the lone envelope waited"
        );
    }
    drop(guard);
}
