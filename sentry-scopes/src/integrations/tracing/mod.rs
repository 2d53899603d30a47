//! tracing integration (feature `tracing`): logs become breadcrumbs and events, spans can fork
//! the current scope.
//!
//! [`SentryTracingLayer`] is a [`tracing_subscriber::Layer`]:
//!
//! - an event at `ERROR` (configurable with [`event_level`](SentryTracingLayer::event_level))
//!   is captured as an event: its `message` field as message, the other fields as extra, the
//!   target as logger;
//! - an event at `INFO` or above (configurable with
//!   [`breadcrumb_level`](SentryTracingLayer::breadcrumb_level)) becomes a breadcrumb on the
//!   isolation scope, with the target as category and the fields as data;
//! - with [`span_scopes(true)`](SentryTracingLayer::span_scopes), entering a span forks the
//!   current scope with the span's fields as tags, as [`with_scope`](fn@crate::with_scope)
//!   would, and leaving it restores the previous one. Code under `#[tracing::instrument]` then
//!   gets scope data without our macros. Off by default: `#[instrument]` records every argument,
//!   and arguments can be personal data.
//!
//! A span keeps its scope between enters, so an instrumented future that is polled many times,
//! on different worker threads, sees one scope with everything written to it so far. Entering
//! costs a reference count on later enters; the first enter forks, which shares all data with
//! the parent (breadcrumbs are never copied) and adds the span's tags.
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

mod fields;
mod span;

use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event as TracingEvent, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use self::fields::{Fields, sentry_level};
use self::span::SpanScope;
use crate::protocol::{Breadcrumb, Event};

/// The tracing layer; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct SentryTracingLayer {
    breadcrumb_level: Level,
    event_level: Level,
    span_scopes: bool,
}

impl Default for SentryTracingLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl SentryTracingLayer {
    /// Breadcrumbs from `INFO`, events from `ERROR`, no span scopes.
    #[must_use]
    pub fn new() -> Self {
        Self {
            breadcrumb_level: Level::INFO,
            event_level: Level::ERROR,
            span_scopes: false,
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
        let mut fields = Fields::default();
        event.record(&mut fields);
        if capture {
            let mut event = Event {
                level: sentry_level(level),
                message: fields.message,
                logger: Some(metadata.target().to_owned()),
                extra: fields.values,
                ..Event::default()
            };
            crate::client::attach_stacktrace(&mut event);
            crate::capture_event(event);
        } else {
            crate::add_breadcrumb(Breadcrumb {
                level: sentry_level(level),
                category: Some(metadata.target().to_owned()),
                message: fields.message,
                data: fields.values,
                ..Breadcrumb::default()
            });
        }
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !self.span_scopes {
            return;
        }
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanScope::new(attrs));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if !self.span_scopes {
            return;
        }
        let entered_here = ctx.current_span().id() == Some(id);
        if let Some(span) = ctx.span(id)
            && let Some(state) = span.extensions_mut().get_mut::<SpanScope>()
        {
            state.record(values, entered_here);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if self.span_scopes
            && let Some(span) = ctx.span(id)
        {
            span::enter(&span);
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        if self.span_scopes {
            span::exit(id, ctx.span(id));
        }
    }
}
