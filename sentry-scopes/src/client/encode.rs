//! The encode stage of the pipeline: an event or transaction, with its attachments, becomes the
//! [`EncodedEnvelope`] every transport receives. This is the one place events are serialised.

use std::sync::Arc;

use super::defaults::Defaults;
use super::finish::finish_event;
use super::fit::fit_event;
use super::limits::MAX_EVENT_BYTES;
use super::raw::event_payload;
use super::raw_transaction::{finish_and_write, finish_and_write_recorded};
use crate::protocol::{Attachment, Category, Event, LossSource, Transaction, Uuid};
use crate::scope::merge::{
    apply_except_tags_and_breadcrumbs, apply_tags_and_breadcrumbs, attachments,
};
use crate::scope::{FinishedTransaction, ScopeData};
use crate::transport::{Encoded, EncodedEnvelope, ItemKind, Loss, Writer, attachment_summary};

/// An event that no processor or `before_send` needs to see, encoded when its bytes are first
/// needed (on the transport's thread for the HTTP transport): the scope layers are immutable
/// snapshots, so merging, finishing and writing can happen on any thread, later, with the same
/// result. `isolation` is the layer whose trace the event reports.
pub(crate) fn deferred_event(
    event: Event<'static>,
    layers: Vec<Arc<ScopeData>>,
    isolation: Arc<ScopeData>,
    defaults: Arc<Defaults>,
) -> EncodedEnvelope {
    let refs: Vec<&ScopeData> = layers.iter().map(|l| &**l).collect();
    let mut summary = vec![(ItemKind::Event, vec![Loss::new(Category::Error, 1)])];
    summary.extend(
        refs.iter()
            .flat_map(|l| l.seldom.attachments.iter())
            .map(|a| attachment_summary(&a.attachment)),
    );
    let id = Some(event.event_id);
    EncodedEnvelope::deferred(
        id,
        summary,
        Box::new(move || merged_raw_event(event, &layers, &isolation, &defaults)),
    )
}

/// Merges, finishes and writes a deferred event.
fn merged_raw_event(
    mut event: Event<'static>,
    layers: &[Arc<ScopeData>],
    isolation: &ScopeData,
    defaults: &Defaults,
) -> Encoded {
    let refs: Vec<&ScopeData> = layers.iter().map(|l| &**l).collect();
    apply_except_tags_and_breadcrumbs(&mut event, &refs, &isolation.seldom.propagation);
    defaults.fill_event_fields(&mut event);
    finish_event(&mut event, defaults.send_default_pii);
    let atts = attachments(&refs, false);
    let max = defaults.max_breadcrumbs;
    // Written straight into the envelope; an item over 1 MiB is taken out again and the
    // event goes the typed way, which cuts it to fit.
    let id = event.event_id;
    let written = writer(id, &atts, |buf| {
        let start = buf.len();
        event_payload(&mut event, &refs, max, Some(defaults), buf)?;
        (buf.len() - start <= MAX_EVENT_BYTES).then_some(())
    });
    if let Some(out) = written {
        return out.finish_encoded();
    }
    defaults.fill_event_host(&mut event);
    apply_tags_and_breadcrumbs(&mut event, &refs, max);
    typed_event(event, &atts).map_or_else(
        || Writer::new(None).finish_encoded(),
        EncodedEnvelope::into_encoded,
    )
}

/// A typed event, cut to fit 1 MiB first when needed (`fit.rs`); `None` when it cannot fit.
pub(crate) fn typed_event(
    mut event: Event<'static>,
    attachments: &[Attachment],
) -> Option<EncodedEnvelope> {
    let mut payload = serde_json::to_vec(&event).ok()?;
    if payload.len() > MAX_EVENT_BYTES {
        if !fit_event(&mut event, MAX_EVENT_BYTES) {
            return None;
        }
        payload = serde_json::to_vec(&event).ok()?;
    }
    let write = |buf: &mut Vec<u8>| {
        buf.extend_from_slice(&payload);
        Some(())
    };
    Some(writer(event.event_id, attachments, write)?.finish())
}

