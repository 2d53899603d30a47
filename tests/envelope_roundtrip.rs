//! Envelopes the pipeline produces serialise and parse back with every field intact.

mod common;

use std::time::{Duration, SystemTime};

use common::{crumb, ctx, user};
use sentry_scopes::protocol::EnvelopeItem;
use sentry_scopes::test::with_captured_envelopes;
use sentry_scopes::{
    Attachment, Breadcrumb, Event, Level, User, add_attachment, add_breadcrumb, capture_error,
    get_current_scope, get_global_scope, set_context, set_extra, set_fingerprint, set_tag,
    set_user,
};
use sentry_types::protocol::v7::Envelope as ParsedEnvelope;
use serde_json::json;

#[derive(Debug)]
struct Outer(std::io::Error);

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("could not load config")
    }
}

impl std::error::Error for Outer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn event_of(envelope: &ParsedEnvelope) -> &Event<'static> {
    envelope
        .items()
        .find_map(|item| match item {
            EnvelopeItem::Event(e) => Some(&**e),
            _ => None,
        })
        .expect("an event item")
}

fn close(a: SystemTime, b: SystemTime) -> bool {
    let diff = a.duration_since(b).unwrap_or_else(|e| e.duration());
    diff < Duration::from_millis(1)
}

#[test]
fn captured_envelope_round_trips_through_the_wire_format() {
    let envelopes = with_captured_envelopes(|| {
        get_global_scope().set_tag("g", "global");
        set_tag("i", "isolation");
        get_current_scope().set_tag("c", "current");
        set_user(Some(User {
            email: Some("u@example.com".into()),
            username: Some("name".into()),
            ..user("u-1")
        }));
        set_extra("nested", json!({"list": [1, 2.5, "x", null], "flag": true}));
        set_context("custom", ctx(json!({"k": "v", "n": 3})));
        set_fingerprint(Some(&["{{ default }}", "extra-part"]));
        get_current_scope().set_level(Some(Level::Fatal));
        add_breadcrumb(crumb("first"));
        add_breadcrumb(Breadcrumb {
            ty: "http".into(),
            category: Some("request".into()),
            level: Level::Warning,
            data: [("url".to_owned(), json!("https://example.com"))]
                .into_iter()
                .collect(),
            ..crumb("second")
        });
        add_attachment(Attachment {
            buffer: vec![0, 1, 2, 255],
            filename: "blob.bin".into(),
            content_type: Some("application/octet-stream".into()),
            ..Attachment::default()
        });
        capture_error(&Outer(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no file",
        )));
    });
    assert_eq!(envelopes.len(), 1);
    let original = &envelopes[0];
    let mut bytes = Vec::new();
    original.to_writer(&mut bytes).expect("serialises");
    let parsed = ParsedEnvelope::from_slice(&bytes).expect("parses back");

    let (a, b) = (event_of(original), event_of(&parsed));
    assert_eq!(b.event_id, a.event_id);
    assert_eq!(b.tags, a.tags);
    assert_eq!(b.tags.len(), 3);
    assert_eq!(b.user, a.user);
    assert_eq!(
        b.user.as_ref().and_then(|u| u.email.as_deref()),
        Some("u@example.com")
    );
    assert_eq!(b.extra, a.extra);
    assert_eq!(
        b.extra["nested"],
        json!({"list": [1, 2.5, "x", null], "flag": true})
    );
    assert_eq!(b.contexts, a.contexts);
    assert_eq!(common::context_keys(b), ["custom", "trace"]);
    assert_eq!(b.fingerprint, a.fingerprint);
    assert_eq!(common::fingerprint(b), ["{{ default }}", "extra-part"]);
    assert_eq!(b.level, Level::Fatal);
    assert_eq!(b.exception, a.exception);
    let chain: Vec<_> = b
        .exception
        .values
        .iter()
        .map(|e| (e.ty.as_str(), e.value.as_deref()))
        .collect();
    assert_eq!(
        chain,
        [
            ("Custom", Some("no file")),
            ("Outer", Some("could not load config"))
        ]
    );
    assert_eq!(b.platform, a.platform);
    assert_eq!(b.sdk, a.sdk);

    assert_eq!(b.breadcrumbs.values.len(), 2);
    for (x, y) in a.breadcrumbs.values.iter().zip(&b.breadcrumbs.values) {
        assert!(
            close(x.timestamp, y.timestamp),
            "{:?} vs {:?}",
            x.timestamp,
            y.timestamp
        );
        let strip = |c: &Breadcrumb| Breadcrumb {
            timestamp: SystemTime::UNIX_EPOCH,
            ..c.clone()
        };
        assert_eq!(strip(y), strip(x));
    }
    assert_eq!(common::crumbs(b), ["first", "second"]);
    assert!(close(a.timestamp, b.timestamp));

    let attachments: Vec<_> = parsed
        .items()
        .filter_map(|item| match item {
            EnvelopeItem::Attachment(att) => Some((att.filename.as_str(), att.buffer.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(attachments, [("blob.bin", vec![0, 1, 2, 255])]);
}
