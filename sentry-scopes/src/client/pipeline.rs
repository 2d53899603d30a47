//! The capture pipeline, in the order it runs (scope-model.md 2.3):
//!
//! 1. **admit**: a client is installed, this thread is not already capturing, the event is
//!    sampled in; the event's own data is made safe (`crate::normalize`);
//! 2. **merge**: the global, isolation and current scopes (and a scope given to
//!    `Scope::capture_*` or edited by a `_with` callback) are applied to the event, and the
//!    client's defaults fill what is left (release, environment, server name, SDK);
//! 3. **process**: event processors, then `before_send`; a `None` or panic drops the event;
//! 4. **finish**: personal data out, Relay's limits (`finish.rs`);
//! 5. **encode**: the envelope is written (`encode.rs`): straight from the scope layers when no
//!    processor or `before_send` needs the event as an `Event`, else from the typed event.
//!    In the first case steps 2 to 5 are deferred (for transactions too, when no transaction
//!    processor or `before_send_transaction` is set): the capture hands over immutable snapshots
//!    of the scope layers, and they run where the bytes are first needed (the HTTP transport's
//!    own thread), with the same result;
//! 6. **hand over** to the transport, which only delivers.
//!
//! Every drop is counted for client reports. Nothing below this module calls back up into it.

use std::sync::Arc;

use super::Client;
use super::encode::{self, TransactionInput};
use super::finish::{finish_event, finish_transaction};
use super::limits;
use crate::context::{active_snapshot, global, thread};
use crate::debug::call_user;
use crate::protocol::{Category, Event, Uuid};
use crate::scope::merge::{
    active_span, apply_except_tags_and_breadcrumbs, apply_tags_and_breadcrumbs,
    apply_to_transaction, attachments, fill_trace,
};
use crate::scope::{Scope, ScopeData};
use crate::transport::{DiscardReason, EncodedEnvelope};

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
    // 1. admit
    let client = Client::current()?; // X01
    let _flag = thread::enter_capture()?; // a capture from inside a callback is a no-op
    let drop_as = |reason| {
        client.discards().record(reason, Category::Error, 1);
        None
    };
    if !sampled_in(client.options().sample_rate) {
        return drop_as(DiscardReason::SampleRate); // S01
    }

    // 2. merge
    let (isolation, current_handle, current) = active_snapshot();
    let (isolation_data, global_data) = (isolation.data(), global().data());
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
            return drop_as(DiscardReason::EventProcessor);
        }
        Some(scope.data())
    } else {
        None
    };
    let layers: Vec<Arc<ScopeData>> = match merged {
        Some(m) => vec![m],
        None => vec![global_data, isolation_data.clone(), current],
    };
    let before_send = client.options().before_send.as_ref();
    let processors = layers.iter().flat_map(|l| l.seldom.processors.iter());
    if before_send.is_none() && processors.clone().next().is_none() {
        // 3.-5. deferred: nothing needs the event as an `Event`, so the merge, finish (which
        // cuts the event to Relay's limits) and encoding run where the bytes are needed (the
        // HTTP transport's thread). Scope data is immutable, the propagation context included;
        // a span is not, so its trace context is taken now.
        client.defaults().fill_id(&mut event);
        let refs: Vec<&ScopeData> = layers.iter().map(|l| &**l).collect();
        if active_span(&refs).is_some() {
            fill_trace(
                &mut event.contexts,
                &refs,
                &isolation_data.seldom.propagation,
            );
        }
        let envelope =
            encode::deferred_event(event, layers, isolation_data, client.defaults().clone());
        return hand_over(&client, &isolation, envelope);
    }

    limits::trim_event(&mut event); // what processors and `before_send` see is within limits
    let refs: Vec<&ScopeData> = layers.iter().map(|l| &**l).collect();
    apply_except_tags_and_breadcrumbs(&mut event, &refs, &isolation_data.seldom.propagation);
    client.defaults().fill_event(&mut event);
    apply_tags_and_breadcrumbs(&mut event, &refs, max);
    // 3. process
    for p in processors {
        let before = event.clone();
        match call_user("event processor", || (p.0)(event)) {
            Some(Some(e)) => event = e,
            Some(None) => {
                client.debug_log(|| "event dropped by an event processor".to_owned());
                return drop_as(DiscardReason::EventProcessor); // P03
            }
            None => event = before, // P04: skipped
        }
    }
    if let Some(before_send) = before_send {
        let Some(Some(e)) = call_user("before_send", || before_send(event)) else {
            client.debug_log(|| "event dropped by before_send".to_owned());
            return drop_as(DiscardReason::BeforeSend); // P05, P06
        };
        event = e;
    }
    // 4. finish, 5. encode
    finish_event(&mut event, client.options().send_default_pii);
    let Some(envelope) = encode::typed_event(event, &attachments(&refs, false)) else {
        return drop_as(DiscardReason::InternalSdkError);
    };
    hand_over(&client, &isolation, envelope)
}

