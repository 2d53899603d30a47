//! Size limits as Sentry applies them on ingest, applied before sending so that nothing is
//! refused or silently cut by the server: tag keys and values, messages, and the 1 MiB event.

use crate::protocol::{Breadcrumb, Event, Map, Transaction};
#[cfg(any(feature = "tracing", feature = "log"))]
use crate::scope::CrumbDraft;

/// Longest message (and exception value) Relay keeps, in characters.
pub(crate) const MAX_MESSAGE_CHARS: usize = 8192;
/// Largest event item Sentry (and Bugsink) accepts, in bytes of JSON.
pub(crate) const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Exceptions an event keeps (the outermost ones: Sentry lists the outermost last).
pub(crate) const MAX_EXCEPTIONS: usize = 100;
/// Longest transaction name and culprit Relay keeps, in characters.
const MAX_NAME_CHARS: usize = 200;
/// Longest logger name Relay keeps.
const MAX_LOGGER_CHARS: usize = 64;
/// Fingerprint parts kept, and their length.
const MAX_FINGERPRINT_PARTS: usize = 50;
const MAX_FINGERPRINT_PART_CHARS: usize = 1024;

/// Makes `event` acceptable to Relay: free-form values bounded, tags normalised (a tag that
/// cannot be is dropped with a debug log line), the message, exception values, transaction,
/// culprit, logger and fingerprint cut. What is left unbounded is only what `fit.rs` can drop.
pub(crate) fn trim_event(event: &mut Event<'static>) {
    crate::normalize::bound_event(event);
    trim_tags(&mut event.tags);
    if let Some(m) = &mut event.message {
        truncate(m, MAX_MESSAGE_CHARS);
    }
    if let Some(entry) = &mut event.logentry {
        truncate(&mut entry.message, MAX_MESSAGE_CHARS);
    }
    let exceptions = &mut event.exception.values;
    let extra = exceptions.len().saturating_sub(MAX_EXCEPTIONS);
    exceptions.drain(..extra);
    for exception in exceptions {
        if let Some(v) = &mut exception.value {
            truncate(v, MAX_MESSAGE_CHARS);
        }
        truncate(&mut exception.ty, MAX_NAME_CHARS);
    }
    for (field, max) in [
        (&mut event.transaction, MAX_NAME_CHARS),
        (&mut event.culprit, MAX_NAME_CHARS),
        (&mut event.logger, MAX_LOGGER_CHARS),
    ] {
        if let Some(s) = field {
            truncate(s, max);
        }
    }
    for (field, max) in [
        (&mut event.release, MAX_NAME_CHARS),
        (&mut event.environment, MAX_LOGGER_CHARS),
        (&mut event.dist, MAX_LOGGER_CHARS),
        (&mut event.server_name, MAX_NAME_CHARS),
    ] {
        if let Some(s) = field
            && s.chars().nth(max).is_some()
        {
            truncate(s.to_mut(), max);
        }
    }
    if event.fingerprint.len() > MAX_FINGERPRINT_PARTS
        || event
            .fingerprint
            .iter()
            .any(|p| p.len() > MAX_FINGERPRINT_PART_CHARS)
    {
        let fp = event.fingerprint.to_mut();
        fp.truncate(MAX_FINGERPRINT_PARTS);
        for part in fp {
            truncate(part.to_mut(), MAX_FINGERPRINT_PART_CHARS);
        }
    }
}

/// Longest breadcrumb `type` and `category` Relay keeps, in characters.
const MAX_CRUMB_NAME_CHARS: usize = 128;

/// Cuts a breadcrumb's message, type and category to the lengths Relay keeps.
pub(crate) fn cut_breadcrumb(crumb: &mut Breadcrumb) {
    if let Some(m) = &mut crumb.message {
        truncate(m, MAX_MESSAGE_CHARS);
    }
    if let Some(c) = &mut crumb.category {
        truncate(c, MAX_CRUMB_NAME_CHARS);
    }
    truncate(&mut crumb.ty, MAX_CRUMB_NAME_CHARS);
}

