//! Starting transactions and spans: the sampling decision, the dynamic sampling context, and
//! the sink that hands a finished transaction to the capture pipeline.

use std::sync::{Arc, LazyLock};

use super::Client;
use super::pipeline::capture_transaction;
use crate::context::active_span;
use crate::debug::call_user;
use crate::protocol::Category;
use crate::protocol::{OrganizationId, TraceId};
use crate::scope::{
    FinishedTransaction, MakeBaggage, SamplingContext, Span, SpanGuard, TransactionContext,
    TransactionSink, Tree, random_unit,
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
pub fn start_transaction(mut ctx: TransactionContext) -> SpanGuard {
    let client = Client::current();
    if let Some(client) = client.as_deref()
        && ctx.is_continued()
        && !same_organization(ctx.upstream_org_id(), client)
    {
        ctx.start_new_trace();
    }
    let decision = decide(client.as_deref(), &ctx);
    let baggage: MakeBaggage = match ctx.upstream_baggage() {
        Some(upstream) => {
            let frozen = upstream
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Box::new(move || frozen)
        }
        None if ctx.is_continued() => Box::new(Vec::new), // frozen upstream without baggage
        None => {
            let (client, trace_id, name) = (client.clone(), ctx.trace_id(), ctx.name().to_owned());
            Box::new(move || head_baggage(client.as_deref(), trace_id, name, &decision))
        }
    };
    let (max_spans, sink) = match &client {
        Some(c) => (c.options().max_spans, Some(PipelineSink::shared())),
        None => (0, None),
    };
    let tree = Tree::new(
        ctx.take_name(), // the context is not read for its name again
        (decision.sampled, decision.propagated),
        baggage,
        max_spans,
        sink,
    );
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

/// A sampling decision and what it came from (for the dynamic sampling context).
#[derive(Clone, Copy)]
struct Decision {
    /// Whether the transaction is sent.
    sampled: bool,
    /// What outgoing headers say (see `Tree::decision`).
    propagated: Option<bool>,
    /// The rate applied, when this service decided.
    rate: Option<f32>,
    /// The random number compared with the rate (the upstream's, when it sent one).
    rand: f64,
}

/// Decides whether a transaction is sent: `traces_sampler` if set, else the upstream decision
/// of a continued trace, else `traces_sample_rate`. With neither option set tracing is off:
/// nothing is sent, and the upstream decision is passed on unchanged.
fn decide(client: Option<&Client>, ctx: &TransactionContext) -> Decision {
    let upstream = ctx.parent_sampled();
    let off = Decision {
        sampled: false,
        propagated: upstream,
        rate: None,
        rand: 0.0,
    };
    let Some(client) = client else {
        return off;
    };
    let options = client.options();
    if options.traces_sampler.is_none() && options.traces_sample_rate.is_none() {
        return off;
    }
    let rand = ctx
        .upstream_baggage()
        .and_then(|b| b.get("sample_rand"))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|r| (0.0..1.0).contains(r))
        .unwrap_or_else(random_unit);
    let rate = match (&options.traces_sampler, upstream) {
        (Some(sampler), _) => {
            let sampling = SamplingContext { context: ctx };
            let rate = call_user("traces_sampler", || sampler(&sampling)).unwrap_or(0.0);
            if rate.is_finite() {
                rate.clamp(0.0, 1.0)
            } else {
                0.0
            }
        }
        (None, Some(sampled)) => {
            return Decision {
                sampled,
                propagated: Some(sampled),
                rate: None,
                rand,
            };
        }
        (None, None) => options.traces_sample_rate.unwrap_or(0.0),
    };
    let sampled = rand < f64::from(rate);
    Decision {
        sampled,
        propagated: Some(sampled),
        rate: Some(rate),
        rand,
    }
}

/// The organization this SDK reports to: `ClientOptions::org_id`, else the DSN's.
fn org_id(client: &Client) -> Option<OrganizationId> {
    client.options().org_id.or_else(|| client.dsn()?.org_id())
}

/// Whether a trace from `upstream`'s organization may be continued: not when both are known
/// and differ, nor with `strict_trace_continuation` when only one side is known.
fn same_organization(upstream: Option<OrganizationId>, client: &Client) -> bool {
    match (upstream, org_id(client)) {
        (Some(theirs), Some(ours)) => theirs == ours,
        (None, None) => true,
        _ => !client.options().strict_trace_continuation,
    }
}

/// The dynamic sampling context this service freezes when it starts the trace.
fn head_baggage(
    client: Option<&Client>,
    trace_id: TraceId,
    name: String,
    decision: &Decision,
) -> Vec<(String, String)> {
    let mut out = vec![("trace_id".to_owned(), trace_id.to_string())];
    let Some(client) = client else {
        return out;
    };
    if let Some(dsn) = client.dsn() {
        out.push(("public_key".to_owned(), dsn.public_key().to_owned()));
    }
    if let Some(org) = org_id(client) {
        out.push(("org_id".to_owned(), org.to_string()));
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
    out.push(("transaction".to_owned(), name));
    if let Some(rate) = decision.rate {
        out.push(("sample_rate".to_owned(), rate.to_string()));
    }
    if let Some(sampled) = decision.propagated {
        out.push(("sample_rand".to_owned(), format!("{:.6}", decision.rand)));
        out.push(("sampled".to_owned(), sampled.to_string()));
    }
    out
}

/// Sends finished transactions through the pipeline of the client installed then, and counts
/// what was not sampled or left out.
struct PipelineSink;

impl PipelineSink {
    /// The one sink every tree shares: a transaction costs a reference count, not an
    /// allocation.
    fn shared() -> Arc<dyn TransactionSink> {
        static SINK: LazyLock<Arc<dyn TransactionSink>> = LazyLock::new(|| Arc::new(PipelineSink));
        SINK.clone()
    }
}

impl TransactionSink for PipelineSink {
    fn send(&self, transaction: FinishedTransaction) {
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
