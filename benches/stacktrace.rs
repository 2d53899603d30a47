//! Issue 13: `capture_error` with a stack trace, beside sentry 0.49 doing the same in the same
//! group. Goal: at most half of sentry's time on the capturing thread.
//!
//! Both capture an `io::Error` from ten nested application functions into a transport that
//! serialises the envelope on the capturing thread. Sentry runs with its default `backtrace`
//! and `contexts` integrations and `attach_stacktrace` on (without it, sentry sends an error
//! event with no frames at all); this SDK with its defaults: frames resolved through its
//! per-address cache, in-app frames with source context, and the debug images.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use common::{ours, serialize};
use criterion::{Criterion, criterion_group, criterion_main};
use sentry::Hub;

/// Calls `f` from `depth` nested application frames, as a handler deep in an app would.
#[inline(never)]
fn nested<R>(depth: usize, f: &dyn Fn() -> R) -> R {
    if depth == 0 {
        f()
    } else {
        black_box(nested(depth - 1, f))
    }
}

const DEPTH: usize = 10;

mod peer {
    use super::{Arc, serialize};
    use sentry::{Client, ClientOptions, Envelope, Hub, Scope, Transport};

    struct Serializing;

    impl Transport for Serializing {
        fn send_envelope(&self, envelope: Envelope) {
            serialize(&envelope);
        }
    }

    /// A hub whose client has sentry's default integrations (backtrace, contexts) and attaches
    /// stack traces; a DSN enables it, nothing is sent anywhere.
    pub fn hub() -> Arc<Hub> {
        let options = ClientOptions::new()
            .dsn("https://public@sentry.invalid/1")
            .transport(Arc::new(Serializing))
            .attach_stacktrace(true);
        let options = sentry::apply_defaults(options);
        let client = Arc::new(Client::from(options));
        Arc::new(Hub::new(Some(client), Arc::new(Scope::default())))
    }
}

fn capture_error(c: &mut Criterion) {
    let err = std::io::Error::new(std::io::ErrorKind::NotFound, "config.toml");
    let mut g = c.benchmark_group("stacktrace");
    {
        let _client = ours::init();
        g.bench_function("ours", |b| {
            b.iter(|| nested(DEPTH, &|| black_box(sentry_scopes::capture_error(&err))));
        });
    }
    let hub = peer::hub();
    Hub::run(hub, || {
        g.bench_function("sentry", |b| {
            b.iter(|| nested(DEPTH, &|| black_box(sentry::capture_error(&err))));
        });
    });
    g.finish();
}

criterion_group!(benches, capture_error);
criterion_main!(benches);
