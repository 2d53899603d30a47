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
//! A third row, `reqwest-floor`, is no SDK: it measures what reqwest itself delivers here while
//! one core is busy, as in a burst, with no SDK work at all: two threads, each with a
//! current-thread runtime and a reqwest client configured as our transport's, post
//! [`FLOOR_EVENTS`] copies of the envelope one of our captures writes (same size, no gzip, no
//! `sent_at`) over connections opened before the clock starts, while the bench thread spins.
//!
//! `BURST_SDK=ours` (or `sentry`, `reqwest-floor`) runs the rounds of one row alone, for
//! profiling it; `BURST_EVENTS=100` captures that many per round instead, which the queue
//! holds: the figure is then how fast a backlog drains with nothing else running.
//!
//! Output: a human-readable table, then one line per SDK that `scripts/bench-report.py` reads:
//! `burst/<sdk> <events/s> <delivered> <reported> <lost> <capture ms> <delivery ms>` (medians).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

use common::server::Server;
use common::{ours, peer};
use sentry_scopes::Level;

/// Captures per round.
const EVENTS: u64 = 10_000;
/// Rounds per SDK.
const ROUNDS: usize = 15;
/// How long a round may wait for delivery.
const DEADLINE: Duration = Duration::from_secs(30);
/// Envelopes the floor posts per round: about what ours delivers in a round.
const FLOOR_EVENTS: usize = 400;
/// Sending threads of the floor, as in our HTTP transport.
const FLOOR_THREADS: usize = 2;
const TAGS: usize = 10;
const CRUMBS: usize = 20;

/// One round's figures.
#[derive(Clone, Copy, Debug)]
struct Round {
    /// Events the round tried to deliver.
    attempted: u64,
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
        i64::try_from(self.attempted).unwrap_or(i64::MAX)
            - i64::try_from(self.delivered + self.reported).unwrap_or(i64::MAX)
    }
}

/// Reads what the server got once the client is gone.
fn finish(server: &Server, start: Instant, capture: Duration) -> Round {
    // Reports sent at shutdown are answered before the client returns; give a straggler a moment.
    std::thread::sleep(Duration::from_millis(100));
    let delivered = server.events();
    Round {
        attempted: events(),
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

/// The bytes our SDK writes for one `capture_message` with the burst's scope.
fn our_envelope() -> Vec<u8> {
    struct Keep(Mutex<Vec<u8>>);
    impl sentry_scopes::Transport for Keep {
        fn send_envelope(&self, envelope: sentry_scopes::EncodedEnvelope) {
            let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            kept.clear();
            envelope.to_writer(&mut *kept).expect("writing to a Vec");
        }
    }
    let keep = Arc::new(Keep(Mutex::new(Vec::new())));
    let options = sentry_scopes::ClientOptions::new().transport(keep.clone());
    let client = sentry_scopes::init(options).expect("valid options");
    sentry_scopes::with_isolation_scope(|_| {
        ours::fill_top_level(TAGS, CRUMBS);
        sentry_scopes::capture_message("burst", Level::Info);
    });
    drop(client);
    let body = keep
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(!body.is_empty(), "the capture wrote an envelope");
    body
}

/// One sending thread of the floor: a client as our transport builds it (`transport/http.rs`),
/// one request to open the connection, then `n` posts of `body` once `go` opens.
fn floor_sender(url: &str, n: usize, body: &[u8], go: &Barrier, done: &AtomicUsize) {
    /// Counts the thread as done however it ends, so that the spinning bench thread stops.
    struct Done<'a>(&'a AtomicUsize);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let _done = Done(done);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(1))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = reqwest::Url::parse(url).expect("URL");
    let post = |body: Vec<u8>| {
        client
            .post(url.clone())
            .header(
                "X-Sentry-Auth",
                "Sentry sentry_key=public, sentry_version=7",
            )
            .header("content-type", "application/x-sentry-envelope")
            .body(body)
            .send()
    };
    let opened = runtime.block_on(async { post(b"{}\n".to_vec()).await });
    go.wait();
    if let Err(e) = opened {
        eprintln!("reqwest-floor: the connection did not open: {e}");
        return;
    }
    for _ in 0..n {
        // A copy per request, as our transport makes when it stamps an envelope.
        let sent = runtime.block_on(async { post(body.to_vec()).await.map(|r| r.status()) });
        if sent.is_err() {
            break;
        }
    }
}

fn reqwest_floor() -> Round {
    static BODY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = BODY.get_or_init(our_envelope);
    let server = Server::start();
    let url = server.envelope_url();
    let go = Barrier::new(FLOOR_THREADS + 1);
    let done = AtomicUsize::new(0);
    std::thread::scope(|threads| {
        for _ in 0..FLOOR_THREADS {
            threads.spawn(|| floor_sender(&url, FLOOR_EVENTS / FLOOR_THREADS, body, &go, &done));
        }
        go.wait();
        let start = Instant::now();
        // The core the capture loop keeps busy in the SDKs' rounds.
        while done.load(Ordering::SeqCst) < FLOOR_THREADS {
            std::hint::spin_loop();
        }
        let busy = start.elapsed();
        let mut round = finish(&server, start, busy);
        round.attempted = FLOOR_EVENTS as u64;
        round
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
    // `BURST_SDK=ours` (or `sentry`, `reqwest-floor`) runs one row alone, for profiling it.
    let only = std::env::var("BURST_SDK").ok();
    let sdks: Vec<Sdk> = [
        ("ours", ours as fn() -> Round),
        ("sentry", sentry),
        ("reqwest-floor", reqwest_floor),
    ]
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
        "{:<14} {:>10} {:>10} {:>10} {:>6} {:>11} {:>12}   events/s of each round",
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
            "{name:<14} {:>10.0} {:>10} {:>10} {:>6} {capture:>11.1} {delivery:>12.1}   {}",
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
