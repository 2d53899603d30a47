//! What the client adds to every event and transaction that neither the event nor a scope set:
//! an id, release, environment, server name, platform and SDK.

use std::borrow::Cow;

use super::Client;
use crate::protocol::{Event, Transaction, Uuid};

impl Client {
    /// Fills an event's unset fields from the client.
    pub(crate) fn fill_defaults(&self, event: &mut Event<'static>) {
        let options = self.options();
        if event.event_id.is_nil() {
            event.event_id = Uuid::new_v4();
        }
        if event.release.is_none() {
            event.release.clone_from(&options.release);
        }
        if event.environment.is_none() {
            event.environment.clone_from(&options.environment);
        }
        if event.server_name.is_none() {
            event.server_name.clone_from(&options.server_name);
        }
        event.platform = "native".into();
        crate::stacktrace::attach_debug_meta(event);
        if event.sdk.is_none() {
            event.sdk = Some(Cow::Owned(self.sdk.clone()));
        }
    }

    /// Fills a transaction's unset fields from the client.
    pub(crate) fn fill_transaction_defaults(&self, txn: &mut Transaction<'static>) {
        let options = self.options();
        if txn.release.is_none() {
            txn.release.clone_from(&options.release);
        }
        if txn.environment.is_none() {
            txn.environment.clone_from(&options.environment);
        }
        if txn.server_name.is_none() {
            txn.server_name.clone_from(&options.server_name);
        }
        txn.platform = "native".into();
        txn.sdk = Some(Cow::Owned(self.sdk.clone()));
    }
}
