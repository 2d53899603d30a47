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

mod spans;

use std::time::SystemTime;

use self::spans::{SpanView, write_span};
use self::spans::{TraceView, write_trace};
use super::defaults::Defaults;
use super::finish::finish_transaction;
use super::json::{self, key, key_escaped};
use super::raw::merged_tags;
use crate::contexts::ContextJson;
use crate::pii::{FILTERED, is_sensitive};
use crate::protocol::{Context, Map, TraceContext, Transaction, User, Uuid, Value};
use crate::scope::merge::{
    active_span, scoped_contexts, scoped_extra, scoped_request, scoped_user,
};
use crate::scope::{FinishedTransaction, PropagationContext, ScopeData, SpanRecord};
use sentry_types::protocol::v7::{Request, Span};

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
    // As `apply_to_transaction` does; finished with the transaction's own below.
    if txn.user.is_none() {
        txn.user = scoped_user(layers);
    }
    if txn.request.is_none() {
        txn.request = scoped_request(layers);
    }
    finish_transaction(txn, defaults.send_default_pii);
    let view = View {
        event_id: &txn.event_id,
        name: txn.name.as_deref(),
        release: txn.release.as_deref(),
        environment: txn.environment.as_deref(),
        server_name: txn.server_name.as_deref(),
        user: txn.user.as_ref(),
        tags: &txn.tags,
        extra: &txn.extra,
        timestamp: txn.timestamp,
        start: txn.start_timestamp,
        spans: Spans::Typed(&txn.spans),
        contexts: Own::Map(&txn.contexts),
        request: txn.request.as_ref(),
    };
    payload(out, &view, layers, trace, defaults)
}

/// [`finish_and_write`] for a transaction as its span tree recorded it: the JSON of
/// `txn.into_typed()` through the typed path, without building it.
pub(crate) fn finish_and_write_recorded(
    txn: &mut FinishedTransaction,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    defaults: &Defaults,
    out: &mut Vec<u8>,
) -> Option<()> {
    // What `finish_transaction` does to the typed one: the root's tags normalised, the
    // user and request (from the scopes: it has none of its own) filtered.
    super::limits::trim_tag_map(&mut txn.root.tags);
    let (mut user, mut request) = (scoped_user(layers), scoped_request(layers));
    if !defaults.send_default_pii {
        crate::pii::strip_user_and_request(&mut user, &mut request);
    }
    let view = View {
        event_id: &txn.event_id,
        name: Some(&txn.name),
        release: None,
        environment: None,
        server_name: None,
        user: user.as_ref(),
        tags: &txn.root.tags,
        extra: &Map::new(),
        timestamp: Some(txn.root.timestamp),
        start: txn.root.start,
        spans: Spans::Recorded(&txn.spans),
        contexts: Own::Root(&txn.root),
        request: request.as_ref(),
    };
    payload(out, &view, layers, trace, defaults)
}

/// The transaction's own fields, from either form.
struct View<'a> {
    event_id: &'a Uuid,
    name: Option<&'a str>,
    release: Option<&'a str>,
    environment: Option<&'a str>,
    server_name: Option<&'a str>,
    user: Option<&'a User>,
    tags: &'a Map<String, String>,
    extra: &'a Map<String, Value>,
    timestamp: Option<SystemTime>,
    start: SystemTime,
    spans: Spans<'a>,
    contexts: Own<'a>,
    request: Option<&'a Request>,
}

