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
    check_frames_and_images(e);
}

/// The stack trace of the outermost exception and the debug images (issue 13, stack traces):
/// an address on every frame, an in-app frame with function, file, line and source line, and
/// the loaded images a server symbolicates the addresses with.
pub fn check_frames_and_images(e: &Value) {
    let exceptions = e["exception"]["values"].as_array().expect("exceptions");
    let frames = exceptions
        .last()
        .and_then(|x| x["stacktrace"]["frames"].as_array())
        .expect("frames on the outermost exception");
    assert!(!frames.is_empty(), "{e}");
    for frame in frames {
        assert!(
            frame["instruction_addr"]
                .as_str()
                .is_some_and(|a| a.starts_with("0x")),
            "a frame without an address: {frame}"
        );
    }
    let in_app = frames
        .iter()
        .rev()
        .find(|f| f["in_app"] == true)
        .expect("an in-app frame");
    assert!(non_empty(&in_app["function"]), "{in_app}");
    assert!(non_empty(&in_app["filename"]), "{in_app}");
    assert!(
        in_app["abs_path"]
            .as_str()
            .is_some_and(|p| p.starts_with('/')),
        "{in_app}"
    );
    assert!(in_app["lineno"].as_u64().is_some_and(|l| l > 0), "{in_app}");
    assert!(
        non_empty(&in_app["context_line"]),
        "source context: {in_app}"
    );
    let images = e["debug_meta"]["images"].as_array().expect("debug images");
    assert!(
        images
            .iter()
            .any(|i| i["code_id"].as_str().is_some_and(|c| !c.is_empty())),
        "{images:?}"
    );
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
