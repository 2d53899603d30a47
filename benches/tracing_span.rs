//! Entering and leaving a tracing span, with and without 100 breadcrumbs in scope:
//! sentry-scopes' `SentryTracingLayer` (span scopes on) next to sentry-tracing 0.49.5's
//! `SpanLayer`, in the same criterion group and run, plus the bare registry as the floor.
//!
//! `enter_exit` enters an existing span (what every poll of an instrumented future does);
//! `lifecycle` creates, enters, leaves and closes one (`info_span!(..).in_scope(..)`).
//!
//! ```sh
//! cargo bench --bench tracing_span
//! ```

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sentry_scopes::integrations::tracing::SentryTracingLayer;
use tracing::Subscriber;
use tracing_subscriber::prelude::*;

struct NoTransport;
impl sentry_scopes::Transport for NoTransport {
    fn send_envelope(&self, _: sentry_scopes::EncodedEnvelope) {}
}
impl sentry_core::Transport for NoTransport {
    fn send_envelope(&self, _: sentry_core::Envelope) {}
}

/// Which layer sits on the registry.
#[derive(Clone, Copy)]
enum Sdk {
    Registry,
    SentryScopes,
    SentryTracing,
}

impl Sdk {
    fn name(self) -> &'static str {
        match self {
            Sdk::Registry => "registry_only",
            Sdk::SentryScopes => "sentry_scopes",
            Sdk::SentryTracing => "sentry_tracing",
        }
    }

    fn subscriber(self) -> Box<dyn Subscriber + Send + Sync> {
        let registry = tracing_subscriber::registry();
        match self {
            Sdk::Registry => Box::new(registry),
            Sdk::SentryScopes => {
                Box::new(registry.with(SentryTracingLayer::new().span_scopes(true)))
            }
            Sdk::SentryTracing => Box::new(registry.with(sentry_tracing::SpanLayer::new())),
        }
    }

    /// Runs `f` in a fresh scope of this SDK, so cases do not see each other's breadcrumbs.
    fn in_fresh_scope(self, f: impl FnOnce()) {
        match self {
            Sdk::SentryTracing => sentry_core::Hub::current().with_scope(|_| {}, f),
            _ => sentry_scopes::with_isolation_scope(|_| f()),
        }
    }

    /// Puts `n` breadcrumbs into the scope the span forks.
    fn add_breadcrumbs(self, n: usize) {
        for i in 0..n {
            let message = Some(format!("crumb {i}"));
            match self {
                Sdk::SentryTracing => sentry_core::add_breadcrumb(sentry_core::Breadcrumb {
                    message,
                    ..Default::default()
                }),
                _ => sentry_scopes::get_current_scope().add_breadcrumb(sentry_scopes::Breadcrumb {
                    message,
                    ..Default::default()
                }),
            }
        }
    }
}

fn install_clients() -> sentry_scopes::ClientInitGuard {
    let mut options = sentry_core::ClientOptions::default();
    options.dsn = "https://public@sentry.example.invalid/1".parse().ok();
    options.transport = Some(Arc::new(Arc::new(NoTransport)));
    let client = sentry_core::Client::from(options);
    sentry_core::Hub::current().bind_client(Some(Arc::new(client)));
    let options = sentry_scopes::ClientOptions::new().transport(Arc::new(NoTransport));
    sentry_scopes::init(options).expect("valid options")
}

const SDKS: [Sdk; 3] = [Sdk::Registry, Sdk::SentryScopes, Sdk::SentryTracing];

fn enter_exit(c: &mut Criterion) {
    let _guard = install_clients();
    let mut group = c.benchmark_group("span_enter_exit");
    for crumbs in [0, 100] {
        for sdk in SDKS {
            sdk.in_fresh_scope(|| {
                sdk.add_breadcrumbs(crumbs);
                let _default = tracing::subscriber::set_default(sdk.subscriber());
                let span = tracing::info_span!("request", route = "/users/{id}", id = 7);
                group.bench_function(BenchmarkId::new(sdk.name(), crumbs), |b| {
                    b.iter(|| {
                        let entered = span.enter();
                        black_box(&entered);
                    });
                });
            });
        }
    }
    group.finish();
}

fn lifecycle(c: &mut Criterion) {
    let _guard = install_clients();
    let mut group = c.benchmark_group("span_lifecycle");
    for sdk in SDKS {
        sdk.in_fresh_scope(|| {
            let _default = tracing::subscriber::set_default(sdk.subscriber());
            group.bench_function(sdk.name(), |b| {
                b.iter(|| {
                    tracing::info_span!("request", route = "/users/{id}", id = 7)
                        .in_scope(|| black_box(1))
                });
            });
        });
    }
    group.finish();
}

criterion_group!(benches, enter_exit, lifecycle);
criterion_main!(benches);
