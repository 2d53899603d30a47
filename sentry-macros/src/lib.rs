//! Procedural macros of [`sentry-scopes`](https://docs.rs/sentry-scopes): `#[with_scope]`,
//! `#[isolation_scope]` and `scope!`.
//!
//! Depend on `sentry-scopes` and use the macros through it (its default `macros` feature); this
//! crate is versioned in lock-step with it and its generated code refers to
//! `::sentry_scopes::__private`, which is not public API. The full reference, with hand-written
//! expansions, is the `sentry_scopes::docs::macros` module.
//!
//! Each entry point is `parse → validate → expand`; any error is reported at the user's token,
//! all errors of one call at once, followed by the item exactly as written.

mod args;
mod expand;
mod future_tail;
mod item;
mod kv;
mod level;
mod paths;
mod scope_bang;
mod span_arg;
mod unraw;
mod valid;

use proc_macro::TokenStream;

use crate::args::Entry;

/// Runs the function in a fork of the **current** scope, with the given data set on the fork.
///
/// The isolation scope is shared, so a top-level `set_tag` inside the function still outlives
/// it; everything the arguments set is visible only to events captured during the call.
///
/// ```
/// use sentry_scopes::{Level, capture_message, with_scope};
///
/// #[with_scope(tag("route", route), extra(attempt = 2), level = Warning)]
/// fn handle(route: &str) {
///     capture_message("slow request", Level::Info);
/// }
///
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// handle("/checkout");
/// capture_message("outside", Level::Info);
/// # });
/// # assert_eq!(events[0].tags["route"], "/checkout");
/// # assert_eq!(events[0].extra["attempt"], 2);
/// # assert_eq!(events[0].level, Level::Warning);
/// # assert!(events[1].tags.get("route").is_none());
/// ```
///
/// # Arguments
///
/// Comma-separated, applied in order; each value expression is evaluated once, by reference,
/// before the body (for an `async fn`: at its first poll).
///
/// | argument | effect |
/// |---|---|
/// | `tag("key", value)`, `tags(key = value, ..)` | tags; keys are string literals or dotted identifiers (`http.method`) |
/// | `extra(key = value, ..)` | extra data (JSON) |
/// | `level = Warning` | also `"warning"`, a path such as `Level::Error`, or `{ expr }` |
/// | `user(id = .., email = .., username = .., ip_address = ..)` | the user |
/// | `context("name", key = value, ..)` | a generic context |
/// | `fingerprint = ["{{ default }}", code]` | the fingerprint (`AsRef<str>` parts) |
/// | `transaction = name` | the transaction name (`AsRef<str>`) |
/// | `span`, `span(op = "db.query", name = "load user")` | run the call in a span (below) |
/// | `err`, `err(level = Warning)`, `err(Display)`, `err(Debug)` | capture a returned `Err` inside the scope |
/// | `crate = path` | where `sentry_scopes` is, when another crate re-exports it (a renamed dependency is found in `Cargo.toml`) |
///
/// A value is a string, integer, `bool` or `char` for tags and user fields (plus floats,
/// `Option`s, slices, `Vec`s and `serde_json::Value` for extra and context entries);
/// `%value` records its `Display` output and `?value` its `Debug` output instead.
///
/// Works on free functions, methods, trait impls, generic functions, `async fn` (the scope is
/// entered on every poll, on whichever thread polls), `#[async_trait]` methods and functions
/// returning `impl Future`. See `sentry_scopes::docs::macros` for the expansions.
///
/// # Spans
///
/// `span(op = "db.query", name = "load user")` times the call: with the fork it starts a child
/// of the active span (or, when none is active, a transaction named `name`), active inside the
/// function, and finishes it when the function returns or, for an `async fn` or a returned
/// future, when the future completes (across every `.await`). `op` defaults to `"function"`
/// and `name` to the function's name; both take a string literal or an `AsRef<str>`
/// expression. The span ends `ok`, `internal_error` when `err` sees an `Err` or the body
/// panics, `cancelled` when the future is dropped before it completes, or with the status the
/// body set.
///
/// ```
/// use sentry_scopes::{TransactionContext, start_transaction, with_scope};
///
/// #[with_scope(span(op = "db.query", name = "load user"), tag("table", "users"))]
/// fn load_user(id: u64) -> Option<String> {
///     (id == 7).then(|| "ada".to_owned())
/// }
///
/// # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
/// #     sentry_scopes::ClientOptions::new().traces_sample_rate(1.0), || {
/// let request = start_transaction(TransactionContext::new("GET /users/7", "http.server"));
/// request.in_scope(|| load_user(7)); // a child span of `GET /users/7`
/// # });
/// # let txn = envelopes.iter().flat_map(|e| e.items()).find_map(|i| match i {
/// #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()), _ => None,
/// # }).unwrap();
/// # assert_eq!(txn.spans[0].op.as_deref(), Some("db.query"));
/// # assert_eq!(txn.spans[0].description.as_deref(), Some("load user"));
/// ```
#[proc_macro_attribute]
pub fn with_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Entry::WithScope, args.into(), item.into()).into()
}

/// Runs the function in forks of the **isolation and current** scopes: a new unit of work,
/// such as a request or a job. The arguments (as for [`macro@with_scope`]) set data on the new
/// isolation scope, and so do top-level setters such as `set_tag` inside the function; none of
/// it outlives the call.
///
/// ```
/// use sentry_scopes::{Level, capture_message, isolation_scope, set_tag};
///
/// #[isolation_scope(tag("request_id", id))]
/// fn handle_request(id: u64) {
///     set_tag("handler", "checkout"); // lands on this request's isolation scope
///     capture_message("handled", Level::Info);
/// }
///
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// handle_request(7);
/// capture_message("between requests", Level::Info);
/// # });
/// # assert_eq!(events[0].tags["request_id"], "7");
/// # assert_eq!(events[0].tags["handler"], "checkout");
/// # assert!(events[1].tags.is_empty());
/// ```
///
/// With `span(..)`, a request handler outside any span is its own transaction:
/// `#[isolation_scope(span(op = "http.server", name = "POST /checkout"))]`.
#[proc_macro_attribute]
pub fn isolation_scope(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Entry::IsolationScope, args.into(), item.into()).into()
}

/// Sets data on the active **current** scope in place, without a fork; `scope!(isolation:
/// ..)` targets the active isolation scope. Same arguments as [`macro@with_scope`], except
/// `err` and `span`.
///
/// In async code, use it inside a function with `#[with_scope]` (an empty one is enough) or a
/// future bound with `bind_current_scope()`: otherwise it writes to the worker thread's scope,
/// which other tasks on that thread share.
///
/// ```
/// use sentry_scopes::{Level, capture_message, scope, with_scope};
///
/// #[with_scope]
/// fn process(order_id: u64) {
///     scope!(tag("order_id", order_id), extra(step = "charge"));
///     capture_message("charging", Level::Info);
/// }
///
/// # let events = sentry_scopes::test::with_captured_events(|| {
/// process(42);
/// capture_message("after", Level::Info);
/// # });
/// # assert_eq!(events[0].tags["order_id"], "42");
/// # assert!(events[1].tags.get("order_id").is_none());
/// ```
#[proc_macro]
pub fn scope(input: TokenStream) -> TokenStream {
    scope_bang::expand(input.into()).into()
}
