//! `ClientOptions`: what `init` is configured with.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::protocol::{Breadcrumb, Event, OrganizationId, Transaction};
use crate::scope::SamplingContext;
use crate::transport::TransportFactory;

/// A callback that sees, changes or drops a value before it is stored or sent.
pub type BeforeCallback<T> = Arc<dyn Fn(T) -> Option<T> + Send + Sync>;

/// Configuration of the client that [`init`](crate::init) installs.
///
/// Unset `dsn`, `release` and `environment` are read from `SENTRY_DSN`, `SENTRY_RELEASE` and
/// `SENTRY_ENVIRONMENT` at `init`, and `SENTRY_DEBUG` can turn `debug` on. Without any DSN,
/// events are printed to stdout as JSON. What `init` fills in besides:
///
/// | field | when unset |
/// |---|---|
/// | `environment` | `SENTRY_ENVIRONMENT`, else `development` in a debug build and `production` in a release build |
/// | `server_name` | the host name |
/// | `debug` | on when `SENTRY_DEBUG` is `1`, `true`, `yes` or `on` |
///
/// Every error event and transaction also carries the `os`, `rust` and `device` contexts
/// (operating system and kernel, the compiler that built the application, the CPU
/// architecture), gathered once per process; a context of the same key set on a scope or on
/// the event is kept instead.
///
/// ```
/// use sentry_scopes::ClientOptions;
///
/// let options = ClientOptions::new()
///     .dsn("https://public@sentry.example.com/42")
///     .release("my-app@1.2.3")
///     .environment("staging")
///     .sample_rate(0.5)
///     .max_breadcrumbs(50);
/// assert_eq!(options.max_breadcrumbs, 50);
/// ```
///
/// With a DSN, envelopes go over HTTPS from a background thread (feature `http`, on by
/// default); `capture_*` never waits for the network. How that thread behaves:
///
/// ```
/// use std::time::Duration;
/// use sentry_scopes::ClientOptions;
///
/// let options = ClientOptions::new()
///     .dsn("https://public@sentry.example.com/42")
///     .queue_size(500) // envelopes waiting to be sent; more are dropped and counted
///     .cache_dir(std::env::temp_dir().join("my-app-sentry")) // keep what the server refused
///     .http_timeout(Duration::from_secs(10)) // one request, at most
///     .shutdown_timeout(Duration::from_secs(5)); // dropping the guard waits this long
/// assert_eq!(options.queue_size, 500);
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    /// Where events go: `https://PUBLIC_KEY@HOST/PROJECT_ID`. Parsed at `init`.
    pub dsn: Option<String>,
    /// The release events belong to, e.g. `my-app@1.2.3`; [`release_name!`](crate::release_name)
    /// names it after the application's crate. Unset: `SENTRY_RELEASE`, else none.
    pub release: Option<Cow<'static, str>>,
    /// The environment, e.g. `production`. Unset: `SENTRY_ENVIRONMENT`, else `development`
    /// when the SDK was built with debug assertions (a debug build, `cargo build`/`cargo run`)
    /// and `production` without (`--release`), as the `sentry` crate does. Cargo builds the SDK
    /// with the application's profile, so this follows how the application was built.
    pub environment: Option<Cow<'static, str>>,
    /// The server name reported with events and transactions. Unset: the host name, as the
    /// `sentry` crate and sentry-python send it, whatever `send_default_pii` says: it names a
    /// machine, not a person. Where the machine is a person's own (a desktop application on
    /// `adas-laptop`), set another name, or an empty one to send none.
    pub server_name: Option<Cow<'static, str>>,
    /// The share of error and message events that are sent, from 0.0 to 1.0 (default 1.0).
    pub sample_rate: f32,
    /// How many breadcrumbs each scope keeps, and an event carries at most (default 100).
    pub max_breadcrumbs: usize,
    /// Runs on every event after the event processors; `None` drops the event. A panic drops it.
    pub before_send: Option<BeforeCallback<Event<'static>>>,
    /// Runs on every breadcrumb as it is added; `None` drops it. A panic drops it.
    pub before_breadcrumb: Option<BeforeCallback<Breadcrumb>>,
    /// Whether the SDK may send personal data the application did not set itself (default
    /// false). When false, integrations collect no IP addresses, cookies or credential headers;
    /// the server is not asked to infer the user's IP address (`{{auto}}` is removed); and
    /// cookies, credential and client-IP headers are removed from any event's request data.
    /// A user IP address the application sets explicitly is sent either way.
    pub send_default_pii: bool,
    /// Writes what the SDK does to stderr (never the DSN's key).
    ///
    /// `init` also turns it on when `SENTRY_DEBUG` is `1`, `true`, `yes` or `on` (any case),
    /// so an operator can see what a deployed binary does without rebuilding it. The variable
    /// only ever turns debug output on: a plain `bool` cannot tell "false because nobody set
    /// it" from "false on purpose", and output to stderr that someone asked for is the safer
    /// reading. Other values, `0` and `false` included, leave the option as it is.
    pub debug: bool,
    /// Creates the transport; by default the HTTP transport with a DSN, else the stdout printer.
    pub transport: Option<Arc<dyn TransportFactory>>,
    /// How long dropping the [`ClientInitGuard`](crate::ClientInitGuard) waits for queued events
    /// (default 2 s).
    pub shutdown_timeout: Duration,
    /// How many envelopes the HTTP transport holds while it sends (default 100). When the queue
    /// is full, new envelopes are dropped and counted as `queue_overflow` in client reports.
    pub queue_size: usize,
    /// Directory of the offline cache (default none). When set, envelopes the server could not
    /// take (5xx answers, connection errors, time-outs) are written there and sent again after a
    /// back-off and at the next start, instead of being dropped.
    ///
    /// Processes may share the directory: each writes and sends only its own `slot-N`
    /// subdirectory, which it holds an OS file lock on, and a process that starts takes over
    /// what ended processes left. The directory and files are created readable by the owner
    /// only (0700 / 0600 on Unix): they hold event data. See `docs::delivery` for what the cache
    /// guarantees and what it cannot.
    pub cache_dir: Option<PathBuf>,
    /// How many envelopes the offline cache keeps at most (default 30); the oldest go first.
    pub max_cache_items: usize,
    /// How long one HTTP request may take, from connecting to the end of the answer (default
    /// 30 s; connecting alone at most 10 s). Only the transport's own thread waits this long.
    pub http_timeout: Duration,
    /// The proxy the HTTP transport sends through (default none), as a URL:
    /// `http://proxy.example:3128`, with credentials `http://user:password@proxy.example:3128`
    /// (`https://` for TLS to the proxy). Used for an `http://` DSN, and for an `https://` DSN
    /// unless [`https_proxy`](Self::https_proxy) is set. With neither set, the transport
    /// follows the environment: `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`, or
    /// their lower-case forms. An empty string sends directly, whatever the environment says.
    /// `init` fails on anything else that is not an `http`/`https` URL with a host.
    pub http_proxy: Option<Cow<'static, str>>,
    /// The proxy for an `https://` DSN (default none), as [`http_proxy`](Self::http_proxy)
    /// takes it. The proxy sees only a `CONNECT` to the Sentry host: TLS runs end to end.
    pub https_proxy: Option<Cow<'static, str>>,
    /// Whether the HTTP transport takes any TLS certificate from the server (default false).
    /// **Dangerous:** anyone who can intercept the connection can then read and change what is
    /// sent. It is for a self-hosted server with a self-signed certificate while you set up a
    /// real one; better, have the system trust its CA, which the transport honours. The
    /// connection stays encrypted and the server must still hold the key of the certificate it
    /// shows. Unlike `sentry`, the `SSL_VERIFY` environment variable does not turn it on.
    pub accept_invalid_certs: bool,
    /// Whether `init` installs the panic hook that reports panics as fatal events (default
    /// true; needs the default `panic` feature, see `integrations::panic`).
    pub panic_hook: bool,
    /// The distribution of the release (default none): which build of one release sent an
    /// event, e.g. `"arm64"` or a build number. Set on every event that has none; Sentry
    /// matches it with the distribution debug files were uploaded for. Transactions have no
    /// `dist` field in the protocol types, so they go without.
    pub dist: Option<Cow<'static, str>>,
    /// The share of transactions that are sent, from 0.0 to 1.0; setting it (0.0 included)
    /// turns tracing on, and a trace continued from an incoming request then follows the
    /// upstream decision instead, unless `traces_sampler` decides. `None` (the default) with
    /// no `traces_sampler` is tracing off: no transaction is sent, not even one an incoming
    /// request marks as sampled, while trace ids and the upstream decision still propagate
    /// to events and outgoing requests (as in sentry-python and sentry-javascript; sentry-rust
    /// sends upstream-sampled transactions at its default rate).
    pub traces_sample_rate: Option<f32>,
    /// Decides the sample rate of each transaction from its context and the upstream decision
    /// (overrides `traces_sample_rate` and the inherited decision). A panic samples it out.
    pub traces_sampler: Option<TracesSampler>,
    /// Runs on every transaction after its transaction processors; `None` drops it. A panic
    /// drops it.
    pub before_send_transaction: Option<BeforeCallback<Transaction<'static>>>,
    /// How many child spans a transaction records at most (default 1000); later ones are left
    /// out and counted in client reports.
    pub max_spans: usize,
    /// The Sentry organization this SDK reports to (default none: read from a DSN whose host is
    /// `o<id>.ingest.sentry.io` or `o<id>.ingest.<region>.sentry.io`). Set it for self-hosted
    /// Sentry or a Relay in front, where the DSN does not name it. It goes out in the
    /// `sentry-org_id` baggage entry of traces this SDK starts, and decides which incoming
    /// traces are continued: one whose `sentry-org_id` names another organization starts a new
    /// trace instead, so that another organization's services cannot attach requests to your
    /// traces (or skew your sampling).
    pub org_id: Option<OrganizationId>,
    /// Whether an incoming trace is continued only when both it and this SDK name an
    /// organization, the same one (default false: a trace is refused only when both name one
    /// and they differ). A trace that names none is still continued when this SDK knows none
    /// either.
    pub strict_trace_continuation: bool,
    /// Whether message events (`capture_message`, and the `log` and `tracing` integrations'
    /// events) carry a stack trace of the capturing thread too (default false, as in
    /// sentry-rust). Errors and panics always carry one. See `docs::symbolication`.
    pub attach_stacktrace: bool,
    /// Module-path prefixes whose frames are the application's (`in_app: true`), whatever
    /// [`in_app_exclude`](Self::in_app_exclude) says (default empty). A prefix matches whole
    /// path segments: `my_app::db` matches `my_app::db::query`, not `my_app::dbx`.
    pub in_app_include: Vec<Cow<'static, str>>,
    /// Module-path prefixes whose frames are not the application's (`in_app: false`), unless
    /// [`in_app_include`](Self::in_app_include) matches them. Defaults to
    /// [`DEFAULT_IN_APP_EXCLUDE`]: the standard library, this SDK, the stack walker, and common
    /// runtime, framework and logging crates. Frames matching neither list are the
    /// application's, except functions that are no Rust path (C symbols, rustc's `main` shim).
    pub in_app_exclude: Vec<Cow<'static, str>>,
    /// Whether in-app frames carry the lines around their line (`pre_context`, `context_line`,
    /// `post_context`) when the source file is readable at run time (default true, as in
    /// sentry-python). Turn it off if the sources may hold what must not leave the host.
    pub include_source_context: bool,
}

