//! What the client adds to every event and transaction that neither the event nor a scope set:
//! an id, release, environment, server name, dist (events only), the `os`, `rust` and `device`
//! contexts, platform and SDK. Kept apart from the client, so that an event encoded later, on
//! another thread, carries it without holding the client.

use std::borrow::Cow;

use crate::options::ClientOptions;
use crate::protocol::{ClientSdkInfo, ClientSdkPackage, Event, Transaction, Uuid};

/// The client's part of every event.
#[derive(Debug)]
pub(crate) struct Defaults {
    release: Option<Cow<'static, str>>,
    environment: Option<Cow<'static, str>>,
    server_name: Option<Cow<'static, str>>,
    dist: Option<Cow<'static, str>>,
    sdk: ClientSdkInfo,
    /// `sdk` as JSON, written once for the transactions `raw_transaction.rs` writes.
    sdk_json: Box<[u8]>,
    /// `ClientOptions::send_default_pii`, for the finish stage.
    pub(crate) send_default_pii: bool,
    /// `ClientOptions::max_breadcrumbs`, for encoding.
    pub(crate) max_breadcrumbs: usize,
}

impl Defaults {
    pub(crate) fn new(options: &ClientOptions) -> Self {
        let version = env!("CARGO_PKG_VERSION").to_owned();
        let sdk = ClientSdkInfo {
            name: "sentry.rust.sentry-scopes".to_owned(),
            version: version.clone(),
            integrations: Vec::new(),
            packages: vec![ClientSdkPackage {
                name: "cargo:sentry-scopes".to_owned(),
                version,
            }],
        };
        Self {
            release: options.release.clone(),
            environment: options.environment.clone(),
            server_name: options.server_name.clone(),
            dist: options.dist.clone(),
            sdk_json: serde_json::to_vec(&sdk).unwrap_or_default().into(),
            sdk,
            send_default_pii: options.send_default_pii,
            max_breadcrumbs: options.max_breadcrumbs,
        }
    }

    /// `ClientOptions::release`.
    pub(crate) fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }

    /// `ClientOptions::environment`.
    pub(crate) fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// `ClientOptions::server_name`.
    pub(crate) fn server_name(&self) -> Option<&str> {
        self.server_name.as_deref()
    }

    /// The SDK info every event and transaction carries.
    pub(crate) fn sdk(&self) -> &ClientSdkInfo {
        &self.sdk
    }

    /// The SDK info every transaction carries, as JSON (empty if it could not be written).
    pub(crate) fn sdk_json(&self) -> &[u8] {
        &self.sdk_json
    }

    /// Gives an event without an id one.
    pub(crate) fn fill_id(&self, event: &mut Event<'static>) {
        if event.event_id.is_nil() {
            event.event_id = Uuid::new_v4();
        }
    }

    /// Fills an event's unset fields.
    pub(crate) fn fill_event(&self, event: &mut Event<'static>) {
        self.fill_event_fields(event);
        self.fill_event_host(event);
    }

    /// The default contexts and the SDK info of [`fill_event`](Self::fill_event), which the raw
    /// path writes from JSON made once instead (`raw.rs`).
    pub(crate) fn fill_event_host(&self, event: &mut Event<'static>) {
        crate::contexts::fill(&mut event.contexts);
        if event.sdk.is_none() {
            event.sdk = Some(Cow::Owned(self.sdk.clone()));
        }
    }

    /// [`fill_event`](Self::fill_event) but for [`fill_event_host`](Self::fill_event_host).
    pub(crate) fn fill_event_fields(&self, event: &mut Event<'static>) {
        self.fill_id(event);
        if event.release.is_none() {
            event.release.clone_from(&self.release);
        }
        if event.environment.is_none() {
            event.environment.clone_from(&self.environment);
        }
        if event.server_name.is_none() {
            event.server_name.clone_from(&self.server_name);
        }
        if event.dist.is_none() {
            event.dist.clone_from(&self.dist);
        }
        event.platform = "native".into();
        crate::stacktrace::attach_debug_meta(event);
    }

    /// Fills a transaction's unset fields.
    pub(crate) fn fill_transaction(&self, txn: &mut Transaction<'static>) {
        if txn.release.is_none() {
            txn.release.clone_from(&self.release);
        }
        if txn.environment.is_none() {
            txn.environment.clone_from(&self.environment);
        }
        if txn.server_name.is_none() {
            txn.server_name.clone_from(&self.server_name);
        }
        crate::contexts::fill(&mut txn.contexts);
        txn.platform = "native".into();
        txn.sdk = Some(Cow::Owned(self.sdk.clone()));
    }
}
