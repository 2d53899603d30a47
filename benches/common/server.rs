//! A Sentry server on 127.0.0.1 for the delivery benches: answers every request `200 {}` at once
//! and counts what arrived, the events and the events that client reports say were dropped.
//! Plain `std::net`, one thread per connection, HTTP/1.1 keep-alive, gzip bodies un-gzipped.
//! Both SDKs send to the same kind of server; it does no more work for one than for the other.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::Value;

/// What the server received so far.
#[derive(Default)]
struct Received {
    events: AtomicU64,
    /// Events (category `error`) that client reports counted as dropped, by reason.
    dropped: Mutex<BTreeMap<String, u64>>,
    /// When the last event was received.
    last_event: Mutex<Option<Instant>>,
}

/// The server; its threads live until the process ends.
#[derive(Clone)]
pub struct Server {
    addr: SocketAddr,
    received: Arc<Received>,
}

impl Server {
    /// Starts listening on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let server = Self {
            addr: listener.local_addr().expect("local address"),
            received: Arc::default(),
        };
        let received = server.received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let received = received.clone();
                std::thread::spawn(move || serve(stream, &received));
            }
        });
        server
    }

    /// A DSN for this server (plain HTTP, project 1).
    pub fn dsn(&self) -> String {
        format!("http://public@{}/1", self.addr)
    }

    /// The envelope endpoint of project 1, for a client without a DSN.
    pub fn envelope_url(&self) -> String {
        format!("http://{}/api/1/envelope/", self.addr)
    }

    /// Events received.
    pub fn events(&self) -> u64 {
        self.received.events.load(Ordering::SeqCst)
    }

    /// Dropped events (category `error`) reported by client reports, by reason.
    pub fn dropped(&self) -> BTreeMap<String, u64> {
        lock(&self.received.dropped).clone()
    }

    /// When the last event arrived.
    pub fn last_event(&self) -> Option<Instant> {
        *lock(&self.received.last_event)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Answers the requests of one connection until the client closes it.
fn serve(stream: TcpStream, received: &Received) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let (mut length, mut gzip) = (0, false);
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("content-encoding") {
                gzip = value.eq_ignore_ascii_case("gzip");
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        if gzip {
            let mut plain = Vec::with_capacity(body.len() * 8);
            if flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut plain)
                .is_err()
            {
                return;
            }
            body = plain;
        }
        count(&body, received);
        let answer =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        if out.write_all(answer).is_err() {
            return;
        }
    }
}

/// Counts the events and the client reports' dropped events of one envelope.
fn count(envelope: &[u8], received: &Received) {
    // The envelope header line, then items: a header line and a payload of `length` bytes, or
    // up to the next newline when the header has no length.
    let mut rest = match envelope.iter().position(|&b| b == b'\n') {
        Some(end) => &envelope[end + 1..],
        None => return,
    };
    while !rest.is_empty() {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let Ok(header) = serde_json::from_slice::<Value>(&rest[..end]) else {
            return;
        };
        rest = &rest[(end + 1).min(rest.len())..];
        let payload_len = match header["length"].as_u64() {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(rest.len()),
            None => rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len()),
        };
        let payload = &rest[..payload_len];
        rest = &rest[payload_len..];
        if rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
        match header["type"].as_str() {
            Some("event") => {
                received.events.fetch_add(1, Ordering::SeqCst);
                *lock(&received.last_event) = Some(Instant::now());
            }
            Some("client_report") => {
                let Ok(report) = serde_json::from_slice::<Value>(payload) else {
                    continue;
                };
                let mut dropped = lock(&received.dropped);
                for d in report["discarded_events"].as_array().into_iter().flatten() {
                    if d["category"] == "error" {
                        let reason = d["reason"].as_str().unwrap_or("?").to_owned();
                        *dropped.entry(reason).or_default() += d["quantity"].as_u64().unwrap_or(0);
                    }
                }
            }
            _ => {}
        }
    }
}
