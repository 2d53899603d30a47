//! JSON pieces written by hand for what `raw_transaction.rs` and `raw.rs` write without serde
//! (transactions; an event's tags): the same bytes serde_json and sentry-types' serialisers
//! write, at a fraction of the cost.
//!
//! - strings are escaped eight bytes at a time: most bytes need no escape, and serde_json looks
//!   each one up on its own;
//! - span and trace ids are hex-encoded from their bytes, not through `Display` (which
//!   allocates a `String` for the hex and another for the result);
//! - timestamps are written as sentry-types writes them (RFC 3339 with trailing zeros of the
//!   fraction cut, or float seconds) without the `time` crate's general formatter.
//!
//! Object members are written with [`key`], which puts the comma before every member but the
//! first; a writer opens each object with `{` and closes it with `}`.

use std::hash::{Hash, Hasher};
use std::time::SystemTime;

use crate::protocol::{SpanId, TraceId, Uuid};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Starts the member `name` (a key that needs no escaping) of the object being written.
#[inline]
pub(crate) fn key(out: &mut Vec<u8>, name: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Starts the member whose key is `name`, escaped as any string.
#[inline]
pub(crate) fn key_escaped(out: &mut Vec<u8>, name: &str) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    string(out, name);
    out.push(b':');
}

/// Whether any of the eight bytes in `w` is below 0x20, `"` or `\`.
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH != 0;
    // `w - 0x20…` borrows into the high bit of exactly the bytes below 0x20 (and of none when
    // there is none); bytes of 0x80 and above are excluded by `!w`.
    let control = w.wrapping_sub(0x20 * ONES) & !w & HIGH != 0;
    control || has_zero(w ^ (u64::from(b'"') * ONES)) || has_zero(w ^ (u64::from(b'\\') * ONES))
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it.
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let clean = clean_prefix(bytes);
    out.extend_from_slice(&bytes[..clean]);
    if clean < bytes.len() {
        escape_rest(out, &bytes[clean..]);
    }
    out.push(b'"');
}

/// How many bytes at the start of `bytes` need no escape: eight at a time, then one by one.
#[inline]
fn clean_prefix(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0;
    for chunk in chunks.by_ref() {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if needs_escape(u64::from_le_bytes(chunk)) {
            break;
        }
        n += 8;
    }
    n + bytes[n..]
        .iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .unwrap_or(bytes.len() - n)
}

/// Writes `bytes`, which start with a byte to escape.
fn escape_rest(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut clean = 0; // start of the run not yet copied
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            out.extend_from_slice(&bytes[clean..i]);
            escape(out, b);
            clean = i + 1;
        }
    }
    out.extend_from_slice(&bytes[clean..]);
}

fn escape(out: &mut Vec<u8>, b: u8) {
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// The two lower-case hex digits of every byte.
static HEX_PAIRS: [[u8; 2]; 256] = {
    let mut pairs = [[0; 2]; 256];
    let mut i = 0;
    while i < 256 {
        pairs[i] = [HEX[i >> 4], HEX[i & 0xf]];
        i += 1;
    }
    pairs
};

/// Writes the `N` bytes of an id as a quoted lower-case hex string, in one copy.
fn hex<const N: usize>(out: &mut Vec<u8>, bytes: &[u8; N]) {
    let mut buf = [b'"'; 34];
    for (pair, b) in buf[1..].chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*b)]);
    }
    out.extend_from_slice(&buf[..2 * N + 2]);
}

/// Collects the bytes an id feeds its `Hash` impl: sentry-types gives no other way to read
/// the bytes of a [`SpanId`] or [`TraceId`] without formatting them.
struct Bytes<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Hasher for Bytes<N> {
    fn write(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(slot) = self.buf.get_mut(self.len..end) {
            slot.copy_from_slice(bytes);
        }
        self.len = end; // past N: not the bytes of an id; `id_hex` falls back
    }

    fn write_usize(&mut self, _: usize) {
        // The length prefix of the byte slice.
    }

    fn finish(&self) -> u64 {
        0
    }
}

/// Writes an id as its `Display` does: the bytes from its `Hash`, or `Display` if they are
/// not exactly the `N` bytes of the id.
fn id_hex<const N: usize>(out: &mut Vec<u8>, id: &(impl Hash + std::fmt::Display)) {
    let mut bytes = Bytes {
        buf: [0; N],
        len: 0,
    };
    id.hash(&mut bytes);
    if bytes.len == N {
        hex(out, &bytes.buf);
    } else {
        string(out, &id.to_string());
    }
}

/// Writes a span id as sentry-types serialises it.
pub(crate) fn span_id(out: &mut Vec<u8>, id: &SpanId) {
    id_hex::<8>(out, id);
}

/// Writes a trace id as sentry-types serialises it.
pub(crate) fn trace_id(out: &mut Vec<u8>, id: &TraceId) {
    id_hex::<16>(out, id);
}

