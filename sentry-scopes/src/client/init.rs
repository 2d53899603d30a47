//! `init`, `flush` and the guard that shuts the client down.

use std::sync::Arc;
use std::time::Duration;

use super::{Client, ClientOptions};
use crate::error::InitError;
use crate::protocol::Dsn;
use crate::transport::{Discards, TransportContext, default_transport};

/// Installs the process-wide client and returns a guard that flushes and removes it on drop.
///
/// Unset `dsn`, `release` and `environment` are read from `SENTRY_DSN`, `SENTRY_RELEASE` and
/// `SENTRY_ENVIRONMENT`; an unset server name defaults to the host name. Without any DSN, events
/// are printed to stdout as JSON, so you can see what would be sent. Keep the guard alive for
/// as long as events should be captured, usually for the whole of `main`.
///
/// # Errors
/// An invalid DSN or sample rate, or a transport that cannot be created, is an [`InitError`]
/// saying what is wrong; nothing is installed then.
///
/// ```
/// let err = sentry_scopes::init("not a dsn").unwrap_err();
/// assert!(err.to_string().contains("invalid DSN"));
///
/// let _guard = sentry_scopes::init(sentry_scopes::ClientOptions::new().release("app@1.0"))
///     .expect("valid options");
/// ```
pub fn init(options: impl Into<ClientOptions>) -> Result<ClientInitGuard, InitError> {
    let mut options = options.into();
    let dsn = resolve(&mut options)?;
    let discards = Arc::new(Discards::default());
    let ctx = TransportContext {
        options: &options,
        dsn: dsn.as_ref(),
        discards: &discards,
    };
    let transport = match &options.transport {
        Some(factory) => factory.create_transport(&ctx)?,
        None => default_transport(&ctx)?,
    };
    let client = Arc::new(Client::new(options, dsn, transport, discards));
    client.debug_log(|| {
        format!(
            "client installed; sending to {}",
            client
                .dsn()
                .map_or_else(|| "stdout (no DSN)".to_owned(), redacted)
        )
    });
    #[cfg(feature = "panic")]
    if client.options().panic_hook {
        crate::integrations::panic::register_panic_hook();
    }
    let previous = Client::swap(Some(client.clone()));
    Ok(ClientInitGuard { client, previous })
}

/// Reads unset fields from the environment and validates the options.
fn resolve(options: &mut ClientOptions) -> Result<Option<Dsn>, InitError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if options.release.is_none() {
        options.release = env("SENTRY_RELEASE").map(Into::into);
    }
    if options.environment.is_none() {
        options.environment = env("SENTRY_ENVIRONMENT").map(Into::into);
    }
    match options.server_name.as_deref() {
        None => options.server_name = crate::contexts::host_name().map(Into::into),
        Some("") => options.server_name = None,
        Some(_) => {}
    }
    if !(0.0..=1.0).contains(&options.sample_rate) {
        return Err(InitError::InvalidSampleRate(options.sample_rate));
    }
    let (raw, source_name) = match options.dsn.clone().filter(|d| !d.trim().is_empty()) {
        Some(d) => (Some(d), "ClientOptions::dsn"),
        None => (env("SENTRY_DSN"), "SENTRY_DSN"),
    };
    raw.map(|d| {
        d.trim().parse::<Dsn>().map_err(|e| InitError::InvalidDsn {
            source_name,
            reason: e.to_string(),
        })
    })
    .transpose()
}

/// The DSN without its secret parts, for logs.
pub(crate) fn redacted(dsn: &Dsn) -> String {
    format!(
        "{}://***@{}:{}{}{}",
        dsn.scheme(),
        dsn.host(),
        dsn.port(),
        dsn.path(),
        dsn.project_id()
    )
}

/// Waits until the installed client's transport has sent everything queued, or `timeout`
/// passed. Returns `true` if the queue emptied (and also when no client is installed).
pub fn flush(timeout: Duration) -> bool {
    Client::current().is_none_or(|c| c.transport().flush(timeout))
}

/// Keeps the client installed; dropping it flushes (up to `shutdown_timeout`), shuts the
/// transport down and removes the client, after which captures are no-ops again.
#[must_use = "the client is shut down as soon as the guard is dropped"]
pub struct ClientInitGuard {
    client: Arc<Client>,
    previous: Option<Arc<Client>>,
}

impl std::fmt::Debug for ClientInitGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientInitGuard").finish_non_exhaustive()
    }
}

impl Drop for ClientInitGuard {
    fn drop(&mut self) {
        let timeout = self.client.options().shutdown_timeout;
        let done = self.client.transport().shutdown(timeout);
        self.client.debug_log(|| {
            if done {
                "client shut down; queue flushed".to_owned()
            } else {
                format!("client shut down; queue not empty after {timeout:?}")
            }
        });
        // Remove our client only if it is still the installed one.
        let current = Client::current();
        if current.is_some_and(|c| Arc::ptr_eq(&c, &self.client)) {
            Client::swap(self.previous.take());
        }
    }
}
