//! Attachments: concatenated global, isolation, current, and only the flagged ones on
//! transactions (scope-model.md 2.1, A01–A02).

use sentry_scopes::protocol::EnvelopeItem;
use sentry_scopes::test::with_captured_envelopes;
use sentry_scopes::{
    Attachment, Envelope, Level, Transaction, capture_message, capture_transaction_event,
    get_current_scope, get_global_scope, get_isolation_scope, with_scope,
};

fn attachment(name: &str) -> Attachment {
    Attachment {
        buffer: name.as_bytes().to_vec(),
        filename: name.to_owned(),
        content_type: Some("text/plain".into()),
        ..Attachment::default()
    }
}

/// The filenames of the envelope's attachments, in order.
fn filenames(envelope: &Envelope) -> Vec<&str> {
    envelope
        .items()
        .filter_map(|item| match item {
            EnvelopeItem::Attachment(a) => Some(a.filename.as_str()),
            _ => None,
        })
        .collect()
}

/// What kind of payload the envelope carries: "event" or "transaction".
fn kind(envelope: &Envelope) -> &'static str {
    let mut kinds = envelope.items().filter_map(|item| match item {
        EnvelopeItem::Event(_) => Some("event"),
        EnvelopeItem::Transaction(_) => Some("transaction"),
        _ => None,
    });
    let kind = kinds.next().unwrap_or("none");
    assert!(
        kinds.next().is_none(),
        "one event or transaction per envelope"
    );
    kind
}

#[test]
fn a01_attachments_concatenate_global_isolation_current_then_block() {
    let envelopes = with_captured_envelopes(|| {
        get_global_scope().add_attachment(attachment("g"));
        get_isolation_scope().add_attachment(attachment("i"));
        get_current_scope().add_attachment(attachment("c"));
        with_scope(|s| {
            s.add_attachment(attachment("n"));
            capture_message("m", Level::Info);
        });
        capture_message("m", Level::Info);
    });
    assert_eq!(envelopes.len(), 2);
    assert_eq!(filenames(&envelopes[0]), ["g", "i", "c", "n"]);
    assert_eq!(filenames(&envelopes[1]), ["g", "i", "c"]);
    let first = envelopes[0]
        .items()
        .find_map(|item| match item {
            EnvelopeItem::Attachment(a) => Some(a.clone()),
            _ => None,
        })
        .unwrap();
    let added = attachment("g");
    assert!(
        first.buffer == added.buffer && first.filename == added.filename,
        "attachment content kept as added"
    );
}

#[test]
fn a02_transactions_carry_only_attachments_flagged_for_them() {
    let envelopes = with_captured_envelopes(|| {
        let i = get_isolation_scope();
        i.add_transaction_attachment(attachment("a"));
        i.add_attachment(attachment("b"));
        capture_transaction_event(Transaction {
            name: Some("txn".into()),
            ..Transaction::default()
        });
        capture_message("m", Level::Info);
    });
    assert_eq!(envelopes.len(), 2);
    assert_eq!(kind(&envelopes[0]), "transaction");
    assert_eq!(filenames(&envelopes[0]), ["a"]);
    assert_eq!(kind(&envelopes[1]), "event");
    assert_eq!(filenames(&envelopes[1]), ["a", "b"]);
}
