//! What a span tree hands the capture pipeline when its transaction finishes: the spans as
//! they were recorded, operation and description still the `&'static str`s they usually are.
//! The protocol's `Span` and `Transaction` hold `String`s; building them copies every string
//! and allocates the `trace` context, which only the typed path (transaction processors,
//! `before_send_transaction`) needs. The default path writes the JSON from these records
//! (`client/raw_transaction.rs`).

use std::borrow::Cow;
use std::time::SystemTime;

use crate::protocol::{Map, SpanId, SpanStatus, TraceContext, TraceId, Transaction, Uuid, Value};
use sentry_types::protocol::v7::Span as ProtocolSpan;

/// A finished span as recorded.
#[derive(Clone)]
pub(crate) struct SpanRecord {
    pub(crate) span_id: SpanId,
    pub(crate) trace_id: TraceId,
    pub(crate) parent_span_id: Option<SpanId>,
    pub(crate) op: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) start: SystemTime,
    pub(crate) timestamp: SystemTime,
    pub(crate) status: Option<SpanStatus>,
    pub(crate) tags: Map<String, String>,
    pub(crate) data: Map<String, Value>,
}

impl SpanRecord {
    /// The protocol span.
    pub(crate) fn into_protocol(self) -> ProtocolSpan {
        ProtocolSpan {
            span_id: self.span_id,
            trace_id: self.trace_id,
            parent_span_id: self.parent_span_id,
            same_process_as_parent: None,
            op: self.op.map(Cow::into_owned),
            description: self.description.map(Cow::into_owned),
            timestamp: Some(self.timestamp),
            start_timestamp: self.start,
            status: self.status,
            tags: self.tags,
            data: self.data,
        }
    }

    /// The status a transaction reports for this root span: `ok` unless one was set.
    pub(crate) fn root_status(&self) -> SpanStatus {
        self.status.unwrap_or(SpanStatus::Ok)
    }
}

/// A finished transaction: its root span and the children recorded before it finished.
#[derive(Clone)]
pub(crate) struct FinishedTransaction {
    pub(crate) event_id: Uuid,
    pub(crate) name: String,
    pub(crate) root: SpanRecord,
    pub(crate) spans: Vec<SpanRecord>,
}

impl FinishedTransaction {
    /// Spans sent, the root included (what client reports count when it is dropped).
    pub(crate) fn span_count(&self) -> u64 {
        self.spans.len() as u64 + 1
    }

    /// The protocol transaction: the root's tags, its other fields in the `trace` context.
    pub(crate) fn into_typed(self) -> Transaction<'static> {
        let root = self.root;
        let status = root.root_status();
        let trace = TraceContext {
            trace_id: root.trace_id,
            span_id: root.span_id,
            parent_span_id: root.parent_span_id,
            op: root.op.map(Cow::into_owned),
            description: root.description.map(Cow::into_owned),
            status: Some(status),
            origin: None,
            data: root.data,
        };
        // One entry: an insert into the empty map, not `From<[_; 1]>`'s sort and bulk build.
        let mut contexts = Map::new();
        contexts.insert("trace".to_owned(), trace.into());
        Transaction {
            event_id: self.event_id,
            name: Some(self.name),
            user: None,
            tags: root.tags,
            extra: Map::new(),
            release: None,
            environment: None,
            sdk: None,
            platform: Cow::Borrowed("native"),
            timestamp: Some(root.timestamp),
            start_timestamp: root.start,
            spans: self
                .spans
                .into_iter()
                .map(SpanRecord::into_protocol)
                .collect(),
            contexts,
            request: None,
            server_name: None,
        }
    }
}
