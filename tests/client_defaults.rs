//! What `init` fills in: the server name.

use std::process::Command;
use std::sync::{Mutex, PoisonError};

use sentry_scopes::test::TestTransport;
use sentry_scopes::{ClientOptions, Event, Level, capture_message};

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
