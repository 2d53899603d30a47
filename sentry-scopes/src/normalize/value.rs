//! Depth and breadth limits for free-form JSON values (extra, contexts, user and breadcrumb
//! data, and every other map of arbitrary values an event carries).
//!
//! A value nested 10,000 deep overflows the stack of every recursive walk over it: clone,
//! serialisation, drop. So every value is bounded when it enters a scope or an event: below
//! [`MAX_DEPTH`] levels a container is replaced by the text `"[Object]"` or `"[Array]"` (as
//! sentry-javascript writes them), and a container keeps its first [`MAX_BREADTH`] entries,
//! followed by a note of how many were cut. What is cut is taken apart with an explicit stack,
//! never by recursion, so even a value too deep to drop normally is freed safely. Walks over a
//! bounded value recurse at most `MAX_DEPTH` levels.

use crate::protocol::{Breadcrumb, Context, Event, Map, User, Value};
#[cfg(any(feature = "tracing", feature = "log"))]
use std::borrow::Cow;

/// Levels of nesting kept below a value's root (an extra value, a context, user data).
pub(crate) const MAX_DEPTH: usize = 10;
/// Entries kept per array or object.
pub(crate) const MAX_BREADTH: usize = 1000;
/// The key of the note that replaces cut object entries.
const CUT_KEY: &str = "[cut]";

/// Bounds `value`, `depth` levels counted from it (its own entries are level 1).
pub(crate) fn bound_value(value: &mut Value, depth: usize) {
    match value {
        Value::Array(items) => {
            if depth == 0 {
                take_apart(std::mem::replace(value, Value::from("[Array]")));
                return;
            }
            if items.len() > MAX_BREADTH {
                let cut = items.split_off(MAX_BREADTH);
                let note = format!("[{} more items]", cut.len());
                take_apart(Value::Array(cut));
                items.push(Value::from(note));
            }
            for item in items {
                bound_value(item, depth - 1);
            }
        }
        Value::Object(map) => {
            if depth == 0 {
                take_apart(std::mem::replace(value, Value::from("[Object]")));
                return;
            }
            bound_entries(map, depth);
        }
        _ => {}
    }
}

/// Bounds the entries of an object at `depth` (its values are level 1).
fn bound_entries(map: &mut serde_json::Map<String, Value>, depth: usize) {
    if map.len() > MAX_BREADTH {
        let mut cut = 0;
        for (i, (k, v)) in std::mem::take(map).into_iter().enumerate() {
            if i < MAX_BREADTH {
                map.insert(k, v);
            } else {
                cut += 1;
                take_apart(v);
            }
        }
        map.insert(
            CUT_KEY.to_owned(),
            Value::from(format!("{cut} more properties")),
        );
    }
    for v in map.values_mut() {
        bound_value(v, depth - 1);
    }
}

/// Bounds a map of free-form values whose own values are at `depth` levels from the root.
pub(crate) fn bound_map(map: &mut Map<String, Value>, depth: usize) {
    if map.len() > MAX_BREADTH {
        let cut = map.split_off(&nth_key(map, MAX_BREADTH));
        let n = cut.len();
        for (_, v) in cut {
            take_apart(v);
        }
        map.insert(
            CUT_KEY.to_owned(),
            Value::from(format!("{n} more properties")),
        );
    }
    for v in map.values_mut() {
        bound_value(v, depth.saturating_sub(1));
    }
}

fn nth_key(map: &Map<String, Value>, n: usize) -> String {
    map.keys().nth(n).cloned().unwrap_or_default()
}

/// Bounds the free-form fields of a context (it sits one level below `contexts`).
pub(crate) fn bound_context(context: &mut Context) {
    let depth = MAX_DEPTH;
    match context {
        Context::Device(c) => bound_map(&mut c.other, depth),
        Context::Os(c) => bound_map(&mut c.other, depth),
        Context::Runtime(c) => bound_map(&mut c.other, depth),
        Context::App(c) => bound_map(&mut c.other, depth),
        Context::Browser(c) => bound_map(&mut c.other, depth),
        Context::Gpu(c) => bound_map(&mut c.other, depth),
        Context::Trace(c) => bound_map(&mut c.data, depth),
        Context::Otel(c) => {
            bound_map(&mut c.attributes, depth);
            bound_map(&mut c.resource, depth);
            bound_map(&mut c.other, depth);
        }
        Context::Response(c) => {
            if let Some(data) = &mut c.data {
                bound_value(data, depth);
            }
        }
        Context::Other(map) => bound_map(map, depth),
        // A context kind added to the protocol later: serialised as sentry-types defines it.
        _ => {}
    }
}

/// Bounds the free-form data of a user.
pub(crate) fn bound_user(user: &mut User) {
    bound_map(&mut user.other, MAX_DEPTH);
}

/// Bounds the free-form data of a breadcrumb.
pub(crate) fn bound_breadcrumb(crumb: &mut Breadcrumb) {
    bound_map(&mut crumb.data, MAX_DEPTH);
}

