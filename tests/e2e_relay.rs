//! Writes every kind of envelope the SDK sends, exactly as it goes over the wire, to
//! `$SENTRY_E2E_ENVELOPE_DIR`, for `scripts/relay-check.py` (Relay's normalizer) to validate.
//! Each is also parsed back with `sentry_types` here.
//!
//! Ignored by default; `.ci/run` runs it, then relay-check on the files.

mod e2e_common;
mod fake_server;

use std::time::{Duration, SystemTime};

use fake_server::{Answer, FakeServer};
use sentry_scopes::protocol::EnvelopeItem;
use sentry_scopes::{
    Attachment, ClientOptions, Level, Transaction, capture_message, capture_transaction_event,
    flush, with_isolation_scope,
};

#[test]
#[ignore = "writes files for relay-check: run by .ci/run with SENTRY_E2E_ENVELOPE_DIR set"]
fn every_envelope_kind_for_relay_check() {
    let dir = std::path::PathBuf::from(
        std::env::var("SENTRY_E2E_ENVELOPE_DIR").expect("SENTRY_E2E_ENVELOPE_DIR: where to write"),
    );
    std::fs::create_dir_all(&dir).expect("create the envelope dir");
    let server = FakeServer::start(Answer::ok());
    let guard = sentry_scopes::init(
        ClientOptions::new()
            .dsn(server.dsn())
            .release("e2e-app@1.2.3")
            .environment("ci")
            .server_name("ci-host")
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