/// An envelope writer holding the event item that `write` appends to its bytes, and the
/// attachments; `None` when `write` gives `None`.
fn writer(
    event_id: Uuid,
    attachments: &[Attachment],
    write: impl FnOnce(&mut Vec<u8>) -> Option<()>,
) -> Option<Writer> {
    let mut out = Writer::new(Some(event_id));
    let losses = vec![Loss::new(Category::Error, 1)];
    out.item_with(ItemKind::Event, losses, write)?;
    for a in attachments {
        out.attachment(a);
    }
    Some(out)
}

/// A transaction on its way to the transport: as its span tree recorded it, or whole
/// (`capture_transaction_event`).
#[expect(
    clippy::large_enum_variant,
    reason = "moved a few times, then into the deferred encoder's box; never stored in bulk"
)]
pub(crate) enum TransactionInput {
    Recorded(FinishedTransaction),
    Typed(Transaction<'static>),
}

impl From<FinishedTransaction> for TransactionInput {
    fn from(txn: FinishedTransaction) -> Self {
        Self::Recorded(txn)
    }
}

impl From<Transaction<'static>> for TransactionInput {
    fn from(txn: Transaction<'static>) -> Self {
        Self::Typed(txn)
    }
}

impl TransactionInput {
    pub(crate) fn event_id(&self) -> Uuid {
        match self {
            Self::Recorded(t) => t.event_id,
            Self::Typed(t) => t.event_id,
        }
    }

    /// Spans sent, the transaction's own included.
    pub(crate) fn span_count(&self) -> u64 {
        match self {
            Self::Recorded(t) => t.span_count(),
            Self::Typed(t) => t.spans.len() as u64 + 1,
        }
    }

    /// The transaction as a value, for processors and `before_send_transaction`.
    pub(crate) fn into_typed(self) -> Transaction<'static> {
        match self {
            Self::Recorded(t) => t.into_typed(),
            Self::Typed(t) => t,
        }
    }

    /// What losing it means for client reports: the transaction and its spans (as
    /// sentry-types counts a `Transaction`).
    fn losses(&self) -> Vec<Loss> {
        vec![
            Loss::new(Category::Transaction, 1),
            Loss::new(Category::Span, self.span_count()),
        ]
    }
}

/// A transaction that no processor or `before_send_transaction` needs to see, merged,
/// finished and written when its bytes are first needed, like [`deferred_event`]: written
/// straight from the transaction and the scope layers (`raw_transaction.rs`), not cloned
/// into a typed transaction for serde. Its spans are final already (a transaction is sent
/// when its root span finishes).
pub(crate) fn deferred_transaction(
    txn: TransactionInput,
    layers: [Arc<ScopeData>; 3],
    isolation: Arc<ScopeData>,
    defaults: Arc<Defaults>,
) -> EncodedEnvelope {
    let mut summary = vec![(ItemKind::Transaction, txn.losses())];
    let has_attachments = layers.iter().any(|l| !l.seldom.attachments.is_empty());
    if has_attachments {
        summary.extend(
            layers
                .iter()
                .flat_map(|l| l.seldom.attachments.iter())
                .filter(|a| a.add_to_transactions)
                .map(|a| attachment_summary(&a.attachment)),
        );
    }
    let id = txn.event_id();
    EncodedEnvelope::deferred(
        Some(id),
        summary,
        Box::new(move || {
            let mut txn = txn;
            let refs = layers.each_ref().map(|l| &**l);
            let mut out = Writer::new(Some(id));
            let (trace, losses) = (&isolation.seldom.propagation, txn.losses());
            let written = out.item_with(ItemKind::Transaction, losses, |buf| match &mut txn {
                TransactionInput::Recorded(t) => {
                    finish_and_write_recorded(t, &refs, trace, &defaults, buf)
                }
                TransactionInput::Typed(t) => finish_and_write(t, &refs, trace, &defaults, buf),
            });
            if written.is_none() {
                return Writer::new(None).finish_encoded();
            }
            if has_attachments {
                for a in &attachments(&refs, true) {
                    out.attachment(a);
                }
            }
            out.finish_encoded()
        }),
    )
}

