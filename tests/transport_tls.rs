//! The HTTP transport against a TLS server whose certificate nothing trusts: self-signed, made
//! when the test runs. Refused by default; taken with `accept_invalid_certs`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sentry_scopes::{ClientOptions, Level, capture_message};

/// One client per process: the tests take turns.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the server saw.
#[derive(Default)]
struct Seen {
    /// TCP connections accepted.
    connections: AtomicUsize,
    /// Requests read whole over TLS.
    requests: AtomicUsize,
}

/// Starts a TLS server on 127.0.0.1 with a fresh self-signed certificate; answers every
/// request `200 {}`. Returns its DSN and what it saw.
fn self_signed_server() -> (String, Arc<Seen>) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .expect("a self-signed certificate");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![made.cert.der().clone()], key)
    .expect("certificate and key");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let dsn = format!(
        "https://public@127.0.0.1:{}/42",
        listener.local_addr().expect("address").port()
    );
    let seen = Arc::new(Seen::default());
    let server_seen = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            server_seen.connections.fetch_add(1, Ordering::SeqCst);
            let (config, seen) = (config.clone(), server_seen.clone());
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut tls = BufReader::new(rustls::StreamOwned::new(connection, stream));
                while let Some(()) = read_request(&mut tls) {
                    seen.requests.fetch_add(1, Ordering::SeqCst);
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                    if tls.get_mut().write_all(answer).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (dsn, seen)
}

/// Reads one request (head and body); `None` at the end of the connection or on a TLS error.
fn read_request(tls: &mut impl BufRead) -> Option<()> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if tls.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    tls.read_exact(&mut body).ok()
}

#[test]
fn a_certificate_nothing_trusts_is_refused_by_default() {
    let _serial = serial();
    let (dsn, seen) = self_signed_server();
    let guard = sentry_scopes::init(ClientOptions::new().dsn(dsn)).expect("valid options");
    capture_message("not sent", Level::Info);
    assert!(sentry_scopes::flush(Duration::from_secs(10)));
    drop(guard);
    assert!(
        seen.connections.load(Ordering::SeqCst) >= 1,
        "the transport tried"
    );
    assert_eq!(
        seen.requests.load(Ordering::SeqCst),
        0,
        "no request over TLS"
    );
}

#[test]
fn accept_invalid_certs_takes_a_self_signed_certificate() {
    let _serial = serial();
    let (dsn, seen) = self_signed_server();
    let options = ClientOptions::new().dsn(dsn).accept_invalid_certs(true);
    let guard = sentry_scopes::init(options).expect("valid options");
    capture_message("sent over TLS", Level::Info);
    assert!(sentry_scopes::flush(Duration::from_secs(10)));
    drop(guard);
    assert!(
        seen.requests.load(Ordering::SeqCst) >= 1,
        "the event went over TLS"
    );
}