/// Cuts a draft breadcrumb's message and category as [`cut_breadcrumb`] cuts a breadcrumb's
/// (a draft's type is always `"default"`).
#[cfg(any(feature = "tracing", feature = "log"))]
#[inline]
pub(crate) fn cut_draft(draft: &mut CrumbDraft) {
    // The category and the message are each no longer than both together.
    if draft.text.len() > MAX_CRUMB_NAME_CHARS.min(MAX_MESSAGE_CHARS) {
        cut_long_draft(draft);
    }
}

#[cfg(any(feature = "tracing", feature = "log"))]
fn cut_long_draft(draft: &mut CrumbDraft) {
    let start = draft.category_len.unwrap_or(0);
    if draft.has_message
        && let Some(keep) = draft
            .text
            .get(start..)
            .and_then(|m| cut_point(m, MAX_MESSAGE_CHARS))
    {
        draft.text.truncate(start + keep);
        draft.text.push_str("...");
    }
    if let Some(len) = draft.category_len
        && let Some(keep) = draft
            .text
            .get(..len)
            .and_then(|c| cut_point(c, MAX_CRUMB_NAME_CHARS))
    {
        draft.text.replace_range(keep..len, "...");
        draft.category_len = Some(keep + 3);
    }
}

/// Normalises the tags of `txn` as [`trim_event`] does.
pub(crate) fn trim_transaction(txn: &mut Transaction<'static>) {
    trim_tags(&mut txn.tags);
}

/// Normalises a transaction's tags held apart from it (`raw_transaction.rs`).
pub(crate) fn trim_tag_map(tags: &mut Map<String, String>) {
    trim_tags(tags);
}

fn trim_tags(tags: &mut Map<String, String>) {
    crate::normalize::normalize_tag_map(tags, |key, why| {
        crate::debug::log(|| format!("tag {key:?} dropped: {why}"));
    });
}

/// Cuts `s` to at most `max` characters, the last three being `...` when something was cut.
fn truncate(s: &mut String, max: usize) {
    if let Some(keep) = cut_point(s, max) {
        s.truncate(keep);
        s.push_str("...");
    }
}

/// Where [`truncate`] cuts `s` (the `...` goes after it), or `None` if it fits.
fn cut_point(s: &str, max: usize) -> Option<usize> {
    if s.len() <= max {
        return None; // no more characters than bytes: nothing to count
    }
    let (cut, _) = s.char_indices().nth(max)?;
    Some(
        s[..cut]
            .char_indices()
            .nth(max.saturating_sub(3))
            .map_or(cut, |(i, _)| i),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Exception;

    #[test]
    fn tags_follow_relay_rules_on_the_way_out() {
        let mut event = Event::default();
        event.tags.insert("k".repeat(240), "v".repeat(300));
        event.tags.insert("ok".into(), "line\nbreak".into());
        event
            .tags
            .insert("é".repeat(3), "dropped: not a key character".into());
        event
            .tags
            .insert("release".into(), "dropped: set by the server".into());
        trim_event(&mut event);
        let value = &event.tags["k".repeat(200).as_str()];
        assert_eq!(value.chars().count(), 200);
        assert!(value.ends_with("..."));
        assert_eq!(event.tags["ok"], "line break");
        assert_eq!(event.tags.len(), 2);
    }

    #[test]
    fn messages_exception_values_and_breadcrumbs_are_cut() {
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
        let value = event.exception.values[0].value.as_ref().unwrap();
        assert_eq!(value.chars().count(), MAX_MESSAGE_CHARS);
        let mut short = "short".to_owned();
        truncate(&mut short, 5);
        assert_eq!(short, "short");

        let mut crumb = Breadcrumb {
            message: Some("x".repeat(10_000)),
            category: Some("c".repeat(300)),
            ..Breadcrumb::default()
        };
        cut_breadcrumb(&mut crumb);
        assert_eq!(crumb.message.unwrap().len(), MAX_MESSAGE_CHARS);
        assert_eq!(crumb.category.unwrap().len(), MAX_CRUMB_NAME_CHARS);
    }
}