/// Writes an event id as sentry-types serialises it in a payload (32 hex digits).
pub(crate) fn event_id(out: &mut Vec<u8>, id: &Uuid) {
    let mut buf = [0u8; 32];
    let s = id.as_simple().encode_lower(&mut buf);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Writes `t` as float seconds since the epoch (an integer when whole), as sentry-types'
/// `ts_seconds_float` does; `None` before the epoch, where that fails.
pub(crate) fn seconds(out: &mut Vec<u8>, t: SystemTime) -> Option<()> {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    if d.subsec_nanos() == 0 {
        serde_json::to_writer(&mut *out, &d.as_secs()).ok()
    } else {
        serde_json::to_writer(&mut *out, &d.as_secs_f64()).ok()
    }
}

/// Writes `t` as an RFC 3339 string in UTC, as sentry-types' `ts_rfc3339` does (through the
/// `time` crate): the fraction of a second with its trailing zeros cut, none when whole.
/// `None` where that fails: before the epoch or past the year 9999.
pub(crate) fn rfc3339(out: &mut Vec<u8>, t: SystemTime) -> Option<()> {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    let secs = d.as_secs();
    let (year, month, day) = civil_from_days(i64::try_from(secs / 86_400).ok()?);
    let year = u64::try_from(year).ok().filter(|y| *y < 10_000)?;
    let rem = secs % 86_400;
    let mut buf = *b"0000-00-00T00:00:00.000000000";
    for (at, value) in [
        (0, year / 100),
        (2, year % 100),
        (5, month),
        (8, day),
        (11, rem / 3600),
        (14, rem / 60 % 60),
        (17, rem % 60),
    ] {
        buf[at] = b'0' + (value / 10) as u8;
        buf[at + 1] = b'0' + (value % 10) as u8;
    }
    let mut end = 19;
    let mut nanos = d.subsec_nanos();
    if nanos != 0 {
        for digit in buf[20..29].iter_mut().rev() {
            *digit = b'0' + (nanos % 10) as u8;
            nanos /= 10;
        }
        end = 29;
        while buf[end - 1] == b'0' {
            end -= 1; // stops at a digit: the fraction is not zero
        }
    }
    out.push(b'"');
    out.extend_from_slice(&buf[..end]);
    out.extend_from_slice(b"Z\"");
    Some(())
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    #[expect(
        clippy::cast_sign_loss,
        reason = "day and month are in 1..=31 and 1..=12"
    )]
    (year, month as u64, day as u64)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é日本\u{2028}\u{10FFFF}");
        let cases = [
            String::new(),
            "plain ascii text over eight bytes".to_owned(),
            all.clone(),
            all.repeat(3),
            "a\"b\\c\nd\u{0}e\u{1f}f\u{7f}".to_owned(),
            "0123456\"89abcdef\\".to_owned(),
        ];
        for s in &cases {
            for start in 0..s.len().min(9) {
                let Some(s) = s.get(start..) else { continue };
                let mut out = Vec::new();
                string(&mut out, s);
                assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
            }
        }
    }

    #[test]
    fn an_escape_is_found_at_every_place_of_a_short_string() {
        for len in 0..18 {
            for at in 0..=len {
                for c in ['"', '\\', '\n', '\u{1f}', 'é'] {
                    let mut s: String = "x".repeat(len);
                    s.insert(at, c);
                    let mut out = Vec::new();
                    string(&mut out, &s);
                    assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn ids_are_written_as_their_display() {
        for _ in 0..100 {
            let (span, trace) = (SpanId::default(), TraceId::default());
            let mut out = Vec::new();
            span_id(&mut out, &span);
            trace_id(&mut out, &trace);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("\"{span}\"\"{trace}\"")
            );
        }
        let id = Uuid::new_v4();
        let mut out = Vec::new();
        event_id(&mut out, &id);
        assert_eq!(
            out,
            serde_json::to_vec(&id.as_simple().to_string()).unwrap()
        );
    }

    /// The typed path's serialisation of a timestamp, through sentry-types.
    fn typed(t: SystemTime) -> Option<String> {
        let span = sentry_types::protocol::v7::Span {
            timestamp: Some(t),
            start_timestamp: t,
            ..Default::default()
        };
        let json = serde_json::to_string(&span).ok()?;
        let at = |field: &str| {
            let start = json.find(field)? + field.len();
            let len = json[start..].find([',', '}'])?;
            Some(json[start..start + len].to_owned())
        };
        Some(at("\"timestamp\":")? + &at("\"start_timestamp\":")?)
    }

    fn ours(t: SystemTime) -> Option<String> {
        let mut out = Vec::new();
        rfc3339(&mut out, t)?;
        seconds(&mut out, t)?;
        String::from_utf8(out).ok()
    }

    #[test]
    fn timestamps_are_written_as_sentry_types_writes_them() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut cases = vec![
            SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH + Duration::new(951_782_400, 0), // 2000-02-29
            SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 120_000_000),
            SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 1),
            SystemTime::UNIX_EPOCH + Duration::new(253_402_300_799, 999_999_999), // 9999-12-31
            SystemTime::UNIX_EPOCH + Duration::new(253_402_300_800, 0),           // year 10000
            SystemTime::UNIX_EPOCH - Duration::new(1, 0),
            SystemTime::now(),
        ];
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let secs = state % 260_000_000_000;
            let nanos = u32::try_from(state >> 34).unwrap() % 1_000_000_000;
            let nanos = [nanos, nanos / 1000 * 1000, nanos / 1_000_000 * 1_000_000, 0]
                [(state % 4) as usize];
            cases.push(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos));
        }
        for t in cases {
            assert_eq!(ours(t), typed(t), "{t:?}");
        }
    }
}
