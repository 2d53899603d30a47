//! What delivery (the HTTP transport) does with an encoded envelope: drop rate-limited items,
//! add client reports, stamp `sent_at`, read back what the offline cache kept.

use sentry_types::protocol::v7::EnvelopeHeaders;

use super::{
    Encoded, EncodedEnvelope, ItemKind, ItemMeta, Loss, Writer, losses_of, write_item_header,
};
use crate::protocol::{ClientReport, Envelope};

impl ItemMeta {
    /// What losing this item means for client reports.
    pub(crate) fn losses(&self) -> &[Loss] {
        &self.losses
    }
}

impl Encoded {
    /// Reads bytes written by the SDK (the offline cache): parsed, then written again, so the
    /// description of the items is what the bytes say.
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Self, String> {
        Envelope::from_slice(bytes)
            .map(|e| EncodedEnvelope::from(e).into_encoded())
            .map_err(|e| e.to_string())
    }

    /// Keeps the items `keep` accepts (asked once per item); `None` when none is left. The
    /// header stays as it is.
    pub(crate) fn retain(self, keep: impl FnMut(&ItemMeta) -> bool) -> Option<Self> {
        let kept: Vec<bool> = self.items.iter().map(keep).collect();
        if kept.iter().all(|k| *k) {
            return Some(self);
        }
        let mut out = Writer::with_header(&self.bytes[..self.header_end], self.event_id);
        for (item, _) in self.items.iter().zip(&kept).filter(|(_, k)| **k) {
            out.raw_item(
                item.kind,
                &self.bytes[item.range.clone()],
                item.losses.clone(),
            );
        }
        (!out.items.is_empty()).then(|| out.finish_encoded())
    }

    /// Appends a client report as one more item.
    pub(crate) fn with_report(mut self, report: &ClientReport) -> Self {
        if let Ok(payload) = serde_json::to_vec(report) {
            let start = self.bytes.len();
            write_item_header(&mut self.bytes, "client_report", payload.len());
            self.bytes.extend_from_slice(&payload);
            self.bytes.push(b'\n');
            self.items.push(ItemMeta {
                kind: ItemKind::ClientReport,
                range: start..self.bytes.len(),
                losses: losses_of(report),
            });
        }
        self
    }

    /// An envelope of one client report.
    pub(crate) fn report(report: &ClientReport) -> Self {
        Writer::new(None).finish_encoded().with_report(report)
    }

    /// The bytes with `sent_at` in the header, as they go on the wire.
    ///
    /// The header is always JSON that serde wrote (ours, or the cache's read back through the
    /// protocol crate), so an object without `"sent_at"` anywhere in it has no such key: the
    /// stamp, as serde writes it for `EnvelopeHeaders`, goes in as the object's last member,
    /// with one copy of the bytes and no parse. A header that already has one (an envelope
    /// from the offline cache) is parsed and the value replaced.
    pub(crate) fn stamped(&self, now: std::time::SystemTime) -> Vec<u8> {
        let header = &self.bytes[..self.header_end];
        let line = header.strip_suffix(b"\n").unwrap_or(header);
        let stamp = EnvelopeHeaders::new().with_sent_at(now);
        let mut out = Vec::with_capacity(self.bytes.len() + 48);
        if !splice_stamp(line, &stamp, &mut out) {
            out.clear();
            if replace_stamp(line, &stamp, &mut out).is_none() {
                return self.bytes.clone();
            }
        }
        out.push(b'\n');
        out.extend_from_slice(&self.bytes[self.header_end..]);
        out
    }
}

/// Writes the object `line` with `stamp`'s `sent_at` as its last member to `out`; `false`
/// (and `out` to be cleared) when `line` already names `sent_at` or is not an object.
fn splice_stamp(line: &[u8], stamp: &EnvelopeHeaders, out: &mut Vec<u8>) -> bool {
    let Some(open) = line.strip_suffix(b"}") else {
        return false;
    };
    if contains(line, b"\"sent_at\"") {
        return false;
    }
    out.extend_from_slice(open);
    let at = out.len();
    if serde_json::to_writer(&mut *out, stamp).is_err() || out.get(at) != Some(&b'{') {
        return false;
    }
    // `{"sent_at":..}` follows the header's members: its brace becomes their comma.
    if open == b"{" {
        out.remove(at);
    } else {
        out[at] = b',';
    }
    true
}

/// Writes `line` parsed, with `sent_at` set to `stamp`'s, to `out`.
fn replace_stamp(line: &[u8], stamp: &EnvelopeHeaders, out: &mut Vec<u8>) -> Option<()> {
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line).ok()?;
    let stamp = serde_json::to_value(stamp).ok()?;
    map.insert("sent_at".to_owned(), stamp.get("sent_at")?.clone());
    serde_json::to_writer(out, &map).ok()
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

impl EncodedEnvelope {
    /// Reads back what the offline cache kept.
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Self, String> {
        Encoded::from_slice(bytes).map(Self::ready)
    }

    /// Where each item lies (the bytes are written first if they were deferred).
    pub(crate) fn items(&self) -> &[ItemMeta] {
        &self.encoded().items
    }

    /// Whether every item is a client report.
    pub(crate) fn is_report_only(&self) -> bool {
        self.summary
            .iter()
            .all(|(kind, _)| *kind == ItemKind::ClientReport)
    }

    /// Keeps the items `keep` accepts (asked once per item); `None` when none is left.
    pub(crate) fn retain(self, keep: impl FnMut(&ItemMeta) -> bool) -> Option<Self> {
        self.into_encoded().retain(keep).map(Self::ready)
    }

