//! Set-up shared by the benchmarks: the data, a transport that serialises every envelope, and
//! scopes of a given size for this SDK (`ours`) and for sentry-core (`peer`).
//!
//! Rule for every size-parameterised benchmark: the `n` tags (and breadcrumbs) sit on **the scope
//! that is forked and written**, in both SDKs. For this SDK that is the current scope for
//! `with_scope`, and the isolation scope for an isolation fork; sentry-core has one scope stack.
//! Tags that sit on another layer would make our fork trivially cheap; this is the worst case.

#![allow(
    dead_code,
    reason = "each bench binary includes this module and uses a different part of it"
)]

pub mod crew;
pub mod harness;
pub mod loops;
pub mod macro_side;
pub mod server;

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use sentry_scopes::{Breadcrumb, Envelope};

/// Scope sizes (tags already on the scope) of benchmarks 1 and 2.
pub const SIZES: [usize; 5] = [0, 10, 100, 1_000, 10_000];

/// The key of the `i`th pre-existing tag.
pub fn key(i: usize) -> String {
    format!("tag.{i:05}")
}

/// The value of the `i`th pre-existing tag.
pub fn value(i: usize) -> String {
    format!("value number {i}")
}

/// The `i`th pre-existing breadcrumb.
pub fn crumb(i: usize) -> Breadcrumb {
    Breadcrumb {
        category: Some("bench".into()),
        message: Some(format!("breadcrumb number {i}")),
        ..Breadcrumb::default()
    }
}

/// What both transports do with an envelope: serialise it, as a real transport must.
pub fn serialize(envelope: &Envelope) {
    let mut buf = Vec::with_capacity(16 * 1024);
    envelope
        .to_writer(&mut buf)
        .expect("writing to a Vec cannot fail");
    black_box(buf);
}

/// Polls a future that never waits, to completion.
pub fn run_ready<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmarked futures never wait"),
    }
}

/// The baseline of the macro side (issue benchmark 6): the same forks written by hand against
/// `__private`, as a user of the fork API would write them.
pub mod hand {
    use super::black_box;
    use sentry_scopes::__private as p;

    /// A fork of the current scope with one tag, entered around the body.
    #[inline(never)]
    pub fn tagged(value: &str) {
        let tag = p::tag_value(value);
        static KEY: p::Key = p::Key::new("bench");
        let mut fork = p::fork_current();
        p::set_tags(fork.target(), [(&KEY, tag)]);
        let _guard = fork.enter();
        black_box(value);
    }

    /// The same for an `async fn`: the fork is bound to the body's future.
    pub async fn tagged_async(n: u64) -> u64 {
        let tag = p::tag_value(&n);
        static KEY: p::Key = p::Key::new("n");
        let mut fork = p::fork_current();
        p::set_tags(fork.target(), [(&KEY, tag)]);
        fork.run(async move { black_box(n) }).await
    }
}

/// This SDK: client, scopes of a given size.
pub mod ours {
    use super::{Arc, black_box, crumb, key, value};
    use sentry_scopes::{ClientInitGuard, ClientOptions, EncodedEnvelope, Scope, Transport};

    /// Writes each envelope to a buffer and drops it, as the peer's transport does. Every
    /// transport of this SDK receives envelopes already encoded by the capture pipeline (a
    /// capture without event processors writes the event JSON straight from the scopes), so
    /// writing them out is a copy; the work ends the same way in both SDKs: the event as bytes
    /// in the buffer.
    pub struct Serializing;

    impl Transport for Serializing {
        fn send_envelope(&self, envelope: EncodedEnvelope) {
            let mut buf = Vec::with_capacity(16 * 1024);
            envelope
                .to_writer(&mut buf)
                .expect("writing to a Vec cannot fail");
            black_box(buf);
        }
    }

    /// Installs the process-wide client with the serialising transport.
    pub fn init() -> ClientInitGuard {
        sentry_scopes::init(ClientOptions::new().transport(Arc::new(Serializing)))
            .expect("valid options")
    }