/// Decides a transaction's sample rate (see [`ClientOptions::traces_sampler`]).
pub type TracesSampler = Arc<dyn Fn(&SamplingContext<'_>) -> f32 + Send + Sync>;

/// The default of [`ClientOptions::in_app_exclude`]: crates whose frames are not the
/// application's.
///
/// ```
/// use sentry_scopes::DEFAULT_IN_APP_EXCLUDE;
/// assert!(DEFAULT_IN_APP_EXCLUDE.contains(&"tokio"));
/// assert!(DEFAULT_IN_APP_EXCLUDE.contains(&"sentry_scopes"));
/// ```
pub const DEFAULT_IN_APP_EXCLUDE: &[&str] = crate::stacktrace::names::DEFAULT_IN_APP_EXCLUDE;

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            dsn: None,
            release: None,
            environment: None,
            server_name: None,
            sample_rate: 1.0,
            max_breadcrumbs: 100,
            before_send: None,
            before_breadcrumb: None,
            send_default_pii: false,
            debug: false,
            transport: None,
            shutdown_timeout: Duration::from_secs(2),
            queue_size: 100,
            cache_dir: None,
            max_cache_items: 30,
            http_timeout: Duration::from_secs(30),
            http_proxy: None,
            https_proxy: None,
            accept_invalid_certs: false,
            panic_hook: true,
            dist: None,
            traces_sample_rate: None,
            traces_sampler: None,
            before_send_transaction: None,
            max_spans: 1000,
            org_id: None,
            strict_trace_continuation: false,
            attach_stacktrace: false,
            in_app_include: Vec::new(),
            in_app_exclude: DEFAULT_IN_APP_EXCLUDE
                .iter()
                .map(|p| Cow::Borrowed(*p))
                .collect(),
            include_source_context: true,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("dsn", &self.dsn.as_ref().map(|_| "<set>"))
            .field("release", &self.release)
            .field("environment", &self.environment)
            .field("server_name", &self.server_name)
            .field("sample_rate", &self.sample_rate)
            .field("max_breadcrumbs", &self.max_breadcrumbs)
            .field("before_send", &self.before_send.is_some())
            .field("before_breadcrumb", &self.before_breadcrumb.is_some())
            .field("send_default_pii", &self.send_default_pii)
            .field("debug", &self.debug)
            .field("transport", &self.transport.is_some())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("panic_hook", &self.panic_hook)
            .field("queue_size", &self.queue_size)
            .field("cache_dir", &self.cache_dir)
            .field("max_cache_items", &self.max_cache_items)
            .field("http_timeout", &self.http_timeout)
            // URLs that may carry a password: only whether they are set.
            .field("http_proxy", &self.http_proxy.as_ref().map(|_| "<set>"))
            .field("https_proxy", &self.https_proxy.as_ref().map(|_| "<set>"))
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("dist", &self.dist)
            .field("traces_sample_rate", &self.traces_sample_rate)
            .field("traces_sampler", &self.traces_sampler.is_some())
            .field(
                "before_send_transaction",
                &self.before_send_transaction.is_some(),
            )
            .field("max_spans", &self.max_spans)
            .field("org_id", &self.org_id)
            .field("strict_trace_continuation", &self.strict_trace_continuation)
            .field("attach_stacktrace", &self.attach_stacktrace)
            .field("in_app_include", &self.in_app_include)
            .field("in_app_exclude", &self.in_app_exclude)
            .field("include_source_context", &self.include_source_context)
            .finish()
    }
}

