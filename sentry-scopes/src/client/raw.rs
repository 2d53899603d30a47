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

use super::defaults::Defaults;
use super::json;
use super::raw_transaction::{Ctx, write_contexts};
use crate::protocol::{Breadcrumb, Context, Event, Map};
use crate::scope::merge::{scoped_breadcrumbs, scoped_tags};
use crate::scope::{EncodeEntry, Encoded, MapEntry as Entry, ScopeData, TagText};

/// The event item's JSON for `event` (merged with everything but `layers`' tags and
/// breadcrumbs), with those two fields written from the layers, and with `host`'s default
/// contexts and SDK info written from their JSON (an event filled with
/// [`Defaults::fill_event_fields`] only). `event` is left as it was.
pub(crate) fn event_payload(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
    host: Option<&Defaults>,
    buf: &mut Vec<u8>,
) -> Option<()> {
    // The event's own tags, breadcrumbs and contexts are merged here, not by serde.
    let own = Own {
        tags: std::mem::take(&mut event.tags),
        crumbs: std::mem::take(&mut event.breadcrumbs.values),
        contexts: std::mem::take(&mut event.contexts),
    };
    let written = payload(event, &own, layers, max_breadcrumbs, host, buf);
    event.tags = own.tags;
    event.breadcrumbs.values = own.crumbs;
    event.contexts = own.contexts;
    written
}

/// What [`event_payload`] takes out of the event to write itself.
struct Own {
    tags: Map<String, String>,
    crumbs: Vec<Breadcrumb>,
    contexts: Map<String, Context>,
}

/// Appends the event item's JSON to `buf`: `event` as serde writes it, with `"tags"`,
/// `"breadcrumbs"`, `"contexts"` and (from `host`, when the event has none) `"sdk"` added.
/// `buf` is reserved for it first, so that a large event is not copied again and again as the
/// buffer grows.
fn payload(
    event: &Event<'static>,
    taken: &Own,
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
    host: Option<&Defaults>,
    buf: &mut Vec<u8>,
) -> Option<()> {
    let (own_tags, own_crumbs) = (&taken.tags, &taken.crumbs);
    let scoped = scoped_breadcrumbs(layers, max_breadcrumbs);
    // The stored breadcrumbs' JSON and ~48 bytes a tag; the rest fits the first 4 kB.
    let crumbs: usize = scoped.iter().map(|c| c.json().len() + 1).sum();
    let tags: usize = layers.iter().map(|l| l.tags.len_hint()).sum();
    buf.reserve(4096 + crumbs + 48 * (tags + own_tags.len()));
    let start = buf.len();
    serde_json::to_writer(&mut *buf, event).ok()?;
    if buf.len() == start || buf.pop() != Some(b'}') {
        return None; // an event always serialises as an object
    }

    write_tags(buf, layers, own_tags);

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
    // The event's contexts (its own and the scopes', merged before) and the process defaults.
    let defaults = host.map_or(&[][..], |_| crate::contexts::defaults_json());
    let mut contexts = Vec::with_capacity(taken.contexts.len() + defaults.len());
    contexts.extend(
        taken
            .contexts
            .iter()
            .map(|(k, v)| (k.as_str(), Ctx::Typed(v))),
    );
    write_contexts(buf, contexts, defaults)?;
    if let Some(host) = host.filter(|_| event.sdk.is_none()) {
        json::key(buf, "sdk");
        if host.sdk_json().is_empty() {
            serde_json::to_writer(&mut *buf, host.sdk()).ok()?;
        } else {
            buf.extend_from_slice(host.sdk_json());
        }
    }
    buf.push(b'}');
    Some(())
}

/// `"tags"`, unless there are none. When they all come from one scope whose map is large,
/// its shared entries are copied as the JSON encoded once for them, with the scope's own later
/// writes put in their places; else the merged tags are written one by one.
fn write_tags(buf: &mut Vec<u8>, layers: &[&ScopeData], own: &Map<String, String>) {
    let at = buf.len();
    json::key(buf, "tags");
    buf.push(b'{');
    let open = buf.len();
    let mut with_tags = layers.iter().filter(|l| !l.tags.is_empty());
    let only = match (with_tags.next(), with_tags.next()) {
        (Some(only), None) if own.is_empty() => only.tags.encoded(),
        _ => None,
    };
    if let Some((encoded, top)) = only {
        overlay(buf, encoded, top);
    } else {
        for (k, v) in merged_tags(layers, own) {
            tag_member(buf, k, v);
        }
    }
    if buf.len() == open {
        buf.truncate(at); // no tags: no member
    } else {
        buf.push(b'}');
    }
}

/// Writes `"key":"value"`, after a comma unless it is the first member.
fn tag_member(buf: &mut Vec<u8>, key: &str, value: &str) {
    json::key_escaped(buf, key);
    json::string(buf, value);
}

/// Writes `"key":"value"`.
fn tag_json(buf: &mut Vec<u8>, key: &str, value: &str) {
    json::string(buf, key);
    buf.push(b':');
    json::string(buf, value);
}

/// A tag map's shared entries are encoded as the members of `"tags"`.
impl EncodeEntry for TagText {
    fn encode(out: &mut Vec<u8>, key: &str, value: &Self) {
        tag_json(out, key, value);
    }
}

