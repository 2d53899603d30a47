//! Adding breadcrumbs: `before_breadcrumb` and limits are applied here, by the pipeline floor,
//! before the scope is written (as sentry-core's `Hub::add_breadcrumb` does); the scope itself
//! only stores what it is given. Personal data is filtered when a breadcrumb is sent.

use std::cell::Cell;
use std::sync::Arc;

use super::{Client, limits};
use crate::protocol::{Breadcrumb, Category};
use crate::scope::{Scope, StoredCrumb};
use crate::transport::DiscardReason;

thread_local! {
    /// Set while this thread runs `before_breadcrumb`.
    static IN_BEFORE_BREADCRUMB: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running `before_breadcrumb` until dropped.
struct HookGuard(());

impl HookGuard {
    fn enter() -> Option<Self> {
        let entered = IN_BEFORE_BREADCRUMB
            .try_with(|f| !f.replace(true))
            .unwrap_or(false);
        entered.then_some(Self(()))
    }
}

impl Drop for HookGuard {
    fn drop(&mut self) {
        let _ = IN_BEFORE_BREADCRUMB.try_with(|f| f.set(false));
    }
}

impl Scope {
    /// Adds a breadcrumb, after the client's `before_breadcrumb` callback.
    ///
    /// Without a client the breadcrumb is discarded (B10); with `max_breadcrumbs = 0` nothing
    /// is stored (B06). A breadcrumb that pushes the oldest out of a full buffer counts as
    /// `buffer_overflow` in client reports.
    pub fn add_breadcrumb(&self, breadcrumb: Breadcrumb) {
        let Some(client) = Client::current() else {
            return;
        };
        if let Some((crumb, max)) = client.prepare_breadcrumb(breadcrumb)
            && self.push_breadcrumb(crumb, max)
        {
            client.breadcrumb_evicted();
        }
    }

    /// Layers `other` over this scope: maps key-wise, scalars where `other` has a value,
    /// breadcrumbs merged in insertion order and re-capped, attachments and processors
    /// appended. Nothing is removed; the propagation context and last event id stay.
    pub fn update_from_scope(&self, other: &Scope) {
        let max = Client::current().map_or(usize::MAX, |c| c.options().max_breadcrumbs);
        self.update_from(other, max);
    }
}

impl Client {
    /// Runs `before_breadcrumb` (a panic drops the crumb), bounds and cuts the result to the
    /// protocol's limits and numbers it; returns it with the ring capacity, or `None` when it
    /// must not be stored. A breadcrumb added from inside `before_breadcrumb` is dropped: the
    /// hook would otherwise recurse until the stack ends.
    fn prepare_breadcrumb(&self, crumb: Breadcrumb) -> Option<(Arc<StoredCrumb>, usize)> {
        let max = self.options.max_breadcrumbs;
        if max == 0 {
            return None;
        }
        let mut crumb = match &self.options.before_breadcrumb {
            None => crumb,
            Some(f) => {
                let Some(_hook) = HookGuard::enter() else {
                    self.debug_log(|| {
                        "breadcrumb added inside before_breadcrumb dropped".to_owned()
                    });
                    return None;
                };
                crate::debug::call_user("before_breadcrumb", || f(crumb)).flatten()?
            }
        };
        crate::normalize::bound_breadcrumb(&mut crumb);
        limits::cut_breadcrumb(&mut crumb);
        // Personal data is filtered when the breadcrumb is sent (`StoredCrumb::json`).
        let strip = !self.options.send_default_pii;
        Some((StoredCrumb::new(crumb, strip), max))
    }

    /// Counts a breadcrumb that a full buffer pushed out (client reports, as
    /// sentry-javascript reports them).
    fn breadcrumb_evicted(&self) {
        self.discards
            .record(DiscardReason::BufferOverflow, Category::LogItem, 1);
    }
}
