//! A misbehaving Sentry server on 127.0.0.1 for the transport tests: plain `std::net`, one
//! thread per connection, HTTP/1.1 with keep-alive, and a script of how to answer.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sentry_types::protocol::v7::{Envelope, EnvelopeItem};

/// How to answer one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// `200 {"id": …}` like Sentry; `extra` headers added.
    Ok(Vec<(&'static str, String)>),
    /// Any status with headers and body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then never answer (the connection stays open until `release`).
    Hang,
    /// Read only part of the request, then close: the kernel answers with a reset.
    Reset,
    /// Read the request, answer bytes that are not HTTP, close.
    Garbage,
    /// This status after waiting this long.
    Slow(Duration, u16),
}

impl Answer {
    pub fn ok() -> Self {
        Answer::Ok(Vec::new())
    }
    /// What Bugsink sends on every answer.
    pub fn bugsink_ok() -> Self {
        Answer::Ok(vec![(
            "X-Sentry-Rate-Limits",
            "86400:transaction;span:organization".into(),
        )])
    }
    pub fn status(code: u16) -> Self {
        Answer::Status(code, Vec::new(), format!("status {code}"))
    }
}

/// One request as received, body un-gzipped.
#[derive(Clone, Debug)]
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body as sent (maybe gzipped).
    pub raw_len: usize,
    pub body: Vec<u8>,
    pub answer: String,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn envelope(&self) -> Envelope {
        Envelope::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not an envelope ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    /// Whether the server answered 2xx.
    pub fn accepted(&self) -> bool {
        self.answer.starts_with('2')
    }
}

#[derive(Default)]
struct State {
    /// Requests being answered now, and the most there ever were at once.
    in_flight: usize,
    max_in_flight: usize,
    script: VecDeque<Answer>,
    default: Option<Answer>,
    requests: Vec<Request>,
    released: bool,
}

/// The server; lives until the test process ends (its threads are detached).
#[derive(Clone)]
pub struct FakeServer {
    addr: std::net::SocketAddr,
    state: Arc<(Mutex<State>, Condvar)>,
    idle: Option<IdleClose>,
}

/// How the server ends a keep-alive connection that waited too long for its next request.
#[derive(Clone, Copy, Debug)]
pub enum IdleClose {
    /// A normal close (FIN) after this long, as gunicorn does after 2 s.
    Fin(Duration),
    /// A reset (RST: SO_LINGER 0) after this long, as some proxies and load balancers do.
    Rst(Duration),
}

impl FakeServer {
    /// Starts a server answering `default` unless a scripted answer is pending.
    pub fn start(default: Answer) -> Self {
        Self::start_with(default, None)
    }

    /// Starts a server that closes every connection idle for longer than `idle` allows.
    pub fn closing_idle(idle: IdleClose) -> Self {
        Self::start_with(Answer::ok(), Some(idle))
    }

    fn start_with(default: Answer, idle: Option<IdleClose>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new((
            Mutex::new(State {
                default: Some(default),
                ..State::default()
            }),
            Condvar::new(),
        ));
        let server = Self { addr, state, idle };
        let accept = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let conn = accept.clone();
                std::thread::spawn(move || conn.serve(stream));
            }
        });
        server
    }

    /// A DSN pointing here, project 42.
    pub fn dsn(&self) -> String {
        format!("http://public-key-123@{}/42", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers from now on.
    pub fn set(&self, answer: Answer) {
        self.lock().default = Some(answer);
    }

    /// Answers for the next requests, in order, before the default applies again.
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.lock().script.extend(answers);
    }

    /// Lets hanging connections go (they are closed).
    pub fn release(&self) {
        self.lock().released = true;
        self.state.1.notify_all();
    }

    /// The most requests the server was answering at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.lock().max_in_flight
    }

    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// Waits until `pred` holds for the requests so far; returns them either way.
    pub fn wait_until(&self, timeout: Duration, pred: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while !pred(&state.requests) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self
                .state
                .1
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.requests.clone()
    }

    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
        let Ok(write_half) = stream.try_clone() else {
            return;
        };
        let mut out = write_half;
        let mut reader = BufReader::new(stream);
        loop {
            // Wait for the next request without consuming it, so that a reset finds unread bytes.
            if reader.buffer().is_empty() {
                let wait = self.idle.map(|i| match i {
                    IdleClose::Fin(d) | IdleClose::Rst(d) => d,
                });
                let _ = reader
                    .get_ref()
                    .set_read_timeout(wait.or(Some(Duration::from_secs(120))));
                let mut probe = [0u8; 1];
                let next = reader.get_ref().peek(&mut probe);
                if let (Some(IdleClose::Rst(_)), Err(_)) = (self.idle, &next) {
                    let _ =
                        socket2::SockRef::from(reader.get_ref()).set_linger(Some(Duration::ZERO));
                }
                if !matches!(next, Ok(n) if n > 0) {
                    return;
                }
                let _ = reader
                    .get_ref()
                    .set_read_timeout(Some(Duration::from_secs(120)));
            }
            let answer = {
                let mut state = self.lock();
                let next = state.script.pop_front();
                next.or_else(|| state.default.clone())
                    .unwrap_or_else(Answer::ok)
            };
            if let Answer::Reset = answer {
                // Unread bytes in the receive buffer make close() send a RST.
                self.record(String::new(), Vec::new(), Vec::new(), 0, "reset");
                return;
            }
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
            let len = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut raw = vec![0; len];
            if reader.read_exact(&mut raw).is_err() {
                return;
            }
            let gzipped = headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("content-encoding") && v == "gzip");
            let body = if gzipped {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&raw[..])
                    .read_to_end(&mut out)
                    .expect("valid gzip");
                out
            } else {
                raw
            };
            match answer {
                Answer::Slow(wait, code) => {
                    {
                        let mut state = self.lock();
                        state.in_flight += 1;
                        state.max_in_flight = state.max_in_flight.max(state.in_flight);
                    }
                    std::thread::sleep(wait);
                    self.lock().in_flight -= 1;
                    self.record(path, headers, body, len, &code.to_string());
                    if respond(&mut out, code, &[], "{}").is_err() {
                        return;
                    }
                }
                Answer::Hang => {
                    self.record(path, headers, body, len, "hang");
                    let mut state = self.lock();
                    while !state.released {
                        state = self
                            .state
                            .1
                            .wait(state)
                            .unwrap_or_else(PoisonError::into_inner);
                    }
                    return;
                }
                Answer::Garbage => {
                    self.record(path, headers, body, len, "garbage");
                    let _ = out.write_all(b"\x00\xffthis is not HTTP at all\r\n\r\n");
                    return;
                }
                Answer::Ok(extra) => {
                    let id = Envelope::from_slice(&body)
                        .ok()
                        .and_then(|e| e.uuid().copied())
                        .map(|u| u.simple().to_string())
                        .unwrap_or_default();
                    let text = format!("{{\"id\":\"{id}\"}}");
                    self.record(path, headers, body, len, "200");
                    if respond(&mut out, 200, &extra, &text).is_err() {
                        return;
                    }
                }
                Answer::Status(code, extra, text) => {
                    self.record(path, headers, body, len, &code.to_string());
                    if respond(&mut out, code, &extra, &text).is_err() {
                        return;
                    }
                }
                Answer::Reset => unreachable!(),
            }
        }
    }

    fn record(
        &self,
        path: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        raw_len: usize,
        answer: &str,
    ) {
        self.lock().requests.push(Request {
            path,
            headers,
            raw_len,
            body,
            answer: answer.to_owned(),
            at: Instant::now(),
        });
        self.state.1.notify_all();
    }
}

