//! Adding breadcrumbs: `before_breadcrumb` and limits are applied here, by the pipeline floor,
//! before the scope is written (as sentry-core's `Hub::add_breadcrumb` does); the scope itself
//! only stores what it is given. Personal data is filtered when a breadcrumb is sent.

use std::cell::Cell;

use super::{Client, limits};
use crate::protocol::{Breadcrumb, Category};
#[cfg(any(feature = "tracing", feature = "log"))]
use crate::scope::CrumbDraft;
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
    ///
    /// Cost: the breadcrumb is turned into the form every scope version and capture shares,
    /// which takes two allocations more than sentry-core's add (about 2 × its instructions,
    /// building the `Breadcrumb` included), and is paid back by every event that carries it.
    /// The `log` and `tracing` integrations build that form directly and cost less than their
    /// sentry counterparts; see `docs/integrations.md`, "Cost of a breadcrumb".
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

    /// Adds the breadcrumb that one of two builders makes, whichever the client needs: `typed`
    /// when it has a `before_breadcrumb` callback (which is given that `Breadcrumb`, as
    /// [`add_breadcrumb`](Self::add_breadcrumb) gives it), else `draft`, stored without a
    /// `Breadcrumb` ever being made (the tracing layer's path). Either way the stored breadcrumb
    /// is bounded and cut alike. Neither builder runs without a client or with
    /// `max_breadcrumbs = 0`.
    #[cfg(any(feature = "tracing", feature = "log"))]
    pub(crate) fn add_breadcrumb_from(
        &self,
        typed: impl FnOnce() -> Breadcrumb,
        draft: impl FnOnce() -> CrumbDraft,
    ) {
        let Some(client) = Client::current() else {
            return;
        };
        if client.options.max_breadcrumbs == 0 {
            return;
        }
        let prepared = if client.options.before_breadcrumb.is_some() {
            client.prepare_breadcrumb(typed())
        } else {
            Some(client.prepare_draft(draft()))
        };
        if let Some((crumb, max)) = prepared
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
    fn prepare_breadcrumb(&self, crumb: Breadcrumb) -> Option<(StoredCrumb, usize)> {
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
        bound_and_cut(&mut crumb);
        // Personal data is filtered when the breadcrumb is sent (`StoredCrumb::json`).
        let strip = !self.options.send_default_pii;
        Some((StoredCrumb::new(crumb, strip), max))
    }

    /// Bounds and cuts a draft as [`prepare_breadcrumb`](Self::prepare_breadcrumb) bounds and
    /// cuts a breadcrumb (with no `before_breadcrumb` to run), and numbers it.
    #[cfg(any(feature = "tracing", feature = "log"))]
    #[inline]
    fn prepare_draft(&self, mut draft: CrumbDraft) -> (StoredCrumb, usize) {
        bound_and_cut_draft(&mut draft);
        let strip = !self.options.send_default_pii;
        (
            StoredCrumb::from_draft(draft, strip),
            self.options.max_breadcrumbs,
        )
    }

    /// Counts a breadcrumb that a full buffer pushed out (client reports, as
    /// sentry-javascript reports them).
    fn breadcrumb_evicted(&self) {
        self.discards
            .record(DiscardReason::BufferOverflow, Category::LogItem, 1);
    }
}

/// Bounds a breadcrumb's data and cuts its texts to the protocol's limits.
fn bound_and_cut(crumb: &mut Breadcrumb) {
    crate::normalize::bound_breadcrumb(crumb);
    limits::cut_breadcrumb(crumb);
}

