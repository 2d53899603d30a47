//! [`EncodedEnvelope`]: what the capture pipeline hands every transport. The bytes are written
//! once, on the capturing thread; delivery never serialises an event again, and only looks at
//! the small description of each item (its kind and what it counts for in client reports).

use std::io::{self, Write};
use std::ops::Range;

use sentry_types::protocol::v7::EnvelopeHeaders;

use crate::protocol::{Category, Envelope, EnvelopeItem, LossSource, Reason, Uuid};

/// An envelope as it is sent: the serialised bytes, and what each item in them is.
///
/// Every transport receives envelopes in this form; [`as_bytes`](Self::as_bytes) is exactly
/// what a Sentry server's envelope endpoint takes. To look inside, [`parse`](Self::parse) gives
/// the typed [`Envelope`] (at the cost of parsing it).
///
/// ```
/// use sentry_scopes::{EncodedEnvelope, Event, Envelope};
///
/// let envelope = EncodedEnvelope::from(Envelope::from(Event::default()));
/// assert_eq!(envelope.item_types().collect::<Vec<_>>(), ["event"]);
/// let typed = envelope.parse().expect("our own bytes parse");
/// assert!(typed.event().is_some());
/// ```
#[derive(Clone, Debug)]
pub struct EncodedEnvelope {
    bytes: Vec<u8>,
    /// Where the first item starts (just past the header line).
    #[cfg_attr(
        not(feature = "http"),
        expect(dead_code, reason = "read when the HTTP transport delivers")
    )]
    header_end: usize,
    items: Vec<ItemMeta>,
    event_id: Option<Uuid>,
}

/// What one item of an [`EncodedEnvelope`] is.
#[derive(Clone, Debug)]
pub(crate) struct ItemMeta {
    pub(crate) kind: ItemKind,
    /// The item's header line, payload and final newline.
    #[cfg_attr(
        not(feature = "http"),
        expect(dead_code, reason = "read when the HTTP transport delivers")
    )]
    range: Range<usize>,
    losses: Vec<Loss>,
}

/// The kinds of items the SDK sends; rate limits and client reports go by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Event,
    Transaction,
    Attachment,
    ClientReport,
    Session,
    CheckIn,
    Other,
}

impl ItemKind {
    fn of(item: &EnvelopeItem) -> Self {
        match item {
            EnvelopeItem::Event(_) => ItemKind::Event,
            EnvelopeItem::Transaction(_) => ItemKind::Transaction,
            EnvelopeItem::Attachment(_) => ItemKind::Attachment,
            EnvelopeItem::ClientReport(_) => ItemKind::ClientReport,
            EnvelopeItem::SessionUpdate(_) | EnvelopeItem::SessionAggregates(_) => {
                ItemKind::Session
            }
            EnvelopeItem::MonitorCheckIn(_) => ItemKind::CheckIn,
            _ => ItemKind::Other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ItemKind::Event => "event",
            ItemKind::Transaction => "transaction",
            ItemKind::Attachment => "attachment",
            ItemKind::ClientReport => "client_report",
            ItemKind::Session => "session",
            ItemKind::CheckIn => "check_in",
            ItemKind::Other => "other",
        }
    }
}

/// What losing an item means for client reports: `quantity` of `category`, and for the counts
/// of a client report that is lost itself, the reason they were recorded under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Loss {
    pub(crate) category: Category,
    pub(crate) quantity: u64,
    pub(crate) reason: Option<Reason>,
}

impl Loss {
    pub(crate) fn new(category: Category, quantity: u64) -> Self {
        Self {
            category,
            quantity,
            reason: None,
        }
    }
}

fn losses_of(item: &impl LossSource) -> Vec<Loss> {
    item.losses()
        .map(|l| Loss {
            category: l.category,
            quantity: l.quantity,
            reason: l.reason,
        })
        .collect()
}

impl EncodedEnvelope {
    /// The bytes to send.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Writes the bytes to `writer`.
    ///
    /// # Errors
    /// What `writer` returns.
    pub fn to_writer(&self, mut writer: impl Write) -> io::Result<()> {
        writer.write_all(&self.bytes)
    }

    /// The id of the event (or transaction) the envelope carries, if any.
    #[must_use]
    pub fn event_id(&self) -> Option<Uuid> {
        self.event_id
    }

