//! Envelope to request body: serialisation, the `sent_at` header, and events over 1 MiB trimmed.

use std::io;
use std::time::SystemTime;

use serde_json::{Map, Value};

use super::fit::fit_event;
use super::limits::MAX_EVENT_BYTES;
use crate::protocol::{Envelope, EnvelopeItem};
use sentry_types::protocol::v7::EnvelopeHeaders;

/// Why an envelope produced no body.
#[derive(Debug)]
pub(crate) enum EncodeError {
    /// An event is over 1 MiB even without breadcrumbs and extra.
    TooLarge,
    /// Serialisation failed.
    Io(io::Error),
}

/// The bytes to send for `envelope`, with `sent_at` set to now. An event over 1 MiB loses
/// breadcrumbs, then extra values, until it fits; if it cannot fit, nothing is sent.
pub(crate) fn encode(envelope: Envelope) -> Result<Vec<u8>, EncodeError> {
    let mut body = serialize(&envelope)?;
    // Every event item is smaller than the body, so a small body needs no per-event check.
    if body.len() > MAX_EVENT_BYTES
        && envelope
            .items()
            .any(|i| matches!(i, EnvelopeItem::Event(_)))
    {
        let mut fitted = Envelope::new().with_headers(envelope.headers().clone());
        for item in envelope.into_items() {
            match item {
                EnvelopeItem::Event(mut event) => {
                    if !fit_event(&mut event, MAX_EVENT_BYTES) {
                        return Err(EncodeError::TooLarge);
                    }
                    fitted.add_item(EnvelopeItem::Event(event));
                }
                other => fitted.add_item(other),
            }
        }
        body = serialize(&fitted)?;
    }
    Ok(stamp_sent_at(body))
}

fn serialize(envelope: &Envelope) -> Result<Vec<u8>, EncodeError> {
    let mut body = Vec::with_capacity(2048);
    envelope.to_writer(&mut body).map_err(EncodeError::Io)?;
    Ok(body)
}

/// Sets `sent_at` in the envelope header line of `body` (kept as is if that line is not JSON).
fn stamp_sent_at(body: Vec<u8>) -> Vec<u8> {
    let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let Ok(mut header) = serde_json::from_slice::<Map<String, Value>>(&body[..end]) else {
        return body;
    };
    let stamp = serde_json::to_value(EnvelopeHeaders::new().with_sent_at(SystemTime::now()))
        .ok()
        .and_then(|mut v| v.get_mut("sent_at").map(Value::take));
    let Some(stamp) = stamp else {
        return body;
    };
    header.insert("sent_at".to_owned(), stamp);
    let Ok(mut out) = serde_json::to_vec(&header) else {
        return body;
    };
    out.extend_from_slice(&body[end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Attachment, Breadcrumb, Event};

    #[test]
    fn body_parses_back_with_sent_at() {
        let mut envelope = Envelope::from(Event {
            message: Some("hi".into()),
            ..Event::default()
        });
        envelope.add_item(Attachment {
            buffer: b"data".to_vec(),
            filename: "a.txt".into(),
            ..Attachment::default()
        });
        let id = *envelope.uuid().unwrap();
        let body = encode(envelope).unwrap();
        let header: Value =
            serde_json::from_slice(body.split(|&b| b == b'\n').next().unwrap()).unwrap();
        assert!(header["sent_at"].as_str().unwrap().ends_with('Z'));
        let parsed = Envelope::from_slice(&body).unwrap();
        assert_eq!(parsed.uuid(), Some(&id));
        assert_eq!(parsed.items().count(), 2);
        assert_eq!(parsed.event().unwrap().message.as_deref(), Some("hi"));
    }

    #[test]
    fn oversized_events_are_trimmed_or_refused() {
        let mut event = Event::default();
        for _ in 0..30 {
            event.breadcrumbs.values.push(Breadcrumb {
                message: Some("b".repeat(50_000)),
                ..Breadcrumb::default()
            });
        }
        let body = encode(Envelope::from(event.clone())).unwrap();
        let parsed = Envelope::from_slice(&body).unwrap();
        let crumbs = parsed.event().unwrap().breadcrumbs.values.len();
        assert!(crumbs > 0 && crumbs < 30, "{crumbs}");
        assert!(body.len() <= MAX_EVENT_BYTES + 1024);

        // A big attachment alone is not a reason to trim the event.
        let mut envelope = Envelope::from(Event::default());
        envelope.add_item(Attachment {
            buffer: vec![b'a'; 2 * MAX_EVENT_BYTES],
            filename: "big.bin".into(),
            ..Attachment::default()
        });
        assert!(encode(envelope).unwrap().len() > 2 * MAX_EVENT_BYTES);

        event.message = Some("m".repeat(MAX_EVENT_BYTES + 1));
        assert!(matches!(
            encode(Envelope::from(event)),
            Err(EncodeError::TooLarge)
        ));
    }
}
