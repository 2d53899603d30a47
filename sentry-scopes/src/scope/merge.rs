//! Applying scope layers to an event (scope-model.md 2.1 and 2.2).
//!
//! Layers are given least specific first (global, isolation, current). The event's plain maps are
//! built directly from the layers; no persistent map is built at capture time.

use std::sync::Arc;

use super::breadcrumbs::{StoredCrumb, merge_sorted};
use super::map::ScopeMap;
use super::user::ScopeUser;
use super::{PropagationContext, RequestSource, ScopeData, TagText};

use crate::protocol::{Attachment, Context, Event, Map, Transaction, User, Value};
use sentry_types::protocol::v7::Request;

/// Applies the tags and breadcrumbs of `layers` to `event`: the union of the tag maps where
/// the event's own keys win, then the most specific layer's; breadcrumbs in insertion order
/// after the event's own, re-capped to `max_breadcrumbs`. With
/// [`apply_except_tags_and_breadcrumbs`] this is the whole merge of scope-model.md 2.2;
/// `client/raw.rs` writes these two fields straight to JSON instead, by the same rules.
pub(crate) fn apply_tags_and_breadcrumbs(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
) {
    merge_map(&mut event.tags, layers, |l| &l.tags, |v| String::from(&**v));
    let scoped = scoped_breadcrumbs(layers, max_breadcrumbs);
    if !scoped.is_empty() {
        let own = &mut event.breadcrumbs.values;
        own.extend(scoped.into_iter().map(|c| c.to_breadcrumb()));
    }
    let excess = event
        .breadcrumbs
        .values
        .len()
        .saturating_sub(max_breadcrumbs);
    event.breadcrumbs.values.drain(..excess);
}

/// Applies `layers` to `event`, all but tags and breadcrumbs: key-wise extra and contexts where
/// the event's own keys win, whole-object user, overriding level, fingerprint and transaction as
/// pinned, and the `trace` context from `trace` when the event has none (R01, R03).
pub(crate) fn apply_except_tags_and_breadcrumbs(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
) {
    merge_map(
        &mut event.extra,
        layers,
        |l| &l.seldom.extra,
        |v| serde_json::Value::clone(v),
    );
    merge_map(
        &mut event.contexts,
        layers,
        |l| &l.seldom.contexts,
        |v| Context::clone(v),
    );
    if event.user.is_none() {
        event.user = scoped_user(layers);
    }
    if event.request.is_none() {
        event.request = most_specific(layers, |l| {
            l.seldom.request.as_ref().map(RequestSource::build)
        });
    }
    if let Some(level) = most_specific(layers, |l| l.level) {
        event.level = level;
    }
    if is_default_fingerprint(&event.fingerprint)
        && let Some(fp) = most_specific(layers, |l| l.seldom.fingerprint.clone())
    {
        event.fingerprint = fp
            .iter()
            .map(|s| s.to_string().into())
            .collect::<Vec<_>>()
            .into();
    }
    if event.transaction.is_none() {
        event.transaction = most_specific(layers, |l| {
            l.seldom.transaction.as_deref().map(str::to_owned)
        });
    }
    fill_trace(&mut event.contexts, layers, trace);
}

/// The breadcrumbs of `layers` in insertion order, the newest `max` of them.
pub(crate) fn scoped_breadcrumbs<'a>(layers: &[&'a ScopeData], max: usize) -> Vec<&'a StoredCrumb> {
    let rings: Vec<_> = layers.iter().map(|l| &l.breadcrumbs).collect();
    merge_sorted(&rings, max)
}

/// The tags of `layers`, sorted by key, each with the most specific layer's value.
pub(crate) fn scoped_tags<'a>(layers: &[&'a ScopeData]) -> Vec<(&'a str, &'a TagText)> {
    union(layers, |l| &l.tags)
}

/// The extra values of `layers`, sorted by key, each with the most specific layer's value.
pub(crate) fn scoped_extra<'a>(layers: &[&'a ScopeData]) -> Vec<(&'a str, &'a Arc<Value>)> {
    union(layers, |l| &l.seldom.extra)
}

/// The contexts of `layers`, sorted by key, each with the most specific layer's value.
pub(crate) fn scoped_contexts<'a>(layers: &[&'a ScopeData]) -> Vec<(&'a str, &'a Arc<Context>)> {
    union(layers, |l| &l.seldom.contexts)
}

/// The most specific layer's request, built now.
pub(crate) fn scoped_request(layers: &[&ScopeData]) -> Option<Request> {
    most_specific(layers, |l| {
        l.seldom.request.as_ref().map(RequestSource::build)
    })
}

