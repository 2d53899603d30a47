//! Transaction payloads written straight from the transaction and the scopes, for the common
//! case: no transaction processor and no `before_send_transaction` needs the transaction as a
//! `Transaction`.
//!
//! The typed path clones the client's defaults (the `os`, `rust` and `device` contexts, the
//! SDK info) and the scopes' tags, extra and contexts into the transaction, then serialises it
//! all with serde and frees it. Here the defaults are JSON written once per process (contexts)
//! or per client (SDK info) and spliced in, the scopes' maps are written from the shared
//! values, and the transaction's own fields, spans included, are written field by field
//! (`json.rs`). The merge rules are those of `apply_to_transaction`, `Defaults::fill_transaction`
//! and `finish_transaction`; the randomised test below pins that the JSON is the same.

use super::defaults::Defaults;
use super::finish::finish_transaction;
use super::json::{self, key, key_escaped};
use super::raw::merged_tags;
use crate::pii::{FILTERED, is_sensitive};
use crate::protocol::{Context, Map, TraceContext, Transaction, Value};
use crate::scope::merge::{active_span, scoped_contexts, scoped_extra, scoped_user};
use crate::scope::{PropagationContext, ScopeData};
use sentry_types::protocol::v7::Span;

/// Finishes `txn` and appends its item's JSON over `layers` to `out`: what
/// `apply_to_transaction`, `Defaults::fill_transaction`, `finish_transaction` and serde
/// produce together. `None` where serde fails too: a timestamp before 1970 or after 9999.
pub(crate) fn finish_and_write(
    txn: &mut Transaction<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    defaults: &Defaults,
    out: &mut Vec<u8>,
) -> Option<()> {
    if txn.user.is_none() {
        txn.user = scoped_user(layers); // finished with the transaction's own below
    }
    finish_transaction(txn, defaults.send_default_pii);
    payload(out, txn, layers, trace, defaults)
}

/// The JSON of `txn`, which has its user from the scopes already and is finished: its own
/// tags are normalised and its own extra filtered. The scopes' tags were normalised when
/// set; their extra is filtered here.
fn payload(
    out: &mut Vec<u8>,
    txn: &Transaction<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    defaults: &Defaults,
) -> Option<()> {
    out.reserve(2048 + 512 * txn.spans.len());
    out.push(b'{');
    key(out, "event_id");
    json::event_id(out, &txn.event_id);
    if let Some(name) = &txn.name {
        key(out, "transaction");
        json::string(out, name);
    }
    let own_or_default = [
        ("release", txn.release.as_deref().or(defaults.release())),
        (
            "environment",
            txn.environment.as_deref().or(defaults.environment()),
        ),
    ];
    for (name, value) in own_or_default {
        if let Some(value) = value {
            key(out, name);
            json::string(out, value);
        }
    }
    if let Some(user) = &txn.user {
        key(out, "user");
        serde_json::to_writer(&mut *out, user).ok()?;
    }
    let tags = merged_tags(layers, &txn.tags);
    if !tags.is_empty() {
        key(out, "tags");
        out.push(b'{');
        for (k, v) in tags {
            key_escaped(out, k);
            json::string(out, v);
        }
        out.push(b'}');
    }
    extra(out, &txn.extra, layers, defaults.send_default_pii)?;
    if !defaults.sdk_json().is_empty() {
        key(out, "sdk");
        out.extend_from_slice(defaults.sdk_json());
    }
    key(out, "platform");
    out.extend_from_slice(b"\"native\"");
    if let Some(timestamp) = txn.timestamp {
        key(out, "timestamp");
        json::rfc3339(out, timestamp)?;
    }
    key(out, "start_timestamp");
    json::seconds(out, txn.start_timestamp)?;
    key(out, "spans");
    out.push(b'[');
    for (i, span) in txn.spans.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_span(out, span)?;
    }
    out.push(b']');
    contexts(out, &txn.contexts, layers, trace)?;
    if let Some(request) = &txn.request {
        key(out, "request");
        serde_json::to_writer(&mut *out, request).ok()?;
    }
    if let Some(server_name) = txn.server_name.as_deref().or(defaults.server_name()) {
        key(out, "server_name");
        json::string(out, server_name);
    }
    out.push(b'}');
    Some(())
}

/// `"extra"`: the transaction's own values (filtered already) over the scopes', which are
/// filtered here as `pii::strip_transaction` filters the merged map.
fn extra(
    out: &mut Vec<u8>,
    own: &Map<String, Value>,
    layers: &[&ScopeData],
    send_default_pii: bool,
) -> Option<()> {
    let scoped = scoped_extra(layers);
    if own.is_empty() && scoped.is_empty() {
        return Some(());
    }
    let filtered = Value::from(FILTERED);
    let mut all: Vec<(&str, &Value)> = own.iter().map(|(k, v)| (k.as_str(), v)).collect();
    all.extend(scoped.into_iter().map(|(k, v)| {
        if !send_default_pii && is_sensitive(k) {
            (k, &filtered)
        } else {
            (k, &**v)
        }
    }));
    // The own values first: the stable sort keeps them ahead of a scope's equal key.
    all.sort_by(|a, b| a.0.cmp(b.0));
    all.dedup_by(|later, earlier| later.0 == earlier.0);
    key(out, "extra");
    out.push(b'{');
    for (k, v) in all {
        key_escaped(out, k);
        serde_json::to_writer(&mut *out, v).ok()?;
    }
    out.push(b'}');
    Some(())
}