/// The members of `encoded` (a map's shared entries) with `top` (its later writes, sorted;
/// `None` removes) put in their places: runs of shared entries are copied whole.
fn overlay(buf: &mut Vec<u8>, encoded: &Encoded, top: &[Entry<TagText>]) {
    let copy = |buf: &mut Vec<u8>, from: usize, to: usize| {
        let run = encoded.run(from, to);
        if !run.is_empty() {
            if buf.last() != Some(&b'{') {
                buf.push(b',');
            }
            buf.extend_from_slice(run);
        }
    };
    let mut next = 0;
    for (key, value) in top {
        let rest = encoded.keys.get(next..).unwrap_or_default();
        let before = rest.partition_point(|k| **k < **key);
        copy(buf, next, next + before);
        next += before;
        if encoded.keys.get(next).is_some_and(|k| **k == **key) {
            next += 1; // shadowed by the write
        }
        if let Some(value) = value {
            tag_member(buf, key, value);
        }
    }
    copy(buf, next, encoded.keys.len());
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

    use serde_json::Value;

    use super::*;
    use crate::client::finish::finish_event;
    use crate::protocol::{Level, SpanId, SpanStatus, TraceContext};
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
        event_payload(&mut event, layers, max, None, &mut bytes).unwrap();
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

    /// The event item as raw JSON and as the typed path writes it, both filled with `defaults`.
    fn both_filled(event: &Event<'static>, defaults: &Defaults) -> (Value, Value) {
        let mut typed = event.clone();
        defaults.fill_event_host(&mut typed);
        let mut raw = event.clone();
        let mut bytes = Vec::new();
        event_payload(&mut raw, &[], 100, Some(defaults), &mut bytes).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        (raw, serde_json::to_value(&typed).unwrap())
    }

    #[test]
    fn default_contexts_and_sdk_are_spliced_in_as_the_typed_path_fills_them() {
        let defaults = Defaults::new(&crate::ClientOptions::default());
        let trace = TraceContext {
            parent_span_id: Some(SpanId::default()),
            op: Some("http.server".into()),
            description: Some("GET /\"q\"".into()),
            status: Some(SpanStatus::Ok),
            origin: Some("manual".into()),
            data: [("k".to_owned(), Value::from(1.5))].into_iter().collect(),
            ..TraceContext::default()
        };
        let mut event = Event {
            message: Some("m".into()),
            // Whole seconds: serde_json does not parse every float back to the same bits.
            timestamp: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            ..Event::default()
        };
        let (raw, typed) = both_filled(&event, &defaults);
        assert_eq!(raw, typed);
        assert!(typed["contexts"].get("rust").is_some() && typed.get("sdk").is_some());

        event.contexts.insert("trace".into(), trace.into());
        event
            .contexts
            .insert("os".into(), Context::Other(Map::new()));
        event
            .contexts
            .insert("app".into(), Context::Other(Map::new()));
        event.sdk = Some(Cow::Owned(crate::protocol::ClientSdkInfo {
            name: "own".into(),
            version: "1".into(),
            integrations: Vec::new(),
            packages: Vec::new(),
        }));
        let (raw, typed) = both_filled(&event, &defaults);
        assert_eq!(raw, typed, "the event's own contexts and SDK win");
        assert_eq!(raw["sdk"]["name"], "own");
    }

    /// Keys that pass the tag rules as they are, so that removals hit set keys.
    fn tag_key(rng: &mut Rng) -> String {
        format!("k.{:03}", rng.below(120))
    }

    /// `n` tags set on `data`, or removed from it one time in `remove_one_in`.
    fn random_writes(rng: &mut Rng, data: &mut ScopeData, n: u64, remove_one_in: u64) {
        for _ in 0..n {
            let k = tag_key(rng);
            if rng.chance(remove_one_in) {
                data.remove_tag(&k);
            } else {
                let v = rng.event_text(false);
                data.set_tag(k.into(), v.into());
            }
        }
    }

    #[test]
    fn a_large_maps_tags_are_copied_from_its_shared_encoding_with_later_writes_in_place() {
        let mut rng = Rng(0x0DDB_1A5E_5BAD_5EED);
        let mut cached = 0;
        for seed in 0..150 {
            let mut parent = ScopeData::default();
            for _ in 0..33 + rng.below(60) {
                let (k, long) = (tag_key(&mut rng), rng.chance(8));
                let v = rng.event_text(long);
                parent.set_tag(k.into(), v.into());
            }
            for round in 0..6 {
                let mut fork = parent.clone();
                let writes = rng.below(12);
                random_writes(&mut rng, &mut fork, writes, 4);
                let (empty, also_empty) = (ScopeData::default(), ScopeData::default());
                let refs = [&empty, &also_empty, &fork];
                cached += usize::from(fork.tags.encoded().is_some());
                let event = Event {
                    timestamp: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
                    ..Event::default()
                };
                let expected = typed(event.clone(), &refs, 100);
                assert_eq!(
                    raw(event, &refs, 100),
                    expected,
                    "seed {seed}, round {round}"
                );
                // The parent writes on: its tree base folds now and then, which must drop
                // the encoding of the entries it had.
                let writes = rng.below(10);
                random_writes(&mut rng, &mut parent, writes, 3);
            }
        }
        assert!(
            cached > 600,
            "the cases must take the encoded path: {cached}"
        );
    }
}
