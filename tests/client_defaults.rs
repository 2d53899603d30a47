//! What `init` fills in: the server name, the environment, `SENTRY_DEBUG`; and
//! `release_name!()`. The defaults that depend on environment variables are checked in a child
//! process (this test binary again) whose environment the parent sets, since a test cannot
//! change its own environment safely.

use std::process::Command;
use std::sync::{Mutex, PoisonError};

use sentry_scopes::test::TestTransport;
use sentry_scopes::{ClientOptions, Event, Level, capture_message, release_name};

/// `init` installs one process-wide client: one test at a time.
static LOCK: Mutex<()> = Mutex::new(());

/// Captures one message under a client made by `init(options)` and returns the event.
fn captured_with_init(options: ClientOptions) -> Event<'static> {
    let _lock = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let transport = TestTransport::new();
    let guard = sentry_scopes::init(options.transport(transport.clone())).expect("valid options");
    capture_message("hello", Level::Info);
    drop(guard);
    transport.events().pop().expect("one event")
}

/// The host name as the kernel has it.
fn host_name() -> String {
    let out = Command::new("uname")
        .arg("-n")
        .output()
        .expect("run uname -n");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn server_name_defaults_to_the_host_name() {
    let e = captured_with_init(ClientOptions::new());
    assert_eq!(e.server_name.as_deref(), Some(host_name().as_str()));
}

#[test]
fn an_explicit_server_name_wins_and_an_empty_one_sends_none() {
    let e = captured_with_init(ClientOptions::new().server_name("web-1"));
    assert_eq!(e.server_name.as_deref(), Some("web-1"));
    let e = captured_with_init(ClientOptions::new().server_name(""));
    assert_eq!(e.server_name, None);
}

#[test]
fn release_name_names_the_calling_crate() {
    // This file belongs to the suite package, not to sentry-scopes.
    assert_eq!(
        release_name!(),
        concat!("sentry-scopes-suite@", env!("CARGO_PKG_VERSION"))
    );
    let e = captured_with_init(ClientOptions::new().release(release_name!()));
    assert_eq!(e.release.as_deref(), Some(release_name!()));
}

const CHILD: &str = "SENTRY_SCOPES_DEFAULTS_CHILD";

/// The child process: inits from the environment the parent gave it and prints the event.
#[test]
fn child_entry() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let e = captured_with_init(ClientOptions::new());
    let json = serde_json::to_string(&e).expect("an event serialises");
    println!("EVENT {json}");
}

/// Runs [`child_entry`] in a child with only `vars` of the SENTRY_* variables set; returns the
/// event it captured and its stderr.
fn child(vars: &[(&str, &str)]) -> (serde_json::Value, String) {
    let mut cmd = Command::new(std::env::current_exe().expect("the test binary"));
    cmd.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1");
    for name in [
        "SENTRY_DSN",
        "SENTRY_RELEASE",
        "SENTRY_ENVIRONMENT",
        "SENTRY_DEBUG",
    ] {
        cmd.env_remove(name);
    }
    cmd.envs(vars.iter().copied());
    let out = cmd.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "child failed: {stdout}{stderr}");
    let json = stdout
        .lines()
        .find_map(|l| l.split_once("EVENT ").map(|(_, json)| json))
        .unwrap_or_else(|| panic!("no event printed: {stdout}"));
    (serde_json::from_str(json).expect("event JSON"), stderr)
}

#[test]
fn environment_defaults_by_build_and_debug_stays_off_without_sentry_debug() {
    let (e, stderr) = child(&[]);
    // Tests are built with debug assertions unless run with --release.
    let by_build = if cfg!(debug_assertions) {
        "development"
    } else {
        "production"
    };
    assert_eq!(e["environment"], by_build);
    assert!(!stderr.contains("[sentry-scopes]"), "{stderr}");
}

#[test]
fn sentry_environment_and_sentry_debug_are_read_from_the_process_environment() {
    let (e, stderr) = child(&[("SENTRY_ENVIRONMENT", "staging"), ("SENTRY_DEBUG", "yes")]);
    assert_eq!(e["environment"], "staging");
    assert!(
        stderr.contains("[sentry-scopes] client installed"),
        "{stderr}"
    );
    let (_, stderr) = child(&[("SENTRY_DEBUG", "0")]);
    assert!(!stderr.contains("[sentry-scopes]"), "{stderr}");
}
