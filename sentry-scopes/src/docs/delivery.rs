//! # Delivery: what the SDK guarantees about sending events, and what it cannot
//!
//! ## The path of an event
//!
//! A capture hands the transport an [`EncodedEnvelope`](crate::EncodedEnvelope) and returns:
//! it never waits for the network. With a DSN (feature `http`), the envelope goes into a
//! bounded queue ([`ClientOptions::queue_size`](crate::ClientOptions::queue_size), 100 by
//! default) that a transport thread drains, helped by a second one while a backlog waits
//! and the server's last answer was a success, including a backlog queued before that answer
//! (each thread has its own connection; after any failure, requests go one at a time again):
//!
//! 1. an event that no event processor or `before_send` needed to see is written there, on
//!    the transport thread, from immutable snapshots of the scopes (see `docs::scope_model`);
//! 2. items the server rate-limited (`429` with `Retry-After`, or `X-Sentry-Rate-Limits` on
//!    any answer) are dropped until the limit ends;
//! 3. the body is gzip-compressed from 1 KiB on and posted over a kept-alive connection,
//!    through the proxy of [`http_proxy`](crate::ClientOptions::http_proxy) /
//!    [`https_proxy`](crate::ClientOptions::https_proxy) or of the environment if any.
//!    While envelopes wait behind it, a body is compressed only when that costs at most a
//!    tenth of what the request takes, so compression takes about a tenth of a backlog's
//!    throughput at most (on a fast local link sending raw is quicker; every 32nd body is
//!    compressed to check again).
//!    A pooled connection idles at most 1 s, below what common servers allow (gunicorn 2 s,
//!    Node 5 s, nginx 75 s); a request whose connection the server closed or reset before
//!    answering is sent again at once on a new connection (servers keep one event per id);
//! 4. a `2xx` answer delivers it; a `4xx` drops it; a `5xx`, a time-out
//!    ([`http_timeout`](crate::ClientOptions::http_timeout), 30 s) or a failed connection
//!    stores it in the offline cache when one is configured, else drops it.
//!
//! With one thread sending, envelopes reach the server in the order they were captured. While
//! the second thread helps with a backlog, two requests are in flight, and envelopes captured
//! close together can arrive in either order; servers order events by their timestamps, not
//! by when they arrived.
//!
//! ## What is guaranteed
//!
//! - **No waiting on the network on your threads.** `capture_*` only takes a short lock to
//!   queue (its p99 stays under 50 µs in an optimised build while the server never answers:
//!   `tests/transport_faults.rs`, run in CI), and wakes a sending thread only when one is idle.
//! - **A queued envelope is sent without waiting for the next one.** An envelope captured
//!   while both threads are idle goes out at once, whichever thread went idle last: each
//!   thread is woken for the work it takes (`tests/transport_http.rs`).
//!   [`flush`](crate::flush) and dropping the [`ClientInitGuard`](crate::ClientInitGuard) wait,
//!   at most their timeout.
//! - **Nothing is lost without being counted.** Every event, transaction, span, attachment or
//!   breadcrumb the SDK drops (sampling, `before_send`, processors, a full queue, rate limits,
//!   server refusals, network errors, a full cache, a full breadcrumb buffer) is counted by
//!   reason in a client report, sent with the next envelope or on `flush`.
//! - **Events are flushed on shutdown and on a fatal panic.** Dropping the guard waits up to
//!   [`shutdown_timeout`](crate::ClientOptions::shutdown_timeout) (2 s) for the queue; what is
//!   still queued then goes to the offline cache if there is one. The panic hook flushes too.
//! - **An event is never dropped for its size.** One over the 1 MiB a server accepts is cut
//!   (breadcrumbs, extra, tags, contexts, … see `client/fit.rs`) until it fits.
//! - **Time limits saturate.** `Duration::MAX` as any timeout means "as long as it takes".
//! - **A transport of your own cannot take your thread down.** A panic in any
//!   [`Transport`](crate::Transport) method is caught by the client: an envelope whose
//!   `send_envelope` panicked is counted as lost (`internal_sdk_error`), a `flush` or
//!   `shutdown` that panicked returns `false` (so dropping the guard during your own panic
//!   does not abort the process), and a factory or `install` that panicked makes `init` return
//!   [`InitError::Transport`](crate::InitError::Transport) (`tests/transport_panics.rs`).
//!
//! ## The offline cache
//!
//! With [`cache_dir`](crate::ClientOptions::cache_dir), what the server could not take is
//! written to disk and sent again after a back-off (1 s, doubling to 60 s) and at the next
//! start:
//!
//! - a file is written to a temporary name, synced and renamed: a crash leaves the whole
//!   envelope or nothing; a file is deleted only after the server accepted it, so a crash in
//!   between sends it again, which servers ignore (same event id);
//! - each process holds its own `slot-N` subdirectory by an OS file lock, so processes sharing a
//!   `cache_dir` never send one file twice; a process that starts takes over what ended
//!   processes left;
//! - the directory and files are created readable by the owner only (0700 / 0600 on Unix);
//! - at most [`max_cache_items`](crate::ClientOptions::max_cache_items) (30) envelopes per slot;
//!   the oldest go first, counted as `buffer_overflow`;
//! - an entry that is not a regular file, is larger than 100 MiB (the largest envelope a
//!   server accepts, and the largest the cache writes), cannot be read, parsed or deleted, is
//!   skipped (and deleted when possible): it never blocks the entries behind it, and one that
//!   cannot be deleted is not sent again by this process.
//!
//! ## What can still be lost
//!
//! - **Envelopes in memory when the process dies without shutting down** (`SIGKILL`, an
//!   abort, a power cut, `std::process::exit` without dropping the guard): at most the queue
//!   (`queue_size` envelopes) and the one being sent. The offline cache only holds what was
//!   already written to it. Keep the guard alive in `main` so an orderly exit flushes.
//! - **What does not fit in the time you give it**: a shutdown that times out without a cache
//!   drops the rest (counted, but the counts themselves are then in memory too).
//! - **What a full queue refuses**: a burst larger than the queue while the server is slow is
//!   dropped and counted as `queue_overflow`; raise `queue_size` if bursts are expected.
//! - **Client reports themselves** are kept in memory until sent: they die with the process.
//!
//! ```
//! use std::time::Duration;
//! use sentry_scopes::ClientOptions;
//!
//! let options = ClientOptions::new()
//!     .dsn("https://public@sentry.example.com/42")
//!     .queue_size(1000) // room for bursts
//!     .cache_dir(std::env::temp_dir().join("my-app-sentry")) // survive server outages
//!     .shutdown_timeout(Duration::from_secs(5)); // wait longer at exit
//! assert_eq!(options.queue_size, 1000);
//! ```
