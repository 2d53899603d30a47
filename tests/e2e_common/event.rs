//! What every error event must carry besides the scope data, checked on the event's JSON as
//! the SDK sent it: the quickstart's printed event (`e2e_relay.rs`) and the event Bugsink
//! stored (`e2e_bugsink.rs`, `data` of `scripts/e2e-server.sh events --full`).

use std::process::Command;

use serde_json::Value;

/// The host name as the kernel has it, which `server_name` defaults to.
pub fn host_name() -> String {
    let out = Command::new("uname")
        .arg("-n")
        .output()
        .expect("run uname -n");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Asserts the parts of an error event that do not come from scopes.
pub fn check_error_event(e: &Value, server_name: &str) {
    check_contexts_and_server_name(e, server_name);
    // Stack frames and debug images (issue 13, stack traces) are checked here too.
}

/// The `os`, `rust` and `device` contexts and the server name (issue 13, contexts and
/// defaults).
pub fn check_contexts_and_server_name(e: &Value, server_name: &str) {
    assert_eq!(e["server_name"], server_name, "server_name");
    let contexts = &e["contexts"];
    let os = &contexts["os"];
    assert_eq!(os["type"], "os", "{contexts}");
    assert!(non_empty(&os["name"]), "os.name: {os}");
    assert!(non_empty(&os["kernel_version"]), "os.kernel_version: {os}");
    let rust = &contexts["rust"];
    assert_eq!(rust["type"], "runtime", "{contexts}");
    assert_eq!(rust["name"], "rustc", "{rust}");
    assert!(
        rust["version"]
            .as_str()
            .is_some_and(|v| v.split('.').count() == 3),
        "rust.version: {rust}"
    );
    assert!(non_empty(&rust["channel"]), "rust.channel: {rust}");
    let device = &contexts["device"];
    assert_eq!(device["type"], "device", "{contexts}");
    assert_eq!(device["arch"], std::env::consts::ARCH, "{device}");
}

fn non_empty(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.trim().is_empty())
}