/// 6. Hands the envelope to the transport and remembers its id on the isolation scope.
fn hand_over(client: &Client, isolation: &Scope, envelope: EncodedEnvelope) -> Option<Uuid> {
    let id = envelope.event_id()?;
    client.send(envelope);
    isolation.set_last_event_id(id);
    Some(id)
}

/// Applies the scopes to a transaction, runs the transaction processors and
/// `before_send_transaction`, and sends it; never sampled by `sample_rate` (spans decide that
/// when they start), never sets `last_event_id` (E05). Drops are counted for the transaction
/// and each of its spans.
pub(crate) fn capture_transaction(txn: impl Into<TransactionInput>) -> Option<Uuid> {
    let txn = txn.into();
    let client = Client::current()?;
    let _flag = thread::enter_capture()?;
    let spans = txn.span_count();
    let dropped = |reason| {
        let discards = client.discards();
        discards.record(reason, Category::Transaction, 1);
        discards.record(reason, Category::Span, spans);
        None
    };
    let (isolation, _, current) = active_snapshot();
    let isolation_data = isolation.data();
    let global_data = global().data();
    let before_send = client.options().before_send_transaction.as_ref();
    let no_processors = [&global_data, &isolation_data, &current]
        .iter()
        .all(|l| l.seldom.transaction_processors.is_empty());
    if before_send.is_none() && no_processors {
        // Nothing needs the transaction as a value: merge, finish and encode where the bytes
        // are needed, as for events.
        let id = txn.event_id();
        let layers = [global_data, isolation_data.clone(), current];
        let defaults = client.defaults().clone();
        let envelope = encode::deferred_transaction(txn, layers, isolation_data, defaults);
        client.send(envelope);
        return Some(id);
    }
    let mut txn = txn.into_typed();
    let layers = [&*global_data, &*isolation_data, &*current];
    apply_to_transaction(&mut txn, &layers, &isolation_data.seldom.propagation);
    client.defaults().fill_transaction(&mut txn);
    for p in layers
        .iter()
        .flat_map(|l| l.seldom.transaction_processors.iter())
    {
        let before = txn.clone();
        match call_user("transaction processor", || (p.0)(txn)) {
            Some(Some(t)) => txn = t,
            Some(None) => return dropped(DiscardReason::EventProcessor),
            None => txn = before, // skipped, as a panicking event processor is
        }
    }
    if let Some(before_send) = before_send {
        let Some(Some(t)) = call_user("before_send_transaction", || before_send(txn)) else {
            client.debug_log(|| "transaction dropped by before_send_transaction".to_owned());
            return dropped(DiscardReason::BeforeSend);
        };
        txn = t;
    }
    finish_transaction(&mut txn, client.options().send_default_pii);
    let id = txn.event_id;
    let Some(envelope) = encode::transaction(&txn, &attachments(&layers, true)) else {
        return dropped(DiscardReason::InternalSdkError);
    };
    client.send(envelope);
    Some(id)
}

/// Keeps an event with probability `rate`.
fn sampled_in(rate: f32) -> bool {
    if rate >= 1.0 {
        return true;
    }
    if rate <= 0.0 {
        return false;
    }
    // The per-thread generator spans use: no system call per event.
    crate::scope::random_unit() < f64::from(rate)
}