/// Orders, bounds and cuts a draft so that it stores what [`bound_and_cut`] leaves of the
/// equivalent breadcrumb.
#[cfg(any(feature = "tracing", feature = "log"))]
fn bound_and_cut_draft(draft: &mut CrumbDraft) {
    draft.sort_data();
    crate::normalize::bound_breadcrumb_pairs(&mut draft.data);
    limits::cut_draft(draft);
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::*;
    use crate::protocol::{Level, Map, Value};
    use crate::scope::CrumbKey;

    /// The JSON stored for `pairs` through the draft path and through a `Breadcrumb`.
    fn both_ways(category: &str, message: Option<&str>, pairs: Vec<(&'static str, Value)>) {
        let mut data = Map::new();
        for (k, v) in &pairs {
            data.insert((*k).to_owned(), v.clone());
        }
        let owned: Vec<_> = pairs
            .into_iter()
            .map(|(k, v)| (CrumbKey::Borrowed(k), v))
            .collect();
        let mut draft = CrumbDraft::new(Level::Warning, category, message, owned);
        let mut typed = Breadcrumb {
            timestamp: draft.timestamp,
            level: Level::Warning,
            category: Some(category.to_owned()),
            message: message.map(str::to_owned),
            data,
            ..Breadcrumb::default()
        };
        bound_and_cut_draft(&mut draft);
        bound_and_cut(&mut typed);
        for strip in [false, true] {
            let drafted = StoredCrumb::from_draft(draft_copy(&draft), strip);
            let expected = StoredCrumb::new(typed.clone(), strip);
            assert_eq!(
                String::from_utf8_lossy(drafted.json()),
                String::from_utf8_lossy(expected.json())
            );
            assert!(!drafted.json().is_empty());
        }
    }

    fn draft_copy(d: &CrumbDraft) -> CrumbDraft {
        CrumbDraft {
            timestamp: d.timestamp,
            level: d.level,
            text: d.text.clone(),
            category_len: d.category_len,
            has_message: d.has_message,
            data: d.data.clone(),
        }
    }

    fn deep(levels: usize) -> Value {
        (0..levels).fold(Value::from(1), |v, _| Value::Array(vec![v]))
    }

    #[test]
    fn a_draft_stores_what_the_breadcrumb_path_stores() {
        both_ways(
            "app::checkout",
            Some("checkout started"),
            vec![("order_id", 42.into())],
        );
        both_ways("t", None, vec![]);
        both_ways("t", Some(""), vec![("password", "hunter2".into())]);
        // Long texts, cut on characters (multi-byte ones too).
        both_ways(&"é".repeat(300), Some(&"日本".repeat(5000)), vec![]);
        both_ways("t", Some(&"m".repeat(8192)), vec![]);
        both_ways("t", Some(&"m".repeat(8193)), vec![]);
        // Deep and huge values, repeated keys (the one recorded last wins), a `[cut]` key.
        both_ways(
            "t",
            Some("m"),
            vec![
                ("deep", deep(50)),
                ("wide", Value::Array(vec![Value::from(0); 3000])),
                ("a", 1.into()),
                ("a", 2.into()),
            ],
        );
        let names: Vec<&'static str> = (0..1500)
            .map(|i| &*Box::leak(format!("k{i:04}").into_boxed_str()))
            .collect();
        let mut many: Vec<_> = names.iter().map(|n| (*n, Value::from(*n))).collect();
        both_ways("t", None, many.clone());
        many.push(("[cut]", deep(30)));
        many.push(("api_key", "secret".into()));
        both_ways("t", Some("m"), many);
    }
}

#[cfg(all(test, feature = "log"))]
mod log_tests {
    use std::fmt;

    use super::*;
    use crate::protocol::Level;

    /// The JSON stored for a `log` record's message through the draft path and through the
    /// `Breadcrumb` the integration builds when `before_breadcrumb` needs one.
    fn both_ways(category: &str, message: fmt::Arguments<'_>) {
        let mut draft = CrumbDraft::formatted(Level::Info, category, message);
        let mut typed = Breadcrumb {
            timestamp: draft.timestamp,
            level: Level::Info,
            category: Some(category.to_owned()),
            message: Some(message.to_string()),
            ..Breadcrumb::default()
        };
        bound_and_cut_draft(&mut draft);
        bound_and_cut(&mut typed);
        let drafted = StoredCrumb::from_draft(draft, true);
        let expected = StoredCrumb::new(typed, true);
        assert!(!drafted.json().is_empty());
        assert_eq!(
            String::from_utf8_lossy(drafted.json()),
            String::from_utf8_lossy(expected.json())
        );
    }

    #[test]
    fn a_log_record_stores_what_its_breadcrumb_stores() {
        let items = 3;
        both_ways("checkout", format_args!("cart holds {items} items"));
        both_ways("checkout", format_args!("a message without arguments"));
        both_ways("", format_args!("{items}"));
        both_ways("checkout", format_args!("{}", "é".repeat(9_000)));
        both_ways(&"t".repeat(300), format_args!("{}", "line\nbreak"));
    }

    /// Writes `part`, then fails, as a broken `Display` may.
    struct Failing;

    impl fmt::Display for Failing {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("part")?;
            Err(fmt::Error)
        }
    }

    #[test]
    fn a_display_that_fails_keeps_what_it_wrote_instead_of_panicking() {
        let draft = CrumbDraft::formatted(Level::Info, "app", format_args!("{Failing}"));
        assert_eq!(draft.text, "apppart");
        assert_eq!(draft.category_len, Some(3));
    }

    /// Formats a record of its own while it is being formatted, as a `Display` that logs does.
    struct Nested;

    impl fmt::Display for Nested {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let inner = CrumbDraft::formatted(Level::Info, "in", format_args!("{}", 7));
            f.write_str(&inner.text)
        }
    }

    #[test]
    fn a_message_formatted_while_another_is_keeps_both_intact() {
        let outer = CrumbDraft::formatted(Level::Info, "out", format_args!("<{Nested}>"));
        assert_eq!(outer.text, "out<in7>");
        let again = CrumbDraft::formatted(Level::Info, "out", format_args!("{}", 8));
        assert_eq!(again.text, "out8");
    }
}
