//! Tags as Relay accepts them, fixed where they can be and dropped where they cannot.
//!
//! Relay (the ingestion layer of Sentry) drops a tag whose key is empty, longer than 200
//! characters or has a character outside `a-z A-Z 0-9 _ . : -` (spaces it turns into `-`), a tag
//! whose value is empty, longer than 200 characters or holds a newline, and the tags `release`,
//! `dist`, `user`, `filename` and `function`, which only the server may set. Here, on the way
//! in:
//!
//! - keys: surrounding white space is trimmed and inner spaces become `-`; a key over 200
//!   characters is cut to 200;
//! - values: surrounding white space is trimmed; control characters (newlines included) become
//!   spaces and Unicode noncharacters (U+FFFE, U+10FFFF, …) are removed; a value over 200
//!   characters is cut to 197 and `...`;
//! - what cannot be fixed (an empty key or value, another character in a key, a reserved name)
//!   is dropped, with a debug log line.

use std::borrow::Cow;

use crate::protocol::Map;

/// Longest tag key Relay keeps, in characters.
pub(crate) const MAX_TAG_KEY_CHARS: usize = 200;
/// Longest tag value Relay keeps, in characters.
pub(crate) const MAX_TAG_VALUE_CHARS: usize = 200;
/// Tags that only the server sets.
const RESERVED: &[&str] = &["release", "dist", "user", "filename", "function"];

/// Why a tag was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejected {
    EmptyKey,
    KeyCharacter(char),
    Reserved,
    EmptyValue,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::EmptyKey => f.write_str("the key is empty"),
            Rejected::KeyCharacter(c) => write!(
                f,
                "the key contains {c:?}; keys may contain a-z, A-Z, 0-9, `_`, `.`, `:` and `-`"
            ),
            Rejected::Reserved => f.write_str("the server sets this tag itself"),
            Rejected::EmptyValue => f.write_str("the value is empty"),
        }
    }
}

/// The tag as Relay accepts it, borrowing where nothing had to change.
pub(crate) fn tag<'a>(
    key: &'a str,
    value: &'a str,
) -> Result<(Cow<'a, str>, Cow<'a, str>), Rejected> {
    if key_as_is(key) && value_as_is(value) {
        return Ok((Cow::Borrowed(key), Cow::Borrowed(value)));
    }
    Ok((tag_key(key)?, tag_value(value)?))
}

/// Whether [`tag_key`] keeps `key` as it is, decided on bytes alone (the common case): key
/// characters only, within the limit, and not a reserved name. The bytes are checked by table.
pub(crate) fn key_as_is(key: &str) -> bool {
    let bytes = key.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_TAG_KEY_CHARS
        && bytes.iter().all(|&b| KEY_BYTES[usize::from(b)])
        && !RESERVED.contains(&key)
}

/// Which bytes a key may hold as it is: `a-z A-Z 0-9 _ . : -`.
const KEY_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-');
        b += 1;
    }
    table
};

/// Whether every byte is printable ASCII (0x20 to 0x7e).
fn printable_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // A byte below 0x20 borrows into its own high bit; one of 0x7f and above has it set,
        // in `w` or once 1 is added (bytes below 0x80 carry into nothing else).
        let control = w.wrapping_sub(0x20 * ONES) & !w & HIGH;
        let high = (w | w.wrapping_add(ONES)) & HIGH;
        if control | high != 0 {
            return false;
        }
    }
    chunks.remainder().iter().all(|b| (0x20..0x7f).contains(b))
}

