//! The HTTP transport (feature `http`): envelopes to `/api/{project_id}/envelope/` with reqwest
//! over rustls.
//!
//! Requests run on the transport thread inside a current-thread tokio runtime that the thread
//! owns. `reqwest::blocking` would start a second thread with its own runtime per client and
//! hand every request across a channel; owning the runtime keeps it to one thread and leaves
//! time limits to reqwest's own `timeout`. TLS comes from `tls.rs`, the proxy from `proxy.rs`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};

use super::cache::Cache;
use super::compress::Compressor;
use super::proxy::Route;
use super::thread::{ThreadConfig, ThreadTransport};
use super::tls;
use super::worker::{Log, Reply, Sender};
use super::{Transport, TransportContext};
use crate::error::InitError;
use crate::protocol::Dsn;

/// Connecting alone may take at most this long (or `http_timeout`, if shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an error answer is kept for the debug log.
const MAX_ANSWER_BYTES: usize = 512;
/// How long a connection may sit idle in the pool before it is not reused. Servers close idle
/// keep-alive connections on their own schedule (gunicorn after 2 s, Node after 5 s, nginx
/// after 75 s), and the transport thread does not watch its idle connections between requests,
/// so a longer wait would hand the next envelope to a connection the server already closed.
const POOL_IDLE: Duration = Duration::from_secs(1);

/// `sentry-scopes/VERSION`, as `User-Agent` and `sentry_client`.
fn client_name() -> String {
    format!("sentry-scopes/{}", env!("CARGO_PKG_VERSION"))
}

/// Builds the HTTP transport for `dsn` and starts its thread.
pub(crate) fn create(
    ctx: &TransportContext<'_>,
    dsn: &Dsn,
) -> Result<Arc<dyn Transport>, InitError> {
    let options = ctx.options;
    let tls = tls::client_config(options.accept_invalid_certs)
        .map_err(|e| InitError::Transport(format!("cannot set up TLS: {e}")))?;
    let url = dsn.envelope_api_url();
    let https = dsn.scheme() == sentry_types::Scheme::Https;
    let route = Route::for_dsn(options, https)?;
    let auth = dsn.to_auth(Some(&client_name())).to_string();
    let log = Log {
        enabled: options.debug,
        secrets: [Some(dsn.public_key()), dsn.secret_key()]
            .into_iter()
            .flatten()
            .map(str::to_owned)
            .collect(),
    };
    log.line(|| format!("sending to {url} {}", route.describe()));
    if options.accept_invalid_certs && https {
        log.line(|| "accept_invalid_certs is on: the server's certificate is not checked".into());
    }
    let cache = match &options.cache_dir {
        None => None,
        Some(dir) => {
            let (cache, adopted) = Cache::open(dir, options.max_cache_items).map_err(|e| {
                InitError::Transport(format!(
                    "cannot use cache_dir {}: {e}; point it at a directory this process may \
                     create and write, or leave it unset to turn the offline cache off",
                    dir.display()
                ))
            })?;
            if adopted > 0 {
                log.line(|| format!("took over {adopted} envelope(s) left by ended processes"));
            }
            Some(cache)
        }
    };
    let config = ThreadConfig {
        capacity: options.queue_size,
        cache,
        discards: ctx.discards.clone(),
        log,
    };
    let timeout = options.http_timeout;
    let transport = ThreadTransport::spawn(config, || {
        Ok(Box::new(HttpSender {
            client: http_client(tls.clone(), &route, timeout, POOL_IDLE, usize::MAX)?,
            // For the retry after a connection-level failure: never reuses a connection.
            fresh: http_client(tls.clone(), &route, timeout, Duration::ZERO, 0)?,
            url: url.clone(),
            auth: auth.clone(),
            runtime: None,
            compressor: Compressor::default(),
        }))
    })?;
    Ok(Arc::new(transport))
}

