//! The spans and `trace` contexts of a transaction payload (`raw_transaction.rs`), written as
//! serde writes the protocol's `Span` and `Context::Trace`, from the protocol types or from
//! the records of a span tree.

use std::time::SystemTime;

use super::super::json::{self, key, key_escaped};
use crate::protocol::{Map, SpanId, SpanStatus, TraceContext, TraceId, Value};
use crate::scope::SpanRecord;
use sentry_types::protocol::v7::Span;

/// The fields of a `trace` context, from the context or from a recorded root span.
pub(super) struct TraceView<'a> {
    span_id: &'a SpanId,
    trace_id: &'a TraceId,
    parent_span_id: Option<&'a SpanId>,
    op: Option<&'a str>,
    description: Option<&'a str>,
    status: Option<SpanStatus>,
    origin: Option<&'a str>,
    data: &'a Map<String, Value>,
}

impl<'a> From<&'a TraceContext> for TraceView<'a> {
    fn from(t: &'a TraceContext) -> Self {
        Self {
            span_id: &t.span_id,
            trace_id: &t.trace_id,
            parent_span_id: t.parent_span_id.as_ref(),
            op: t.op.as_deref(),
            description: t.description.as_deref(),
            status: t.status,
            origin: t.origin.as_deref(),
            data: &t.data,
        }
    }
}

impl<'a> From<&'a SpanRecord> for TraceView<'a> {
    /// As `FinishedTransaction::into_typed` makes it.
    fn from(root: &'a SpanRecord) -> Self {
        Self {
            span_id: &root.span_id,
            trace_id: &root.trace_id,
            parent_span_id: root.parent_span_id.as_ref(),
            op: root.op.as_deref(),
            description: root.description.as_deref(),
            status: Some(root.root_status()),
            origin: None,
            data: &root.data,
        }
    }
}

/// A `trace` context, as serde writes `Context::Trace`.
pub(super) fn write_trace(out: &mut Vec<u8>, t: &TraceView<'_>) -> Option<()> {
    out.extend_from_slice(b"{\"type\":\"trace\"");
    key(out, "span_id");
    json::span_id(out, t.span_id);
    key(out, "trace_id");
    json::trace_id(out, t.trace_id);
    if let Some(parent) = t.parent_span_id {
        key(out, "parent_span_id");
        json::span_id(out, parent);
    }
    optional_strings(out, [("op", t.op), ("description", t.description)]);
    if let Some(status) = t.status {
        key(out, "status");
        serde_json::to_writer(&mut *out, &status).ok()?;
    }
    optional_strings(out, [("origin", t.origin)]);
    data(out, t.data)?;
    out.push(b'}');
    Some(())
}

/// The fields of a span, from the protocol span or a record.
pub(super) struct SpanView<'a> {
    span_id: &'a SpanId,
    trace_id: &'a TraceId,
    parent_span_id: Option<&'a SpanId>,
    same_process_as_parent: Option<bool>,
    op: Option<&'a str>,
    description: Option<&'a str>,
    timestamp: Option<SystemTime>,
    start: SystemTime,
    status: Option<SpanStatus>,
    tags: &'a Map<String, String>,
    data: &'a Map<String, Value>,
}

impl<'a> From<&'a Span> for SpanView<'a> {
    fn from(s: &'a Span) -> Self {
        Self {
            span_id: &s.span_id,
            trace_id: &s.trace_id,
            parent_span_id: s.parent_span_id.as_ref(),
            same_process_as_parent: s.same_process_as_parent,
            op: s.op.as_deref(),
            description: s.description.as_deref(),
            timestamp: s.timestamp,
            start: s.start_timestamp,
            status: s.status,
            tags: &s.tags,
            data: &s.data,
        }
    }
}

impl<'a> From<&'a SpanRecord> for SpanView<'a> {
    /// As `SpanRecord::into_protocol` makes it.
    fn from(s: &'a SpanRecord) -> Self {
        Self {
            span_id: &s.span_id,
            trace_id: &s.trace_id,
            parent_span_id: s.parent_span_id.as_ref(),
            same_process_as_parent: None,
            op: s.op.as_deref(),
            description: s.description.as_deref(),
            timestamp: Some(s.timestamp),
            start: s.start,
            status: s.status,
            tags: &s.tags,
            data: &s.data,
        }
    }
}

/// The `index`th span of the list, as serde writes it.
pub(super) fn write_span(out: &mut Vec<u8>, index: usize, span: &SpanView<'_>) -> Option<()> {
    if index > 0 {
        out.push(b',');
    }
    out.push(b'{');
    key(out, "span_id");
    json::span_id(out, span.span_id);
    key(out, "trace_id");
    json::trace_id(out, span.trace_id);
    if let Some(parent) = span.parent_span_id {
        key(out, "parent_span_id");
        json::span_id(out, parent);
    }
    if let Some(same) = span.same_process_as_parent {
        key(out, "same_process_as_parent");
        out.extend_from_slice(if same { b"true" } else { b"false" });
    }
    optional_strings(out, [("op", span.op), ("description", span.description)]);
    if let Some(timestamp) = span.timestamp {
        key(out, "timestamp");
        json::rfc3339(out, timestamp)?;
    }
    key(out, "start_timestamp");
    json::seconds(out, span.start)?;
    if let Some(status) = span.status {
        key(out, "status");
        serde_json::to_writer(&mut *out, &status).ok()?;
    }
    if !span.tags.is_empty() {
        key(out, "tags");
        out.push(b'{');
        for (k, v) in span.tags {
            key_escaped(out, k);
            json::string(out, v);
        }
        out.push(b'}');
    }
    data(out, span.data)?;
    out.push(b'}');
    Some(())
}

fn optional_strings<const N: usize>(out: &mut Vec<u8>, fields: [(&str, Option<&str>); N]) {
    for (name, value) in fields {
        if let Some(value) = value {
            key(out, name);
            json::string(out, value);
        }
    }
}

/// `"data"`, unless empty.
pub(super) fn data(out: &mut Vec<u8>, data: &Map<String, Value>) -> Option<()> {
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
