//! Writes every kind of envelope the SDK sends, exactly as it goes over the wire, to
//! `$SENTRY_E2E_ENVELOPE_DIR`, for `scripts/relay-check.py` (Relay's normalizer) to validate.
//! Each is also parsed back with `sentry_types` here. The quickstart example's printed error
//! event, and the spans example's printed transaction and error event, are checked and written
//! there too.
//!
//! Ignored by default; `.ci/run` runs it, then relay-check on the files.

mod e2e_common;
mod fake_server;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

use e2e_common::event::{check_error_event, host_name};

use fake_server::{Answer, FakeServer};
use sentry_scopes::protocol::{EnvelopeItem, SpanStatus};
use sentry_scopes::{
    Attachment, ClientOptions, Level, Transaction, TransactionContext, capture_message,
    capture_transaction_event, flush, start_transaction, with_isolation_scope,
};
use serde_json::Value;

/// Where the envelopes go, created if missing.
fn envelope_dir() -> PathBuf {
    let dir = PathBuf::from(
        std::env::var("SENTRY_E2E_ENVELOPE_DIR").expect("SENTRY_E2E_ENVELOPE_DIR: where to write"),
    );
    std::fs::create_dir_all(&dir).expect("create the envelope dir");
    dir
}

#[test]
#[ignore = "writes files for relay-check: run by .ci/run with SENTRY_E2E_ENVELOPE_DIR set"]
fn every_envelope_kind_for_relay_check() {
    let dir = envelope_dir();
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(
        ClientOptions::new()
            .dsn(server.dsn())
            .release("e2e-app@1.2.3")
            .environment("ci")
            .server_name("ci-host")
            .traces_sample_rate(1.0)
            .before_send(|e| (e.message.as_deref() != Some("dropped")).then_some(e)),
    )
    .expect("valid options");

    // A dropped event, so that the next envelope carries a client report.
    capture_message("dropped", Level::Info);
    e2e_common::send_rich_events("relay");
    assert!(flush(Duration::from_secs(5)));
    with_isolation_scope(|scope| {
        scope.add_attachment(Attachment {
            buffer: b"2026-11-21 boot\n2026-11-21 crash\n".to_vec(),
            filename: "app.log".into(),
            content_type: Some("text/plain".into()),
            ..Attachment::default()
        });
        scope.add_attachment(Attachment {
            buffer: (0..=255u8).collect(),
            filename: "state.bin".into(),
            ..Attachment::default()
        });
        capture_message("with attachments", Level::Error);
    });
    let now = SystemTime::now();
    capture_transaction_event(Transaction {
        name: Some("GET /checkout".into()),
        start_timestamp: now - Duration::from_millis(42),
        timestamp: Some(now),
        ..Transaction::default()
    });
    // A transaction from a span tree: written from the spans as they were recorded.
    let txn = start_transaction(TransactionContext::new("POST /pay", "http.server"));
    txn.set_tag("payment.kind", "card");
    txn.set_data("attempt", 2);
    {
        let query = txn.start_child("db.query", "INSERT INTO payments VALUES ($1, \"é\")\n");
        query.set_tag("db.system", "postgresql");
        query.set_data("rows", 1);
        query.set_status(SpanStatus::Ok);
    }
    txn.finish();
    assert!(flush(Duration::from_secs(5)));
    // A lone client report, sent on flush.
    capture_message("dropped", Level::Info);
    assert!(flush(Duration::from_secs(5)));
    drop(guard);

    let mut kinds = std::collections::BTreeSet::new();
    for (i, request) in server.requests().iter().enumerate() {
        let envelope = request.envelope();
        let names: Vec<&str> = envelope
            .items()
            .map(|item| match item {
                EnvelopeItem::Event(_) => "event",
                EnvelopeItem::Attachment(_) => "attachment",
                EnvelopeItem::Transaction(_) => "transaction",
                EnvelopeItem::ClientReport(_) => "client_report",
                _ => "other",
            })
            .collect();
        kinds.extend(names.iter().copied());
        let file = dir.join(format!("{i:02}-{}.envelope", names.join("+")));
        std::fs::write(&file, &request.body).expect("write the envelope");
    }
    for kind in ["event", "attachment", "transaction", "client_report"] {
        assert!(
            kinds.contains(kind),
            "no {kind} envelope was produced: {kinds:?}"
        );
    }
}

