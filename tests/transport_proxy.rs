//! The HTTP transport through a proxy: `http_proxy` / `https_proxy`, with the loopback fake
//! server as the proxy. The DSNs name `sentry.invalid`, a name that never resolves (RFC 6761),
//! so an envelope that arrives can only have come through the proxy.

mod fake_server;

use std::time::Duration;

use fake_server::{Answer, FakeServer, accepted_event_ids, serial};
use sentry_scopes::{ClientOptions, InitError, Level, capture_message};

const HTTP_DSN: &str = "http://public-key-123@sentry.invalid/42";
const HTTPS_DSN: &str = "https://public-key-123@sentry.invalid/42";

fn proxy_url(server: &FakeServer) -> String {
    format!("http://127.0.0.1:{}", server.port())
}

#[test]
fn an_http_dsn_goes_through_http_proxy_with_its_credentials() {
    let _serial = serial();
    let proxy = FakeServer::start(Answer::ok());
    let url = format!("http://user:s3cret@127.0.0.1:{}", proxy.port());
    let guard = sentry_scopes::init(ClientOptions::new().dsn(HTTP_DSN).http_proxy(url))
        .expect("valid options");
    let id = capture_message("through the proxy", Level::Info).expect("captured");
    assert!(sentry_scopes::flush(Duration::from_secs(5)));
    drop(guard);

    let requests = proxy.requests();
    assert_eq!(accepted_event_ids(&requests), [id.simple().to_string()]);
    let request = &requests[0];
    // A proxy gets the absolute URL of the endpoint, and the credentials as Basic auth.
    assert_eq!(request.path, "http://sentry.invalid/api/42/envelope/");
    assert_eq!(
        request.header("proxy-authorization"),
        Some("Basic dXNlcjpzM2NyZXQ=")
    );
}

#[test]
fn an_https_dsn_tunnels_through_https_proxy_or_else_http_proxy() {
    let _serial = serial();
    // A dead port for the proxy that must not be used.
    let unused = "http://127.0.0.1:1".to_owned();
    for https_proxy_set in [false, true] {
        // The proxy refuses the tunnel: what matters is that it was asked for one.
        let proxy = FakeServer::start(Answer::status(502));
        let options = ClientOptions::new()
            .dsn(HTTPS_DSN)
            .shutdown_timeout(Duration::from_millis(500));
        let options = if https_proxy_set {
            options
                .http_proxy(unused.clone())
                .https_proxy(proxy_url(&proxy))
        } else {
            options.http_proxy(proxy_url(&proxy))
        };
        let guard = sentry_scopes::init(options).expect("valid options");
        capture_message("through a tunnel", Level::Info);
        let requests = proxy.wait_until(Duration::from_secs(5), |r| !r.is_empty());
        drop(guard);
        assert!(!requests.is_empty(), "https_proxy set: {https_proxy_set}");
        // `CONNECT sentry.invalid:443`: the proxy sees the host, never the envelope.
        assert_eq!(requests[0].path, "sentry.invalid:443");
        assert!(requests[0].body.is_empty());
    }
}

#[test]
fn an_empty_proxy_option_sends_directly() {
    let _serial = serial();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(ClientOptions::new().dsn(server.dsn()).http_proxy(""))
        .expect("an empty proxy is valid");
    let id = capture_message("direct", Level::Info).expect("captured");
    assert!(sentry_scopes::flush(Duration::from_secs(5)));
    drop(guard);
    let requests = server.requests();
    assert_eq!(accepted_event_ids(&requests), [id.simple().to_string()]);
    assert_eq!(requests[0].path, "/api/42/envelope/");
}

#[test]
fn a_proxy_that_is_not_a_proxy_url_fails_init_naming_the_option() {
    let _serial = serial();
    let options = ClientOptions::new()
        .dsn(HTTPS_DSN)
        .https_proxy("socks5://user:hunter2@proxy.example:1080");
    let error = sentry_scopes::init(options).expect_err("init refuses it");
    assert!(
        matches!(
            error,
            InitError::InvalidProxy {
                option: "https_proxy",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("scheme `socks5` is not supported"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}