fn losses_of(txn: &Transaction<'static>) -> Vec<Loss> {
    txn.losses()
        .map(|l| Loss::new(l.category, l.quantity))
        .collect()
}

/// A transaction with its attachments.
pub(crate) fn transaction(
    txn: &Transaction<'static>,
    attachments: &[Attachment],
) -> Option<EncodedEnvelope> {
    let payload = serde_json::to_vec(txn).ok()?;
    let mut out = Writer::new(Some(txn.event_id));
    out.item(ItemKind::Transaction, &payload, losses_of(txn));
    for a in attachments {
        out.attachment(a);
    }
    Some(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Breadcrumb, EnvelopeItem};

    fn attachment() -> Attachment {
        Attachment {
            buffer: b"hello".to_vec(),
            filename: "a.txt".into(),
            ..Attachment::default()
        }
    }

    fn defaults() -> Arc<Defaults> {
        Arc::new(Defaults::new(&crate::ClientOptions::new()))
    }

    #[test]
    fn attachments_follow_the_event_item() {
        let event = Event::default();
        let mut layer = ScopeData::default();
        layer.add_attachment(Arc::new(crate::scope::StoredAttachment {
            attachment: attachment(),
            add_to_transactions: false,
        }));
        let layer = Arc::new(layer);
        let encoded = deferred_event(event.clone(), vec![layer.clone()], layer, defaults());
        assert_eq!(
            encoded.item_types().collect::<Vec<_>>(),
            ["event", "attachment"]
        );
        let parsed = encoded.parse().unwrap();
        let items: Vec<_> = parsed.items().collect();
        assert!(matches!(items[0], EnvelopeItem::Event(_)));
        let EnvelopeItem::Attachment(a) = items[1] else {
            panic!("the second item is not the attachment: {:?}", items[1]);
        };
        assert_eq!(
            (&a.buffer[..], a.filename.as_str()),
            (&b"hello"[..], "a.txt")
        );
        assert_eq!(parsed.uuid(), Some(&event.event_id));
    }

    #[test]
    fn a_deferred_event_over_one_mebibyte_is_cut_to_fit_when_written() {
        let mut layer = ScopeData::default();
        let crumb = Breadcrumb {
            data: [("blob".to_owned(), "x".repeat(MAX_EVENT_BYTES).into())].into(),
            ..Breadcrumb::default()
        };
        let crumb = crate::scope::StoredCrumb::new(crumb, true);
        layer.push_breadcrumb(crumb, 100);
        let mut event = Event::default();
        event.tags.insert("own".into(), "1".into());
        let layer = Arc::new(layer);
        let encoded = deferred_event(event, vec![layer.clone()], layer, defaults());
        let parsed = encoded.parse().unwrap();
        let sent = parsed.event().unwrap();
        assert!(
            sent.breadcrumbs.values.is_empty(),
            "the breadcrumb went to make it fit"
        );
        assert_eq!(sent.tags["own"], "1");
    }

    #[test]
    fn a_typed_event_whose_message_alone_is_too_large_is_not_encoded() {
        // The pipeline cuts messages to 8192 characters first; without that cut nothing fits.
        let event = Event {
            message: Some("m".repeat(2 * MAX_EVENT_BYTES)),
            ..Event::default()
        };
        assert!(typed_event(event, &[]).is_none());
    }

    #[test]
    fn transactions_count_their_spans() {
        let txn = Transaction {
            spans: vec![Default::default(), Default::default()],
            ..Transaction::default()
        };
        let encoded = transaction(&txn, &[]).unwrap();
        let losses: Vec<_> = encoded.losses().map(|l| (l.category, l.quantity)).collect();
        assert_eq!(losses, [(Category::Transaction, 1), (Category::Span, 3)]);
    }
}
