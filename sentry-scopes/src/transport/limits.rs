//! Size limits as Sentry applies them on ingest, applied before sending so that nothing is
//! refused or silently cut by the server: tag keys and values, messages, and the 1 MiB event.

use std::borrow::Cow;
use std::mem;

use crate::protocol::{Event, Map, Transaction};

/// Longest tag key Sentry indexes, in characters.
pub(crate) const MAX_TAG_KEY_CHARS: usize = 32;
/// Longest tag value Sentry keeps, in characters.
pub(crate) const MAX_TAG_VALUE_CHARS: usize = 200;
/// Longest message (and exception value) Relay keeps, in characters.
pub(crate) const MAX_MESSAGE_CHARS: usize = 8192;
/// Largest event item Sentry (and Bugsink) accepts, in bytes of JSON.
pub(crate) const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Trims tags, the message and exception values of `event` to Sentry's limits.
pub(crate) fn trim_event(event: &mut Event<'static>) {
    trim_tags(&mut event.tags);
    if let Some(m) = &mut event.message {
        truncate(m, MAX_MESSAGE_CHARS);
    }
    if let Some(entry) = &mut event.logentry {
        truncate(&mut entry.message, MAX_MESSAGE_CHARS);
    }
    for exception in &mut event.exception.values {
        if let Some(v) = &mut exception.value {
            truncate(v, MAX_MESSAGE_CHARS);
        }
    }
}

/// Trims the tags of `txn` to Sentry's limits.
pub(crate) fn trim_transaction(txn: &mut Transaction<'static>) {
    trim_tags(&mut txn.tags);
}

/// Keys longer than 32 characters are cut (on a character boundary; if two keys then collide,
/// the first in key order wins); values longer than 200 characters end in `...`; newlines in
/// values, which Sentry rejects, become spaces.
fn trim_tags(tags: &mut Map<String, String>) {
    for value in tags.values_mut() {
        if let Cow::Owned(trimmed) = tag_value(value) {
            *value = trimmed;
        }
    }
    if tags.keys().any(|k| tag_key(k).len() < k.len()) {
        for (mut key, value) in mem::take(tags) {
            key.truncate(tag_key(&key).len());
            tags.entry(key).or_insert(value);
        }
    }
}

/// `key` cut to the 32 characters Sentry indexes.
pub(crate) fn tag_key(key: &str) -> &str {
    if key.len() <= MAX_TAG_KEY_CHARS {
        return key; // at most 32 bytes: at most 32 characters
    }
    key.char_indices()
        .nth(MAX_TAG_KEY_CHARS)
        .map_or(key, |(i, _)| &key[..i])
}

/// `value` as Sentry keeps it: newlines as spaces, at most 200 characters.
pub(crate) fn tag_value(value: &str) -> Cow<'_, str> {
    let mut value = Cow::Borrowed(value);
    if value.contains(['\n', '\r']) {
        value = Cow::Owned(value.replace(['\n', '\r'], " "));
    }
    if value.len() > MAX_TAG_VALUE_CHARS && value.chars().nth(MAX_TAG_VALUE_CHARS).is_some() {
        truncate(value.to_mut(), MAX_TAG_VALUE_CHARS);
    }
    value
}

/// Cuts `s` to at most `max` characters, the last three being `...` when something was cut.
fn truncate(s: &mut String, max: usize) {
    if let Some((cut, _)) = s.char_indices().nth(max) {
        let keep = s[..cut]
            .char_indices()
            .nth(max.saturating_sub(3))
            .map_or(cut, |(i, _)| i);
        s.truncate(keep);
        s.push_str("...");
    }
}

