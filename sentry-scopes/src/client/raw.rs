//! Event payloads written straight from the scopes, for the common capture: no event processor
//! and no `before_send` needs the event as an `Event`.
//!
//! The typed path copies every tag into a `String` map and every breadcrumb into a `Vec`, then
//! serialises and frees them all. Here the small rest of the event is serialised as usual, and
//! the two bulky fields are spliced in from the scope layers: tags escaped from the shared
//! strings, breadcrumbs as the JSON each stored breadcrumb keeps after its first capture. The
//! bytes are the same JSON the typed path sends, limits and merge rules included (pinned by
//! `tests/raw_capture.rs` and the randomised test below).

use std::borrow::Cow;

use super::json;
use crate::protocol::{Breadcrumb, Event, Map};
use crate::scope::ScopeData;
use crate::scope::merge::{scoped_breadcrumbs, scoped_tags};

/// The event item's JSON for `event` (merged with everything but `layers`' tags and
/// breadcrumbs), with those two fields written from the layers. `event` is left as it was.
pub(crate) fn event_payload(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
    buf: &mut Vec<u8>,
) -> Option<()> {
    // The event's own tags and breadcrumbs are merged with the scopes' here, not by serde.
    let own_tags = std::mem::take(&mut event.tags);
    let own_crumbs = std::mem::take(&mut event.breadcrumbs.values);
    let written = payload(event, &own_tags, &own_crumbs, layers, max_breadcrumbs, buf);
    event.tags = own_tags;
    event.breadcrumbs.values = own_crumbs;
    written
}

/// Appends the event item's JSON to `buf`: `event` as serde writes it, with `"tags"` and
/// `"breadcrumbs"` added. `buf` is reserved for it first, so that a large event is not copied
/// again and again as the buffer grows.
fn payload(
    event: &Event<'static>,
    own_tags: &Map<String, String>,
    own_crumbs: &[Breadcrumb],
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
    buf: &mut Vec<u8>,
) -> Option<()> {
    let scoped = scoped_breadcrumbs(layers, max_breadcrumbs);
    let tags = merged_tags(layers, own_tags);
    // The stored breadcrumbs' JSON and ~48 bytes a tag; the rest fits the first 4 kB.
    let crumbs: usize = scoped.iter().map(|c| c.json().len() + 1).sum();
    buf.reserve(4096 + crumbs + 48 * tags.len());
    let start = buf.len();
    serde_json::to_writer(&mut *buf, event).ok()?;
    if buf.len() == start || buf.pop() != Some(b'}') {
        return None; // an event always serialises as an object
    }

    if !tags.is_empty() {
        json::key(buf, "tags");
        buf.push(b'{');
        for (k, v) in &tags {
            json::key_escaped(buf, k);
            json::string(buf, v);
        }
        buf.push(b'}');
    }

    // The newest `max_breadcrumbs` of the event's own followed by the scopes'; one that cannot
    // be serialised is left out.
    let skip = (own_crumbs.len() + scoped.len()).saturating_sub(max_breadcrumbs);
    let own = own_crumbs
        .iter()
        .map(|c| Cow::Owned(serde_json::to_vec(c).unwrap_or_default()));
    let stored = scoped.iter().map(|c| Cow::Borrowed(c.json()));
    let mut crumbs = own.chain(stored).skip(skip).filter(|j| !j.is_empty());
    if let Some(first) = crumbs.next() {
        json::key(buf, "breadcrumbs");
        buf.extend_from_slice(b"{\"values\":[");
        buf.extend_from_slice(&first);
        for json in crumbs {
            buf.push(b',');
            buf.extend_from_slice(&json);
        }
        buf.extend_from_slice(b"]}");
    }
    buf.push(b'}');
    Some(())
}

/// The tags as the typed path sends them: the scopes' sorted union with the event's own
/// winning. Scope tags were normalised when set, the event's own when it was finished.
pub(crate) fn merged_tags<'a>(
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
    use crate::client::finish::finish_event;
    use crate::protocol::Level;
    use crate::scope::StoredCrumb;
    use crate::scope::merge::apply_tags_and_breadcrumbs;

    use crate::client::test_rng::Rng;

    impl Rng {
        fn event_text(&mut self, long: bool) -> String {
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
            category: Some(rng.event_text(false)),
            message: {
                let long = rng.below(4) == 0;
                Some(rng.event_text(long))
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
                layer.push_breadcrumb(StoredCrumb::new(crumb(&mut rng, seq), true), 100);
            } else {
                let long_value = !long && rng.below(3) == 0;
                let (k, v) = (rng.event_text(long), rng.event_text(long_value));
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
            event
                .tags
                .insert(rng.event_text(long), rng.event_text(false));
        }
        for _ in 0..rng.below(3) {
            seq += 1;
            event.breadcrumbs.values.push(crumb(&mut rng, seq));
        }
        (layers, event, max)
    }

    /// As the pipeline does: the event's own data normalised, merged, finished.
    fn typed(mut event: Event<'static>, layers: &[&ScopeData], max: usize) -> serde_json::Value {
        finish_event(&mut event, false);
        apply_tags_and_breadcrumbs(&mut event, layers, max);
        finish_event(&mut event, false);
        serde_json::to_value(&event).unwrap()
    }

    fn raw(mut event: Event<'static>, layers: &[&ScopeData], max: usize) -> serde_json::Value {
        finish_event(&mut event, false);
        let mut bytes = Vec::new();
        event_payload(&mut event, layers, max, &mut bytes).unwrap();
        let parsed: Event<'static> = serde_json::from_slice(&bytes).unwrap();
        serde_json::to_value(&parsed).unwrap()
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
}
