//! A release build still reports what a server needs to symbolicate (issue 13): the
//! `crash_report` example, built with `--release`, prints an error event and a panic event whose
//! frames all carry `instruction_addr`, inside the executable's debug image.
//!
//! Ignored in the plain test run (a release build takes minutes); `.ci/run` runs it with
//! `--ignored`, after the benches have built the optimised dependencies it shares.

use std::process::Command;

use serde_json::Value;

/// Builds the example in release mode and returns its path, from cargo's JSON messages.
fn build_example() -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["build", "--release", "--example", "crash_report"])
        .args(["--message-format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "crash_report")
        .find_map(|m| m["executable"].as_str().map(str::to_owned))
        .expect("the example's executable")
}

/// The JSON values printed on stdout (the printing transport pretty-prints each item).
fn json_values(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(
        &text
            .lines()
            .filter(|l| !l.starts_with("---") && !l.starts_with("picked"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .into_iter::<Value>()
    .filter_map(Result::ok)
    .collect()
}

#[test]
#[ignore = "builds an example in release mode; run by .ci/run with --ignored"]
fn a_release_build_reports_addresses_and_debug_images() {
    let exe = build_example();
    let out = Command::new(&exe)
        .env_remove("SENTRY_DSN")
        .output()
        .expect("the example runs");
    assert_eq!(out.status.code(), Some(101), "it ends with the panic");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let events: Vec<Value> = json_values(&stdout)
        .into_iter()
        .filter(|v| v.get("exception").is_some())
        .collect();
    assert_eq!(events.len(), 2, "an error and a panic:\n{stdout}");
    let canonical = std::fs::canonicalize(&exe).unwrap();
    for event in &events {
        let images = event["debug_meta"]["images"]
            .as_array()
            .expect("debug images");
        let main = images
            .iter()
            .find(|i| {
                i["name"]
                    .as_str()
                    .and_then(|n| std::fs::canonicalize(n).ok())
                    == Some(canonical.clone())
            })
            .unwrap_or_else(|| panic!("the executable among {images:#?}"));
        assert!(
            main["id"].as_str().is_some_and(|id| id.len() >= 32),
            "{main}"
        );
        assert!(main["code_id"].is_string(), "{main}");
        let addr = |v: &Value| {
            u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
        };
        let start = addr(&main["image_addr"]);
        let end = start + main["image_size"].as_u64().unwrap();

        let exception = event["exception"]["values"]
            .as_array()
            .unwrap()
            .last()
            .unwrap();
        let frames = exception["stacktrace"]["frames"]
            .as_array()
            .expect("frames");
        assert!(frames.len() > 3, "{frames:#?}");
        assert!(
            frames.iter().all(|f| f["instruction_addr"].is_string()),
            "{frames:#?}"
        );
        // The innermost frame is the application's code, inside the executable's image.
        let last = frames.last().unwrap();
        assert!(
            (start..end).contains(&addr(&last["instruction_addr"])),
            "{last}"
        );
        let name = last["function"].as_str().unwrap_or("");
        assert!(name.starts_with("crash_report::"), "{frames:#?}");
    }
    assert_eq!(events[1]["level"], "fatal");
    assert_eq!(events[1]["exception"]["values"][0]["type"], "panic");
}
