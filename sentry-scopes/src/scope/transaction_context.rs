//! What a transaction starts from: its name and operation, and the trace it continues (from an
//! incoming `sentry-trace` + `baggage` or W3C `traceparent` header, or from a span of this
//! process), and what the traces sampler sees of it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::ids;
use super::propagation::{parse_baggage, parse_sentry_trace};
use super::span::Span;
use crate::protocol::{Map, OrganizationId, SpanId, TraceId, Value};

/// The start of a transaction: name, operation, and the trace it belongs to.
///
/// ```
/// use sentry_scopes::TransactionContext;
///
/// let headers = [
///     ("sentry-trace", "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1"),
///     ("baggage", "sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-sample_rate=0.5"),
/// ];
/// let ctx = TransactionContext::continue_from_headers("GET /users", "http.server", headers);
/// assert_eq!(ctx.trace_id().to_string(), "771a43a4192642f0b136d5159a501700");
/// assert_eq!(ctx.parent_sampled(), Some(true));
///
/// // W3C trace context works too.
/// let w3c = [("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")];
/// let ctx = TransactionContext::continue_from_headers("GET /", "http.server", w3c);
/// assert_eq!(ctx.parent_sampled(), Some(false));
/// ```
#[derive(Clone, Debug)]
pub struct TransactionContext {
    name: String,
    op: Cow<'static, str>,
    trace_id: TraceId,
    parent_span_id: Option<SpanId>,
    parent_sampled: Option<bool>,
    /// The upstream dynamic sampling context (`baggage` entries without `sentry-`).
    baggage: BTreeMap<String, String>,
    /// Whether the trace came from outside (its baggage is then frozen upstream).
    continued: bool,
    data: Map<String, Value>,
}

impl TransactionContext {
    /// A transaction that starts a new trace.
    #[must_use]
    pub fn new(name: impl Into<String>, op: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            op: op.into(),
            trace_id: ids::trace_id(),
            parent_span_id: None,
            parent_sampled: None,
            baggage: BTreeMap::new(),
            continued: false,
            data: Map::new(),
        }
    }

    /// A transaction that continues the trace of incoming headers (names case-insensitive):
    /// `sentry-trace` with `baggage`, else W3C `traceparent`. Missing or malformed headers start
    /// a new trace: bad input from a client never fails a request. So does a trace of another
    /// organization, when [`start_transaction`](crate::start_transaction) checks it (see
    /// [`ClientOptions::org_id`](crate::ClientOptions::org_id)).
    pub fn continue_from_headers<'a>(
        name: impl Into<String>,
        op: impl Into<Cow<'static, str>>,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let mut ctx = Self::new(name, op);
        let (mut sentry_trace, mut baggage, mut traceparent) = (None, None, None);
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("sentry-trace") {
                sentry_trace = Some(value);
            } else if name.eq_ignore_ascii_case("baggage") {
                baggage = Some(value);
            } else if name.eq_ignore_ascii_case("traceparent") {
                traceparent = Some(value);
            }
        }
        let parent = sentry_trace
            .and_then(parse_sentry_trace)
            .or_else(|| traceparent.and_then(parse_traceparent));
        if let Some((trace_id, span_id, sampled)) = parent {
            ctx.trace_id = trace_id;
            ctx.parent_span_id = Some(span_id);
            ctx.parent_sampled = sampled;
            ctx.baggage = baggage.map(parse_baggage).unwrap_or_default();
            ctx.continued = true;
        }
        ctx
    }

    /// A transaction in the trace of `span`, below it (a new unit of work started from inside
    /// another, e.g. a job a request queued). It follows `span`'s sampling decision.
    pub fn continue_from_span(
        name: impl Into<String>,
        op: impl Into<Cow<'static, str>>,
        span: &Span,
    ) -> Self {
        let mut ctx = Self::new(name, op);
        ctx.trace_id = span.trace_id();
        ctx.parent_span_id = Some(span.span_id());
        ctx.parent_sampled = span.decision();
        ctx.baggage = span.baggage().iter().cloned().collect();
        ctx.continued = true;
        ctx
    }

    /// The transaction name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operation (`http.server`, `task`, …).
    #[must_use]
    pub fn op(&self) -> &str {
        &self.op
    }

    /// The trace the transaction belongs to.
    #[must_use]
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The span it continues, if any.
    #[must_use]
    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id
    }

    /// The upstream sampling decision, if the trace came with one.
    #[must_use]
    pub fn parent_sampled(&self) -> Option<bool> {
        self.parent_sampled
    }

    /// Adds data for the traces sampler to see (not sent).
    #[must_use]
    pub fn with_data(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// The data for the traces sampler.
    #[must_use]
    pub fn data(&self) -> &Map<String, Value> {
        &self.data
    }

    /// Moves the name out, for the transaction started from this context.
    pub(crate) fn take_name(&mut self) -> String {
        std::mem::take(&mut self.name)
    }

    pub(crate) fn op_cow(&self) -> Cow<'static, str> {
        self.op.clone()
    }

    /// The upstream dynamic sampling context, when the trace was continued with one.
    pub(crate) fn upstream_baggage(&self) -> Option<&BTreeMap<String, String>> {
        (self.continued && !self.baggage.is_empty()).then_some(&self.baggage)
    }

    /// Whether the trace came from upstream.
    pub(crate) fn is_continued(&self) -> bool {
        self.continued
    }

    /// The organization the upstream trace names in its `sentry-org_id` baggage entry.
    pub(crate) fn upstream_org_id(&self) -> Option<OrganizationId> {
        self.upstream_baggage()?.get("org_id")?.parse().ok()
    }

    /// Drops the upstream trace: the transaction starts a new one, as [`Self::new`] would.
    pub(crate) fn start_new_trace(&mut self) {
        self.trace_id = ids::trace_id();
        self.parent_span_id = None;
        self.parent_sampled = None;
        self.baggage.clear();
        self.continued = false;
    }
}

