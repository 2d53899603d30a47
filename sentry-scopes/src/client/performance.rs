//! Starting transactions and spans: the sampling decision, the dynamic sampling context, and
//! the sink that hands a finished transaction to the capture pipeline.

use std::sync::Arc;

use super::Client;
use super::pipeline::capture_transaction;
use crate::context::active_span;
use crate::debug::call_user;
use crate::protocol::Category;
use crate::scope::{
    SamplingContext, Span, SpanGuard, TransactionContext, TransactionSink, Tree, random_unit,
};
use crate::transport::DiscardReason;

/// Starts a transaction: the root span of a tree of spans, sent when it finishes if the trace
/// is sampled (`ClientOptions::traces_sample_rate`, `traces_sampler`, or the upstream decision).
/// It finishes when the returned guard is dropped.
///
/// The transaction is not made active: to have events and child spans below it, enter it
/// ([`Span::enter`], [`Span::in_scope`], [`Span::bind`]) or set it on a scope
/// ([`Scope::set_span`](crate::Scope::set_span)).
///
/// ```
/// use sentry_scopes::{ClientOptions, TransactionContext, start_transaction};
/// # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
/// #     ClientOptions::new().traces_sample_rate(1.0), || {
/// let txn = start_transaction(TransactionContext::new("nightly report", "task"));
/// txn.in_scope(|| {
///     let _load = sentry_scopes::start_span("db.query", "load orders");
/// });
/// txn.finish();
/// # });
/// # let txn = envelopes[0].items().find_map(|i| match i {
/// #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()), _ => None,
/// # }).unwrap();
/// # assert_eq!(txn.name.as_deref(), Some("nightly report"));
/// # assert_eq!(txn.spans[0].op.as_deref(), Some("db.query"));
/// ```
pub fn start_transaction(ctx: TransactionContext) -> SpanGuard {
    let client = Client::current();
    let (sampled, rate, rand) = decide(client.as_deref(), &ctx);
    let baggage = match ctx.upstream_baggage() {
        Some(upstream) => upstream
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        None if ctx.is_continued() => Vec::new(), // frozen upstream without baggage: none
        None => head_baggage(client.as_deref(), &ctx, rate, rand, sampled),
    };
    let (max_spans, sink) = match &client {
        Some(c) => (
            c.options().max_spans,
            Some(Arc::new(PipelineSink) as Arc<dyn TransactionSink>),
        ),
        None => (0, None),
    };
    let tree = Tree::new(ctx.name().to_owned(), sampled, baggage, max_spans, sink);
    SpanGuard::new(Span::root(
        tree,
        ctx.trace_id(),
        ctx.parent_span_id(),
        ctx.op_cow(),
    ))
}

/// Starts a span below the active span (the current scope's), or a transaction named
/// `description` when no span is active. It finishes when the returned guard is dropped.
///
/// ```
/// use sentry_scopes::{TransactionContext, start_span, start_transaction};
/// # sentry_scopes::test::with_captured_events(|| {
/// let txn = start_transaction(TransactionContext::new("import", "task"));
/// let _active = txn.enter();
/// let parse = start_span("parse", "read the CSV");
/// assert_eq!(parse.parent_span_id(), Some(txn.span_id()));
/// # });
/// ```
pub fn start_span(
    op: impl Into<std::borrow::Cow<'static, str>>,
    description: impl Into<std::borrow::Cow<'static, str>>,
) -> SpanGuard {
    let description = description.into();
    match active_span() {
        Some(parent) => parent.start_child(op, description),
        None => start_transaction(TransactionContext::new(description.into_owned(), op)),
    }
}

/// The sampling decision and the rate and random number it came from (for the baggage).
fn decide(client: Option<&Client>, ctx: &TransactionContext) -> (bool, Option<f32>, f64) {
    let Some(client) = client else {
        return (false, None, 0.0);
    };
    let rand = ctx
        .upstream_baggage()
        .and_then(|b| b.get("sample_rand"))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|r| (0.0..1.0).contains(r))
        .unwrap_or_else(random_unit);
    let options = client.options();
    let rate = if let Some(sampler) = &options.traces_sampler {
        let sampling = SamplingContext { context: ctx };
        let rate = call_user("traces_sampler", || sampler(&sampling)).unwrap_or(0.0);
        if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        }
    } else if let Some(upstream) = ctx.parent_sampled() {
        return (upstream, None, rand);
    } else {
        options.traces_sample_rate
    };
    (rand < f64::from(rate), Some(rate), rand)
}

/// The dynamic sampling context this service freezes when it starts the trace.
fn head_baggage(
    client: Option<&Client>,
    ctx: &TransactionContext,
    rate: Option<f32>,
    rand: f64,
    sampled: bool,
) -> Vec<(String, String)> {
    let mut out = vec![("trace_id".to_owned(), ctx.trace_id().to_string())];
    let Some(client) = client else {
        return out;
    };
    if let Some(dsn) = client.dsn() {
        out.push(("public_key".to_owned(), dsn.public_key().to_owned()));
    }
    let options = client.options();
    for (key, value) in [
        ("release", options.release.as_deref()),
        ("environment", options.environment.as_deref()),
    ] {
        if let Some(v) = value {
            out.push((key.to_owned(), v.to_owned()));
        }
    }
    out.push(("transaction".to_owned(), ctx.name().to_owned()));
    if let Some(rate) = rate {
        out.push(("sample_rate".to_owned(), rate.to_string()));
    }
    out.push(("sample_rand".to_owned(), format!("{rand:.6}")));
    out.push(("sampled".to_owned(), sampled.to_string()));
    out
}

/// Sends finished transactions through the pipeline of the client installed then, and counts
/// what was not sampled or left out.
struct PipelineSink;

impl TransactionSink for PipelineSink {
    fn send(&self, transaction: sentry_types::protocol::v7::Transaction<'static>) {
        capture_transaction(transaction);
    }

    fn not_sampled(&self, spans: u64) {
        if let Some(client) = Client::current() {
            let discards = client.discards();
            discards.record(DiscardReason::SampleRate, Category::Transaction, 1);
            discards.record(DiscardReason::SampleRate, Category::Span, spans);
        }
    }

    fn spans_dropped(&self, spans: u64) {
        if let Some(client) = Client::current() {
            client
                .discards()
                .record(DiscardReason::BufferOverflow, Category::Span, spans);
        }
    }
}
