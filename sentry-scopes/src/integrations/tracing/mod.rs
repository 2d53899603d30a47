//! tracing integration (feature `tracing`): logs become breadcrumbs and events, spans become
//! Sentry spans and transactions, and can fork the current scope.
//!
//! [`SentryTracingLayer`] is a [`tracing_subscriber::Layer`]:
//!
//! - an event at `ERROR` (configurable with [`event_level`](SentryTracingLayer::event_level))
//!   is captured as an event: its `message` field as message, the other fields as extra, the
//!   target as logger;
//! - an event at `INFO` or above (configurable with
//!   [`breadcrumb_level`](SentryTracingLayer::breadcrumb_level)) becomes a breadcrumb on the
//!   isolation scope, with the target as category and the fields as data;
//! - a span at `INFO` or above (configurable with
//!   [`span_filter`](SentryTracingLayer::span_filter)) becomes a Sentry span, see below;
//! - with [`span_scopes(true)`](SentryTracingLayer::span_scopes), entering a span forks the
//!   current scope with the span's fields as tags, as [`with_scope`](fn@crate::with_scope)
//!   would, and leaving it restores the previous one. Code under `#[tracing::instrument]` then
//!   gets scope data without our macros. Off by default: `#[instrument]` records every argument,
//!   and arguments can be personal data.
//!
//! ```
//! use sentry_scopes::integrations::tracing::SentryTracingLayer;
//! use tracing_subscriber::prelude::*;
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let subscriber = tracing_subscriber::registry().with(SentryTracingLayer::new().span_scopes(true));
//! tracing::subscriber::with_default(subscriber, || {
//!     tracing::info!(user_count = 3, "cache warmed"); // a breadcrumb
//!     let span = tracing::info_span!("checkout", order_id = 42);
//!     span.in_scope(|| tracing::error!(amount = 5, "payment declined")); // an event
//! });
//! # });
//! # let event = &events[0];
//! # assert_eq!(event.message.as_deref(), Some("payment declined"));
//! # assert_eq!(event.extra["amount"], 5);
//! # assert_eq!(event.tags["order_id"], "42");
//! # assert_eq!(event.breadcrumbs.values[0].message.as_deref(), Some("cache warmed"));
//! ```
//!
//! # Spans and transactions
//!
//! A tracing span the filter takes starts a Sentry span when it is created:
//!
//! - **below** the active Sentry span: the one of the entered tracing span, or one made active
//!   by hand ([`Span::enter`](crate::Span::enter)) or by an integration (the request transaction
//!   of the `tower` layer). A span with an explicit parent (`parent: &span`) goes
//!   below the nearest Sentry span up that parent's tree instead.
//! - **as a transaction** when there is none (or for `parent: None`): a root span, named after
//!   the span, starting a new trace. A string field `sentry.trace` holding an incoming
//!   `sentry-trace` value makes it continue that trace.
//! - **op** is the span's name, or the string field `sentry.op` when there is one
//!   (`#[instrument(fields(sentry.op = "db.query"))]`); **description** (and a transaction's
//!   name) the span's name, or the string field `sentry.name`. The span's other fields, and
//!   those recorded later, become the Sentry span's **data**; the `sentry.*` fields do not.
//!   Tracing levels and targets are not sent.
//!
//! Entering the tracing span makes its Sentry span active (it is set on the span's own fork of
//! the current scope): events captured inside report its trace context,
//! [`start_span`](crate::start_span) starts its children, and
//! [`trace_headers`](crate::trace_headers) continue below it. The Sentry span finishes when the
//! tracing span closes (its last handle is dropped); a transaction is then sent with the data of
//! the span's own scope, through the usual pipeline (transaction processors,
//! `before_send_transaction`).
//!
//! Whether a transaction is sent follows the client options, as for any transaction
//! ([`ClientOptions::traces_sample_rate`](crate::ClientOptions::traces_sample_rate),
//! `traces_sampler`). With neither set (the default) nothing is sent, yet the spans exist, so
//! events inside them and outgoing headers still carry their trace ids;
//! `span_filter(|_| false)` turns the spans off entirely.
//!
//! ```
//! use sentry_scopes::ClientOptions;
//! use sentry_scopes::integrations::tracing::SentryTracingLayer;
//! use tracing_subscriber::prelude::*;
//!
//! #[tracing::instrument(fields(sentry.op = "db.query"))]
//! fn load_cart(user_id: u32) -> u32 {
//!     3
//! }
//!
//! #[tracing::instrument]
//! fn checkout(user_id: u32) {
//!     let items = load_cart(user_id); // a child span of the `checkout` transaction
//!     tracing::error!(items, "payment declined"); // reports the `checkout` span
//! }
//!
//! # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
//! #     ClientOptions::new().traces_sample_rate(1.0), || {
//! let subscriber = tracing_subscriber::registry().with(SentryTracingLayer::new());
//! tracing::subscriber::with_default(subscriber, || checkout(7));
//! # });
//! # let txn = envelopes.iter().flat_map(|e| e.items()).find_map(|i| match i {
//! #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()), _ => None,
//! # }).unwrap();
//! # assert_eq!(txn.name.as_deref(), Some("checkout"));
//! # assert_eq!(txn.spans[0].op.as_deref(), Some("db.query"));
//! # assert_eq!(txn.spans[0].description.as_deref(), Some("load_cart"));
//! # assert_eq!(txn.spans[0].data["user_id"], 7);
//! ```
//!
//! # Scopes, threads and `.await`
//!
//! Each span the layer tracks (a Sentry span, or any span with span scopes) keeps its own fork
//! of the current scope between enters, so an instrumented future that is polled many times,
//! on different worker threads, sees its Sentry span and one scope with everything written to it
//! so far. Entering costs a reference count on later enters; the first enter forks, which shares
//! all data with the parent (breadcrumbs are never copied) and adds the span's tags. Because of
//! that fork, a write to the current scope (`get_current_scope().set_tag(..)`) inside an
//! entered span stays in that span, as inside [`with_scope`](fn@crate::with_scope); top-level
//! setters write to the isolation scope and outlive it.
//!
//! # Limitations
//!
//! - A span is only in the trace while one of its handles lives: tracing closes a parent only
//!   after its children, so a transaction waits for every span created below it, including
//!   those of instrumented tasks that outlive the work that spawned them.
//! - A child whose parent is a Sentry span made by hand and finished first (not a tracing span)
//!   finishes after its transaction was sent: it is left out, and counted as dropped.
//! - A span created on one thread and entered for the first time on another takes the scope
//!   data of the thread that enters it (its parent span is the one active where it was
//!   created).
//! - Spans are timed from creation to close, not by the time they were entered.