/// A reqwest client sending by `route`, whose idle connections live at most `idle` and number
/// at most `max_idle`.
fn http_client(
    tls: rustls::ClientConfig,
    route: &Route,
    timeout: Duration,
    idle: Duration,
    max_idle: usize,
) -> Result<reqwest::Client, InitError> {
    route
        .apply(reqwest::Client::builder())
        .tls_backend_preconfigured(tls)
        .user_agent(client_name())
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .pool_idle_timeout(idle)
        .pool_max_idle_per_host(max_idle)
        // Sentry never redirects; a redirect means the DSN points at the wrong place.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| InitError::Transport(format!("cannot build the HTTP client: {e}")))
}

/// Sends bodies with reqwest; one per transport thread, with clients (and so connection pools)
/// of its own.
struct HttpSender {
    client: reqwest::Client,
    /// Used once more, at once, when a request through `client` failed before any answer
    /// arrived (the server closed or reset a pooled connection): a new connection each time.
    fresh: reqwest::Client,
    url: reqwest::Url,
    auth: String,
    /// Built on first use, on the transport thread, and dropped there.
    runtime: Option<tokio::runtime::Runtime>,
    compressor: Compressor,
}

impl Sender for HttpSender {
    fn send(&mut self, body: &[u8], backlog: usize) -> Reply {
        let runtime = match &mut self.runtime {
            Some(rt) => rt,
            None => match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => self.runtime.insert(rt),
                Err(e) => return Reply::Failed(format!("cannot start the I/O runtime: {e}")),
            },
        };
        let (body, gzipped) = self.compressor.body(body, backlog);
        let body = bytes::Bytes::from(body);
        let post = |client: &reqwest::Client| {
            let mut request = client
                .post(self.url.clone())
                .header("X-Sentry-Auth", &self.auth)
                .header(CONTENT_TYPE, "application/x-sentry-envelope");
            if gzipped {
                request = request.header(CONTENT_ENCODING, "gzip");
            }
            request.body(body.clone())
        };
        let started = std::time::Instant::now();
        let reply = runtime.block_on(async {
            let response = match post(&self.client).send().await {
                Err(e) if lost_connection(&e) => {
                    // Safe to send again: the server keeps one event per event id.
                    post(&self.fresh).send().await.map_err(|again| {
                        format!(
                            "{}; again on a new connection: {}",
                            describe(&e),
                            describe(&again)
                        )
                    })
                }
                other => other.map_err(|e| describe(&e)),
            };
            match response {
                Ok(response) => read_reply(response).await,
                Err(e) => Reply::Failed(e),
            }
        });
        self.compressor.request_took(started.elapsed());
        reply
    }
}

/// Whether a request failed because its connection went away before any answer arrived: the
/// server closed it (hyper's "connection closed before message completed"), reset it, or the
/// pipe broke. Not a time-out, not a connection that could not be opened, and not an answer
/// that arrived but was not HTTP.
fn lost_connection(error: &reqwest::Error) -> bool {
    if error.is_timeout() || error.is_connect() {
        return false;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{
                BrokenPipe, ConnectionAborted, ConnectionReset, NotConnected, UnexpectedEof,
            };
            return matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | NotConnected | UnexpectedEof
            );
        }
        source = cause.source();
    }
    false
}

/// The status, rate-limit headers and, for an error, the start of the body.
async fn read_reply(mut response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let rate_limits = header("x-sentry-rate-limits");
    let retry_after = header("retry-after");
    let mut answer = Vec::new();
    if !(200..300).contains(&status) {
        while answer.len() < MAX_ANSWER_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
                _ => break,
            }
        }
        answer.truncate(MAX_ANSWER_BYTES);
    }
    Reply::Http {
        status,
        rate_limits,
        retry_after,
        body: String::from_utf8_lossy(&answer).into_owned(),
    }
}

/// A reqwest error with its causes ("connection refused", "operation timed out", …).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        text.push_str(" (timed out; see ClientOptions::http_timeout)");
    }
    text
}
