//! [`EncodedEnvelope`]: what the capture pipeline hands every transport. The bytes are written
//! once, on the capturing thread; delivery never serialises an event again, and only looks at
//! the small description of each item (its kind and what it counts for in client reports).

use std::io::{self, Write};
use std::ops::Range;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::protocol::{Category, Envelope, EnvelopeItem, LossSource, Reason, Uuid};

/// An envelope as transports receive it: its bytes, and what each item in them is.
///
/// Every transport receives envelopes in this form; [`as_bytes`](Self::as_bytes) is exactly
/// what a Sentry server's envelope endpoint takes. To look inside, [`parse`](Self::parse) gives
/// the typed [`Envelope`] (at the cost of parsing it).
///
/// The bytes of an event captured without event processors or `before_send` are written when
/// they are first asked for, on that thread: the capture only takes a snapshot of the immutable
/// scope data, so the capturing thread does not pay for serialisation when the transport sends
/// from a thread of its own (as the HTTP transport does). The result is the same either way.
///
/// ```
/// use sentry_scopes::{EncodedEnvelope, Event, Envelope};
///
/// let envelope = EncodedEnvelope::from(Envelope::from(Event::default()));
/// assert_eq!(envelope.item_types().collect::<Vec<_>>(), ["event"]);
/// let typed = envelope.parse().expect("our own bytes parse");
/// assert!(typed.event().is_some());
/// ```
pub struct EncodedEnvelope {
    event_id: Option<Uuid>,
    /// The kind and losses of each item, known before the bytes are written.
    summary: Vec<(ItemKind, Vec<Loss>)>,
    encoded: OnceLock<Encoded>,
    /// Writes the bytes; taken by the first call that needs them.
    pending: Mutex<Option<Deferred>>,
}

/// Writes an envelope's bytes later (the capture pipeline's deferred encoding).
pub(crate) type Deferred = Box<dyn FnOnce() -> Encoded + Send>;

/// The bytes of an envelope and where each item lies in them.
#[derive(Clone, Debug)]
pub(crate) struct Encoded {
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

/// What an attachment item will be, for the summary of a deferred envelope.
pub(crate) fn attachment_summary(
    attachment: &crate::protocol::Attachment,
) -> (ItemKind, Vec<Loss>) {
    (ItemKind::Attachment, losses_of(attachment))
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
    /// An envelope whose bytes are already written.
    pub(crate) fn ready(encoded: Encoded) -> Self {
        let summary = encoded
            .items
            .iter()
            .map(|i| (i.kind, i.losses.clone()))
            .collect();
        Self {
            event_id: encoded.event_id,
            summary,
            encoded: OnceLock::from(encoded),
            pending: Mutex::new(None),
        }
    }

    /// An envelope whose bytes `write` produces when they are first needed; `summary` says
    /// what its items will be.
    pub(crate) fn deferred(
        event_id: Option<Uuid>,
        summary: Vec<(ItemKind, Vec<Loss>)>,
        write: Deferred,
    ) -> Self {
        Self {
            event_id,
            summary,
            encoded: OnceLock::new(),
            pending: Mutex::new(Some(write)),
        }
    }

    /// The written form, writing it now if it was deferred.
    pub(crate) fn encoded(&self) -> &Encoded {
        self.encoded.get_or_init(|| {
            let write = self
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            write.map_or_else(|| Writer::new(self.event_id).finish_encoded(), |w| w())
        })
    }

    /// The written form, owned.
    pub(crate) fn into_encoded(self) -> Encoded {
        self.encoded();
        self.encoded
            .into_inner()
            .unwrap_or_else(|| Writer::new(None).finish_encoded())
    }

    /// The bytes to send.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.encoded().bytes
    }

    /// Writes the bytes to `writer`.
    ///
    /// # Errors
    /// What `writer` returns.
    pub fn to_writer(&self, mut writer: impl Write) -> io::Result<()> {
        writer.write_all(self.as_bytes())
    }

    /// The id of the event (or transaction) the envelope carries, if any.
    #[must_use]
    pub fn event_id(&self) -> Option<Uuid> {
        self.event_id
    }