/// The most specific layer's user (M05).
pub(crate) fn scoped_user(layers: &[&ScopeData]) -> Option<User> {
    most_specific(layers, |l| l.user.as_ref().map(ScopeUser::to_user))
}

/// Applies `layers` to a transaction: tags, extra, contexts and user as for events (X03).
pub(crate) fn apply_to_transaction(
    txn: &mut Transaction<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
) {
    merge_map(&mut txn.tags, layers, |l| &l.tags, |v| String::from(&**v));
    merge_map(
        &mut txn.extra,
        layers,
        |l| &l.seldom.extra,
        |v| serde_json::Value::clone(v),
    );
    merge_map(
        &mut txn.contexts,
        layers,
        |l| &l.seldom.contexts,
        |v| Context::clone(v),
    );
    if txn.user.is_none() {
        txn.user = scoped_user(layers);
    }
    if txn.request.is_none() {
        txn.request = scoped_request(layers);
    }
    fill_trace(&mut txn.contexts, layers, trace);
}

/// The attachments of `layers` in order; for transactions only those flagged for them (A01, A02).
pub(crate) fn attachments(layers: &[&ScopeData], transaction: bool) -> Vec<Attachment> {
    layers
        .iter()
        .flat_map(|l| l.seldom.attachments.iter())
        .filter(|a| !transaction || a.add_to_transactions)
        .map(|a| a.attachment.clone())
        .collect()
}

/// Puts the union of one field's maps over `layers` into `into`: a key in `into` (the event's
/// own) wins, then the most specific layer's.
fn merge_map<'a, V: Clone + 'a, T>(
    into: &mut Map<String, T>,
    layers: &[&'a ScopeData],
    field: impl Fn(&'a ScopeData) -> &'a ScopeMap<V>,
    convert: impl Fn(&V) -> T,
) {
    let all = union(layers, field);
    if all.is_empty() {
        return;
    }
    // Sorted and unique: `collect` builds the `BTreeMap` in one bulk pass.
    let scoped: Map<String, T> = all
        .into_iter()
        .map(|(k, v)| (k.to_owned(), convert(v)))
        .collect();
    let mut own = std::mem::replace(into, scoped);
    into.append(&mut own); // the event's own values win
}

/// The union of one field's maps over `layers`, sorted by key, the most specific layer's value
/// for each key.
///
/// Each layer's map is sorted, so the union is a merge of sorted runs instead of one search
/// and one insert per key; an empty layer costs nothing and a single non-empty layer is
/// copied straight through.
fn union<'a, V: Clone + 'a>(
    layers: &[&'a ScopeData],
    field: impl Fn(&'a ScopeData) -> &'a ScopeMap<V>,
) -> Vec<(&'a str, &'a V)> {
    // Most specific first.
    let mut maps = layers
        .iter()
        .rev()
        .map(|l| field(l))
        .filter(|m| !m.is_empty());
    let Some(first) = maps.next() else {
        return Vec::new();
    };
    let Some(second) = maps.next() else {
        return first.iter().map(|(k, v)| (&**k, v)).collect();
    };
    let rest: Vec<_> = maps.collect();
    let total =
        first.len_hint() + second.len_hint() + rest.iter().map(|m| m.len_hint()).sum::<usize>();
    let mut all: Vec<(&str, &V)> = Vec::with_capacity(total);
    for m in [first, second].into_iter().chain(rest) {
        all.extend(m.iter().map(|(k, v)| (&**k, v)));
    }
    // A stable sort of a few sorted runs: equal keys keep the most specific first.
    all.sort_by(|a, b| a.0.cmp(b.0));
    all.dedup_by(|later, earlier| later.0 == earlier.0);
    all
}

fn most_specific<T>(layers: &[&ScopeData], get: impl Fn(&ScopeData) -> Option<T>) -> Option<T> {
    layers.iter().rev().find_map(|l| get(l))
}

fn is_default_fingerprint(fp: &[std::borrow::Cow<'_, str>]) -> bool {
    fp.is_empty() || (fp.len() == 1 && fp[0] == "{{ default }}")
}

/// The `trace` context, unless the event has one: the most specific active span's, else the
/// propagation context's (R01, R03).
pub(crate) fn fill_trace(
    contexts: &mut Map<String, Context>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
) {
    if !contexts.contains_key("trace") {
        let context = match active_span(layers) {
            Some(span) => span.trace_context(),
            None => trace.to_trace_context(),
        };
        contexts.insert("trace".to_owned(), context.into());
    }
}

/// The span active on the most specific of `layers`.
pub(crate) fn active_span<'a>(layers: &[&'a ScopeData]) -> Option<&'a super::Span> {
    layers.iter().rev().find_map(|l| l.span.as_ref())
}