/// A key as [`tag`] makes it (for keys checked once, apart from their values).
pub(crate) fn tag_key(key: &str) -> Result<Cow<'_, str>, Rejected> {
    let trimmed = key.trim();
    if trimmed.is_empty() {
        return Err(Rejected::EmptyKey);
    }
    if RESERVED.contains(&trimmed) {
        return Err(Rejected::Reserved);
    }
    if let Some(c) = trimmed.chars().find(|&c| !key_char(c) && c != ' ') {
        return Err(Rejected::KeyCharacter(c));
    }
    let mut key = Cow::Borrowed(trimmed);
    if key.contains(' ') {
        key = Cow::Owned(key.replace(' ', "-"));
    }
    if key.len() > MAX_TAG_KEY_CHARS {
        // ASCII only by now: bytes are characters.
        key.to_mut().truncate(MAX_TAG_KEY_CHARS);
    }
    Ok(key)
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')
}

/// A value as [`tag`] makes it, borrowing where nothing had to change.
pub(crate) fn value(value: &str) -> Result<Cow<'_, str>, Rejected> {
    if value_as_is(value) {
        return Ok(Cow::Borrowed(value));
    }
    tag_value(value)
}

/// Whether [`value`] keeps `value` as it is, decided on bytes alone (the common case).
pub(crate) fn value_as_is(value: &str) -> bool {
    let bytes = value.as_bytes();
    matches!((bytes.first(), bytes.last()), (Some(&first), Some(&last))
        if bytes.len() <= MAX_TAG_VALUE_CHARS
            && first != b' '
            && last != b' '
            && printable_ascii(bytes))
}

fn tag_value(value: &str) -> Result<Cow<'_, str>, Rejected> {
    let mut value = Cow::Borrowed(value.trim());
    if value.chars().any(|c| c.is_control() || noncharacter(c)) {
        let cleaned: String = value
            .chars()
            .filter(|&c| !noncharacter(c))
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        value = Cow::Owned(cleaned.trim().to_owned());
    }
    if value.is_empty() {
        return Err(Rejected::EmptyValue);
    }
    if value.len() > MAX_TAG_VALUE_CHARS && value.chars().nth(MAX_TAG_VALUE_CHARS).is_some() {
        let keep = value
            .char_indices()
            .nth(MAX_TAG_VALUE_CHARS - 3)
            .map_or(value.len(), |(i, _)| i);
        let mut cut = value[..keep].to_owned();
        cut.push_str("...");
        value = Cow::Owned(cut);
    }
    Ok(value)
}

/// U+FDD0..=U+FDEF and the last two code points of every plane.
fn noncharacter(c: char) -> bool {
    let c = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&c) || (c & 0xFFFE) == 0xFFFE
}

