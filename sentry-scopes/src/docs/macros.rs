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
//!   array literal, `crate = "str"`, `err` in `scope!`;
//! - the types, each reported at the value with what to change: a value that is not a tag,
//!   `user` field or extra value, `%` on a value without `Display`, `?` without `Debug`, a
//!   fingerprint part or transaction name that is not a string, `err` on a function that does
//!   not return a `Result` (one error, at `err`, for sync, async and future-returning
//!   functions), an error type that is neither `Error` nor `Debug`, `err(Display)` /
//!   `err(Debug)` on a type without that trait;
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