/// Makes `event` fit in `max_bytes` of JSON by dropping breadcrumbs, oldest first, then extra
/// values, largest first. Returns whether it fits now.
#[cfg(feature = "http")]
pub(crate) fn fit_event(event: &mut Event<'static>, max_bytes: usize) -> bool {
    let mut size = json_len(&*event);
    if size <= max_bytes {
        return true;
    }
    let crumbs = &mut event.breadcrumbs.values;
    let (mut n, mut freed) = (0, 0);
    while n < crumbs.len() && freed < size - max_bytes {
        freed += json_len(&crumbs[n]) + 1;
        n += 1;
    }
    crumbs.drain(..n);
    size = json_len(&*event);
    if size <= max_bytes {
        return true;
    }
    let mut extras: Vec<(String, usize)> = event
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), json_len(k) + json_len(v) + 2))
        .collect();
    extras.sort_by_key(|(_, len)| std::cmp::Reverse(*len));
    let mut freed = 0;
    for (key, len) in extras {
        if freed >= size - max_bytes {
            break;
        }
        event.extra.remove(&key);
        freed += len;
    }
    json_len(&*event) <= max_bytes
}

#[cfg(feature = "http")]
fn json_len(value: &impl serde::Serialize) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Exception;

    #[test]
    fn tags_are_cut_to_sentry_limits() {
        let mut event = Event::default();
        let long_key = "k".repeat(40);
        event.tags.insert(long_key, "v".repeat(300));
        event.tags.insert("ok".into(), "line\nbreak".into());
        event.tags.insert("é".repeat(33), "multibyte".into());
        trim_event(&mut event);
        let value = &event.tags["k".repeat(32).as_str()];
        assert_eq!(value.chars().count(), 200);
        assert!(value.ends_with("..."));
        assert_eq!(event.tags["ok"], "line break");
        assert_eq!(event.tags["é".repeat(32).as_str()], "multibyte");
        assert!(event.tags.keys().all(|k| k.chars().count() <= 32));
    }

    #[test]
    fn messages_and_exception_values_are_cut() {
        let mut event = Event {
            message: Some("m".repeat(10_000)),
            ..Event::default()
        };
        event.exception.values.push(Exception {
            ty: "E".into(),
            value: Some("ü".repeat(9000)),
            ..Exception::default()
        });
        trim_event(&mut event);
        assert_eq!(
            event.message.as_ref().unwrap().chars().count(),
            MAX_MESSAGE_CHARS
        );
        assert_eq!(
            event.exception.values[0]
                .value
                .as_ref()
                .unwrap()
                .chars()
                .count(),
            MAX_MESSAGE_CHARS
        );
        let mut short = "short".to_owned();
        truncate(&mut short, 5);
        assert_eq!(short, "short");
    }

    #[test]
    #[cfg(feature = "http")]
    fn big_events_lose_breadcrumbs_first_then_extras() {
        let mut event = Event::default();
        for i in 0..150 {
            event.breadcrumbs.values.push(crate::protocol::Breadcrumb {
                message: Some(format!("{i}:{}", "b".repeat(10_000))),
                ..crate::protocol::Breadcrumb::default()
            });
        }
        event.extra.insert("small".into(), "s".into());
        assert!(json_len(&event) > MAX_EVENT_BYTES);
        assert!(fit_event(&mut event, MAX_EVENT_BYTES));
        let kept = &event.breadcrumbs.values;
        assert!(!kept.is_empty() && kept.len() < 150);
        assert!(
            kept.last()
                .unwrap()
                .message
                .as_ref()
                .unwrap()
                .starts_with("149:"),
            "newest kept"
        );
        assert!(event.extra.contains_key("small"));

        event.breadcrumbs.values.truncate(1);
        event
            .extra
            .insert("huge".into(), "x".repeat(2 * MAX_EVENT_BYTES).into());
        assert!(fit_event(&mut event, MAX_EVENT_BYTES));
        assert!(event.breadcrumbs.values.is_empty());
        assert!(!event.extra.contains_key("huge"));
        assert!(event.extra.contains_key("small"));

        event.message = Some("m".repeat(2 * MAX_EVENT_BYTES));
        assert!(
            !fit_event(&mut event, MAX_EVENT_BYTES),
            "cannot fit: nothing left to drop"
        );
    }
}