/// Applies [`tag`] to every tag of `tags`; dropped ones are passed to `dropped`. When two keys
/// become one, the first in key order wins.
pub(crate) fn normalize_tag_map(
    tags: &mut Map<String, String>,
    mut dropped: impl FnMut(&str, Rejected),
) {
    let clean = tags.iter().all(|(k, v)| {
        matches!(tag(k, v), Ok((Cow::Borrowed(k2), Cow::Borrowed(v2))) if k2.len() == k.len() && v2.len() == v.len())
    });
    if clean {
        return;
    }
    for (key, value) in std::mem::take(tags) {
        match tag(&key, &value) {
            Ok((k, v)) => {
                let (k, v) = (k.into_owned(), v.into_owned());
                tags.entry(k).or_insert(v);
            }
            Err(why) => dropped(&key, why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(key: &str, value: &str) -> (String, String) {
        let (k, v) = tag(key, value).unwrap();
        (k.into_owned(), v.into_owned())
    }

    #[test]
    fn valid_tags_are_borrowed_unchanged() {
        assert!(matches!(
            tag("http.status_code", "200"),
            Ok((Cow::Borrowed("http.status_code"), Cow::Borrowed("200")))
        ));
    }

    #[test]
    fn the_byte_level_shortcut_accepts_only_what_the_full_rules_leave_unchanged() {
        let long = "x".repeat(MAX_TAG_VALUE_CHARS + 1);
        let samples = [
            "",
            " ",
            "a",
            "a b",
            " a",
            "a ",
            "release",
            "dist",
            "user",
            "users",
            "a\nb",
            "a\tb",
            "é",
            "a:b.c-d_e",
            "a/b",
            "x\u{7f}",
            &long[..200],
            &long,
        ];
        for sample in samples {
            if key_as_is(sample) {
                assert!(
                    matches!(tag_key(sample), Ok(Cow::Borrowed(k)) if k == sample),
                    "key {sample:?}"
                );
            }
            if value_as_is(sample) {
                assert!(
                    matches!(tag_value(sample), Ok(Cow::Borrowed(v)) if v == sample),
                    "value {sample:?}"
                );
            }
        }
        assert!(key_as_is("route") && value_as_is("/checkout"));
        assert!(!key_as_is("user") && !key_as_is("a b") && !value_as_is(" a"));
    }

    #[test]
    fn printable_ascii_checks_every_byte_as_a_byte_loop_would() {
        const EDGES: [u8; 10] = [0, 0x1f, 0x20, 0x21, b' ', b'a', 0x7e, 0x7f, 0x80, 0xff];
        let mut rng = crate::client::test_rng::Rng(0x5DEE_CE66_D1A4_F87D);
        for _ in 0..20_000 {
            let len = rng.below(40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.chance(8) {
                        EDGES[rng.below(10) as usize]
                    } else {
                        b'a' + rng.below(26) as u8
                    }
                })
                .collect();
            let expected = bytes.iter().all(|b| (0x20..0x7f).contains(b));
            assert_eq!(printable_ascii(&bytes), expected, "{bytes:?}");
        }
        for b in 0..=255u8 {
            let key_char = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-');
            assert_eq!(KEY_BYTES[usize::from(b)], key_char, "{b:#x}");
        }
    }

    #[test]
    fn fixable_keys_and_values_are_fixed_as_relay_would() {
        assert_eq!(
            fixed(" user name ", " Ada "),
            ("user-name".into(), "Ada".into())
        );
        assert_eq!(
            fixed("k", "line\nbreak\ttab\u{7}bell"),
            ("k".into(), "line break tab bell".into())
        );
        assert_eq!(
            fixed("k", "a\u{10FFFF}b\u{FFFE}"),
            ("k".into(), "ab".into())
        );
        let (k, v) = fixed(&"k".repeat(300), &"é".repeat(300));
        assert_eq!(k.len(), MAX_TAG_KEY_CHARS);
        assert_eq!(v.chars().count(), MAX_TAG_VALUE_CHARS);
        assert!(v.ends_with("..."));
    }

    #[test]
    fn what_cannot_be_fixed_is_rejected_with_the_reason() {
        assert_eq!(tag("", "v"), Err(Rejected::EmptyKey));
        assert_eq!(tag("  ", "v"), Err(Rejected::EmptyKey));
        assert_eq!(tag("k", " \n "), Err(Rejected::EmptyValue));
        assert_eq!(tag("k", "\u{10FFFF}"), Err(Rejected::EmptyValue));
        assert_eq!(tag("café", "v"), Err(Rejected::KeyCharacter('é')));
        assert_eq!(tag("a\u{1}b", "v"), Err(Rejected::KeyCharacter('\u{1}')));
        assert_eq!(tag("release", "1.0"), Err(Rejected::Reserved));
        assert!(Rejected::KeyCharacter('é').to_string().contains("a-z"));
    }

    #[test]
    fn a_map_is_normalized_and_collisions_keep_the_first_key() {
        let mut tags: Map<String, String> = [
            ("a b", "first"),
            ("a-b", "second"),
            ("ok", "fine"),
            ("", "x"),
            ("release", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut dropped = Vec::new();
        normalize_tag_map(&mut tags, |k, why| dropped.push((k.to_owned(), why)));
        assert_eq!(tags.len(), 2);
        assert_eq!(tags["a-b"], "first");
        assert_eq!(tags["ok"], "fine");
        assert_eq!(dropped.len(), 2);
    }
}
