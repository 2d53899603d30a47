//! Event envelopes written straight from the scopes, for the common capture: no event processor,
//! no `before_send`, and a transport that takes raw envelopes
//! ([`Transport::accepts_raw_envelopes`](crate::Transport::accepts_raw_envelopes)).
//!
//! The typed path copies every tag into a `String` map and every breadcrumb into a `Vec`, then
//! serialises and frees them all. Here the small rest of the event is serialised as usual, and
//! the two bulky fields are spliced in from the scope layers: tags escaped from the shared
//! strings, breadcrumbs as the JSON each stored breadcrumb keeps after its first capture. The
//! bytes are the same JSON the typed path sends, limits and merge rules included (pinned by
//! `tests/raw_capture.rs`).

use std::borrow::Cow;
use std::io::Write;

use sentry_types::protocol::v7::EnvelopeHeaders;

use crate::protocol::{Attachment, Breadcrumb, Event, Map};
use crate::scope::ScopeData;
use crate::scope::merge::{scoped_breadcrumbs, scoped_tags};
use crate::transport::MAX_EVENT_BYTES;

/// The envelope bytes for `event` (merged with everything but `layers`' tags and breadcrumbs)
/// and its attachments. `None`, with `event` unchanged, when the event item would exceed the
/// 1 MiB Sentry accepts: the typed path trims it then.
pub(crate) fn event_envelope(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
    attachments: &[Attachment],
) -> Option<Vec<u8>> {
    // The event's own tags and breadcrumbs are merged with the scopes' here, not by serde.
    let own_tags = std::mem::take(&mut event.tags);
    let own_crumbs = std::mem::take(&mut event.breadcrumbs.values);
    let payload = payload(event, &own_tags, &own_crumbs, layers, max_breadcrumbs);
    event.tags = own_tags;
    event.breadcrumbs.values = own_crumbs;
    let payload = payload.filter(|p| p.len() <= MAX_EVENT_BYTES)?;

    let mut out = Vec::with_capacity(payload.len() + 128);
    serde_json::to_writer(
        &mut out,
        &EnvelopeHeaders::new().with_event_id(event.event_id),
    )
    .ok()?;
    writeln!(out, "\n{{\"type\":\"event\",\"length\":{}}}", payload.len()).ok()?;
    out.extend_from_slice(&payload);
    out.push(b'\n');
    for a in attachments {
        a.to_writer(&mut out).ok()?;
        out.push(b'\n');
    }
    Some(out)
}

/// The event item's JSON: `event` as serde writes it, with `"tags"` and `"breadcrumbs"` added.
fn payload(
    event: &Event<'static>,
    own_tags: &Map<String, String>,
    own_crumbs: &[Breadcrumb],
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
) -> Option<Vec<u8>> {
    let mut buf = Vec::with_capacity(4096);
    serde_json::to_writer(&mut buf, event).ok()?;
    if buf.pop() != Some(b'}') {
        return None; // an event always serialises as an object
    }

    let tags = merged_tags(layers, own_tags);
    if !tags.is_empty() {
        key(&mut buf, "tags")?;
        buf.push(b'{');
        for (k, v) in &tags {
            key(&mut buf, k)?;
            serde_json::to_writer(&mut buf, v).ok()?;
        }
        buf.push(b'}');
    }

    // The newest `max_breadcrumbs` of the event's own followed by the scopes'; one that cannot
    // be serialised is left out.
    let scoped = scoped_breadcrumbs(layers, max_breadcrumbs);
    let skip = (own_crumbs.len() + scoped.len()).saturating_sub(max_breadcrumbs);
    let own = own_crumbs
        .iter()
        .map(|c| Cow::Owned(serde_json::to_vec(c).unwrap_or_default()));
    let stored = scoped.iter().map(|c| Cow::Borrowed(c.json()));
    let mut crumbs = own.chain(stored).skip(skip).filter(|j| !j.is_empty());
    if let Some(first) = crumbs.next() {
        key(&mut buf, "breadcrumbs")?;
        buf.extend_from_slice(b"{\"values\":[");
        buf.extend_from_slice(&first);
        for json in crumbs {
            buf.push(b',');
            buf.extend_from_slice(&json);
        }
        buf.extend_from_slice(b"]}");
    }
    buf.push(b'}');
    Some(buf)
}

/// Starts the member `key` of the object being written into `buf`.
#[inline]
fn key(buf: &mut Vec<u8>, key: &str) -> Option<()> {
    if buf.last() != Some(&b'{') {
        buf.push(b',');
    }
    serde_json::to_writer(&mut *buf, key).ok()?;
    buf.push(b':');
    Some(())
}

