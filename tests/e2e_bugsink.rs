//! End to end against a real Sentry-protocol server (Bugsink), through the HTTP transport:
//! every field of every event is read back from what the server stored.
//!
//! Ignored by default; `.ci/run` runs it with a local Bugsink:
//! `DSN=$(scripts/e2e-server.sh up | tail -n1)`, then
//! `SENTRY_E2E_DSN=$DSN cargo test --test e2e_bugsink -- --ignored`.

mod e2e_common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e_common::event::{check_contexts_and_server_name, check_error_event, host_name};
use e2e_common::{Sent, send_rich_events};
use sentry_scopes::{ClientOptions, Level, capture_message};
use serde_json::{Value, json};

fn dsn() -> String {
    std::env::var("SENTRY_E2E_DSN")
        .expect("SENTRY_E2E_DSN: the DSN printed by `scripts/e2e-server.sh up`")
}

/// What Bugsink stored for `ids`, by event id, read with `scripts/e2e-server.sh events --full`
/// (a summary, and the whole event as stored in `data`).
fn stored(ids: &[String]) -> BTreeMap<String, Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/e2e-server.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(script)
        .args(["events", "--full", "--wait-for", &ids.len().to_string()]);
    for id in ids {
        cmd.args(["--id", id]);
    }
    let out = cmd.output().expect("run scripts/e2e-server.sh events");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "reading events failed: {}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .map(|v| (v["event_id"].as_str().expect("event_id").to_owned(), v))
        .collect()
}

fn check_common(e: &Value, s: &Sent, run: &str) {
    let t = s.tenant;
    assert_eq!(e["platform"], "native");
    assert_eq!(e["release"], "e2e-app@1.2.3");
    assert_eq!(e["environment"], "ci");
    assert_eq!(e["sdk"]["name"], "sentry.rust.sentry-scopes");
    assert_eq!(e["tags"]["run"], run, "global tag");
    assert_eq!(e["tags"]["tenant"], t, "isolation tag");
    assert_eq!(e["indexed_tags"]["tenant"], t);
    assert_eq!(
        e["user"],
        json!({ "id": format!("user-{t}"), "email": format!("{t}@example.org"),
                "username": format!("name-{t}") }),
        "user without an IP address (send_default_pii is off)"
    );
    let crumbs = e["breadcrumbs"].as_array().expect("breadcrumbs");
    assert_eq!(
        crumbs.len(),
        2,
        "only this tenant's breadcrumbs: {crumbs:?}"
    );
    let expected = [
        ("auth", format!("{t} logged in"), "info", 1),
        ("cart", format!("{t} added 3 items"), "warning", 2),
    ];
    for (crumb, (category, message, level, n)) in crumbs.iter().zip(expected) {
        assert_eq!(crumb["category"], category);
        assert_eq!(crumb["message"], message.as_str());
        // sentry-types leaves out the default level, info.
        assert_eq!(crumb["level"].as_str().unwrap_or("info"), level);
        assert_eq!(crumb["data"]["n"], n);
        assert!(crumb["timestamp"].is_string() || crumb["timestamp"].is_number());
    }
    assert_eq!(e["contexts"]["order"]["id"], format!("order-{t}"));
    assert_eq!(e["contexts"]["order"]["items"], 3);
    assert!(
        e["contexts"]["trace"]["trace_id"].is_string(),
        "trace context"
    );
    // Not set by the test: the SDK's own contexts, and the host name as server_name.
    check_contexts_and_server_name(e, &host_name());
    assert_eq!(
        e["extra"]["payload"],
        json!({ "tenant": t, "nested": { "list": [1, 2, 3], "ok": true } })
    );
}

#[test]
#[ignore = "needs a Bugsink: run by .ci/run with SENTRY_E2E_DSN set"]
fn events_arrive_in_bugsink_with_all_their_scope_data() {
    let started = Instant::now();
    let run = sentry_scopes::Uuid::new_v4().simple().to_string();
    let guard = sentry_scopes::init(
        ClientOptions::new()
            .dsn(dsn())
            .release("e2e-app@1.2.3")
            .environment("ci")
            // The first of these is dropped, so the next envelope carries a client report:
            // Bugsink must still store the event next to it.
            .before_send(|e| (e.message.as_deref() != Some("dropped by before_send")).then_some(e)),
    )
    .expect("valid options");
    assert_eq!(capture_message("dropped by before_send", Level::Info), None);
    let sent = send_rich_events(&run);
    assert!(sentry_scopes::flush(Duration::from_secs(10)), "flushed");
    drop(guard);
    let sent_in = started.elapsed();

    let ids: Vec<String> = sent.iter().map(|s| s.id.simple().to_string()).collect();
    let events = stored(&ids);
    eprintln!(
        "3 events sent in {sent_in:?}, read back after {:?}",
        started.elapsed()
    );
    assert_eq!(events.len(), 3, "{events:#?}");
    for s in &sent {
        let e = &events[&s.id.simple().to_string()];
        check_common(e, s, &run);
        match s.kind {
            "error" => {
                // sentry-types leaves out an event's default level, error.
                assert_eq!(e["level"].as_str().unwrap_or("error"), "error");
                let chain = e["exception"].as_array().expect("exception");
                let types: Vec<_> = chain.iter().map(|x| x["type"].clone()).collect();
                assert_eq!(
                    types,
                    [json!("ReadError"), json!("LoadError")],
                    "root cause first"
                );
                assert_eq!(chain[0]["value"], "cannot read /etc/app.toml");
                assert_eq!(chain[1]["value"], "configuration could not be loaded");
                assert_eq!(e["fingerprint"], json!(["load-error", "{{ default }}"]));
                assert!(
                    e["grouping_key"]
                        .as_str()
                        .unwrap()
                        .starts_with("load-error"),
                    "{e}"
                );
                assert!(e["tags"].get("step").is_none());
                // The whole event as stored: contexts, server name (and frames, debug images).
                check_error_event(&e["data"], &host_name());
            }
            "message" => {
                assert_eq!(e["level"], "warning");
                assert_eq!(e["message"], "payment declined");
                assert_eq!(e["fingerprint"], json!(["payment-declined"]));
                assert_eq!(e["grouping_key"], "payment-declined");
                assert_eq!(e["tags"]["step"], "charge", "current-scope tag");
            }
            _ => {
                assert_eq!(e["level"], "info");
                assert_eq!(e["message"], "plain message");
                assert!(e["fingerprint"].is_null());
                assert!(e["tags"].get("step").is_none());
            }
        }
    }
}
