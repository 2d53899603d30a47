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
/// `SENTRY_ENVIRONMENT`, and `SENTRY_DEBUG` turns `debug` on; an environment still unset
/// defaults to `development` or `production` by the build, a server name to the host name (see
/// [`ClientOptions`] for each rule). Without any DSN, events are printed to stdout as JSON, so
/// you can see what would be sent. Keep the guard alive for as long as events should be
/// captured, usually for the whole of `main`.
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
        Some(factory) => super::handoff::create_transport(&**factory, &ctx)?,
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

/// Reads unset fields from the process environment, fills in the defaults and validates the
/// options.
fn resolve(options: &mut ClientOptions) -> Result<Option<Dsn>, InitError> {
    resolve_from(options, |name| std::env::var(name).ok())
}

/// [`resolve`] with the environment variables read by `var`.
fn resolve_from(
    options: &mut ClientOptions,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Dsn>, InitError> {
    let env = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if options.release.is_none() {
        options.release = env("SENTRY_RELEASE").map(Into::into);
    }
    if options.environment.is_none() {
        options.environment = Some(
            env("SENTRY_ENVIRONMENT").map_or_else(|| default_environment().into(), Into::into),
        );
    }
    if env("SENTRY_DEBUG").is_some_and(|v| is_truthy(&v)) {
        options.debug = true;
    }
    match options.server_name.as_deref() {
        None => options.server_name = crate::contexts::host_name().map(Into::into),
        Some("") => options.server_name = None,
        Some(_) => {}
    }
    if !(0.0..=1.0).contains(&options.sample_rate) {
        return Err(InitError::InvalidSampleRate(options.sample_rate));
    }
    if let Some(rate) = options.traces_sample_rate
        && !(0.0..=1.0).contains(&rate)
    {
        return Err(InitError::InvalidTracesSampleRate(rate));
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

/// The environment of an application that names none: by its build, as the `sentry` crate
/// decides it. `debug_assertions` is this crate's, which Cargo builds with the application's
/// profile.
fn default_environment() -> &'static str {
    if cfg!(debug_assertions) {
        "development"
    } else {
        "production"
    }
}

/// Whether an environment variable says "on", as sentry-python reads its boolean variables.
fn is_truthy(value: &str) -> bool {
    ["1", "true", "yes", "on"]
        .iter()
        .any(|t| value.trim().eq_ignore_ascii_case(t))
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
    Client::current().is_none_or(|c| c.flush(timeout))
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
        let done = self.client.shutdown(timeout);
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// `options` resolved as `init` would with only `vars` set in the environment.
    fn resolved(mut options: ClientOptions, vars: &[(&str, &str)]) -> ClientOptions {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve_from(&mut options, |name| vars.get(name).cloned()).expect("valid options");
        options
    }

    #[test]
    fn sentry_debug_turns_debug_on_when_truthy() {
        for on in ["1", "true", "TRUE", "yes", "On", " 1 "] {
            let options = resolved(ClientOptions::new(), &[("SENTRY_DEBUG", on)]);
            assert!(options.debug, "SENTRY_DEBUG={on:?}");
        }
        for off in ["0", "false", "no", "off", "", "2", "enabled"] {
            let options = resolved(ClientOptions::new(), &[("SENTRY_DEBUG", off)]);
            assert!(!options.debug, "SENTRY_DEBUG={off:?}");
        }
        assert!(!resolved(ClientOptions::new(), &[]).debug);
    }

    #[test]
    fn sentry_debug_never_turns_an_explicit_debug_off() {
        let options = resolved(ClientOptions::new().debug(true), &[("SENTRY_DEBUG", "0")]);
        assert!(options.debug);
    }

    #[test]
    fn environment_defaults_by_build_unless_set_or_in_the_environment() {
        let by_build = if cfg!(debug_assertions) {
            "development"
        } else {
            "production"
        };
        let options = resolved(ClientOptions::new(), &[]);
        assert_eq!(options.environment.as_deref(), Some(by_build));
        let options = resolved(ClientOptions::new(), &[("SENTRY_ENVIRONMENT", "  ")]);
        assert_eq!(options.environment.as_deref(), Some(by_build));
        let options = resolved(ClientOptions::new(), &[("SENTRY_ENVIRONMENT", "staging")]);
        assert_eq!(options.environment.as_deref(), Some("staging"));
        let options = resolved(
            ClientOptions::new().environment("ci"),
            &[("SENTRY_ENVIRONMENT", "staging")],
        );
        assert_eq!(options.environment.as_deref(), Some("ci"));
    }

    #[test]
    fn server_name_defaults_to_the_host_name_and_empty_sends_none() {
        let options = resolved(ClientOptions::new(), &[]);
        assert!(options.server_name.is_some());
        assert_eq!(options.server_name.as_deref(), crate::contexts::host_name());
        let options = resolved(ClientOptions::new().server_name("web-1"), &[]);
        assert_eq!(options.server_name.as_deref(), Some("web-1"));
        let options = resolved(ClientOptions::new().server_name(""), &[]);
        assert_eq!(options.server_name, None);
    }
}
