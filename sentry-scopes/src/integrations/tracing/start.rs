//! Starting the Sentry span of a new tracing span: below which parent, with which op and name.

use std::borrow::Cow;

use tracing_core::span::Attributes;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::fields::SentryFields;
use super::span::{SentrySpan, SpanState};
use crate::client::start_transaction;
use crate::context::active_span;
use crate::protocol::{Map, Value};
use crate::scope::{Span, TransactionContext};

/// Starts the Sentry span of a tracing span: a child of its parent's Sentry span, or a
/// transaction when there is none, named after `special` or the span, with `values` (the other
/// fields) as data.
pub(super) fn start<S>(
    attrs: &Attributes<'_>,
    ctx: &Context<'_, S>,
    special: SentryFields,
    values: Map<String, Value>,
) -> SentrySpan
where
    S: tracing_core::Subscriber + for<'a> LookupSpan<'a>,
{
    let metadata = attrs.metadata();
    let op: Cow<'static, str> = match special.op {
        Some(op) => op.into(),
        None => metadata.name().into(),
    };
    let name: Cow<'static, str> = match special.name {
        Some(name) => name.into(),
        None => metadata.name().into(),
    };
    let (guard, root) = match parent(attrs, ctx) {
        Some(parent) => (parent.start_child(op, name), false),
        None => {
            let name = name.into_owned();
            let context = match &special.trace {
                Some(header) => TransactionContext::continue_from_headers(
                    name,
                    op,
                    [("sentry-trace", header.as_str())],
                ),
                None => TransactionContext::new(name, op),
            };
            (start_transaction(context), true)
        }
    };
    guard.extend_data(values);
    SentrySpan { guard, root }
}

/// The Sentry span a new tracing span goes below: for an explicit parent, the nearest Sentry
/// span up its tree; for a contextual one, the active Sentry span (the entered tracing span's,
/// or one entered by hand); none for an explicit root (`parent: None`).
fn parent<S>(attrs: &Attributes<'_>, ctx: &Context<'_, S>) -> Option<Span>
where
    S: tracing_core::Subscriber + for<'a> LookupSpan<'a>,
{
    if attrs.is_root() {
        return None;
    }
    let Some(id) = attrs.parent() else {
        return active_span();
    };
    ctx.span(id)?.scope().find_map(|span| {
        let extensions = span.extensions();
        let state = extensions.get::<SpanState>()?;
        state.sentry_span().cloned()
    })
}