/// One context value to write; small, as the list of them is sorted.
enum Ctx<'a> {
    Typed(&'a Context),
    /// The `trace` context filled in from the active span or the propagation context.
    Filled,
    /// A default context, written once per process.
    Json(&'a [u8]),
}

/// `"contexts"`: the transaction's own, then the scopes' (most specific first), then `trace`
/// from the active span or the propagation context, then the process defaults, each only
/// where no earlier source has the key.
fn contexts(
    out: &mut Vec<u8>,
    own: &Map<String, Context>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
) -> Option<()> {
    let scoped = scoped_contexts(layers);
    let defaults = crate::contexts::defaults_json();
    let mut all: Vec<(&str, Ctx<'_>)> =
        Vec::with_capacity(own.len() + scoped.len() + 1 + defaults.len());
    all.extend(own.iter().map(|(k, v)| (k.as_str(), Ctx::Typed(v))));
    if !scoped.is_empty() {
        all.extend(scoped.into_iter().map(|(k, v)| (k, Ctx::Typed(v))));
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.dedup_by(|later, earlier| later.0 == earlier.0);
    }
    let has = |all: &[(&str, Ctx<'_>)], name: &str| all.iter().any(|(k, _)| *k == name);
    let filled = (!has(&all, "trace")).then(|| match active_span(layers) {
        Some(span) => span.trace_context(),
        None => trace.to_trace_context(),
    });
    if filled.is_some() {
        all.push(("trace", Ctx::Filled));
    }
    for (name, json) in defaults {
        if !has(&all, name) {
            all.push((name, Ctx::Json(json)));
        }
    }
    all.sort_unstable_by(|a, b| a.0.cmp(b.0)); // the keys are unique
    key(out, "contexts");
    out.push(b'{');
    for (k, v) in all {
        key_escaped(out, k);
        match v {
            Ctx::Typed(Context::Trace(t)) => write_trace(out, t)?,
            Ctx::Filled => write_trace(out, filled.as_ref()?)?,
            Ctx::Typed(c) => serde_json::to_writer(&mut *out, c).ok()?,
            Ctx::Json(json) => out.extend_from_slice(json),
        }
    }
    out.push(b'}');
    Some(())
}

/// A `trace` context, as serde writes `Context::Trace`.
fn write_trace(out: &mut Vec<u8>, t: &TraceContext) -> Option<()> {
    out.extend_from_slice(b"{\"type\":\"trace\"");
    key(out, "span_id");
    json::span_id(out, &t.span_id);
    key(out, "trace_id");
    json::trace_id(out, &t.trace_id);
    if let Some(parent) = &t.parent_span_id {
        key(out, "parent_span_id");
        json::span_id(out, parent);
    }
    optional_strings(out, [("op", &t.op), ("description", &t.description)]);
    if let Some(status) = t.status {
        key(out, "status");
        serde_json::to_writer(&mut *out, &status).ok()?;
    }
    optional_strings(out, [("origin", &t.origin)]);
    data(out, &t.data)?;
    out.push(b'}');
    Some(())
}

/// A span, as serde writes it.
fn write_span(out: &mut Vec<u8>, span: &Span) -> Option<()> {
    out.push(b'{');
    key(out, "span_id");
    json::span_id(out, &span.span_id);
    key(out, "trace_id");
    json::trace_id(out, &span.trace_id);
    if let Some(parent) = &span.parent_span_id {
        key(out, "parent_span_id");
        json::span_id(out, parent);
    }
    if let Some(same) = span.same_process_as_parent {
        key(out, "same_process_as_parent");
        out.extend_from_slice(if same { b"true" } else { b"false" });
    }
    optional_strings(out, [("op", &span.op), ("description", &span.description)]);
    if let Some(timestamp) = span.timestamp {
        key(out, "timestamp");
        json::rfc3339(out, timestamp)?;
    }
    key(out, "start_timestamp");
    json::seconds(out, span.start_timestamp)?;
    if let Some(status) = span.status {
        key(out, "status");
        serde_json::to_writer(&mut *out, &status).ok()?;
    }
    if !span.tags.is_empty() {
        key(out, "tags");
        out.push(b'{');
        for (k, v) in &span.tags {
            key_escaped(out, k);
            json::string(out, v);
        }
        out.push(b'}');
    }
    data(out, &span.data)?;
    out.push(b'}');
    Some(())
}

fn optional_strings<const N: usize>(out: &mut Vec<u8>, fields: [(&str, &Option<String>); N]) {
    for (name, value) in fields {
        if let Some(value) = value {
            key(out, name);
            json::string(out, value);
        }
    }
}

/// `"data"`, unless empty.
fn data(out: &mut Vec<u8>, data: &Map<String, Value>) -> Option<()> {
    if data.is_empty() {
        return Some(());
    }
    key(out, "data");
    out.push(b'{');
    for (k, v) in data {
        key_escaped(out, k);
        serde_json::to_writer(&mut *out, v).ok()?;
    }
    out.push(b'}');
    Some(())
}

#[cfg(test)]
mod tests;
