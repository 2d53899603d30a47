//! The finish stage of the pipeline, after `before_send`: personal data out unless
//! `send_default_pii` (`crate::pii`), then what Relay accepts (`limits.rs`). Events over 1 MiB
//! are cut when they are encoded (`fit.rs`).

use super::limits;
use crate::protocol::{Event, Transaction};

/// Finishes an event; personal data stays only with `send_default_pii`.
pub(crate) fn finish_event(event: &mut Event<'static>, send_default_pii: bool) {
    if !send_default_pii {
        crate::pii::strip_event(event);
    }
    limits::trim_event(event);
}

/// Finishes a transaction.
pub(crate) fn finish_transaction(txn: &mut Transaction<'static>, send_default_pii: bool) {
    if !send_default_pii {
        crate::pii::strip_transaction(txn);
    }
    limits::trim_transaction(txn);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::User;
    use sentry_types::protocol::v7::IpAddress;

    #[test]
    fn outgoing_events_lose_pii_unless_allowed_and_always_respect_limits() {
        let mut event = Event {
            user: Some(User {
                ip_address: Some(IpAddress::Auto),
                ..User::default()
            }),
            ..Event::default()
        };
        event.tags.insert("t".repeat(240), "v".into());
        finish_event(&mut event, false);
        assert_eq!(event.user.as_ref().and_then(|u| u.ip_address), None);
        assert!(event.tags.keys().all(|k| k.len() == 200));

        if let Some(user) = &mut event.user {
            user.ip_address = Some(IpAddress::Auto);
        }
        finish_event(&mut event, true);
        assert!(event.user.and_then(|u| u.ip_address).is_some());
    }
}
