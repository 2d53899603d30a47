//! Attachments from files and their content types (issue 13): a file becomes an attachment
//! named after it, an attachment without a content type is sent with the one its file name
//! implies, and files too large to hold in memory are refused.

use std::path::PathBuf;

use sentry_scopes::protocol::{EnvelopeItem, MAX_ATTACHMENT_FILE_BYTES, attachment_from_path};
use sentry_scopes::test::with_captured_envelopes;
use sentry_scopes::{Attachment, Envelope, Level, capture_message, get_isolation_scope};

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "sentry-scopes-attachment-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The JSON header line of each attachment item, as sent.
fn attachment_headers(envelope: &Envelope) -> Vec<serde_json::Value> {
    envelope
        .items()
        .filter_map(|item| match item {
            EnvelopeItem::Attachment(a) => {
                let mut bytes = Vec::new();
                a.to_writer(&mut bytes).expect("an attachment serialises");
                let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
                Some(serde_json::from_slice(header).expect("a JSON header"))
            }
            _ => None,
        })
        .collect()
}

fn named(filename: &str) -> Attachment {
    Attachment {
        buffer: b"x".to_vec(),
        filename: filename.to_owned(),
        ..Attachment::default()
    }
}

#[test]
fn an_attachment_without_a_content_type_is_sent_with_the_one_of_its_file_name() {
    let envelopes = with_captured_envelopes(|| {
        let scope = get_isolation_scope();
        scope.add_attachment(named("checkout.json"));
        scope.add_attachment(named("screen.png"));
        scope.add_attachment(Attachment {
            content_type: Some("text/x-custom".into()),
            ..named("given.txt")
        });
        scope.add_attachment(named("core"));
        capture_message("m", Level::Error);
    });
    let types: Vec<_> = attachment_headers(&envelopes[0])
        .iter()
        .map(|h| h["content_type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "application/json",
            "image/png",
            "text/x-custom",
            "application/octet-stream"
        ]
    );
}

#[test]
fn a_file_becomes_an_attachment_named_after_it_with_its_bytes_and_content_type() {
    let dir = TempDir::new("file");
    let path = dir.0.join("orders.csv");
    std::fs::write(&path, b"id,total\n42,9.90\n").unwrap();
    let envelopes = with_captured_envelopes(|| {
        let attachment = attachment_from_path(&path).expect("a readable file");
        get_isolation_scope().add_attachment(attachment);
        capture_message("m", Level::Error);
    });
    let sent = envelopes[0]
        .items()
        .find_map(|item| match item {
            EnvelopeItem::Attachment(a) => Some(a),
            _ => None,
        })
        .expect("the attachment is sent");
    assert_eq!(sent.filename, "orders.csv");
    assert_eq!(sent.buffer, b"id,total\n42,9.90\n");
    assert_eq!(sent.content_type.as_deref(), Some("text/csv"));
}

#[test]
fn a_file_over_the_limit_is_refused_without_being_read() {
    let dir = TempDir::new("large");
    let path = dir.0.join("huge.bin");
    // Sparse: no disk space used, and nothing is read if the size check comes first.
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(MAX_ATTACHMENT_FILE_BYTES + 1).unwrap();
    let err = attachment_from_path(&path).expect_err("a file over the limit");
    assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    let message = err.to_string();
    assert!(message.contains("huge.bin"), "{message}");
    assert!(message.contains("20971520-byte"), "{message}");

    file.set_len(MAX_ATTACHMENT_FILE_BYTES).unwrap();
    let at_limit = attachment_from_path(&path).expect("a file at the limit");
    assert_eq!(at_limit.buffer.len() as u64, MAX_ATTACHMENT_FILE_BYTES);
}

#[test]
fn a_missing_file_or_a_directory_is_an_error_that_names_the_path() {
    let dir = TempDir::new("errors");
    let missing = dir.0.join("missing.log");
    let err = attachment_from_path(&missing).expect_err("no such file");
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("missing.log"), "{err}");

    let err = attachment_from_path(&dir.0).expect_err("a directory");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("not a regular file"), "{err}");
}