impl ClientOptions {
    /// The default options.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the DSN.
    #[must_use]
    pub fn dsn(mut self, dsn: impl Into<String>) -> Self {
        self.dsn = Some(dsn.into());
        self
    }

    /// Sets the release.
    ///
    /// ```
    /// use sentry_scopes::{ClientOptions, release_name};
    ///
    /// // `NAME@VERSION` of the crate this line is in, from its Cargo.toml.
    /// let options = ClientOptions::new().release(release_name!());
    /// assert!(options.release.is_some_and(|r| r.contains('@')));
    /// ```
    #[must_use]
    pub fn release(mut self, release: impl Into<Cow<'static, str>>) -> Self {
        self.release = Some(release.into());
        self
    }

    /// Sets the environment (else `SENTRY_ENVIRONMENT`, or `development`/`production` by how
    /// the application was built; see the field).
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new().environment("staging");
    /// assert_eq!(options.environment.as_deref(), Some("staging"));
    /// ```
    #[must_use]
    pub fn environment(mut self, environment: impl Into<Cow<'static, str>>) -> Self {
        self.environment = Some(environment.into());
        self
    }

    /// Sets the server name sent instead of the host name; an empty name sends none.
    ///
    /// ```
    /// use sentry_scopes::ClientOptions;
    /// use sentry_scopes::test::TestTransport;
    ///
    /// // A desktop application whose machines are named after their owners sends no name.
    /// let transport = TestTransport::new();
    /// let guard = sentry_scopes::init(ClientOptions::new().transport(transport.clone()).server_name(""))
    ///     .expect("valid options");
    /// sentry_scopes::capture_message("hello", sentry_scopes::Level::Info);
    /// drop(guard);
    /// assert_eq!(transport.events()[0].server_name, None);
    /// ```
    #[must_use]
    pub fn server_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Sets the sample rate (checked at `init`: it must lie in 0.0..=1.0).
    #[must_use]
    pub fn sample_rate(mut self, rate: f32) -> Self {
        self.sample_rate = rate;
        self
    }