/// What the traces sampler sees of a transaction about to start.
#[derive(Debug)]
pub struct SamplingContext<'a> {
    pub(crate) context: &'a TransactionContext,
}

impl SamplingContext<'_> {
    /// The transaction's context (name, operation, trace, data).
    #[must_use]
    pub fn transaction_context(&self) -> &TransactionContext {
        self.context
    }

    /// The upstream sampling decision, if any: following it keeps traces whole.
    #[must_use]
    pub fn parent_sampled(&self) -> Option<bool> {
        self.context.parent_sampled
    }
}

/// `00-<trace id>-<parent id>-<flags>` (W3C trace context); sampled is flag bit 0.
fn parse_traceparent(value: &str) -> Option<(TraceId, SpanId, Option<bool>)> {
    let mut parts = value.trim().split('-');
    let version = parts.next()?;
    let (trace, span, flags) = (parts.next()?, parts.next()?, parts.next()?);
    if version.len() != 2 || version == "ff" || trace.len() != 32 || span.len() != 16 {
        return None;
    }
    if trace.bytes().all(|b| b == b'0') || span.bytes().all(|b| b == b'0') {
        return None; // all-zero ids are invalid in W3C trace context
    }
    let flags = u8::from_str_radix(flags, 16).ok()?;
    Some((
        trace.parse().ok()?,
        span.parse().ok()?,
        Some(flags & 1 == 1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_or_missing_headers_start_a_new_trace() {
        for headers in [
            vec![],
            vec![("sentry-trace", "garbage")],
            vec![(
                "traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            )],
            vec![(
                "traceparent",
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
        ] {
            let ctx = TransactionContext::continue_from_headers("t", "op", headers.clone());
            assert_eq!(ctx.parent_span_id(), None, "{headers:?}");
            assert!(!ctx.is_continued());
        }
    }

    #[test]
    fn sentry_trace_wins_over_traceparent_and_header_names_ignore_case() {
        let ctx = TransactionContext::continue_from_headers(
            "t",
            "op",
            [
                (
                    "TraceParent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                ),
                (
                    "Sentry-Trace",
                    "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-0",
                ),
            ],
        );
        assert_eq!(
            ctx.trace_id().to_string(),
            "771a43a4192642f0b136d5159a501700"
        );
        assert_eq!(ctx.parent_sampled(), Some(false));
    }
}