/// The tags as the typed path sends them: the scopes' sorted union with the event's own
/// winning. Scope tags were normalised when set, the event's own when it was finished.
fn merged_tags<'a>(
    layers: &[&'a ScopeData],
    own: &'a Map<String, String>,
) -> Vec<(&'a str, &'a str)> {
    let scoped = scoped_tags(layers).into_iter().map(|(k, v)| (k, &**v));
    let mut all: Vec<(&str, &str)> = own.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    if all.is_empty() {
        all.extend(scoped); // already sorted and unique: the usual capture
    } else {
        // The event's own first: the stable sort keeps them ahead of a scope's equal key and
        // `dedup` keeps the first. Two sorted runs: the sort merges them in one pass.
        all.extend(scoped);
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.dedup_by(|later, earlier| later.0 == earlier.0);
    }
    all
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::protocol::{Envelope, EnvelopeItem, Level};
    use crate::scope::StoredCrumb;
    use crate::scope::merge::apply_tags_and_breadcrumbs;

    /// A small deterministic generator: the cases are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        fn text(&mut self, long: bool) -> String {
            const PIECES: [&str; 8] = ["a", "tag.key", "é", "\n", "\"q\"", "\\", "日本", "x-1"];
            let n = if long {
                40 + self.below(200)
            } else {
                1 + self.below(6)
            };
            (0..n).map(|_| PIECES[self.below(8) as usize]).collect()
        }
    }

    fn crumb(rng: &mut Rng, i: u64) -> Breadcrumb {
        Breadcrumb {
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000 + i),
            category: Some(rng.text(false)),
            message: {
                let long = rng.below(4) == 0;
                Some(rng.text(long))
            },
            level: Level::Warning,
            ..Breadcrumb::default()
        }
    }

    /// Three layers and an event with random tags and breadcrumbs: long, multi-byte and
    /// newline-carrying keys and values, keys on several layers, own tags and breadcrumbs.
    fn case(seed: u64) -> (Vec<ScopeData>, Event<'static>, usize) {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let max = [0, 1, 5, 100][rng.below(4) as usize];
        let mut layers = vec![
            ScopeData::default(),
            ScopeData::default(),
            ScopeData::default(),
        ];
        let mut seq = 0;
        for _ in 0..rng.below(40) {
            let layer = &mut layers[rng.below(3) as usize];
            let long = rng.below(5) == 0;
            if rng.below(3) == 0 {
                seq += 1;
                layer.push_breadcrumb(StoredCrumb::new(crumb(&mut rng, seq)), 100);
            } else {
                let long_value = !long && rng.below(3) == 0;
                let (k, v) = (rng.text(long), rng.text(long_value));
                layer.set_tag(k.into(), v.into());
            }
        }
        let mut event = Event {
            message: Some("m".into()),
            // Whole seconds: the timestamp survives the float round trip of parsing back.
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            ..Event::default()
        };
        for _ in 0..rng.below(4) {
            let long = rng.below(4) == 0;
            event.tags.insert(rng.text(long), rng.text(false));
        }
        for _ in 0..rng.below(3) {
            seq += 1;
            event.breadcrumbs.values.push(crumb(&mut rng, seq));
        }
        (layers, event, max)
    }

    /// As the pipeline does: the event's own data normalised, merged, finished.
    fn typed(mut event: Event<'static>, layers: &[&ScopeData], max: usize) -> serde_json::Value {
        crate::transport::finish_event(&mut event, &crate::ClientOptions::new());
        apply_tags_and_breadcrumbs(&mut event, layers, max);
        crate::transport::finish_event(&mut event, &crate::ClientOptions::new());
        serde_json::to_value(&event).unwrap()
    }

    fn raw(mut event: Event<'static>, layers: &[&ScopeData], max: usize) -> serde_json::Value {
        crate::transport::finish_event(&mut event, &crate::ClientOptions::new());
        let bytes = event_envelope(&mut event, layers, max, &[]).unwrap();
        let envelope = Envelope::from_slice(&bytes).unwrap();
        let Some(EnvelopeItem::Event(parsed)) = envelope.items().next() else {
            panic!("no event item in {}", String::from_utf8_lossy(&bytes));
        };
        assert_eq!(envelope.uuid(), Some(&event.event_id));
        serde_json::to_value(&**parsed).unwrap()
    }

    #[test]
    fn raw_events_are_the_json_of_the_typed_path() {
        let mut tagged = 0;
        for seed in 0..500 {
            let (layers, event, max) = case(seed);
            let refs: Vec<&ScopeData> = layers.iter().collect();
            let expected = typed(event.clone(), &refs, max);
            assert_eq!(raw(event, &refs, max), expected, "seed {seed}");
            tagged += usize::from(expected.get("tags").is_some());
        }
        assert!(tagged > 300, "the cases must carry tags: {tagged}");
    }

    #[test]
    fn an_event_over_one_mebibyte_is_left_to_the_typed_path() {
        let mut layer = ScopeData::default();
        layer.set_tag("k".into(), "v".into());
        let huge = "x".repeat(MAX_EVENT_BYTES);
        layer.push_breadcrumb(
            StoredCrumb::new(Breadcrumb {
                message: Some(huge),
                ..Breadcrumb::default()
            }),
            100,
        );
        let mut event = Event::default();
        event.tags.insert("own".into(), "1".into());
        assert!(event_envelope(&mut event, &[&layer], 100, &[]).is_none());
        assert_eq!(event.tags.len(), 1, "the event is left as it was");
    }

    #[test]
    fn attachments_follow_the_event_item() {
        let attachment = Attachment {
            buffer: b"hello".to_vec(),
            filename: "a.txt".into(),
            ..Attachment::default()
        };
        let mut event = Event::default();
        let bytes =
            event_envelope(&mut event, &[], 100, std::slice::from_ref(&attachment)).unwrap();
        let envelope = Envelope::from_slice(&bytes).unwrap();
        let items: Vec<_> = envelope.items().collect();
        assert!(matches!(items[0], EnvelopeItem::Event(_)));
        let EnvelopeItem::Attachment(parsed) = items[1] else {
            panic!("the second item is not the attachment: {:?}", items[1]);
        };
        assert_eq!(
            (&parsed.buffer, &parsed.filename),
            (&attachment.buffer, &attachment.filename)
        );
    }
}