mod fields;
mod span;
mod start;

use std::sync::Arc;

use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event as TracingEvent, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use self::fields::{DraftFields, Fields, SentryFields, Visitor, sentry_level};
use self::span::SpanState;
use crate::protocol::{Breadcrumb, Event};
use crate::scope::CrumbDraft;

/// Which tracing spans become Sentry spans.
type SpanFilter = Arc<dyn Fn(&Metadata<'_>) -> bool + Send + Sync>;

/// The tracing layer; see the [module docs](self).
#[derive(Clone)]
pub struct SentryTracingLayer {
    breadcrumb_level: Level,
    event_level: Level,
    span_scopes: bool,
    span_filter: SpanFilter,
}

impl std::fmt::Debug for SentryTracingLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentryTracingLayer")
            .field("breadcrumb_level", &self.breadcrumb_level)
            .field("event_level", &self.event_level)
            .field("span_scopes", &self.span_scopes)
            .finish_non_exhaustive()
    }
}

impl Default for SentryTracingLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl SentryTracingLayer {
    /// Breadcrumbs from `INFO`, events from `ERROR`, Sentry spans from `INFO` spans, no span
    /// scopes.
    #[must_use]
    pub fn new() -> Self {
        Self {
            breadcrumb_level: Level::INFO,
            event_level: Level::ERROR,
            span_scopes: false,
            span_filter: Arc::new(|metadata| *metadata.level() <= Level::INFO),
        }
    }

    /// Events at `level` or more severe become breadcrumbs (unless captured as events).
    ///
    /// ```
    /// use sentry_scopes::integrations::tracing::SentryTracingLayer;
    /// use tracing_subscriber::prelude::*;
    /// # let events = sentry_scopes::test::with_captured_events(|| {
    /// let layer = SentryTracingLayer::new().breadcrumb_level(tracing::Level::WARN);
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
    ///     tracing::info!("not kept");
    ///     tracing::warn!("kept");
    ///     tracing::error!("boom");
    /// });
    /// # });
    /// # let crumbs = &events[0].breadcrumbs.values;
    /// # assert_eq!(crumbs.len(), 1);
    /// # assert_eq!(crumbs[0].message.as_deref(), Some("kept"));
    /// ```
    #[must_use]
    pub fn breadcrumb_level(mut self, level: Level) -> Self {
        self.breadcrumb_level = level;
        self
    }

    /// Events at `level` or more severe are captured as Sentry events.
    #[must_use]
    pub fn event_level(mut self, level: Level) -> Self {
        self.event_level = level;
        self
    }

