//! Errors of the public API.

use std::fmt;

/// Why [`init`](crate::init) refused the options.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// The DSN (from the options or `SENTRY_DSN`) is not a valid DSN.
    InvalidDsn {
        /// Where the DSN came from: `ClientOptions::dsn` or `SENTRY_DSN`.
        source_name: &'static str,
        /// What the parser rejected.
        reason: String,
    },
    /// `sample_rate` is outside 0.0..=1.0.
    InvalidSampleRate(f32),
    /// `traces_sample_rate` is outside 0.0..=1.0.
    InvalidTracesSampleRate(f32),
    /// `http_proxy` or `https_proxy` is not a proxy URL the HTTP transport can use.
    InvalidProxy {
        /// The option: `http_proxy` or `https_proxy`.
        option: &'static str,
        /// What is wrong with it (never the URL itself, which may hold a password).
        reason: String,
    },
    /// A DSN was given but this build has no HTTP transport (the `http` feature is off).
    NoHttpTransport,
    /// The transport factory failed.
    Transport(String),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::InvalidDsn {
                source_name,
                reason,
            } => write!(
                f,
                "invalid DSN in {source_name}: {reason}; expected \
                 `https://PUBLIC_KEY@HOST/PROJECT_ID` as shown in your project's client keys settings"
            ),
            InitError::InvalidSampleRate(rate) => write!(
                f,
                "invalid sample_rate {rate}: it must lie between 0.0 (send nothing) and 1.0 (send everything)"
            ),
            InitError::InvalidTracesSampleRate(rate) => write!(
                f,
                "invalid traces_sample_rate {rate}: it must lie between 0.0 (no transactions) and \
                 1.0 (every transaction)"
            ),
            InitError::InvalidProxy { option, reason } => write!(
                f,
                "invalid {option}: {reason}; expected a proxy URL such as \
                 `http://proxy.example:3128` (with credentials: \
                 `http://user:password@proxy.example:3128`), or \"\" to send directly"
            ),
            InitError::NoHttpTransport => f.write_str(
                "a DSN was given but sentry-scopes was built without the `http` feature; \
                 enable it or set `ClientOptions::transport`",
            ),
            InitError::Transport(reason) => write!(f, "could not create the transport: {reason}"),
        }
    }
}

impl std::error::Error for InitError {}
