//! Burst delivery: 10,000 `capture_message` calls as fast as one thread can make them, each SDK
//! with its default HTTP transport (`init(dsn)`, default options: our queue holds 100
//! envelopes, sentry's 30) sending to a loopback server (`common/server.rs`), beside sentry
//! 0.49.5 in the same run. The scope holds 10 tags and 20 breadcrumbs, as in `counts_paths`.
//!
//! A round: start a server and a client, capture 10,000 events, flush (at most 30 s), then shut
//! the client down so that a last client report goes out. The figure is events delivered per
//! second: the events the server received, divided by the time from the first capture to the
//! last event's arrival. An event that is not delivered must be counted in a client report
//! (`queue_overflow` when the queue was full): `lost` is 10,000 − delivered − reported, 0 when
//! every drop was accounted for. Rounds alternate between the SDKs; the median round counts.
//!
//! ```text
//! cargo bench --bench burst
//! ```
//!
//! `BURST_SDK=ours` (or `sentry`) runs the rounds of one SDK alone, for profiling it;
//! `BURST_EVENTS=100` captures that many per round instead, which the queue holds: the figure is
//! then how fast a backlog drains with nothing else running.
//!
//! Output: a human-readable table, then one line per SDK that `scripts/bench-report.py` reads:
//! `burst/<sdk> <events/s> <delivered> <reported> <lost> <capture ms> <delivery ms>` (medians).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::server::Server;
use common::{ours, peer};
use sentry_scopes::Level;

/// Captures per round.
const EVENTS: u64 = 10_000;
/// Rounds per SDK.
const ROUNDS: usize = 9;
/// How long a round may wait for delivery.
const DEADLINE: Duration = Duration::from_secs(30);
const TAGS: usize = 10;
const CRUMBS: usize = 20;

/// One round's figures.
#[derive(Clone, Copy, Debug)]
struct Round {
    delivered: u64,
    reported: u64,
    capture: Duration,
    delivery: Duration,
}

impl Round {
    #[expect(clippy::cast_precision_loss, reason = "small counts")]
    fn per_second(&self) -> f64 {
        self.delivered as f64 / self.delivery.as_secs_f64().max(1e-9)
    }

    fn lost(&self) -> i64 {
        i64::try_from(events()).unwrap_or(i64::MAX)
            - i64::try_from(self.delivered + self.reported).unwrap_or(i64::MAX)
    }
}

/// Reads what the server got once the client is gone.
fn finish(server: &Server, start: Instant, capture: Duration) -> Round {
    // Reports sent at shutdown are answered before the client returns; give a straggler a moment.
    std::thread::sleep(Duration::from_millis(100));
    let delivered = server.events();
    Round {
        delivered,
        reported: server.dropped().values().sum(),
        capture,
        delivery: server.last_event().map_or(Duration::ZERO, |t| t - start),
    }
}

/// Captures per round: [`EVENTS`], or `BURST_EVENTS`.
fn events() -> u64 {
    std::env::var("BURST_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(EVENTS)
}

/// Captures [`events`] events with `capture`, then flushes; returns when it started and how
/// long the captures took.
fn burst(capture: fn(), flush: fn()) -> (Instant, Duration) {
    let start = Instant::now();
    for _ in 0..events() {
        capture();
    }
    let took = start.elapsed();
    flush();
    (start, took)
}

fn ours() -> Round {
    let server = Server::start();
    let client = sentry_scopes::init(server.dsn()).expect("valid DSN");
    sentry_scopes::with_isolation_scope(|_| {
        ours::fill_top_level(TAGS, CRUMBS);
        let (start, took) = burst(
            || {
                sentry_scopes::capture_message("burst", Level::Info);
            },
            || {
                sentry_scopes::flush(DEADLINE);
            },
        );
        drop(client);
        finish(&server, start, took)
    })
}

fn sentry() -> Round {
    let server = Server::start();
    let client = sentry::init((server.dsn(), sentry::ClientOptions::default()));
    let hub = Arc::new(sentry::Hub::new_from_top(sentry::Hub::current()));
    sentry::Hub::run(hub, || {
        peer::fill_top_level(TAGS, CRUMBS);
        let (start, took) = burst(
            || {
                sentry::capture_message("burst", Level::Info);
            },
            || {
                if let Some(c) = sentry::Hub::current().client() {
                    c.flush(Some(DEADLINE));
                }
            },
        );
        drop(client);
        finish(&server, start, took)
    })
}

fn median_by(rounds: &mut [Round], key: impl Fn(&Round) -> f64) -> Round {
    rounds.sort_by(|a, b| key(a).total_cmp(&key(b)));
    rounds[rounds.len() / 2]
}

/// An SDK's name and its round.
type Sdk = (&'static str, fn() -> Round);

fn main() {
    // sentry's reqwest transport is built with `rustls-no-provider` (its default TLS is
    // native-tls), so it needs a process-wide crypto provider even for plain HTTP.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // `BURST_SDK=ours` (or `sentry`) runs one SDK alone, for profiling its delivery.
    let only = std::env::var("BURST_SDK").ok();
    let sdks: Vec<Sdk> = [("ours", ours as fn() -> Round), ("sentry", sentry)]
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| o == *name))
        .collect();
    let mut rounds: Vec<Vec<Round>> = vec![Vec::new(); sdks.len()];
    for _ in 0..ROUNDS {
        for (i, (_, run)) in sdks.iter().enumerate() {
            rounds[i].push(run());
        }
    }
    println!(
        "{:<8} {:>10} {:>10} {:>10} {:>6} {:>11} {:>12}   events/s of each round",
        "sdk", "events/s", "delivered", "reported", "lost", "capture ms", "delivery ms"
    );
    let mut lines = Vec::new();
    for ((name, _), rounds) in sdks.iter().zip(&mut rounds) {
        let all: Vec<String> = rounds
            .iter()
            .map(|r| format!("{:.0}", r.per_second()))
            .collect();
        let worst_lost = rounds.iter().map(Round::lost).max().unwrap_or(0);
        let m = median_by(rounds, Round::per_second);
        let (capture, delivery) = (
            m.capture.as_secs_f64() * 1e3,
            m.delivery.as_secs_f64() * 1e3,
        );
        println!(
            "{name:<8} {:>10.0} {:>10} {:>10} {:>6} {capture:>11.1} {delivery:>12.1}   {}",
            m.per_second(),
            m.delivered,
            m.reported,
            worst_lost,
            all.join(" ")
        );
        lines.push(format!(
            "burst/{name} {:.1} {} {} {worst_lost} {capture:.2} {delivery:.2}",
            m.per_second(),
            m.delivered,
            m.reported
        ));
    }
    println!();
    for line in lines {
        println!("{line}");
    }
}
