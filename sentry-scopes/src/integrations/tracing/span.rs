//! Spans as current scopes: each span keeps its own fork of the current scope, installed on
//! every enter and taken back, with the changes made inside, on every exit.

use std::sync::Arc;

use tracing_core::span::{Attributes, Id, Record};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use super::fields::{Fields, tag_value};
use crate::context::thread::{self, Current, with_active};
use crate::context::update_current;
use crate::scope::{ScopeData, arc_str};

/// What a span stores in its extensions.
pub(super) struct SpanScope {
    /// The span's fields, as tags for its scope.
    tags: Vec<(Arc<str>, Arc<str>)>,
    /// The span's current scope, once forked; `None` while it is entered (it is in the
    /// thread's slot then) and before the first enter.
    current: Option<Current>,
}

impl SpanScope {
    pub(super) fn new(attrs: &Attributes<'_>) -> Self {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        Self {
            tags: tags_of(fields),
            current: None,
        }
    }

    /// Adds fields recorded after creation, also to the span's scope if it was forked already:
    /// the stored one, or the thread's current scope when the span is the one entered here.
    pub(super) fn record(&mut self, values: &Record<'_>, entered_here: bool) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let new = tags_of(fields);
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

    /// The span's scope: the stored one, or a fork of the thread's current scope with the
    /// span's tags. The fork shares everything with its parent (breadcrumbs included); only
    /// the tag map gets a new path per tag.
    fn take_or_fork(&mut self) -> Option<Current> {
        if let Some(current) = self.current.take() {
            return Some(current);
        }
        let mut data = with_active(|a| a.current.data())?;
        if !self.tags.is_empty() {
            set_tags(Arc::make_mut(&mut data), &self.tags);
        }
        Some(Current::Inline(data))
    }
}

fn tags_of(fields: Fields) -> Vec<(Arc<str>, Arc<str>)> {
    fields
        .values
        .iter()
        .map(|(k, v)| (arc_str(k), arc_str(tag_value(v))))
        .collect()
}

fn set_tags(data: &mut ScopeData, tags: &[(Arc<str>, Arc<str>)]) {
    for (k, v) in tags {
        data.set_tag(k.clone(), v.clone());
    }
}

/// Installs the span's scope on this thread.
pub(super) fn enter<'a, R: LookupSpan<'a>>(span: &SpanRef<'a, R>) {
    let current = {
        let mut extensions = span.extensions_mut();
        let Some(state) = extensions.get_mut::<SpanScope>() else {
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
pub(super) fn exit<'a, R: LookupSpan<'a>>(id: &Id, span: Option<SpanRef<'a, R>>) {
    let Some(current) = thread::pop_current(id.into_u64()) else {
        return;
    };
    if let Some(span) = span
        && let Some(state) = span.extensions_mut().get_mut::<SpanScope>()
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
            let mut state = SpanScope {
                tags: vec![(arc_str("order_id"), arc_str("7"))],
                current: None,
            };
            let Some(Current::Inline(fork)) = state.take_or_fork() else {
                panic!("the fork is inline data");
            };
            assert_eq!(fork.tag("order_id"), Some("7"));
            assert_eq!(parent.tag("order_id"), None);
            assert_eq!(fork.breadcrumbs.len(), 100);
            for (a, b) in parent.breadcrumbs.iter().zip(fork.breadcrumbs.iter()) {
                assert!(Arc::ptr_eq(a, b), "a breadcrumb was copied");
            }
        });
    }
}