fn respond(
    out: &mut TcpStream,
    code: u16,
    extra: &[(&str, String)],
    body: &str,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

/// The events of all requests the server accepted, in order.
pub fn accepted_event_ids(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.accepted())
        .filter_map(|r| {
            r.envelope()
                .event()
                .map(|e| e.event_id.simple().to_string())
        })
        .collect()
}

/// `(reason, category) -> quantity` summed over the client reports the server accepted.
pub fn reported_discards(
    requests: &[Request],
) -> std::collections::BTreeMap<(String, String), u64> {
    let mut out = std::collections::BTreeMap::new();
    for r in requests.iter().filter(|r| r.accepted()) {
        for item in r.envelope().items() {
            if let EnvelopeItem::ClientReport(report) = item {
                let json = serde_json::to_value(report).expect("report serialises");
                for d in json["discarded_events"].as_array().into_iter().flatten() {
                    let key = (
                        d["reason"].as_str().unwrap_or("").to_owned(),
                        d["category"].as_str().unwrap_or("").to_owned(),
                    );
                    *out.entry(key).or_default() += d["quantity"].as_u64().unwrap_or(0);
                }
            }
        }
    }
    out
}

/// A lock so that the tests of one file, which all install the process-wide client, run one
/// at a time.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A fresh, empty temporary directory.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sentry-scopes-{name}-{}-{}",
        std::process::id(),
        sentry_types::Uuid::new_v4().simple()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