/// Each envelope `cargo run --example <example>` printed without a DSN, as the JSON values it
/// is made of: the envelope header, then each item header followed by its payload.
fn printed_envelopes(example: &str) -> Vec<Vec<Value>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--quiet", "--example", example])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for name in [
        "SENTRY_DSN",
        "SENTRY_RELEASE",
        "SENTRY_ENVIRONMENT",
        "SENTRY_DEBUG",
    ] {
        cmd.env_remove(name);
    }
    let out = cmd.output().expect("run cargo run --example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the {example} example failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .split("--- sentry envelope ---")
        .skip(1)
        .map(|printed| {
            serde_json::Deserializer::from_str(printed)
                .into_iter::<Value>()
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_else(|e| panic!("not JSON values ({e}): {printed}"))
        })
        .collect()
}

/// The envelope bytes of printed JSON values: compact lines, each item's `length` that of its
/// payload as written here.
fn envelope_bytes(values: &[Value]) -> Vec<u8> {
    let mut out = serde_json::to_vec(&values[0]).expect("header");
    out.push(b'\n');
    for pair in values[1..].chunks(2) {
        let payload = serde_json::to_vec(&pair[1]).expect("payload");
        let mut header = pair[0].clone();
        header["length"] = payload.len().into();
        out.extend(serde_json::to_vec(&header).expect("item header"));
        out.push(b'\n');
        out.extend(payload);
        out.push(b'\n');
    }
    out
}

#[test]
#[ignore = "builds and runs the quickstart example: run by .ci/run with SENTRY_E2E_ENVELOPE_DIR set"]
fn the_quickstart_prints_a_complete_error_event() {
    let dir = envelope_dir();
    let envelopes = printed_envelopes("quickstart");
    let errors: Vec<&Value> = envelopes
        .iter()
        .flat_map(|values| values[1..].chunks(2))
        .filter(|pair| pair[0]["type"] == "event" && pair[1].get("exception").is_some())
        .map(|pair| &pair[1])
        .collect();
    assert_eq!(errors.len(), 1, "one error event: {envelopes:#?}");
    check_error_event(errors[0], &host_name());
    assert_eq!(errors[0]["environment"], "development", "a debug build's");

    // The print transport shows each envelope as JSON; framed again, Relay checks them.
    for (i, values) in envelopes.iter().enumerate() {
        let file = dir.join(format!("quickstart-{i:02}.envelope"));
        std::fs::write(&file, envelope_bytes(values)).expect("write the envelope");
    }
}

/// The items of `envelopes` of type `kind`, as payloads.
fn payloads<'a>(envelopes: &'a [Vec<Value>], kind: &str) -> Vec<&'a Value> {
    envelopes
        .iter()
        .flat_map(|values| values[1..].chunks(2))
        .filter(|pair| pair[0]["type"] == kind)
        .map(|pair| &pair[1])
        .collect()
}

#[test]
#[ignore = "builds and runs the spans example: run by .ci/run with SENTRY_E2E_ENVELOPE_DIR set"]
fn the_spans_example_prints_a_transaction_and_an_error_in_one_of_its_spans() {
    let dir = envelope_dir();
    let envelopes = printed_envelopes("spans");
    let transactions = payloads(&envelopes, "transaction");
    assert_eq!(transactions.len(), 1, "one transaction: {envelopes:#?}");
    let txn = transactions[0];
    assert_eq!(txn["transaction"], "POST /checkout");
    let root = &txn["contexts"]["trace"]["span_id"];
    let spans = txn["spans"].as_array().expect("spans");
    let span = |description: &str| {
        spans
            .iter()
            .find(|s| s["description"] == description)
            .unwrap_or_else(|| panic!("no span {description:?}: {spans:#?}"))
    };
    // By the attribute (sync and async), by start_span and start_child, by tracing, nested.
    for (child, parent) in [
        ("load cart", None),
        ("decode rows", Some("load cart")),
        ("price cart", None),
        ("tax rates", Some("price cart")),
        ("ship order", None),
        ("print label", Some("ship order")),
        ("charge card", None),
    ] {
        let expected = parent.map_or(root, |p| &span(p)["span_id"]);
        assert_eq!(&span(child)["parent_span_id"], expected, "{child}");
    }
    assert_eq!(span("charge card")["status"], "internal_error");
    assert_eq!(span("ship order")["op"], "queue.publish");
    assert_eq!(span("ship order")["data"]["order_id"], 42);

    let errors = payloads(&envelopes, "event");
    assert_eq!(errors.len(), 1, "one error event: {envelopes:#?}");
    let trace = &errors[0]["contexts"]["trace"];
    assert_eq!(trace["span_id"], span("charge card")["span_id"]);
    assert_eq!(trace["trace_id"], txn["contexts"]["trace"]["trace_id"]);

    for (i, values) in envelopes.iter().enumerate() {
        let file = dir.join(format!("spans-{i:02}.envelope"));
        std::fs::write(&file, envelope_bytes(values)).expect("write the envelope");
    }
}
