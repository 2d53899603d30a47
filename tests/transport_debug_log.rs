//! `debug(true)` logs what the transport does to stderr, and never the DSN's keys: not at
//! init, not in the endpoint, not when a server echoes the DSN back (Bugsink does, in its 403).

mod fake_server;

use std::process::Command;

use fake_server::{Answer, FakeServer};
use sentry_scopes::{ClientOptions, Level, capture_message};

const CHILD_ENV: &str = "SENTRY_SCOPES_DEBUG_LOG_CHILD";

#[test]
#[ignore = "run as a child process by debug_log_never_contains_the_keys"]
fn debug_log_child() {
    let Ok(dsn) = std::env::var(CHILD_ENV) else {
        return;
    };
    let guard = sentry_scopes::init(ClientOptions::new().dsn(dsn).debug(true)).expect("valid");
    capture_message("refused", Level::Error);
    capture_message("accepted", Level::Error);
    drop(guard);
}

#[test]
fn debug_log_never_contains_the_keys() {
    let server = FakeServer::start(Answer::ok());
    let dsn = format!(
        "http://public-key-123:secret-key-456@127.0.0.1:{}/42",
        server.port()
    );
    server.script([Answer::Status(
        403,
        vec![],
        format!("Project not found or key incorrect: {dsn}"),
    )]);
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args(["debug_log_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD_ENV, &dsn)
        .output()
        .expect("child runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    eprintln!("{stderr}");
    // The keys were really used...
    let auth = server.requests()[0]
        .header("x-sentry-auth")
        .unwrap_or("")
        .to_owned();
    assert!(
        auth.contains("sentry_key=public-key-123") && auth.contains("sentry_secret=secret-key-456")
    );
    // ...and the log says what happened without them.
    for expected in [
        "client installed",
        "sending to http://127.0.0.1:",
        "HTTP 403",
        "***",
        "HTTP 200",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from:\n{stderr}"
        );
    }
    for secret in ["public-key-123", "secret-key-456"] {
        assert!(
            !stderr.contains(secret),
            "{secret} leaked into the debug log:\n{stderr}"
        );
    }
}