    /// The protocol type of each item, in order: `event`, `transaction`, `attachment`,
    /// `client_report`, `session`, `check_in`, or `other`.
    pub fn item_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.items.iter().map(|i| i.kind.name())
    }

    /// What losing the whole envelope means for client reports.
    pub(crate) fn losses(&self) -> impl Iterator<Item = Loss> + '_ {
        self.items.iter().flat_map(|i| i.losses.iter().copied())
    }

    /// Parses the bytes into the typed envelope of the protocol crate, for inspection.
    ///
    /// # Errors
    /// Never for envelopes the SDK wrote; the error of `Envelope::from_slice` otherwise.
    pub fn parse(&self) -> Result<Envelope, sentry_types::protocol::v7::EnvelopeError> {
        Envelope::from_slice(&self.bytes)
    }
}

impl From<Envelope> for EncodedEnvelope {
    /// Writes a typed envelope: its headers as they are, each item as the protocol crate
    /// serialises it.
    fn from(envelope: Envelope) -> Self {
        let mut header = Vec::new();
        let _ = serde_json::to_writer(&mut header, envelope.headers());
        header.push(b'\n');
        let mut out = Writer::with_header(&header, envelope.uuid().copied());
        for item in envelope.into_items() {
            let kind = ItemKind::of(&item);
            let losses = losses_of(&item);
            let mut one = Envelope::new();
            one.add_item(item);
            let mut bytes = Vec::new();
            if one.to_writer(&mut bytes).is_ok() {
                // A one-item envelope without headers: `{}\n` and the item.
                let item_start = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
                let mut item_bytes = bytes.split_off(item_start);
                if item_bytes.last() != Some(&b'\n') {
                    item_bytes.push(b'\n');
                }
                out.raw_item(kind, &item_bytes, losses);
            }
        }
        out.finish()
    }
}

/// Writes an envelope item by item, keeping the description of each.
pub(crate) struct Writer {
    bytes: Vec<u8>,
    header_end: usize,
    items: Vec<ItemMeta>,
    event_id: Option<Uuid>,
}

impl Writer {
    /// Starts an envelope whose header names `event_id`.
    pub(crate) fn new(event_id: Option<Uuid>) -> Self {
        let mut header = Vec::with_capacity(64);
        let _ = serde_json::to_writer(
            &mut header,
            &match event_id {
                Some(id) => EnvelopeHeaders::new().with_event_id(id),
                None => EnvelopeHeaders::new(),
            },
        );
        header.push(b'\n');
        Self::with_header(&header, event_id)
    }

    fn with_header(header: &[u8], event_id: Option<Uuid>) -> Self {
        let mut bytes = Vec::with_capacity(4096);
        bytes.extend_from_slice(header);
        Self {
            header_end: bytes.len(),
            bytes,
            items: Vec::new(),
            event_id,
        }
    }

    /// Adds an item whose JSON `payload` is already written.
    pub(crate) fn item(&mut self, kind: ItemKind, payload: &[u8], losses: Vec<Loss>) {
        let start = self.bytes.len();
        write_item_header(&mut self.bytes, kind.name(), payload.len());
        self.bytes.extend_from_slice(payload);
        self.bytes.push(b'\n');
        self.items.push(ItemMeta {
            kind,
            range: start..self.bytes.len(),
            losses,
        });
    }

    /// Adds an attachment, with its own item header.
    pub(crate) fn attachment(&mut self, attachment: &crate::protocol::Attachment) {
        let start = self.bytes.len();
        if attachment.to_writer(&mut self.bytes).is_err() {
            self.bytes.truncate(start);
            return;
        }
        self.bytes.push(b'\n');
        self.items.push(ItemMeta {
            kind: ItemKind::Attachment,
            range: start..self.bytes.len(),
            losses: losses_of(attachment),
        });
    }

    /// Adds an item written elsewhere (header line, payload and final newline).
    fn raw_item(&mut self, kind: ItemKind, bytes: &[u8], losses: Vec<Loss>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        self.items.push(ItemMeta {
            kind,
            range: start..self.bytes.len(),
            losses,
        });
    }

    pub(crate) fn finish(self) -> EncodedEnvelope {
        EncodedEnvelope {
            bytes: self.bytes,
            header_end: self.header_end,
            items: self.items,
            event_id: self.event_id,
        }
    }
}

fn write_item_header(out: &mut Vec<u8>, ty: &str, len: usize) {
    let _ = writeln!(out, "{{\"type\":\"{ty}\",\"length\":{len}}}");
}

#[cfg(feature = "http")]
mod delivery;
#[cfg(test)]
mod tests;