    /// The protocol type of each item, in order: `event`, `transaction`, `attachment`,
    /// `client_report`, `session`, `check_in`, or `other`.
    pub fn item_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.summary.iter().map(|(kind, _)| kind.name())
    }

    /// The kind of each item (what rate limits are checked against).
    #[cfg(feature = "http")]
    pub(crate) fn kinds(&self) -> impl Iterator<Item = ItemKind> + '_ {
        self.summary.iter().map(|(kind, _)| *kind)
    }

    /// What losing each item means for client reports, item by item.
    pub(crate) fn item_losses(&self) -> impl Iterator<Item = &[Loss]> + '_ {
        self.summary.iter().map(|(_, l)| l.as_slice())
    }

    /// What losing the whole envelope means for client reports.
    pub(crate) fn losses(&self) -> impl Iterator<Item = Loss> + '_ {
        self.summary.iter().flat_map(|(_, l)| l.iter().copied())
    }

    /// Parses the bytes into the typed envelope of the protocol crate, for inspection.
    ///
    /// # Errors
    /// Never for envelopes the SDK wrote; the error of `Envelope::from_slice` otherwise.
    pub fn parse(&self) -> Result<Envelope, sentry_types::protocol::v7::EnvelopeError> {
        Envelope::from_slice(self.as_bytes())
    }
}

impl Clone for EncodedEnvelope {
    /// A copy of the written form (a deferred envelope is written first).
    fn clone(&self) -> Self {
        Self::ready(self.encoded().clone())
    }
}

impl std::fmt::Debug for EncodedEnvelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncodedEnvelope")
            .field("event_id", &self.event_id)
            .field("items", &self.item_types().collect::<Vec<_>>())
            .field("written", &self.encoded.get().is_some())
            .finish_non_exhaustive()
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
    /// Starts an envelope whose header names `event_id`: the JSON serde writes for
    /// `EnvelopeHeaders` holding only that id (pinned by a test), without serde.
    pub(crate) fn new(event_id: Option<Uuid>) -> Self {
        let mut header = [0u8; 52];
        let len = match event_id {
            Some(id) => {
                header[..13].copy_from_slice(b"{\"event_id\":\"");
                id.as_hyphenated().encode_lower(&mut header[13..49]);
                header[49..52].copy_from_slice(b"\"}\n");
                52
            }
            None => {
                header[..3].copy_from_slice(b"{}\n");
                3
            }
        };
        Self::with_header(&header[..len], event_id)
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

    /// Adds an item whose JSON payload `write` appends to the envelope's bytes, which saves
    /// writing it elsewhere and copying it in. When `write` gives `None` the envelope is left
    /// as it was.
    pub(crate) fn item_with(
        &mut self,
        kind: ItemKind,
        losses: Vec<Loss>,
        write: impl FnOnce(&mut Vec<u8>) -> Option<()>,
    ) -> Option<()> {
        let start = self.bytes.len();
        if write(&mut self.bytes).is_none() {
            self.bytes.truncate(start);
            return None;
        }
        let end = self.bytes.len();
        // The header is written after the payload, kept on the stack (it is at most 55
        // bytes), and put in front of the payload after moving that up once.
        write_item_header(&mut self.bytes, kind.name(), end - start);
        let mut header = [0u8; 64];
        let len = self.bytes.len() - end;
        header[..len].copy_from_slice(&self.bytes[end..]);
        self.bytes.copy_within(start..end, start + len);
        self.bytes[start..start + len].copy_from_slice(&header[..len]);
        self.bytes.push(b'\n');
        self.items.push(ItemMeta {
            kind,
            range: start..self.bytes.len(),
            losses,
        });
        Some(())
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
        EncodedEnvelope::ready(self.finish_encoded())
    }

    pub(crate) fn finish_encoded(self) -> Encoded {
        Encoded {
            bytes: self.bytes,
            header_end: self.header_end,
            items: self.items,
            event_id: self.event_id,
        }
    }
}

/// Writes `{"type":"<ty>","length":<len>}` and a newline (`ty` needs no escaping), without
/// the formatting machinery: this runs for every item.
fn write_item_header(out: &mut Vec<u8>, ty: &str, len: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = len;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(ty.as_bytes());
    out.extend_from_slice(b"\",\"length\":");
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(b"}\n");
}

#[cfg(feature = "http")]
mod delivery;
#[cfg(test)]
mod tests;