/// Bounds breadcrumb data held as pairs sorted by key without duplicates (a compact
/// breadcrumb's, `scope/crumb.rs`) exactly as [`bound_breadcrumb`] bounds the same entries in a
/// map: the first [`MAX_BREADTH`] keys kept, then the `[cut]` note in its sorted place.
#[cfg(any(feature = "tracing", feature = "log"))]
#[inline]
pub(crate) fn bound_breadcrumb_pairs(pairs: &mut Vec<(Cow<'static, str>, Value)>) {
    // What a tracing field records: a few scalars and strings, nothing to bound.
    let nested = |(_, v): &(_, Value)| matches!(v, Value::Array(_) | Value::Object(_));
    if pairs.len() > MAX_BREADTH || pairs.iter().any(nested) {
        bound_pairs(pairs);
    }
}

#[cfg(any(feature = "tracing", feature = "log"))]
fn bound_pairs(pairs: &mut Vec<(Cow<'static, str>, Value)>) {
    if pairs.len() > MAX_BREADTH {
        let cut = pairs.split_off(MAX_BREADTH);
        let n = cut.len();
        for (_, v) in cut {
            take_apart(v);
        }
        let note = Value::from(format!("{n} more properties"));
        match pairs.binary_search_by(|(k, _)| (**k).cmp(CUT_KEY)) {
            Ok(i) => take_apart(std::mem::replace(&mut pairs[i].1, note)),
            Err(i) => pairs.insert(i, (Cow::Borrowed(CUT_KEY), note)),
        }
    }
    for (_, v) in pairs {
        bound_value(v, MAX_DEPTH - 1);
    }
}

/// Bounds every free-form value of an event: extra, contexts, user, breadcrumbs, and the data
/// of exception mechanisms and stack frames.
pub(crate) fn bound_event(event: &mut Event<'static>) {
    bound_map(&mut event.extra, MAX_DEPTH);
    for context in event.contexts.values_mut() {
        bound_context(context);
    }
    if let Some(user) = &mut event.user {
        bound_user(user);
    }
    for crumb in &mut event.breadcrumbs.values {
        bound_breadcrumb(crumb);
    }
    for exception in &mut event.exception.values {
        if let Some(mechanism) = &mut exception.mechanism {
            bound_map(&mut mechanism.data, MAX_DEPTH);
        }
        if let Some(trace) = &mut exception.stacktrace {
            for frame in &mut trace.frames {
                bound_map(&mut frame.vars, MAX_DEPTH);
            }
        }
    }
}

/// Frees `value` without recursion, however deep it is.
fn take_apart(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value nested `n` deep, built and measured without recursion.
    fn nested(n: usize) -> Value {
        let mut v = Value::from("bottom");
        for i in 0..n {
            v = if i % 2 == 0 {
                Value::Array(vec![v])
            } else {
                let mut m = serde_json::Map::new();
                m.insert("k".into(), v);
                Value::Object(m)
            };
        }
        v
    }

    fn depth_of(v: &Value) -> usize {
        let mut stack = vec![(v, 0)];
        let mut max = 0;
        while let Some((v, d)) = stack.pop() {
            max = max.max(d);
            match v {
                Value::Array(a) => stack.extend(a.iter().map(|c| (c, d + 1))),
                Value::Object(m) => stack.extend(m.values().map(|c| (c, d + 1))),
                _ => {}
            }
        }
        max
    }

    #[test]
    fn a_value_nested_a_million_deep_is_cut_to_the_limit_and_freed_without_recursion() {
        let mut v = nested(1_000_000);
        bound_value(&mut v, MAX_DEPTH);
        assert_eq!(depth_of(&v), MAX_DEPTH);
        // Serialising and dropping it now recurse at most MAX_DEPTH levels.
        let json = serde_json::to_string(&v).unwrap();
        assert!(
            json.contains("\"[Array]\"") || json.contains("\"[Object]\""),
            "{json}"
        );
    }

    #[test]
    fn shallow_values_are_kept_as_they_are() {
        let original = serde_json::json!({"a": [1, 2, {"b": "c"}], "d": null});
        let mut v = original.clone();
        bound_value(&mut v, MAX_DEPTH);
        assert_eq!(v, original);
    }

    #[test]
    fn wide_containers_keep_their_first_entries_and_say_how_many_were_cut() {
        let mut v = Value::Array((0..1500).map(Value::from).collect());
        bound_value(&mut v, MAX_DEPTH);
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), MAX_BREADTH + 1);
        assert_eq!(items[MAX_BREADTH - 1], 999);
        assert_eq!(items[MAX_BREADTH], "[500 more items]");

        let mut map = Map::new();
        for i in 0..1200 {
            map.insert(format!("k{i:05}"), Value::from(i));
        }
        bound_map(&mut map, MAX_DEPTH);
        assert_eq!(map.len(), MAX_BREADTH + 1);
        assert_eq!(map[CUT_KEY], "200 more properties");
        assert!(map.contains_key("k00999") && !map.contains_key("k01000"));

        let mut obj = serde_json::Map::new();
        for i in 0..1200 {
            obj.insert(format!("k{i:05}"), Value::from(i));
        }
        let mut v = Value::Object(obj);
        bound_value(&mut v, MAX_DEPTH);
        assert_eq!(v.as_object().unwrap().len(), MAX_BREADTH + 1);
    }

    #[test]
    fn every_free_form_field_of_an_event_is_bounded() {
        let mut event = Event::default();
        event.extra.insert("deep".into(), nested(100));
        event.contexts.insert(
            "ctx".into(),
            Context::Other([("deep".to_owned(), nested(100))].into()),
        );
        event.user = Some(User {
            other: [("deep".to_owned(), nested(100))].into(),
            ..User::default()
        });
        event.breadcrumbs.values.push(Breadcrumb {
            data: [("deep".to_owned(), nested(100))].into(),
            ..Breadcrumb::default()
        });
        bound_event(&mut event);
        let json = serde_json::to_value(&event).unwrap();
        for path in [
            "/extra/deep",
            "/contexts/ctx/deep",
            "/user/deep",
            "/breadcrumbs/values/0/data/deep",
        ] {
            let v = json.pointer(path).unwrap_or_else(|| panic!("{path}"));
            assert!(depth_of(v) < MAX_DEPTH, "{path}");
        }
    }
}
