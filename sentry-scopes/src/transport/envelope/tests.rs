use super::*;
use crate::protocol::{Attachment, Event};

fn event_with_attachment() -> Envelope {
    let mut envelope = Envelope::from(Event {
        message: Some("hi".into()),
        // Whole seconds: the timestamp survives the float round trip of parsing back.
        timestamp: std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        ..Event::default()
    });
    envelope.add_item(Attachment {
        buffer: b"data".to_vec(),
        filename: "a.txt".into(),
        ..Attachment::default()
    });
    envelope
}

#[test]
fn a_typed_envelope_is_written_as_the_protocol_crate_writes_it() {
    let typed = event_with_attachment();
    let id = typed.uuid().copied();
    let mut expected = Vec::new();
    typed.to_writer(&mut expected).unwrap();
    let encoded = EncodedEnvelope::from(typed);
    let parsed = encoded.parse().unwrap();
    let mut again = Vec::new();
    parsed.to_writer(&mut again).unwrap();
    assert_eq!(again, expected);
    assert_eq!(encoded.event_id(), id);
    assert_eq!(
        encoded.item_types().collect::<Vec<_>>(),
        ["event", "attachment"]
    );
    let losses: Vec<_> = encoded.losses().map(|l| (l.category, l.quantity)).collect();
    assert_eq!(losses, [(Category::Error, 1), (Category::Attachment, 4)]);
}

#[test]
fn the_envelope_header_is_what_serde_writes() {
    use sentry_types::protocol::v7::EnvelopeHeaders;
    for id in [None, Some(Uuid::new_v4())] {
        let mut expected = serde_json::to_vec(&match id {
            Some(id) => EnvelopeHeaders::new().with_event_id(id),
            None => EnvelopeHeaders::new(),
        })
        .unwrap();
        expected.push(b'\n');
        let encoded = Writer::new(id).finish_encoded();
        assert_eq!(encoded.bytes, expected);
    }
}

#[test]
fn item_headers_are_what_format_writes() {
    for len in [0, 7, 10, 99, 100, 12_345, usize::MAX] {
        let mut out = Vec::new();
        write_item_header(&mut out, "transaction", len);
        let expected = format!("{{\"type\":\"transaction\",\"length\":{len}}}\n");
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}

#[test]
fn an_item_written_in_place_is_an_item_written_apart() {
    let payload = br#"{"type":"x","a":[1,2]}"#;
    let losses = || vec![Loss::new(Category::Transaction, 1)];
    let mut apart = Writer::new(None);
    apart.item(ItemKind::Transaction, payload, losses());
    let mut in_place = Writer::new(None);
    let written = in_place.item_with(ItemKind::Transaction, losses(), |out| {
        out.extend_from_slice(payload);
        Some(())
    });
    assert!(written.is_some());
    assert!(
        in_place
            .item_with(ItemKind::Event, losses(), |out| {
                out.extend_from_slice(b"half");
                None
            })
            .is_none()
    );
    let (a, b) = (apart.finish_encoded(), in_place.finish_encoded());
    assert_eq!(a.bytes, b.bytes);
    assert_eq!(a.items.len(), b.items.len());
}

#[test]
fn the_writer_produces_what_the_parser_reads() {
    let id = Uuid::new_v4();
    let mut writer = Writer::new(Some(id));
    let payload = serde_json::to_vec(&Event {
        event_id: id,
        ..Event::default()
    })
    .unwrap();
    writer.item(
        ItemKind::Event,
        &payload,
        vec![Loss::new(Category::Error, 1)],
    );
    writer.attachment(&Attachment {
        buffer: b"x".to_vec(),
        filename: "x".into(),
        ..Attachment::default()
    });
    let encoded = writer.finish();
    let parsed = encoded.parse().unwrap();
    assert_eq!(parsed.uuid(), Some(&id));
    assert_eq!(parsed.items().count(), 2);
}
