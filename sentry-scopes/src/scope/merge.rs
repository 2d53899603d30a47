//! Applying scope layers to an event (scope-model.md 2.1 and 2.2).
//!
//! Layers are given least specific first (global, isolation, current). The event's plain maps are
//! built directly from the layers; no persistent map is built at capture time.

use super::breadcrumbs::merge_sorted;
use super::map::ScopeMap;
use super::{PropagationContext, ScopeData};

use crate::protocol::{Attachment, Context, Event, Map, Transaction, User};

/// Applies `layers` to `event`: key-wise maps where the event's own keys win, whole-object user,
/// overriding level, fingerprint and transaction as pinned, breadcrumbs in insertion order after
/// the event's own, re-capped to `max_breadcrumbs`, and the `trace` context from `trace` when the
/// event has none (R01, R03).
pub(crate) fn apply_to_event(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    max_breadcrumbs: usize,
) {
    merge_common(
        layers,
        &mut event.tags,
        &mut event.extra,
        &mut event.contexts,
        &mut event.user,
    );
    if let Some(level) = most_specific(layers, |l| l.level) {
        event.level = level;
    }
    if is_default_fingerprint(&event.fingerprint)
        && let Some(fp) = most_specific(layers, |l| l.fingerprint.clone())
    {
        event.fingerprint = fp
            .iter()
            .map(|s| s.to_string().into())
            .collect::<Vec<_>>()
            .into();
    }
    if event.transaction.is_none() {
        event.transaction = most_specific(layers, |l| l.transaction.as_deref().map(str::to_owned));
    }
    let rings: Vec<_> = layers.iter().map(|l| &l.breadcrumbs).collect();
    let scoped = merge_sorted(&rings, max_breadcrumbs);
    if !scoped.is_empty() {
        let own = &mut event.breadcrumbs.values;
        own.extend(scoped.into_iter().map(|c| c.crumb.clone()));
    }
    let excess = event
        .breadcrumbs
        .values
        .len()
        .saturating_sub(max_breadcrumbs);
    event.breadcrumbs.values.drain(..excess);
    fill_trace(&mut event.contexts, trace);
}

/// Applies `layers` to a transaction: tags, extra, contexts and user as for events (X03).
pub(crate) fn apply_to_transaction(
    txn: &mut Transaction<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
) {
    merge_common(
        layers,
        &mut txn.tags,
        &mut txn.extra,
        &mut txn.contexts,
        &mut txn.user,
    );
    fill_trace(&mut txn.contexts, trace);
}

/// The attachments of `layers` in order; for transactions only those flagged for them (A01, A02).
pub(crate) fn attachments(layers: &[&ScopeData], transaction: bool) -> Vec<Attachment> {
    layers
        .iter()
        .flat_map(|l| l.attachments.iter())
        .filter(|a| !transaction || a.add_to_transactions)
        .map(|a| a.attachment.clone())
        .collect()
}

fn merge_common(
    layers: &[&ScopeData],
    tags: &mut Map<String, String>,
    extra: &mut Map<String, serde_json::Value>,
    contexts: &mut Map<String, Context>,
    user: &mut Option<User>,
) {
    merge_map(tags, layers, |l| &l.tags, |v| String::from(&**v));
    merge_map(extra, layers, |l| &l.extra, |v| serde_json::Value::clone(v));
    merge_map(contexts, layers, |l| &l.contexts, |v| Context::clone(v));
    if user.is_none() {
        *user = most_specific(layers, |l| l.user.as_deref().cloned());
    }
}

/// Puts the union of one field's maps over `layers` into `into`: a key in `into` (the event's
/// own) wins, then the most specific layer's.
///
/// Each layer's map is sorted, so the union is built as a sorted list and turned into the event's
/// `BTreeMap` in one bulk build, instead of one search and one insert per key; an empty layer
/// costs nothing and a single non-empty layer is copied straight through.
fn merge_map<V: Clone, T>(
    into: &mut Map<String, T>,
    layers: &[&ScopeData],
    field: impl Fn(&ScopeData) -> &ScopeMap<V>,
    convert: impl Fn(&V) -> T,
) {
    // Most specific first.
    let mut maps = layers
        .iter()
        .rev()
        .map(|l| field(l))
        .filter(|m| !m.is_empty());
    let Some(first) = maps.next() else { return };
    let scoped: Map<String, T> = match maps.next() {
        None => first
            .iter()
            .map(|(k, v)| (String::from(&**k), convert(v)))
            .collect(),
        Some(second) => {
            let rest: Vec<_> = maps.collect();
            let total = first.len_hint()
                + second.len_hint()
                + rest.iter().map(|m| m.len_hint()).sum::<usize>();
            let mut all: Vec<(&str, &V)> = Vec::with_capacity(total);
            for m in [first, second].into_iter().chain(rest) {
                all.extend(m.iter().map(|(k, v)| (&**k, v)));
            }
            // A stable sort of a few sorted runs: equal keys keep the most specific first.
            all.sort_by(|a, b| a.0.cmp(b.0));
            all.dedup_by(|later, earlier| later.0 == earlier.0);
            all.into_iter()
                .map(|(k, v)| (k.to_owned(), convert(v)))
                .collect()
        }
    };
    let mut own = std::mem::replace(into, scoped);
    into.append(&mut own); // the event's own values win
}

fn most_specific<T>(layers: &[&ScopeData], get: impl Fn(&ScopeData) -> Option<T>) -> Option<T> {
    layers.iter().rev().find_map(|l| get(l))
}

fn is_default_fingerprint(fp: &[std::borrow::Cow<'_, str>]) -> bool {
    fp.is_empty() || (fp.len() == 1 && fp[0] == "{{ default }}")
}

fn fill_trace(contexts: &mut Map<String, Context>, trace: &PropagationContext) {
    if !contexts.contains_key("trace") {
        contexts.insert("trace".to_owned(), trace.to_trace_context().into());
    }
}
