//! The capture pipeline (scope-model.md 2.3): sample, merge, processors, before_send, transport.

use std::sync::Arc;

use super::Client;
use crate::context::{active_snapshot, global, thread};
use crate::debug::call_user;
use crate::protocol::{Category, Envelope, Event, Transaction, Uuid};
use crate::scope::merge::{
    apply_except_tags_and_breadcrumbs, apply_tags_and_breadcrumbs, apply_to_transaction,
    attachments,
};
use crate::scope::{Scope, ScopeData};
use crate::transport::DiscardReason;

/// Which scopes a capture uses besides the active ones.
pub(crate) enum CaptureScope<'a> {
    /// The active global, isolation and current scopes.
    Active,
    /// `Scope::capture_*` on a scope: layered over the active current scope when it is not the
    /// active isolation or current scope itself.
    With(&'a Scope),
}

/// A `_with` callback that edits the throwaway capture scope.
pub(crate) type Callback<'a> = Box<dyn FnOnce(&Scope) + 'a>;

/// Runs the whole pipeline for `event`; returns its id if it reached the transport.
pub(crate) fn capture(
    mut event: Event<'static>,
    extra: CaptureScope<'_>,
    callback: Option<Callback<'_>>,
) -> Option<Uuid> {
    let client = Client::current()?; // X01
    let _flag = thread::enter_capture()?; // a capture from inside a callback is a no-op
    if !sampled_in(client.options().sample_rate) {
        client
            .discards()
            .record(DiscardReason::SampleRate, Category::Error, 1); // S01
        return None;
    }
    // The event's own data made safe before anything walks or clones it (hostile input).
    crate::transport::limits::trim_event(&mut event);
    let (isolation, current_handle, current) = active_snapshot();
    let isolation_data = isolation.data();
    let global_data = global().data();
    let foreign = match extra {
        CaptureScope::With(s)
            if !Scope::ptr_eq(s, &isolation)
                && !current_handle.as_ref().is_some_and(|c| Scope::ptr_eq(s, c)) =>
        {
            Some(s.data())
        }
        _ => None,
    };
    let max = client.options().max_breadcrumbs;
    let merged: Option<Arc<ScopeData>> = if callback.is_some() || foreign.is_some() {
        let mut data = ScopeData::clone(&global_data);
        for upper in [Some(&isolation_data), Some(&current), foreign.as_ref()]
            .into_iter()
            .flatten()
        {
            data.update_from(upper, max);
        }
        let scope = Scope::from_data(Arc::new(data));
        if let Some(f) = callback
            && call_user("capture callback", || f(&scope)).is_none()
        {
            client
                .discards()
                .record(DiscardReason::EventProcessor, Category::Error, 1);
            return None;
        }
        Some(scope.data())
    } else {
        None
    };
    let layers: Vec<&ScopeData> = match &merged {
        Some(m) => vec![m],
        None => vec![&global_data, &isolation_data, &current],
    };
    apply_except_tags_and_breadcrumbs(&mut event, &layers, &isolation_data.propagation);
    fill_defaults(&client, &mut event);
    let raw = client.transport().accepts_raw_envelopes()
        && client.options().before_send.is_none()
        && layers.iter().all(|l| l.processors.is_empty());
    if raw {
        // Nothing needs the event as an `Event`: its tags and breadcrumbs go from the scopes
        // straight to JSON. Over 1 MiB it takes the typed path, whose transport trims it.
        crate::transport::finish_event(&mut event, client.options());
        let atts = attachments(&layers, false);
        if let Some(bytes) = super::raw::event_envelope(&mut event, &layers, max, &atts)
            && let Ok(envelope) = Envelope::from_bytes_raw(bytes)
        {
            client.transport().send_envelope(envelope);
            isolation.set_last_event_id(event.event_id);
            return Some(event.event_id);
        }
    }
    apply_tags_and_breadcrumbs(&mut event, &layers, max);

    for p in layers.iter().flat_map(|l| l.processors.iter()) {
        let before = event.clone();
        match call_user("event processor", || (p.0)(event)) {
            Some(Some(e)) => event = e,
            Some(None) => {
                client.debug_log(|| "event dropped by an event processor".to_owned());
                client
                    .discards()
                    .record(DiscardReason::EventProcessor, Category::Error, 1);
                return None; // P03
            }
            None => event = before, // P04: skipped
        }
    }
    if let Some(before_send) = &client.options().before_send {
        let Some(Some(e)) = call_user("before_send", || before_send(event)) else {
            client.debug_log(|| "event dropped by before_send".to_owned());
            client
                .discards()
                .record(DiscardReason::BeforeSend, Category::Error, 1);
            return None; // P05, P06
        };
        event = e;
    }

    crate::transport::finish_event(&mut event, client.options());
    let id = event.event_id;
    let mut envelope = Envelope::from(event);
    for a in attachments(&layers, false) {
        envelope.add_item(a);
    }
    client.transport().send_envelope(envelope);
    isolation.set_last_event_id(id);
    Some(id)
}

/// Applies the scopes to a transaction and sends it; never sampled by `sample_rate`, never sets
/// `last_event_id` (E05).
pub(crate) fn capture_transaction(mut txn: Transaction<'static>) -> Option<Uuid> {
    let client = Client::current()?;
    let _flag = thread::enter_capture()?;
    let (isolation, _, current) = active_snapshot();
    let isolation_data = isolation.data();
    let global_data = global().data();
    let layers = [&*global_data, &*isolation_data, &*current];
    apply_to_transaction(&mut txn, &layers, &isolation_data.propagation);
    let options = client.options();
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
    txn.sdk = Some(std::borrow::Cow::Owned(client.sdk.clone()));
    crate::transport::finish_transaction(&mut txn, options);
    let id = txn.event_id;
    let mut envelope = Envelope::from(txn);
    for a in attachments(&layers, true) {
        envelope.add_item(a);
    }
    client.transport().send_envelope(envelope);
    Some(id)
}

fn fill_defaults(client: &Client, event: &mut Event<'static>) {
    let options = client.options();
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
        event.sdk = Some(std::borrow::Cow::Owned(client.sdk.clone()));
    }
}

/// Keeps an event with probability `rate`.
fn sampled_in(rate: f32) -> bool {
    if rate >= 1.0 {
        return true;
    }
    if rate <= 0.0 {
        return false;
    }
    // 53 random bits from a v4 UUID give a uniform f64 in [0, 1).
    let bits = (Uuid::new_v4().as_u128() >> 75) as u64;
    #[expect(
        clippy::cast_precision_loss,
        reason = "53 bits fit an f64 mantissa exactly"
    )]
    let r = bits as f64 / (1u64 << 53) as f64;
    r < f64::from(rate)
}