    /// Sets the breadcrumb capacity of each scope and event.
    #[must_use]
    pub fn max_breadcrumbs(mut self, max: usize) -> Self {
        self.max_breadcrumbs = max;
        self
    }

    /// Sets `before_send`.
    #[must_use]
    pub fn before_send<F>(mut self, f: F) -> Self
    where
        F: Fn(Event<'static>) -> Option<Event<'static>> + Send + Sync + 'static,
    {
        self.before_send = Some(Arc::new(f));
        self
    }

    /// Sets `before_breadcrumb`.
    #[must_use]
    pub fn before_breadcrumb<F>(mut self, f: F) -> Self
    where
        F: Fn(Breadcrumb) -> Option<Breadcrumb> + Send + Sync + 'static,
    {
        self.before_breadcrumb = Some(Arc::new(f));
        self
    }

    /// Allows sending personal data the application did not set itself (see the field).
    #[must_use]
    pub fn send_default_pii(mut self, yes: bool) -> Self {
        self.send_default_pii = yes;
        self
    }

    /// Turns debug logging to stderr on or off (`SENTRY_DEBUG` can still turn it on; see the
    /// field).
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new().debug(true);
    /// assert!(options.debug);
    /// ```
    #[must_use]
    pub fn debug(mut self, yes: bool) -> Self {
        self.debug = yes;
        self
    }

    /// Sets the transport factory.
    #[must_use]
    pub fn transport(mut self, factory: impl TransportFactory) -> Self {
        self.transport = Some(Arc::new(factory));
        self
    }

    /// Turns the panic hook that `init` installs on or off.
    #[must_use]
    pub fn panic_hook(mut self, yes: bool) -> Self {
        self.panic_hook = yes;
        self
    }

    /// Sets the shutdown timeout.
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Sets how many envelopes the transport queues before it drops new ones (at least 1).
    #[must_use]
    pub fn queue_size(mut self, size: usize) -> Self {
        self.queue_size = size;
        self
    }

    /// Turns the offline cache on, in `dir` (created if missing; `init` fails if it cannot be
    /// created or read).
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new()
    ///     .cache_dir(std::env::temp_dir().join("my-app-sentry"))
    ///     .max_cache_items(50);
    /// assert_eq!(options.max_cache_items, 50);
    /// ```
    #[must_use]
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Sets how many envelopes the offline cache keeps.
    #[must_use]
    pub fn max_cache_items(mut self, max: usize) -> Self {
        self.max_cache_items = max;
        self
    }

    /// Sets the time limit of one HTTP request.
    #[must_use]
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Sends through this proxy; see [`http_proxy`](Self::http_proxy) for the URL and when it
    /// applies, and `""` to ignore the environment's proxies.
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new()
    ///     .dsn("https://public@o1.ingest.sentry.io/1")
    ///     .http_proxy("http://user:password@proxy.internal:3128");
    /// assert!(options.http_proxy.is_some());
    /// assert!(!format!("{options:?}").contains("password"));
    /// ```
    #[must_use]
    pub fn http_proxy(mut self, url: impl Into<Cow<'static, str>>) -> Self {
        self.http_proxy = Some(url.into());
        self
    }

    /// Sends requests to an `https://` DSN through this proxy (see
    /// [`https_proxy`](Self::https_proxy)).
    #[must_use]
    pub fn https_proxy(mut self, url: impl Into<Cow<'static, str>>) -> Self {
        self.https_proxy = Some(url.into());
        self
    }

    /// Takes any TLS certificate from the server; read the warning on
    /// [`accept_invalid_certs`](Self::accept_invalid_certs) first.
    ///
    /// ```
    /// // A self-hosted server with a self-signed certificate, while a real one is set up.
    /// let options = sentry_scopes::ClientOptions::new()
    ///     .dsn("https://public@sentry.internal/1")
    ///     .accept_invalid_certs(true);
    /// assert!(options.accept_invalid_certs);
    /// ```
    #[must_use]
    pub fn accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Sets the distribution of the release, sent with every event.
    ///
    /// ```
    /// use sentry_scopes::{ClientOptions, Level, capture_message};
    /// use sentry_scopes::test::with_captured_events_options;
    ///
    /// let options = ClientOptions::new().release("my-app@1.2.3").dist("arm64");
    /// let events = with_captured_events_options(options, || {
    ///     capture_message("hello", Level::Info);
    /// });
    /// assert_eq!(events[0].dist.as_deref(), Some("arm64"));
    /// ```
    #[must_use]
    pub fn dist(mut self, dist: impl Into<Cow<'static, str>>) -> Self {
        self.dist = Some(dist.into());
        self
    }

    /// Turns tracing on and sets the share of transactions sent (checked at `init`:
    /// 0.0..=1.0).
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new().traces_sample_rate(0.25);
    /// assert_eq!(options.traces_sample_rate, Some(0.25));
    /// ```
    #[must_use]
    pub fn traces_sample_rate(mut self, rate: f32) -> Self {
        self.traces_sample_rate = Some(rate);
        self
    }

    /// Sets the traces sampler.
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new().traces_sampler(|ctx| {
    ///     match ctx.parent_sampled() {
    ///         Some(upstream) => f32::from(u8::from(upstream)), // follow the caller
    ///         None if ctx.transaction_context().name().starts_with("GET /health") => 0.0,
    ///         None => 0.2,
    ///     }
    /// });
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn traces_sampler<F>(mut self, f: F) -> Self
    where
        F: Fn(&SamplingContext<'_>) -> f32 + Send + Sync + 'static,
    {
        self.traces_sampler = Some(Arc::new(f));
        self
    }

    /// Sets `before_send_transaction`.
    #[must_use]
    pub fn before_send_transaction<F>(mut self, f: F) -> Self
    where
        F: Fn(Transaction<'static>) -> Option<Transaction<'static>> + Send + Sync + 'static,
    {
        self.before_send_transaction = Some(Arc::new(f));
        self
    }

    /// Sets how many child spans a transaction records at most.
    #[must_use]
    pub fn max_spans(mut self, max: usize) -> Self {
        self.max_spans = max;
        self
    }

    /// Sets the organization id that incoming traces are checked against and outgoing ones
    /// carry (see the field).
    ///
    /// ```
    /// // Self-hosted: the DSN does not name the organization.
    /// let options = sentry_scopes::ClientOptions::new()
    ///     .dsn("https://public@sentry.internal/3")
    ///     .org_id(17)
    ///     .strict_trace_continuation(true);
    /// assert_eq!(options.org_id, Some(17.into()));
    /// ```
    #[must_use]
    pub fn org_id(mut self, id: impl Into<OrganizationId>) -> Self {
        self.org_id = Some(id.into());
        self
    }

    /// Continues an incoming trace only when both sides name the same organization (see the
    /// field).
    #[must_use]
    pub fn strict_trace_continuation(mut self, strict: bool) -> Self {
        self.strict_trace_continuation = strict;
        self
    }

    /// Attaches a stack trace to message events too (see the field).
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new().attach_stacktrace(true);
    /// # let events = sentry_scopes::test::with_captured_events_options(options, || {
    /// sentry_scopes::capture_message("cache miss", sentry_scopes::Level::Info);
    /// # });
    /// # assert!(!events[0].stacktrace.as_ref().unwrap().frames.is_empty());
    /// ```
    #[must_use]
    pub fn attach_stacktrace(mut self, yes: bool) -> Self {
        self.attach_stacktrace = yes;
        self
    }

    /// Adds module-path prefixes whose frames are the application's (see the field).
    ///
    /// ```
    /// let options = sentry_scopes::ClientOptions::new()
    ///     .in_app_include(["my_app", "my_shared_lib::handlers"])
    ///     .in_app_exclude(["my_app::vendored"]);
    /// assert_eq!(options.in_app_include.len(), 2);
    /// assert!(options.in_app_exclude.iter().any(|p| p == "tokio"), "defaults kept");
    /// ```
    #[must_use]
    pub fn in_app_include<I, S>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        self.in_app_include
            .extend(prefixes.into_iter().map(Into::into));
        self
    }

    /// Adds module-path prefixes whose frames are not the application's, to the defaults (to
    /// replace those, assign the field).
    #[must_use]
    pub fn in_app_exclude<I, S>(mut self, prefixes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        self.in_app_exclude
            .extend(prefixes.into_iter().map(Into::into));
        self
    }

    /// Turns source lines on in-app frames on or off (see the field).
    #[must_use]
    pub fn include_source_context(mut self, yes: bool) -> Self {
        self.include_source_context = yes;
        self
    }
}

impl From<&str> for ClientOptions {
    fn from(dsn: &str) -> Self {
        Self::new().dsn(dsn)
    }
}

impl From<String> for ClientOptions {
    fn from(dsn: String) -> Self {
        Self::new().dsn(dsn)
    }
}

impl From<()> for ClientOptions {
    fn from((): ()) -> Self {
        Self::new()
    }
}