    /// Appends a client report as one more item.
    pub(crate) fn with_report(self, report: &ClientReport) -> Self {
        Self::ready(self.into_encoded().with_report(report))
    }

    /// An envelope of one client report.
    pub(crate) fn report(report: &ClientReport) -> Self {
        Self::ready(Encoded::report(report))
    }

    /// The bytes with `sent_at` in the header, as they go on the wire.
    pub(crate) fn stamped(&self, now: std::time::SystemTime) -> Vec<u8> {
        self.encoded().stamped(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Category, DiscardedItem, Reason, Transaction};

    fn event_with_attachment() -> Envelope {
        let mut envelope = Envelope::from(crate::protocol::Event::default());
        envelope.add_item(crate::protocol::Attachment {
            buffer: b"data".to_vec(),
            filename: "a.txt".into(),
            ..crate::protocol::Attachment::default()
        });
        envelope
    }

    #[test]
    fn retain_drops_items_and_keeps_the_rest_byte_for_byte() {
        let encoded = EncodedEnvelope::from(event_with_attachment());
        let only_attachment = encoded
            .clone()
            .retain(|i| i.kind == ItemKind::Attachment)
            .unwrap();
        let parsed = only_attachment.parse().unwrap();
        assert_eq!(parsed.items().count(), 1);
        assert_eq!(
            parsed.uuid(),
            encoded.parse().unwrap().uuid(),
            "the header stays"
        );
        let mut asked = 0;
        assert!(
            encoded
                .retain(|_| {
                    asked += 1;
                    false
                })
                .is_none()
        );
        assert_eq!(asked, 2, "each item is asked about once");
    }

    #[test]
    fn a_report_is_appended_and_its_counts_keep_their_reason() {
        let report =
            ClientReport::new([DiscardedItem::new(Category::Error, Reason::SampleRate, 3)]);
        let encoded =
            EncodedEnvelope::from(Envelope::from(Transaction::default())).with_report(&report);
        assert_eq!(
            encoded.item_types().collect::<Vec<_>>(),
            ["transaction", "client_report"]
        );
        assert!(!encoded.is_report_only());
        let report_losses: Vec<_> = encoded.items()[1].losses.clone();
        assert_eq!(report_losses[0].reason, Some(Reason::SampleRate));
        assert_eq!(report_losses[0].quantity, 3);
        assert_eq!(encoded.parse().unwrap().items().count(), 2);
        assert!(EncodedEnvelope::report(&report).is_report_only());
    }

    #[test]
    fn stamping_adds_sent_at_and_keeps_everything_else() {
        let encoded = EncodedEnvelope::from(event_with_attachment());
        let stamped = encoded.stamped(std::time::SystemTime::now());
        let header: serde_json::Value =
            serde_json::from_slice(stamped.split(|&b| b == b'\n').next().unwrap()).unwrap();
        assert!(header["sent_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(header["event_id"].as_str().map(str::len), Some(36));
        let parsed = Envelope::from_slice(&stamped).unwrap();
        assert_eq!(parsed.items().count(), 2);
    }

    /// The header line of `bytes`, parsed.
    fn header_of(bytes: &[u8]) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_slice(bytes.split(|&b| b == b'\n').next().unwrap()).unwrap()
    }

    #[test]
    fn stamping_writes_the_header_serde_writes_for_every_kind_of_header() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 123_456_789);
        let traced = Envelope::from(crate::protocol::Event::default()).with_headers(
            EnvelopeHeaders::new()
                .with_event_id(crate::protocol::Uuid::new_v4())
                .with_dsn("https://public@example.com/1".parse().unwrap()),
        );
        for encoded in [
            EncodedEnvelope::from(event_with_attachment()),
            EncodedEnvelope::from(traced),
            Writer::new(None).finish(),
            Writer::new(Some(crate::protocol::Uuid::new_v4())).finish(),
        ] {
            let stamped = encoded.stamped(at);
            let mut expected = header_of(encoded.as_bytes());
            let stamp = serde_json::to_value(EnvelopeHeaders::new().with_sent_at(at)).unwrap();
            expected.insert("sent_at".to_owned(), stamp["sent_at"].clone());
            assert_eq!(header_of(&stamped), expected);
            let body = |b: &[u8]| b[b.iter().position(|&c| c == b'\n').unwrap()..].to_vec();
            assert_eq!(body(&stamped), body(encoded.as_bytes()), "items untouched");
        }
    }

    #[test]
    fn stamping_again_replaces_the_old_stamp() {
        let first = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let encoded = EncodedEnvelope::from(event_with_attachment());
        let cached = EncodedEnvelope::from_slice(&encoded.stamped(first)).unwrap();
        let again = cached.stamped(first + std::time::Duration::from_secs(60));
        let line = again.split(|&b| b == b'\n').next().unwrap();
        assert_eq!(line.windows(9).filter(|w| w == b"\"sent_at\"").count(), 1);
        assert_eq!(header_of(&again)["sent_at"], "2023-11-14T22:14:20Z");
    }

    #[test]
    fn what_the_cache_kept_reads_back_with_its_items() {
        let encoded = EncodedEnvelope::from(event_with_attachment());
        let again = EncodedEnvelope::from_slice(encoded.as_bytes()).unwrap();
        assert_eq!(
            again.item_types().collect::<Vec<_>>(),
            ["event", "attachment"]
        );
        assert!(EncodedEnvelope::from_slice(b"not an envelope").is_err());
    }
}