    /// Whether entering a span forks the current scope with the span's fields as tags.
    ///
    /// ```
    /// use sentry_scopes::integrations::tracing::SentryTracingLayer;
    /// use tracing_subscriber::prelude::*;
    ///
    /// #[tracing::instrument]
    /// fn charge(order_id: u32) {
    ///     sentry_scopes::capture_message("charging", sentry_scopes::Level::Info);
    /// }
    ///
    /// # let events = sentry_scopes::test::with_captured_events(|| {
    /// let layer = SentryTracingLayer::new().span_scopes(true);
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
    ///     charge(7);
    ///     sentry_scopes::capture_message("after", sentry_scopes::Level::Info);
    /// });
    /// # });
    /// # assert_eq!(events[0].tags["order_id"], "7");
    /// # assert!(events[1].tags.is_empty());
    /// ```
    #[must_use]
    pub fn span_scopes(mut self, yes: bool) -> Self {
        self.span_scopes = yes;
        self
    }

    /// Which tracing spans become Sentry spans (default: `INFO`, `WARN` and `ERROR` spans, as
    /// in sentry-tracing). A span the filter refuses is not in the trace; spans created inside
    /// it go below the nearest Sentry span around it. `|_| false` turns performance spans off.
    /// A filter that panics refuses the span, and the panic goes no further.
    ///
    /// ```
    /// use sentry_scopes::ClientOptions;
    /// use sentry_scopes::integrations::tracing::SentryTracingLayer;
    /// use tracing_subscriber::prelude::*;
    /// # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
    /// #     ClientOptions::new().traces_sample_rate(1.0), || {
    /// // Also DEBUG spans, but only this crate's.
    /// let layer = SentryTracingLayer::new().span_filter(|metadata| {
    ///     *metadata.level() <= tracing::Level::DEBUG && metadata.target().starts_with("rust_out")
    /// });
    /// tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
    ///     tracing::debug_span!("import").in_scope(|| {
    ///         tracing::trace_span!("parse line").in_scope(|| {}); // not a Sentry span
    ///     });
    /// });
    /// # });
    /// # let txn = envelopes.iter().flat_map(|e| e.items()).find_map(|i| match i {
    /// #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()), _ => None,
    /// # }).unwrap();
    /// # assert_eq!(txn.name.as_deref(), Some("import"));
    /// # assert!(txn.spans.is_empty());
    /// ```
    #[must_use]
    pub fn span_filter<F>(mut self, filter: F) -> Self
    where
        F: Fn(&Metadata<'_>) -> bool + Send + Sync + 'static,
    {
        self.span_filter = Arc::new(filter);
        self
    }
}

impl<S> Layer<S> for SentryTracingLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &TracingEvent<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let level = *metadata.level();
        // tracing orders levels by verbosity: ERROR is the smallest.
        let capture = level <= self.event_level;
        if !capture && level > self.breadcrumb_level {
            return;
        }
        if !capture {
            let target = metadata.target();
            let level = sentry_level(level);
            crate::context::get_isolation_scope().add_breadcrumb_from(
                || {
                    let mut fields = Fields::default();
                    event.record(&mut Visitor(&mut fields));
                    Breadcrumb {
                        level,
                        category: Some(target.to_owned()),
                        message: fields.message,
                        data: fields.values,
                        ..Breadcrumb::default()
                    }
                },
                || {
                    let mut fields = DraftFields::new(metadata.fields().len());
                    event.record(&mut Visitor(&mut fields));
                    let data = std::mem::take(&mut fields.data);
                    CrumbDraft::new(level, target, fields.message(), data)
                },
            );
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut Visitor(&mut fields));
        let mut event = Event {
            level: sentry_level(level),
            message: fields.message,
            logger: Some(metadata.target().to_owned()),
            extra: fields.values,
            ..Event::default()
        };
        crate::client::attach_stacktrace(&mut event);
        crate::capture_event(event);
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let traced =
            crate::debug::call_user("the span filter", || (self.span_filter)(attrs.metadata()))
                .unwrap_or(false);
        if !traced && !self.span_scopes {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = Fields::default();
        attrs.record(&mut Visitor(&mut fields));
        let special = SentryFields::take(&mut fields.values);
        let mut state = SpanState::new(&fields.values, self.span_scopes);
        if traced {
            state.set_sentry(start::start(attrs, &ctx, special, fields.values));
        }
        span.extensions_mut().insert(state);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let entered_here = self.span_scopes && ctx.current_span().id() == Some(id);
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<SpanState>() else {
            return;
        };
        let mut fields = Fields::default();
        values.record(&mut Visitor(&mut fields));
        state.record(fields, self.span_scopes, entered_here);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span::enter(&span);
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        span::exit(id, || ctx.span(id));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        // Taken out first: finishing a transaction runs user callbacks, which may use tracing.
        let state = span.extensions_mut().remove::<SpanState>();
        if let Some(state) = state {
            state.close(id.into_u64());
        }
    }
}