enum Spans<'a> {
    Typed(&'a [Span]),
    Recorded(&'a [SpanRecord]),
}

/// The transaction's own contexts: a map, or the `trace` context of a recorded root span.
enum Own<'a> {
    Map(&'a Map<String, Context>),
    Root(&'a SpanRecord),
}

/// The JSON of a transaction whose own data is finished: its user (from the scopes when it
/// has none) filtered, its tags normalised, its extra filtered. The scopes' tags were
/// normalised when set; their extra is filtered here.
fn payload(
    out: &mut Vec<u8>,
    txn: &View<'_>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    defaults: &Defaults,
) -> Option<()> {
    let span_count = match txn.spans {
        Spans::Typed(s) => s.len(),
        Spans::Recorded(s) => s.len(),
    };
    out.reserve(2048 + 512 * span_count);
    out.push(b'{');
    key(out, "event_id");
    json::event_id(out, txn.event_id);
    if let Some(name) = txn.name {
        key(out, "transaction");
        json::string(out, name);
    }
    let own_or_default = [
        ("release", txn.release.or(defaults.release())),
        ("environment", txn.environment.or(defaults.environment())),
    ];
    for (name, value) in own_or_default {
        if let Some(value) = value {
            key(out, name);
            json::string(out, value);
        }
    }
    if let Some(user) = txn.user {
        key(out, "user");
        serde_json::to_writer(&mut *out, user).ok()?;
    }
    let tags = merged_tags(layers, txn.tags);
    if !tags.is_empty() {
        key(out, "tags");
        out.push(b'{');
        for (k, v) in tags {
            key_escaped(out, k);
            json::string(out, v);
        }
        out.push(b'}');
    }
    extra(out, txn.extra, layers, defaults.send_default_pii)?;
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
    json::seconds(out, txn.start)?;
    key(out, "spans");
    out.push(b'[');
    match txn.spans {
        Spans::Typed(spans) => {
            for (i, span) in spans.iter().enumerate() {
                write_span(out, i, &SpanView::from(span))?;
            }
        }
        Spans::Recorded(spans) => {
            for (i, span) in spans.iter().enumerate() {
                write_span(out, i, &SpanView::from(span))?;
            }
        }
    }
    out.push(b']');
    contexts(out, &txn.contexts, layers, trace)?;
    if let Some(request) = txn.request {
        key(out, "request");
        serde_json::to_writer(&mut *out, request).ok()?;
    }
    if let Some(server_name) = txn.server_name.or(defaults.server_name()) {
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

/// One context value to write.
pub(in crate::client) enum Ctx<'a> {
    Typed(&'a Context),
    /// A `trace` context filled in from the active span or the propagation context.
    Filled(&'a TraceContext),
    /// The `trace` context of a recorded root span.
    Root(&'a SpanRecord),
    /// A default context, written once per process.
    Json(&'a [u8]),
}

/// `"contexts"`: the transaction's own, then the scopes' (most specific first), then `trace`
/// from the active span or the propagation context, then the process defaults, each only
/// where no earlier source has the key.
fn contexts(
    out: &mut Vec<u8>,
    own: &Own<'_>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
) -> Option<()> {
    let scoped = scoped_contexts(layers);
    let mut all: Vec<(&str, Ctx<'_>)> = Vec::with_capacity(4 + scoped.len());
    match own {
        Own::Map(own) => all.extend(own.iter().map(|(k, v)| (k.as_str(), Ctx::Typed(v)))),
        Own::Root(root) => all.push(("trace", Ctx::Root(root))),
    }
    if !scoped.is_empty() {
        all.extend(scoped.into_iter().map(|(k, v)| (k, Ctx::Typed(v))));
        all.sort_by(|a, b| a.0.cmp(b.0));
        all.dedup_by(|later, earlier| later.0 == earlier.0);
    }
    let filled = (!all.iter().any(|(k, _)| *k == "trace")).then(|| match active_span(layers) {
        Some(span) => span.trace_context(),
        None => trace.to_trace_context(),
    });
    if let Some(filled) = &filled {
        all.push(("trace", Ctx::Filled(filled)));
    }
    write_contexts(out, all, crate::contexts::defaults_json())
}

/// Writes `"contexts"` (nothing when there are none): `all` (unique keys), and each of the
/// process `defaults` whose key is not among them, in key order as serde writes a map; a
/// typed `trace` context is written from its ids.
pub(in crate::client) fn write_contexts<'a>(
    out: &mut Vec<u8>,
    mut all: Vec<(&'a str, Ctx<'a>)>,
    defaults: &'a [ContextJson],
) -> Option<()> {
    let own = all.len();
    all.reserve(defaults.len());
    for (name, json) in defaults {
        if !all[..own].iter().any(|(k, _)| k == name) {
            all.push((name, Ctx::Json(json)));
        }
    }
    if all.is_empty() {
        return Some(());
    }
    all.sort_unstable_by(|a, b| a.0.cmp(b.0)); // the keys are unique
    key(out, "contexts");
    out.push(b'{');
    for (k, v) in all {
        key_escaped(out, k);
        match v {
            Ctx::Typed(Context::Trace(t)) => write_trace(out, &TraceView::from(&**t))?,
            Ctx::Filled(t) => write_trace(out, &TraceView::from(t))?,
            Ctx::Root(root) => write_trace(out, &TraceView::from(root))?,
            Ctx::Typed(c) => serde_json::to_writer(&mut *out, c).ok()?,
            Ctx::Json(json) => out.extend_from_slice(json),
        }
    }
    out.push(b'}');
    Some(())
}

#[cfg(test)]
mod tests;