    /// Sets `tags` tags and adds `crumbs` breadcrumbs with the top-level API, as an application
    /// does (they land on the isolation scope).
    pub fn fill_top_level(tags: usize, crumbs: usize) {
        sentry_scopes::set_tags((0..tags).map(|i| (key(i), value(i))));
        for i in 0..crumbs {
            sentry_scopes::add_breadcrumb(crumb(i));
        }
    }

    /// A detached scope holding `tags` tags and `crumbs` breadcrumbs (a client must be installed
    /// for the breadcrumbs to be kept).
    pub fn scope_with(tags: usize, crumbs: usize) -> Scope {
        let scope = Scope::new();
        scope.set_tags((0..tags).map(|i| (key(i), value(i))));
        for i in 0..crumbs {
            scope.add_breadcrumb(crumb(i));
        }
        scope
    }

    /// Runs `f` with a fresh isolation scope and `current`'s data as the current scope, held
    /// inline in the thread-local as after any fork (so `f` starts in the common state).
    /// Everything is restored afterwards.
    pub fn with_current<R>(current: &Scope, f: impl FnOnce() -> R) -> R {
        sentry_scopes::use_scope(current, |_| sentry_scopes::with_isolation_scope(|_| f()))
    }

    /// Runs `f` with a fork of `isolation` as the isolation scope and an empty current scope.
    pub fn with_isolation<R>(isolation: &Scope, f: impl FnOnce() -> R) -> R {
        sentry_scopes::use_isolation_scope(isolation, |_| {
            sentry_scopes::use_scope(&Scope::new(), |_| {
                sentry_scopes::with_isolation_scope(|_| f())
            })
        })
    }
}

/// sentry-core 0.49.5, the peer: a hub with a client whose transport serialises.
pub mod peer {
    use std::sync::OnceLock;

    use super::{Arc, crumb, key, serialize, value};
    use sentry_core::{Client, ClientOptions, Envelope, Hub, Scope, Transport};

    /// Serialises each envelope and drops it.
    pub struct Serializing;

    impl Transport for Serializing {
        fn send_envelope(&self, envelope: Envelope) {
            serialize(&envelope);
        }
    }

    /// The process's client, with the serialising transport (a DSN is needed for it to be
    /// enabled; nothing is sent anywhere). One for all hubs, as in an application.
    pub fn client() -> Arc<Client> {
        static CLIENT: OnceLock<Arc<Client>> = OnceLock::new();
        CLIENT
            .get_or_init(|| {
                // With sentry's contexts integration, as `sentry::init` adds it by default:
                // our events carry the same os, rust and device contexts.
                let mut options = ClientOptions::new()
                    .dsn("https://public@sentry.invalid/1")
                    .transport(Arc::new(Serializing));
                options.integrations = vec![Arc::new(
                    sentry::integrations::contexts::ContextIntegration::new(),
                )];
                Arc::new(Client::from(options))
            })
            .clone()
    }

    /// Sets `tags` tags and adds `crumbs` breadcrumbs on the current hub with the top-level API,
    /// as an application does (also what the `sentry` crate re-exports).
    pub fn fill_top_level(tags: usize, crumbs: usize) {
        sentry_core::configure_scope(|s| {
            for i in 0..tags {
                s.set_tag(&key(i), value(i));
            }
        });
        for i in 0..crumbs {
            sentry_core::add_breadcrumb(crumb(i));
        }
    }

    /// A fresh hub with the client and a top scope holding `tags` tags and `crumbs` breadcrumbs.
    pub fn hub_with(tags: usize, crumbs: usize) -> Arc<Hub> {
        let hub = Arc::new(Hub::new(Some(client()), Arc::new(Scope::default())));
        hub.configure_scope(|scope| {
            for i in 0..tags {
                scope.set_tag(&key(i), value(i));
            }
        });
        for i in 0..crumbs {
            hub.add_breadcrumb(crumb(i));
        }
        hub
    }

    /// Runs `f` with `hub` as this thread's hub.
    pub fn with_hub<R>(hub: &Arc<Hub>, f: impl FnOnce() -> R) -> R {
        Hub::run(hub.clone(), f)
    }
}
