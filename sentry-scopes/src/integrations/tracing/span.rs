//! What the layer keeps per tracing span: the Sentry span it became (if the filter took it), and
//! its own fork of the current scope, with that Sentry span active on it and, with span scopes,
//! the span's fields as tags. The fork is installed on every enter and taken back, with the
//! changes made inside, on every exit; the Sentry span finishes when the tracing span closes.

use std::sync::Arc;

use tracing_core::span::Id;
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use super::fields::{Fields, SentryFields, tag_value};
use crate::context::thread::{self, Current, with_active};
use crate::context::update_current;
use crate::protocol::{Map, Value};
use crate::scope::{ScopeData, Span, SpanGuard, TagText, checked_tag};

/// What a span stores in its extensions.
pub(super) struct SpanState {
    /// The span's fields, as tags for its scope (empty without span scopes).
    tags: Vec<(Arc<str>, TagText)>,
    /// The Sentry span, finished when the state is dropped (the tracing span closed).
    sentry: Option<SentrySpan>,
    /// The span's current scope, once forked; `None` while it is entered (it is in the
    /// thread's slot then) and before the first enter.
    current: Option<Current>,
}

/// A Sentry span started for a tracing span.
pub(super) struct SentrySpan {
    pub(super) guard: SpanGuard,
    /// Whether it is a transaction (a `sentry.name` renames the transaction then).
    pub(super) root: bool,
}

impl SentrySpan {
    /// Applies fields recorded on the tracing span: `sentry.op` and `sentry.name`, the rest as
    /// data.
    pub(super) fn record(&self, special: SentryFields, values: Map<String, Value>) {
        if let Some(op) = special.op {
            self.guard.set_op(op);
        }
        if let Some(name) = special.name {
            if self.root {
                self.guard.set_transaction_name(name.clone());
            }
            self.guard.set_description(name);
        }
        self.guard.extend_data(values);
    }
}

impl SpanState {
    /// The state of a new span with `values` (the `sentry.*` fields taken out): its tags if
    /// span scopes are on.
    pub(super) fn new(values: &Map<String, Value>, span_scopes: bool) -> Self {
        Self {
            tags: if span_scopes {
                tags_of(values)
            } else {
                Vec::new()
            },
            sentry: None,
            current: None,
        }
    }

    /// Sets the Sentry span the tracing span became.
    pub(super) fn set_sentry(&mut self, sentry: SentrySpan) {
        self.sentry = Some(sentry);
    }

    /// The Sentry span the tracing span became, if the filter took it.
    pub(super) fn sentry_span(&self) -> Option<&Span> {
        self.sentry.as_ref().map(|s| s.guard.span())
    }

    /// Adds fields recorded after creation: to the Sentry span as data, and as tags (with span
    /// scopes) also to the span's scope if it was forked already: the stored one, or the
    /// thread's current scope when the span is the one entered here.
    pub(super) fn record(&mut self, mut fields: Fields, span_scopes: bool, entered_here: bool) {
        let special = SentryFields::take(&mut fields.values);
        if span_scopes {
            let new = tags_of(&fields.values);
            match &mut self.current {
                Some(current) => current.update(|d| set_tags(d, &new)),
                None if entered_here => update_current(|d| set_tags(d, &new)),
                None => {}
            }
            for (k, v) in new {
                match self.tags.iter_mut().find(|(key, _)| *key == k) {
                    Some(slot) => slot.1 = v,
                    None => self.tags.push((k, v)),
                }
            }
        }
        if let Some(sentry) = &self.sentry {
            sentry.record(special, fields.values);
        }
    }

    /// The span's scope: the stored one, or a fork of the thread's current scope with the
    /// span's tags and its Sentry span active. The fork shares everything with its parent
    /// (breadcrumbs included); only the tag map gets a new path per tag.
    fn take_or_fork(&mut self) -> Option<Current> {
        if let Some(current) = self.current.take() {
            return Some(current);
        }
        let mut data = with_active(|a| a.current.data())?;
        if !self.tags.is_empty() || self.sentry.is_some() {
            let data = Arc::make_mut(&mut data);
            set_tags(data, &self.tags);
            if let Some(sentry) = &self.sentry {
                data.span = Some(sentry.guard.span().clone());
            }
        }
        Some(Current::Inline(data))
    }

    /// Finishes the Sentry span of a closed tracing span, inside the span's own scope when it
    /// has one: a transaction is sent with what was written to that scope.
    pub(super) fn close(mut self, key: u64) {
        let Some(sentry) = self.sentry.take() else {
            return;
        };
        let pushed = self
            .current
            .take()
            .is_some_and(|current| thread::push_current(key, current));
        drop(sentry);
        if pushed {
            drop(thread::pop_current(key));
        }
    }
}

fn tags_of(values: &Map<String, Value>) -> Vec<(Arc<str>, TagText)> {
    values
        .iter()
        .filter_map(|(k, v)| checked_tag(k, TagText::from(tag_value(v))))
        .collect()
}

fn set_tags(data: &mut ScopeData, tags: &[(Arc<str>, TagText)]) {
    if !tags.is_empty() {
        data.insert_checked_tags(tags);
    }
}

/// Installs the span's scope on this thread.
pub(super) fn enter<'a, R: LookupSpan<'a>>(span: &SpanRef<'a, R>) {
    let current = {
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<SpanState>() else {
            return;
        };
        state.take_or_fork()
    };
    if let Some(current) = current {
        // On failure (thread teardown) the span re-forks on its next enter.
        let _ = thread::push_current(span.id().into_u64(), current);
    }
}

/// Restores what the span's enter replaced and keeps the span's scope for the next enter.
/// `lookup` finds the span; it is only called when the span's enter installed a scope.
pub(super) fn exit<'a, R: LookupSpan<'a> + 'a>(
    id: &Id,
    lookup: impl FnOnce() -> Option<SpanRef<'a, R>>,
) {
    let Some(current) = thread::pop_current(id.into_u64()) else {
        return;
    };
    if let Some(span) = lookup()
        && let Some(state) = span.extensions_mut().get_mut::<SpanState>()
    {
        state.current = Some(current);
    }
}

#[cfg(all(test, feature = "test"))]
mod tests {
    use super::*;
    use crate::protocol::Breadcrumb;

    #[test]
    fn the_first_enter_forks_without_copying_breadcrumbs() {
        crate::test::with_captured_events(|| {
            for i in 0..100 {
                crate::get_current_scope().add_breadcrumb(Breadcrumb {
                    message: Some(format!("crumb {i}")),
                    ..Breadcrumb::default()
                });
            }
            let parent = with_active(|a| a.current.data()).unwrap();
            let mut state = SpanState {
                tags: vec![(crate::scope::shared_key("order_id"), TagText::new("7"))],
                sentry: None,
                current: None,
            };
            let Some(Current::Inline(fork)) = state.take_or_fork() else {
                panic!("the fork is inline data");
            };
            assert_eq!(fork.tag("order_id"), Some("7"));
            assert_eq!(parent.tag("order_id"), None);
            assert_eq!(fork.breadcrumbs.len(), 100);
            for (a, b) in parent.breadcrumbs.iter().zip(fork.breadcrumbs.iter()) {
                assert!(a.ptr_eq(b), "a breadcrumb was copied");
            }
        });
    }
}
