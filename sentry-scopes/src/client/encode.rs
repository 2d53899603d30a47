//! The encode stage of the pipeline: an event or transaction, with its attachments, becomes the
//! [`EncodedEnvelope`] every transport receives. This is the one place events are serialised.

use super::fit::fit_event;
use super::limits::MAX_EVENT_BYTES;
use super::raw::event_payload;
use crate::protocol::{Attachment, Category, Event, LossSource, Transaction};
use crate::scope::ScopeData;
use crate::transport::{EncodedEnvelope, ItemKind, Loss, Writer};

/// An event written straight from the scope layers (`raw.rs`), or `None` when its item would be
/// over the 1 MiB a server accepts: the caller then merges it into a typed event.
pub(crate) fn raw_event(
    event: &mut Event<'static>,
    layers: &[&ScopeData],
    max_breadcrumbs: usize,
    attachments: &[Attachment],
) -> Option<EncodedEnvelope> {
    let payload = event_payload(event, layers, max_breadcrumbs)?;
    (payload.len() <= MAX_EVENT_BYTES).then(|| envelope(event, &payload, attachments))
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
    Some(envelope(&event, &payload, attachments))
}

fn envelope(event: &Event<'static>, payload: &[u8], attachments: &[Attachment]) -> EncodedEnvelope {
    let mut out = Writer::new(Some(event.event_id));
    out.item(
        ItemKind::Event,
        payload,
        vec![Loss::new(Category::Error, 1)],
    );
    for a in attachments {
        out.attachment(a);
    }
    out.finish()
}

/// A transaction with its attachments.
pub(crate) fn transaction(
    txn: &Transaction<'static>,
    attachments: &[Attachment],
) -> Option<EncodedEnvelope> {
    let payload = serde_json::to_vec(txn).ok()?;
    let losses = txn
        .losses()
        .map(|l| Loss::new(l.category, l.quantity))
        .collect();
    let mut out = Writer::new(Some(txn.event_id));
    out.item(ItemKind::Transaction, &payload, losses);
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

    #[test]
    fn attachments_follow_the_event_item() {
        let mut event = Event::default();
        let encoded = raw_event(&mut event, &[], 100, &[attachment()]).unwrap();
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
    fn an_event_over_one_mebibyte_is_cut_on_the_typed_path_and_refused_raw() {
        let mut layer = ScopeData::default();
        let crumb = crate::scope::StoredCrumb::new(Breadcrumb {
            data: [("blob".to_owned(), "x".repeat(MAX_EVENT_BYTES).into())].into(),
            ..Breadcrumb::default()
        });
        layer.push_breadcrumb(crumb, 100);
        let mut event = Event::default();
        event.tags.insert("own".into(), "1".into());
        assert!(raw_event(&mut event, &[&layer], 100, &[]).is_none());
        assert_eq!(event.tags.len(), 1, "the event is left as it was");

        crate::scope::merge::apply_tags_and_breadcrumbs(&mut event, &[&layer], 100);
        let encoded = typed_event(event, &[]).unwrap();
        let parsed = encoded.parse().unwrap();
        let sent = parsed.event().unwrap();
        assert!(
            sent.breadcrumbs.values.is_empty(),
            "the breadcrumb went to make it fit"
        );
        assert_eq!(sent.tags["own"], "1");
    }

    #[test]
    fn an_event_that_cannot_fit_is_not_encoded() {
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
