//! # The scope model
//!
//! Three scopes enrich every event, from least to most specific:
//!
//! - **global**: one per process, never forked. Release, environment, data for every event.
//! - **isolation**: one per unit of work (a request, a job, a task, a thread). Every top-level
//!   setter (`set_tag`, `set_user`, `add_breadcrumb`, …) writes here.
//! - **current**: forked by [`with_scope`](fn@crate::with_scope) for data meant for a handful of
//!   events.
//!
//! ## Precedence
//!
//! Maps (tags, extra, contexts) merge key by key, the more specific scope winning; a context is
//! replaced whole, never merged field by field. A key the event itself carries wins over every
//! scope.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, get_current_scope, get_global_scope, set_tag};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     get_global_scope().set_tag("shared", "global");
//!     get_global_scope().set_tag("from_global", "1");
//!     set_tag("shared", "isolation");
//!     get_current_scope().set_tag("shared", "current");
//!     capture_message("m", Level::Info);
//! });
//! assert_eq!(events[0].tags["shared"], "current");
//! assert_eq!(events[0].tags["from_global"], "1");
//! ```
//!
//! The user is taken whole from the most specific scope that has one; fields are not merged.
//! The most specific scope **level overrides** the event's own level, including the level given
//! to `capture_message`. Fingerprint and transaction name come from the most specific scope
//! unless the event has its own.
//!
//! ```
//! use sentry_scopes::{Level, User, capture_message, get_global_scope, set_level, set_user};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     get_global_scope().set_user(Some(User {
//!         id: Some("1".into()),
//!         email: Some("a@example.org".into()),
//!         ..Default::default()
//!     }));
//!     set_user(Some(User { id: Some("2".into()), ..Default::default() }));
//!     set_level(Some(Level::Warning));
//!     capture_message("m", Level::Info);
//! });
//! let user = events[0].user.as_ref().unwrap();
//! assert_eq!((user.id.as_deref(), user.email.as_deref()), (Some("2"), None));
//! assert_eq!(events[0].level, Level::Warning);
//! ```
//!
//! ## Removal shows the lower scope again
//!
//! Removing a key only removes it from the scope it is called on; it is never a tombstone.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, get_current_scope, set_tag};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     set_tag("k", "isolation");
//!     get_current_scope().set_tag("k", "current");
//!     get_current_scope().remove_tag("k");
//!     capture_message("m", Level::Info);
//! });
//! assert_eq!(events[0].tags["k"], "isolation");
//! ```
//!
//! ## Breadcrumbs
//!
//! Each scope keeps at most `max_breadcrumbs`. At capture, the breadcrumbs of all three scopes
//! are merged back into the order they were added in, across scopes, and cut to the newest
//! `max_breadcrumbs`. Timestamps never reorder them.
//!
//! ```
//! use sentry_scopes::{Breadcrumb, Level, capture_message, get_current_scope, get_global_scope};
//! let crumb = |m: &str| Breadcrumb { message: Some(m.into()), ..Default::default() };
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     get_global_scope().add_breadcrumb(crumb("g1"));
//!     sentry_scopes::add_breadcrumb(crumb("i1"));
//!     get_current_scope().add_breadcrumb(crumb("c1"));
//!     get_global_scope().add_breadcrumb(crumb("g2"));
//!     capture_message("m", Level::Info);
//! });
//! let order: Vec<_> = events[0].breadcrumbs.values.iter()
//!     .map(|b| b.message.clone().unwrap()).collect();
//! assert_eq!(order, ["g1", "i1", "c1", "g2"]);
//! ```
//!
//! ## Forks
//!
//! [`with_scope`](fn@crate::with_scope) forks the current scope; [`with_isolation_scope`](
//! crate::with_isolation_scope) forks both the isolation and the current scope. A fork starts
//! with everything its parent holds at that instant and is independent from then on. Top-level
//! setters inside `with_scope` still write to the outer isolation scope, so their data outlives
//! the block.
//!
//! A fork copies nothing: it shares its parent's immutable data and pays for a write only when
//! one happens. `#[with_scope]` without arguments goes further and is entered as a mark on the
//! thread: the parent's data stays in place until the first write inside the block (`scope!`,
//! `get_current_scope()`), which takes the copy then. Nothing observable differs; a fork of a
//! current scope that somebody holds a handle to is copied at once, so that writes through the
//! handle stay outside the fork.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, set_tag, with_scope};
//! let events = sentry_scopes::test::with_captured_events(|| {
//!     with_scope(|scope| {
//!         scope.set_tag("local", "1");
//!         set_tag("top", "1");
//!     });
//!     capture_message("after", Level::Info);
//! });
//! assert!(!events[0].tags.contains_key("local"));
//! assert_eq!(events[0].tags["top"], "1");
//! ```
//!
//! ## The pipeline
//!
//! A capture runs: no client → nothing; sampling (`sample_rate`); the merge above; event
//! processors (global's, isolation's, current's, each in registration order; `None` drops the
//! event, a panicking processor is skipped); `before_send` (`None` or a panic drops the event);
//! the transport. Every drop is counted by reason for client reports. No panic of user code
//! escapes a capture.
//!
//! The pipeline then writes the envelope once, and every transport receives it encoded
//! ([`EncodedEnvelope`](crate::EncodedEnvelope)). When neither an event processor nor
//! `before_send` is set, the event is not built as an [`Event`](crate::Event) first: its tags and
//! breadcrumbs are written to JSON straight from the scopes, by the same rules, and each stored
//! breadcrumb is serialised once for all the events that carry it. A scope with more than 32
//! tags keeps them encoded too, once per version, for every event captured in it or in a fork
//! of it. What that costs in memory: about the size of each sent breadcrumb, and of such a tag
//! map, again, for as long as a scope holds them.
