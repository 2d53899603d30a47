//! # The macros: `#[with_scope]`, `#[isolation_scope]` and `scope!`
//!
//! Three macros put data on the scopes without hand-written forking:
//!
//! | macro | forks | the arguments write to | fork taken |
//! |---|---|---|---|
//! | [`#[with_scope(..)]`](macro@crate::with_scope) | the current scope | the forked current scope | sync fn: at the call; `async fn`: at its first poll |
//! | [`#[isolation_scope(..)]`](macro@crate::isolation_scope) | isolation **and** current | the forked isolation scope | same |
//! | [`scope!(..)`](crate::scope!) | nothing | the active current scope, in place | where it stands |
//! | `scope!(isolation: ..)` | nothing | the active isolation scope, in place | where it stands |
//!
//! `#[with_scope]` forks only the current scope, so a top-level [`set_tag`](crate::set_tag)
//! inside it (which writes to the shared isolation scope) outlives the call.
//! `#[isolation_scope]` starts a new unit of work: top-level setters inside write to its own
//! isolation scope, and nothing leaks out. Function arguments are never recorded
//! automatically (scope data leaves the process): name each value you want.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, isolation_scope, set_tag, with_scope};
//!
//! #[with_scope(tag("step", "charge"))]
//! fn charge() {
//!     set_tag("charged", "yes"); // isolation scope: survives the call
//!     capture_message("charging", Level::Info);
//! }
//!
//! #[isolation_scope(tag("request_id", id))]
//! fn request(id: u32) {
//!     charge();
//!     capture_message("request done", Level::Info);
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! request(7);
//! capture_message("after", Level::Info);
//! # });
//! # assert_eq!(events[0].tags["step"], "charge");
//! # assert_eq!(events[0].tags["request_id"], "7");
//! # assert!(!events[1].tags.contains_key("step"));
//! # assert_eq!(events[1].tags["charged"], "yes");
//! # assert!(events[2].tags.is_empty()); // the request's isolation scope is gone
//! ```
//!
//! ## Arguments
//!
//! Comma-separated, applied in order; the same grammar for all three macros (`err` only on the
//! attributes).
//!
//! | argument | example |
//! |---|---|
//! | one tag | `tag("order_id", id)` |
//! | several tags | `tags(http.method = method, region = "eu", "x-req" = n)` |
//! | extra data | `extra(attempt = n, payload = ?body)` |
//! | level | `level = Warning`, `level = "warning"`, `level = Level::Error`, `level = { expr }` |
//! | user | `user(id = uid, email = mail, username = name, ip_address = ip)` |
//! | context | `context("order", id = id, paid = true)` |
//! | fingerprint | `fingerprint = ["{{ default }}", code]` |
//! | transaction | `transaction = "GET /orders"` |
//! | a span around the call | `span`, `span(op = "db.query", name = "load user")` (attributes only) |
//! | capture a returned `Err` | `err`, `err(level = Warning)`, `err(Display)`, `err(Debug)` |
//! | runtime crate path | `crate = ::my_sentry` |
//!
//! - **Keys** are string literals or dotted identifiers (`http.method` is sent as
//!   `"http.method"`; keywords work, `r#type` is sent as `type`). Tag keys are checked at
//!   compile time: 1 to 200 characters of `a-z A-Z 0-9 _ . : -`, and not one of the tags the
//!   server sets itself (`release`, `dist`, `user`, `filename`, `function`), as Relay requires.
//! - **Values**: tags and user fields take strings, integers, `bool` and `char`; extra and
//!   context entries also floats, `Option`s, slices, arrays and `Vec`s of those, and
//!   `serde_json::Value`. `%value` records the `Display` output, `?value` the `Debug` output.
//!   Another type is a compile error at the expression, suggesting `%` or `?`. Tag values are
//!   cut to 200 characters and line breaks become spaces (Sentry drops such tags otherwise).
//! - **Evaluation**: every value expression runs exactly once, in source order, before the
//!   body, and is taken by reference: `tag("name", name)` does not move `name`. Expressions
//!   may use the parameters, `self` and `Self`.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, with_scope};
//!
//! #[derive(Debug)]
//! struct Cart {
//!     items: Vec<&'static str>,
//! }
//!
//! #[with_scope(
//!     tags(http.method = "POST", r#type = "checkout"),
//!     extra(items = cart.items, cart = ?cart),
//!     user(id = user_id),
//!     fingerprint = ["checkout", user_id.to_string()],
//!     level = "warning",
//! )]
//! fn checkout(user_id: u64, cart: Cart) -> usize {
//!     capture_message("checking out", Level::Info);
//!     cart.items.len() // `cart` was only borrowed by the arguments
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! assert_eq!(checkout(7, Cart { items: vec!["book"] }), 1);
//! # });
//! # let e = &events[0];
//! # assert_eq!(e.tags["http.method"], "POST");
//! # assert_eq!(e.tags["type"], "checkout");
//! # assert_eq!(e.extra["items"], serde_json::json!(["book"]));
//! # assert_eq!(e.extra["cart"], r#"Cart { items: ["book"] }"#);
//! # assert_eq!(e.user.as_ref().unwrap().id.as_deref(), Some("7"));
//! # assert_eq!(*e.fingerprint, ["checkout", "7"]);
//! # assert_eq!(e.level, Level::Warning);
//! ```
//!
//! ## Spans: `span(..)`
//!
//! `span` on either attribute times the call as a span of the active trace, with what is
//! otherwise two steps (a span started, then entered) and the status bookkeeping in one
//! argument:
//!
//! ```text
//! span     := 'span' ( '(' setting (',' setting)* ','? ')' )?
//! setting  := 'op' '=' string | 'name' '=' string     # each at most once, any order
//! string   := a string literal | an AsRef<str> expression
//! ```
//!
//! - **What it opens**: a child of the span active when the fork is taken, or, when no span is
//!   active, a transaction named `name` (as [`start_span`](crate::start_span) does). The span is
//!   active inside the function: events captured there report its trace context, and spans
//!   started there ([`start_span`](crate::start_span), nested attributes, `tracing` spans under
//!   the tracing layer, feature `tracing`) are its children; inside an entered
//!   `tracing` span, it is a child of that span's Sentry span.
//!   It is set on the forked **current** scope for both attributes, so it wins over a span
//!   active outside.
//! - **Defaults**: `op` is `"function"` (Sentry's operation for a function call), `name` (the
//!   span's description, or the transaction's name) is the function's name as written, without
//!   `r#`. There is one spelling per setting: `description` and `operation` are errors that
//!   point to `name` and `op`.
//! - **When**: the span starts with the fork (sync function: at the call; `async fn` and a
//!   body that is only an async block: at the first poll; other future-returning functions: at
//!   the call) after the argument values are evaluated, and ends when the function returns, or
//!   when its future completes, so it covers every `.await` on whichever thread resumes it.
//! - **Status**, unless the body set one (through [`Scope::span`](crate::Scope::span) on the
//!   current scope): `internal_error` when `err` sees an `Err` (the span ends before the error
//!   is captured, so the capture's own time is not counted, and the event still names the
//!   span) or when the body panics; `cancelled` when the future is dropped before it completes
//!   (the body is dropped first, so its own spans end before this one); else `ok`.
//! - The other arguments still go on the scope (events), not on the span: `tag("table",
//!   "users")` tags the events captured inside.
//!
//! ```
//! use sentry_scopes::{Level, capture_message, isolation_scope, start_span, with_scope};
//!
//! #[with_scope(span(op = "db.query", name = "load cart"), tag("table", "carts"))]
//! fn load_cart(id: u64) -> Vec<u32> {
//!     let _decode = start_span("serialize", "decode rows"); // a child of `load cart`
//!     vec![u32::try_from(id).unwrap_or(0)]
//! }
//!
//! #[with_scope(span(op = "http.client", name = format!("charge {total}")), err)]
//! async fn charge(total: u32) -> Result<(), String> {
//!     tokio::task::yield_now().await;
//!     Err("declined".to_owned()) // captured inside the span; the span ends `internal_error`
//! }
//!
//! // No span is active around a request: this one is a transaction.
//! #[isolation_scope(span(op = "http.server", name = "POST /checkout"))]
//! async fn checkout() {
//!     let cart = load_cart(42);
//!     let _ = charge(cart.iter().sum()).await;
//!     capture_message("checked out", Level::Info);
//! }
//!
//! # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
//! #     sentry_scopes::ClientOptions::new().traces_sample_rate(1.0), || {
//! tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(checkout());
//! # });
//! # let items: Vec<_> = envelopes.iter().flat_map(|e| e.items()).collect();
//! # let txn = items.iter().find_map(|i| match i {
//! #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t), _ => None,
//! # }).unwrap();
//! # assert_eq!(txn.name.as_deref(), Some("POST /checkout"));
//! # let by = |d: &str| txn.spans.iter().find(|s| s.description.as_deref() == Some(d)).unwrap();
//! # assert_eq!(by("decode rows").parent_span_id, Some(by("load cart").span_id));
//! # assert_eq!(by("charge 42").status, Some(sentry_scopes::protocol::SpanStatus::InternalError));
//! ```
//!
//! ## What the attributes expand to
//!
//! The expansions below are written by hand with readable names; the real ones use hygienic
//! names that user code cannot see, and name every item through `sentry_scopes::__private`
//! (not public API). Each doctest checks that the hand-written version behaves like the macro.
//!
//! ### Synchronous functions
//!
//! The values, then the fork with the items written to it, then a guard: its `Drop` restores
//! the previous scopes on every exit (`return`, `?`, panic). There is no closure, so
//! `#[track_caller]` keeps working.
//!
//! A fork without items is entered lazily: `#[with_scope]` records a depth on the thread and
//! copies nothing; `#[isolation_scope]` takes a snapshot of the isolation data (one reference
//! count) and records a depth. So does an `#[isolation_scope]` whose items write only to the
//! isolation scope (all but `span(..)`): its snapshot is the copy they wrote to. The fork is
//! taken on the first access inside it (a write, a capture, a handle asked for, a guard
//! entered), with the same result as an eager fork: what is written inside stays inside, and
//! a write through a handle to the parent after entry does not reach it. Tag keys are checked
//! when the macro expands (a key the server would drop does not compile), so at run time only
//! the values are, at each write, and fixed or dropped as `set_tag` fixes or drops them.
//!
//! ```
//! use sentry_scopes::__private as p;
//! use sentry_scopes::{Level, capture_message, with_scope};
//!
//! #[with_scope(tag("route", route), level = Warning)]
//! fn handle(route: &str) -> u32 {
//!     capture_message("hit", Level::Info);
//!     1
//! }
//!
//! fn handle_expanded(route: &str) -> u32 {
//!     let v0 = p::tag_value(&(route)); // values first, once, by reference
//!     let mut fork = p::fork_current(); // `fork_isolation()` for #[isolation_scope]
//!     {
//!         let target = fork.target();
//!         // Keys are statics at the call site: the shared string is made once, not per fork.
//!         static ROUTE: p::Key = p::Key::new("route");
//!         p::set_tags(target, [(&ROUTE, v0)]); // all tags in one write; values move in
//!         p::set_level(target, p::Level::Warning);
//!     }
//!     let _guard = fork.enter(); // restores on drop
//!     {
//!         capture_message("hit", Level::Info);
//!         1
//!     }
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! assert_eq!(handle("/pay"), handle_expanded("/pay"));
//! # });
//! # assert_eq!(events[0].tags, events[1].tags);
//! # assert_eq!(events[0].level, events[1].level);
//! ```
//!
//! ### `err`
//!
//! With `err`, the body runs in a closure so that its result can be inspected inside the
//! fork; the closure has the function's return type (so `?` converts as usual) and is forced
//! to be `FnOnce` (so the body may return borrows of `&mut self`). On `Err(e)` the error is
//! captured, borrowed, and the `Err` is returned unchanged:
//!
//! - `E: std::error::Error` (or a boxed `dyn Error`): an exception event with the `source()`
//!   chain;
//! - otherwise `E: Debug`: a message event with the `Debug` text;
//! - `err(Display)` / `err(Debug)` force a message in that format; `err(level = ..)` sets the
//!   event's level (default `Error`; a scope `level` still overrides it).
//!
//! The closure would break `#[track_caller]`, so `err` on a synchronous `#[track_caller]`
//! function is a compile error.
//!
//! ```
//! use sentry_scopes::__private as p;
//! use sentry_scopes::with_scope;
//!
//! #[with_scope(tag("file", path), err)]
//! fn read(path: &str) -> Result<String, std::io::Error> {
//!     std::fs::read_to_string(path)
//! }
//!
//! fn read_expanded(path: &str) -> Result<String, std::io::Error> {
//!     let v0 = p::tag_value(&(path));
//!     let mut fork = p::fork_current();
//!     static FILE: p::Key = p::Key::new("file");
//!     p::set_tags(fork.target(), [(&FILE, v0)]);
//!     let _guard = fork.enter();
//!     let result = p::call_once(move || -> Result<String, std::io::Error> {
//!         std::fs::read_to_string(path)
//!     });
//!     if let p::Some(e) = p::err_of(&result) { // checks that the function returns a `Result`
//!         p::err_ref(e).__capture(p::Level::Error); // exception or message, chosen by type
//!     }
//!     result
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! assert!(read("/no/such/file").is_err());
//! assert!(read_expanded("/no/such/file").is_err());
//! # });
//! # assert_eq!(events.len(), 2);
//! # for e in &events {
//! #     assert_eq!(e.tags["file"], "/no/such/file");
//! #     assert_eq!(e.exception.values.len(), 1);
//! # }
//! ```
//!
//! ### `async fn`
//!
//! The function stays an `async fn` (same signature, same `Send`-ness). Its body becomes an
//! inner `async move` block bound to the fork: every poll installs the fork on the polling
//! thread and takes it back afterwards, **with every change made during the poll**, so a
//! `scope!` before an `.await` is still there after it, on whichever worker thread resumes
//! the task. Dropping the future (cancellation) drops the body inside the fork too. The
//! values run, and the fork is taken, at the first poll. A leading `if let Some(ret) =
//! None::<T> { return ret; }` gives the block the declared return type, so a type error in
//! the body is reported at the body, with "return type inferred to be `T` here".
//!
//! ```
//! use sentry_scopes::__private as p;
//! use sentry_scopes::{Level, capture_message, scope, with_scope};
//!
//! #[with_scope(tag("job", n))]
//! async fn job(n: u32) -> u32 {
//!     scope!(tag("phase", "load"));
//!     tokio::task::yield_now().await; // may resume on another worker thread
//!     capture_message("loaded", Level::Info); // still has `job` and `phase`
//!     n
//! }
//!
//! async fn job_expanded(n: u32) -> u32 {
//!     let fut = {
//!         let v0 = p::tag_value(&(n));
//!         let mut fork = p::fork_current();
//!         static JOB: p::Key = p::Key::new("job");
//!         p::set_tags(fork.target(), [(&JOB, v0)]);
//!         let body = async move {
//!             if let p::Some(ret) = p::None::<u32> {
//!                 return ret;
//!             }
//!             {
//!                 scope!(tag("phase", "load"));
//!                 tokio::task::yield_now().await;
//!                 capture_message("loaded", Level::Info);
//!                 n
//!             }
//!         };
//!         // with `err`: `let body = p::OnErr::new(body, |output| /* capture if Err */);`
//!         fork.run(body)
//!     };
//!     fut.await
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! rt.block_on(async {
//!     let a = tokio::spawn(job(1));
//!     let b = tokio::spawn(job_expanded(2));
//!     assert_eq!((a.await.unwrap(), b.await.unwrap()), (1, 2));
//! });
//! # });
//! # let mut jobs: Vec<_> = events.iter().map(|e| e.tags["job"].clone()).collect();
//! # jobs.sort();
//! # assert_eq!(jobs, ["1", "2"]);
//! # assert!(events.iter().all(|e| e.tags["phase"] == "load"));
//! ```
//!
//! Put the attribute **above** `#[tokio::main]` / `#[tokio::test]` so that it sees the real
//! `async fn` (both orders compile; below, it scopes the whole blocking call instead).
//!
//! ### `span(..)`
//!
//! The span is started after the values and before the fork, made active on the fork's
//! current scope, and held in a local that is dropped after the guard, so it ends once the
//! previous scopes are back. Its `Drop` gives the status: `internal_error` while panicking,
//! else `ok`, unless one was set. With `err`, the capture first ends the span as failed:
//! `if let Some(e) = err_of(&result) { span.failed(); /* capture */ }`.
//!
//! ```
//! use sentry_scopes::__private as p;
//! use sentry_scopes::{Level, capture_message, with_scope};
//!
//! #[with_scope(span(op = "db.query", name = "load user"), tag("table", "users"))]
//! fn load_user() {
//!     capture_message("loading", Level::Info);
//! }
//!
//! fn load_user_expanded() {
//!     let v0 = p::tag_value(&("users"));
//!     let span = p::start_span("db.query", "load user"); // a child of the active span, or a transaction
//!     let mut fork = p::fork_current();
//!     static TABLE: p::Key = p::Key::new("table");
//!     p::set_tags(fork.target(), [(&TABLE, v0)]);
//!     fork.set_span(&span); // on the fork's current scope, for both attributes
//!     let _guard = fork.enter();
//!     {
//!         capture_message("loading", Level::Info);
//!     }
//! } // `_guard` restores the scopes, then `span` ends
//!
//! # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
//! #     sentry_scopes::ClientOptions::new().traces_sample_rate(1.0), || {
//! let txn = sentry_scopes::start_transaction(sentry_scopes::TransactionContext::new("t", "task"));
//! txn.in_scope(|| {
//!     load_user();
//!     load_user_expanded();
//! });
//! # });
//! # let txn = envelopes.iter().flat_map(|e| e.items()).find_map(|i| match i {
//! #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()), _ => None,
//! # }).unwrap();
//! # let (a, b) = (&txn.spans[0], &txn.spans[1]);
//! # assert_eq!((&a.op, &a.description, a.status), (&b.op, &b.description, b.status));
//! # assert_eq!(a.parent_span_id, b.parent_span_id);
//! ```
//!
//! For an `async fn` (and every future-returning form), the body's future is wrapped before
//! it is bound to the fork: `p::span_future(body, span, check)`, where `check` is
//! `p::no_err`, or with `err` the capture `|output, span| if let Some(e) = err_of(output) {
//! span.failed(); /* capture */ }`. It ends the span when the body completes, after the
//! check, inside the fork; dropped before that, it drops the body, then ends the span as
//! `cancelled`:
//!
//! ```text
//! let fut = {
//!     /* values */
//!     let span = p::start_span("http.client", "charge card"); // at the first poll
//!     let mut fork = p::fork_current();
//!     fork.set_span(&span);
//!     let body = async move { /* fake return edge; the user's block */ };
//!     let body = p::span_future(body, span, p::no_err);
//!     fork.run(body)
//! };
//! fut.await
//! ```
//!
//! ### `#[async_trait]` and functions returning a future
//!
//! - A body that is **only** `async move { .. }` or `Box::pin(async move { .. })`, which is
//!   what `#[async_trait]` produces for an `async fn` in a trait impl: nothing runs at the
//!   call, so the block is rewritten into `Box::pin(async move { <values, fork>; <their block,
//!   bound to the fork>.await })`, and the fork is taken at the first poll, as for `async fn`.
//! - Any other function whose return type is `impl Future<..>`, `Pin<Box<dyn Future<..>>>`,
//!   `BoxFuture` or `LocalBoxFuture`, and any body with statements before an async tail: the
//!   fork is entered at the call, the body runs inside it (in a closure, so a future returned
//!   early is covered too), and whichever future it returns is bound to the same fork, with
//!   what the synchronous part wrote: one fork covers both halves, and a `scope!` before the
//!   tail never reaches the caller. `#[track_caller]` is rejected there because of the
//!   closure, and a boxed future is boxed once more (around the fork).
//!
//! ```
//! use std::future::Future;
//! use sentry_scopes::{Level, capture_message, scope, with_scope};
//!
//! async fn report() {
//!     capture_message("later", Level::Info);
//! }
//!
//! #[with_scope(tag("kind", "prepared"))]
//! fn prepared() -> impl Future<Output = ()> {
//!     scope!(tag("prepared_at", "call")); // the sync part writes to the same fork
//!     report()
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let fut = prepared();
//! capture_message("in between", Level::Info);
//! tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(fut);
//! # });
//! # assert!(events[0].tags.is_empty());
//! # assert_eq!(events[1].tags["kind"], "prepared");
//! # assert_eq!(events[1].tags["prepared_at"], "call");
//! ```
//!
//! ## `scope!`
//!
//! `scope!(tags(n = n * 2))` converts its values first, then applies them to the active
//! current scope with one update that runs no user code. The block is labelled
//! `'scope_belongs_inside_a_function`, a name rustc shows if the macro is used where only items
//! may stand (at module level, in an `impl` block):
//!
//! ```
//! use sentry_scopes::__private as p;
//! use sentry_scopes::{Level, capture_message, scope, with_scope};
//!
//! #[with_scope]
//! fn step(n: u32) {
//!     scope!(tags(n = n * 2));
//!     // is
//!     let v0 = p::tag_value(&(n * 2));
//!     static M: p::Key = p::Key::new("m");
//!     p::configure_current(|current| p::set_tags(current, [(&M, v0.clone())]));
//!     capture_message("step", Level::Info);
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! step(2);
//! # });
//! # assert_eq!(events[0].tags["n"], events[0].tags["m"]);
//! ```
//!
//! In async code, use `scope!` only inside a scoped function (an empty `#[with_scope]` is
//! enough) or a future bound with [`bind_current_scope`](crate::ScopeFutureExt): otherwise it
//! writes to the worker thread's own scope, which every unbound task polled on that thread
//! shares, so one task's data shows up on another's events.
//!
//! ## Compile-time errors
//!
//! Every misuse is an error at the offending token, all errors of one attribute in one build,
//! and the function is still emitted (no cascade of "cannot find function" errors, and
//! rust-analyzer keeps working):
//!
//! - the arguments: unknown arguments, levels, `user` fields and `err` formats (with "did you
//!   mean", which also maps tracing's `Warn` / `"warn"` / `TRACE` to `Warning` / `Debug`), an
//!   argument without its `(..)` or `= ..`, a key without a value, duplicates (`level` twice,
//!   `r#level` and `level`, a tag key set twice across `tag` and `tags`, a `user` field or
//!   context entry twice), invalid tag keys, `transaction = 5`, a `fingerprint` that is not an
//!   array literal, `crate = "str"`, `err` in `scope!`; for `span`: an unknown setting (with
//!   "did you mean", `description` → `name`, `operation` → `op`), a setting twice, `span`
//!   twice, `span = ..`, a setting without its value, `op = 5` (a literal that is not a
//!   string), `span` in `scope!`;
//! - the types, each reported at the value with what to change: a value that is not a tag,
//!   `user` field or extra value, `%` on a value without `Display`, `?` without `Debug`, a
//!   fingerprint part, transaction name or `span` setting that is not a string, `err` on a
//!   function that does not return a `Result` (one error, at `err`, for sync, async and
//!   future-returning functions), an error type that is neither `Error` nor `Debug`,
//!   `err(Display)` / `err(Debug)` on a type without that trait;
//! - the function: `err` without a return type, `err` with `#[track_caller]`, a `const fn`,
//!   anything that is not a function with a body, and `scope!` outside a function;
//! - the crate: a crate that depends on `sentry-macros` but not on `sentry-scopes`.
//!
//! ```compile_fail
//! #[sentry_scopes::with_scope(tgas("a", 1))] // unknown argument `tgas` (did you mean `tag`?)
//! fn f() {}
//! ```
//!
//! ```compile_fail
//! struct Opaque;
//! #[sentry_scopes::with_scope(tag("a", Opaque))] // `Opaque` cannot be used as a scope tag value
//! fn f() {}
//! ```
//!
//! ## Paths and hygiene
//!
//! Generated code names only `::sentry_scopes::__private::…`, standard items included, and
//! its locals are invisible to user code, so the macros work in `#![no_implicit_prelude]`
//! crates and next to user items named `Option`, `Result`, `Box`, `core` or `std`.
//!
//! A renamed dependency (`sentry = { package = "sentry-scopes" }`) needs nothing: the macros
//! read the calling crate's `Cargo.toml` and use `::sentry`. A crate that depends on
//! `sentry-macros` but not on `sentry-scopes` gets one error per macro call saying to add it.
//! When another crate re-exports `sentry-scopes`, say where it is:
//!
//! ```
//! mod reexport {
//!     pub(crate) use ::sentry_scopes as sentry;
//! }
//!
//! #[reexport::sentry::with_scope(crate = crate::reexport::sentry, tag("a", 1))]
//! fn f() {}
//!
//! fn main() {
//!     # let events = sentry_scopes::test::with_captured_events(|| {
//!     f();
//!     # sentry_scopes::capture_message("in f's scope?", sentry_scopes::Level::Info);
//!     # });
//!     # assert!(events[0].tags.is_empty());
//! }
//! ```
//!
//! The expansion is lint-clean under `#![deny(warnings, clippy::pedantic, clippy::nursery)]`
//! and restriction lints such as `implicit_return`, and it carries no `#[allow(..)]`, so a
//! crate that `forbid`s `unused`, `unreachable_code`, `clippy::needless_return` or
//! `clippy::redundant_closure_call` compiles too (an `allow` under a `forbid` is error E0453).
//! Lints on your own code inside the body keep the levels you set.
//!
//! ## Limitations
//!
//! What the macros cannot do, and what to write instead.
//!
//! ### Closures and blocks
//!
//! The attributes go on `fn` items only: attributes on closures and `async` blocks are not
//! stable Rust, and a closure has no signature to rebuild. Use the function forms, or a named
//! inner function:
//!
//! ```
//! use sentry_scopes::{Level, ScopeFutureExt, capture_message, scope, with_scope};
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let retry = |attempt: u32| {
//!     with_scope(|scope| {
//!         scope.set_tag("attempt", attempt); // instead of #[with_scope(tag("attempt", attempt))]
//!         capture_message("retrying", Level::Warning);
//!     });
//! };
//! retry(2);
//! // An async block: bind it to a fork of the current scopes, then write inside it.
//! let job = async {
//!     scope!(tag("job", "resize"));
//!     capture_message("resizing", Level::Info);
//! }
//! .bind_current_scope();
//! tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(job);
//! # });
//! # assert_eq!(events[0].tags["attempt"], "2");
//! # assert_eq!(events[1].tags["job"], "resize");
//! ```
//!
//! ### `const fn`
//!
//! A fork is taken at run time, so `#[with_scope]` on a `const fn` is a compile error. Keep the
//! `const fn` and put the attribute on a non-`const` wrapper that calls it.
//!
//! ### A scope `level` overrides `err(level = ..)`
//!
//! `err(level = Warning)` sets the level of the **event** it captures, but a level set on a
//! scope (by `level = ..` in the same attribute, by an enclosing `#[with_scope(level = ..)]`
//! or by `set_level`) overrides the event's level when the event is captured, as for every
//! captured event. So `#[with_scope(level = Error, err(level = Warning))]` reports the `Err`
//! at `Error`. To choose the level of the captured error, leave `level` off the scopes around
//! the capture: set it on the inner functions whose own events need it.
//!
//! ```
//! use sentry_scopes::{Level, with_scope};
//!
//! #[with_scope(level = Error, err(level = Warning))]
//! fn load() -> Result<(), String> {
//!     Err("missing".to_owned())
//! }
//!
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let _ = load();
//! # });
//! assert_eq!(events[0].level, Level::Error); // the scope's level won
//! ```
//!
//! ### `#[track_caller]`
//!
//! `err` on a synchronous function, and any attribute on a function that returns a future
//! without being `async fn` (unless its body is only an async block), run the body in a
//! closure, where `Location::caller()` would be the closure's: both are compile errors with
//! `#[track_caller]`. A plain synchronous function without `err` has no closure and keeps
//! `#[track_caller]`.
//!
//! ### Future-returning functions are recognised by their return type
//!
//! A function that is not `async fn` is scoped as returning a future only when its return type
//! is spelled `impl Future<..>`, `Pin<Box<dyn Future<..>>>`, `BoxFuture<..>` or
//! `LocalBoxFuture<..>`, or its body ends in `async move { .. }` / `Box::pin(async move
//! { .. })`. Behind a type alias (`fn f() -> MyFuture`) with another body, the function is
//! scoped like a synchronous one: the fork covers building the future, not running it. Spell
//! the type out, make it an `async fn`, or bind the future yourself with
//! [`bind_current_scope`](crate::ScopeFutureExt::bind_current_scope).
//!
//! The fork is taken at the first poll for an `async fn` and for a body that is only an async
//! block (the `#[async_trait]` shape); for every other future-returning body it is taken at the
//! call, since part of the body runs then. A boxed future returned that way is boxed once more,
//! around the fork.
//!
//! ### `span`: names, statuses and where it starts
//!
//! - The default `name` is the function's name alone: the macro does not see the `impl` it is
//!   in, so `Users::load` and `Orders::load` are both `load`. Give `name` where that matters.
//! - Without `err`, the macro does not look at what the function returns: a returned `Err`
//!   ends the span `ok`. Add `err` (which also captures the error), or set the status in the
//!   body.
//! - Like the fork, the span of a future-returning function that is not `async fn` (other than
//!   a body that is only an async block) starts at the call, not at the first poll, and a
//!   future that is never polled ends it as `cancelled` when dropped.
//! - The span starts below the span active when the fork is taken. A task spawned without
//!   [`bind_current_scope`](crate::ScopeFutureExt::bind_current_scope) sees its worker
//!   thread's scope, usually without a span, and so starts a transaction of its own.
//!
//! ### `err` chooses by the declared type
//!
//! Whether a returned error becomes an exception (`E: Error`) or a message (`E: Debug`) is
//! decided where the function is compiled. In a generic function it follows the bounds the
//! function declares: with `E: Debug` the error is a message even when the caller's `E` is an
//! `Error`. Declare `E: std::error::Error` to get exceptions.
//!
//! ### `async fn` returning `!`
//!
//! The expansion names the return type of an `async fn` (so that a type error in the body is
//! reported there), and `!` can be named only in return position on stable Rust: an `async fn`
//! returning `!` does not compile with the attribute. Return `std::convert::Infallible`, or `()`
//! from a loop that never ends.
//!
//! ### A `break` inside a `scope!` value
//!
//! `scope!` expands to a labelled block (see above), and Rust rejects an unlabelled `break`
//! inside a labelled block (E0695). A value such as `scope!(tag("n", if done { break } else {
//! n }))` inside a loop needs the loop labelled and `break 'label`, or the value computed
//! before the `scope!`.
//!
//! ### Without a `Cargo.toml`
//!
//! The macros find `sentry-scopes`, renamed or not, in the calling crate's `Cargo.toml`. Built
//! without one (another build system), they assume `::sentry_scopes`; anything else needs
//! `crate = path`.
