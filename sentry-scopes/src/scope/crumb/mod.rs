//! The compact form every stored breadcrumb is kept in, and its JSON.
//!
//! A `Breadcrumb` takes 120 bytes, allocates its type (`"default"` in nearly every breadcrumb)
//! and keeps its data in a `BTreeMap` whose first leaf is ~600 bytes. [`CompactCrumb`] takes 48:
//! the category and the message share one allocation, the type is not stored when it is
//! `"default"`, the timestamp is nanoseconds since the epoch, and the data is a boxed slice of
//! pairs sorted by key whose keys may be static (a tracing field's name). What is rare (a type
//! other than `"default"`, a timestamp outside 1970–2554, a category over 4 GiB) rides as extra
//! entries after the data, so nothing is lost: [`CompactCrumb::to_breadcrumb`] gives back the
//! breadcrumb it was made from, and [`CompactCrumb::write_json`] writes exactly the bytes serde
//! writes for that breadcrumb.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, SystemTime};

use serde::ser::{Error as _, Serialize, SerializeMap, SerializeStruct, Serializer};

use crate::protocol::{Breadcrumb, Level, Map, Value};

/// A data key: a static name (a tracing field's) or an owned one.
pub(crate) type Key = Cow<'static, str>;

/// The type a breadcrumb has when none is given; not stored, not serialised.
const DEFAULT_TYPE: &str = "default";

/// `flags`: the text starts with a category of `category_len` bytes.
const CATEGORY: u8 = 1;
/// `flags`: the text holds a message (after the category).
const MESSAGE: u8 = 2;
/// `flags`: the category is too long for `category_len`; it is the first extra entry.
const EXTRA_CATEGORY: u8 = 4;
/// `flags`: the type is not `"default"`; it is the next extra entry.
const EXTRA_TYPE: u8 = 8;
/// `flags`: the timestamp does not fit `nanos`; it is the last extra entry,
/// `[before_epoch, seconds, nanoseconds]`.
const EXTRA_TIME: u8 = 16;

/// A breadcrumb as a scope stores it (see the module docs). Immutable once built.
pub(crate) struct CompactCrumb {
    /// Nanoseconds since the Unix epoch (unless `EXTRA_TIME`).
    nanos: u64,
    /// The category (its first `category_len` bytes), then the message.
    text: Box<str>,
    /// The data sorted by key without duplicates, then the extra entries `flags` announce.
    data: Box<[(Key, Value)]>,
    category_len: u32,
    level: Level,
    flags: u8,
}

/// A breadcrumb being built without a `Breadcrumb` (the tracing layer's path), its data keys
/// possibly static. The client bounds and cuts it (`client/breadcrumbs.rs`), then it becomes a
/// [`CompactCrumb`].
pub(crate) struct CrumbDraft {
    pub(crate) timestamp: SystemTime,
    pub(crate) level: Level,
    /// The category (its first `category_len` bytes, if any), then the message if `has_message`.
    pub(crate) text: String,
    pub(crate) category_len: Option<usize>,
    pub(crate) has_message: bool,
    /// The data in the order it was recorded; [`sort_data`](Self::sort_data) orders it.
    pub(crate) data: Vec<(Key, Value)>,
}

impl CrumbDraft {
    /// A draft stamped now. Its text is allocated at its exact length, so it is not copied
    /// again to become a [`CompactCrumb`]'s.
    #[cfg(feature = "tracing")]
    pub(crate) fn new(
        level: Level,
        category: &str,
        message: Option<&str>,
        data: Vec<(Key, Value)>,
    ) -> Self {
        let mut text = String::with_capacity(category.len() + message.map_or(0, str::len));
        text.push_str(category);
        text.push_str(message.unwrap_or_default());
        Self {
            timestamp: SystemTime::now(),
            level,
            text,
            category_len: Some(category.len()),
            has_message: message.is_some(),
            data,
        }
    }

    /// Sorts the data by key; of entries with the same key the one recorded last stays, as
    /// inserting them into a map one by one would leave it.
    #[cfg(feature = "tracing")]
    pub(crate) fn sort_data(&mut self) {
        if self.data.len() < 2 {
            return;
        }
        self.data.sort_by(|a, b| a.0.cmp(&b.0)); // stable: equal keys stay in recorded order
        let mut kept: Vec<(Key, Value)> = Vec::with_capacity(self.data.len());
        for entry in self.data.drain(..) {
            match kept.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => kept.push(entry),
            }
        }
        self.data = kept;
    }
}

impl From<CrumbDraft> for CompactCrumb {
    /// Takes the draft as it is: its data must be sorted ([`CrumbDraft::sort_data`]).
    fn from(d: CrumbDraft) -> Self {
        Self::build(d, None)
    }
}

impl From<Breadcrumb> for CompactCrumb {
    /// Moves the data of `b` (keys and values are not copied); the category and message are
    /// copied into one allocation.
    fn from(b: Breadcrumb) -> Self {
        let (category, message) = (b.category.as_deref(), b.message.as_deref());
        let mut text =
            String::with_capacity(category.map_or(0, str::len) + message.map_or(0, str::len));
        text.push_str(category.unwrap_or_default());
        text.push_str(message.unwrap_or_default());
        let draft = CrumbDraft {
            timestamp: b.timestamp,
            level: b.level,
            text,
            category_len: category.map(str::len),
            has_message: message.is_some(),
            data: b
                .data
                .into_iter()
                .map(|(k, v)| (Key::Owned(k), v))
                .collect(),
        };
        Self::build(draft, (b.ty != DEFAULT_TYPE).then_some(b.ty))
    }
}

impl CompactCrumb {
    /// The compact form of `d` with the type `ty` (`None`: `"default"`).
    fn build(d: CrumbDraft, ty: Option<String>) -> Self {
        let CrumbDraft {
            timestamp,
            level,
            mut text,
            category_len,
            has_message,
            mut data,
        } = d;
        let mut flags = if has_message { MESSAGE } else { 0 };
        let mut short_len = 0;
        if let Some(len) = category_len {
            match u32::try_from(len) {
                Ok(len) => {
                    flags |= CATEGORY;
                    short_len = len;
                }
                Err(_) => {
                    let category: String = text.drain(..len).collect();
                    flags |= EXTRA_CATEGORY;
                    data.push((Key::Borrowed(""), Value::String(category)));
                }
            }
        }
        if let Some(ty) = ty {
            flags |= EXTRA_TYPE;
            data.push((Key::Borrowed(""), Value::String(ty)));
        }
        let since = timestamp.duration_since(SystemTime::UNIX_EPOCH);
        let nanos = match since.as_ref().ok().map(|d| u64::try_from(d.as_nanos())) {
            Some(Ok(nanos)) => nanos,
            _ => {
                let (before, d) = match since {
                    Ok(d) => (false, d),
                    Err(e) => (true, e.duration()),
                };
                let time = vec![
                    Value::from(before),
                    Value::from(d.as_secs()),
                    Value::from(d.subsec_nanos()),
                ];
                flags |= EXTRA_TIME;
                data.push((Key::Borrowed(""), Value::Array(time)));
                0
            }
        };
        Self {
            nanos,
            text: text.into_boxed_str(),
            data: data.into_boxed_slice(),
            category_len: short_len,
            level,
            flags,
        }
    }

    /// How many extra entries follow the data.
    fn extras(&self) -> usize {
        [EXTRA_CATEGORY, EXTRA_TYPE, EXTRA_TIME]
            .iter()
            .filter(|&&f| self.flags & f != 0)
            .count()
    }

    fn extra(&self, flag: u8) -> Option<&Value> {
        if self.flags & flag == 0 {
            return None;
        }
        let before = [EXTRA_CATEGORY, EXTRA_TYPE, EXTRA_TIME]
            .iter()
            .take_while(|&&f| f != flag)
            .filter(|&&f| self.flags & f != 0)
            .count();
        let start = self.data.len() - self.extras();
        self.data.get(start + before).map(|(_, v)| v)
    }

    /// The category, if any.
    pub(crate) fn category(&self) -> Option<&str> {
        if self.flags & CATEGORY != 0 {
            self.text.get(..self.category_len as usize)
        } else {
            self.extra(EXTRA_CATEGORY).and_then(Value::as_str)
        }
    }

    /// The message, if any.
    pub(crate) fn message(&self) -> Option<&str> {
        let start = if self.flags & CATEGORY != 0 {
            self.category_len as usize
        } else {
            0
        };
        (self.flags & MESSAGE != 0).then(|| self.text.get(start..).unwrap_or_default())
    }

    /// The type (`"default"` unless set).
    pub(crate) fn ty(&self) -> &str {
        self.extra(EXTRA_TYPE)
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_TYPE)
    }

    /// The data entries, sorted by key.
    pub(crate) fn data(&self) -> &[(Key, Value)] {
        self.data
            .get(..self.data.len() - self.extras())
            .unwrap_or_default()
    }

    /// Since the epoch, or before it (`Err`).
    fn since_epoch(&self) -> Result<Duration, Duration> {
        let Some(Value::Array(t)) = self.extra(EXTRA_TIME) else {
            return Ok(Duration::from_nanos(self.nanos));
        };
        let n = |i: usize| t.get(i).and_then(Value::as_u64).unwrap_or(0);
        let d = Duration::new(n(1), u32::try_from(n(2)).unwrap_or(0));
        if t.first().and_then(Value::as_bool) == Some(true) {
            Err(d)
        } else {
            Ok(d)
        }
    }

    pub(crate) fn timestamp(&self) -> SystemTime {
        match self.since_epoch() {
            Ok(d) => SystemTime::UNIX_EPOCH + d,
            Err(d) => SystemTime::UNIX_EPOCH - d,
        }
    }

    /// The breadcrumb this was made from.
    pub(crate) fn to_breadcrumb(&self) -> Breadcrumb {
        Breadcrumb {
            timestamp: self.timestamp(),
            ty: self.ty().to_owned(),
            category: self.category().map(str::to_owned),
            level: self.level,
            message: self.message().map(str::to_owned),
            data: self
                .data()
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Map<String, Value>>(),
        }
    }

    /// Writes the JSON serde writes for [`to_breadcrumb`](Self::to_breadcrumb)'s result, with
    /// the values of sensitive data keys replaced as `crate::pii::strip_breadcrumb` does when
    /// `strip` is set. Fails where serde fails (a timestamp before the epoch).
    pub(crate) fn write_json(&self, strip: bool) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&Json { crumb: self, strip })
    }
}

impl fmt::Debug for CompactCrumb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_breadcrumb().fmt(f)
    }
}

/// A compact breadcrumb as serde writes a `Breadcrumb`: the same fields in the same order, the
/// same omissions.
struct Json<'a> {
    crumb: &'a CompactCrumb,
    strip: bool,
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.crumb;
        let mut out = s.serialize_struct("Breadcrumb", 6)?;
        // As sentry-types' `ts_seconds_float`: whole seconds as an integer.
        match c.since_epoch() {
            Ok(d) if d.subsec_nanos() == 0 => out.serialize_field("timestamp", &d.as_secs())?,
            Ok(d) => out.serialize_field("timestamp", &d.as_secs_f64())?,
            Err(_) => {
                return Err(S::Error::custom(format!(
                    "invalid `SystemTime` instance: {:?}",
                    c.timestamp()
                )));
            }
        }
        let ty = c.ty();
        if ty != DEFAULT_TYPE {
            out.serialize_field("type", ty)?;
        }
        if let Some(category) = c.category() {
            out.serialize_field("category", category)?;
        }
        if c.level != Level::Info {
            out.serialize_field("level", &c.level)?;
        }
        if let Some(message) = c.message() {
            out.serialize_field("message", message)?;
        }
        if !c.data().is_empty() {
            out.serialize_field(
                "data",
                &Data {
                    data: c.data(),
                    strip: self.strip,
                },
            )?;
        }
        out.end()
    }
}

struct Data<'a> {
    data: &'a [(Key, Value)],
    strip: bool,
}

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.data.len()))?;
        for (key, value) in self.data {
            if self.strip && crate::pii::is_sensitive(key) {
                map.serialize_entry(&**key, crate::pii::FILTERED)?;
            } else {
                map.serialize_entry(&**key, value)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_rng::Rng;

    impl Rng {
        fn crumb_text(&mut self) -> String {
            const PIECES: [&str; 10] = [
                "a", "default", "é", "\n", "\"q\"", "\\", "日本", "password", "x-1", "",
            ];
            let n = self.below(6);
            (0..n).map(|_| PIECES[self.below(10) as usize]).collect()
        }

        fn crumb_value(&mut self, depth: u32) -> Value {
            match self.below(if depth > 2 { 6 } else { 8 }) {
                0 => Value::Null,
                1 => Value::from(self.below(3) == 0),
                2 => Value::from(self.below(1 << 40)),
                3 => Value::from(-(self.below(1000) as i64)),
                4 => Value::from(self.below(1_000_000) as f64 / 7.0),
                5 => Value::from(if self.chance(3) {
                    crate::pii::FILTERED.to_owned()
                } else {
                    self.crumb_text()
                }),
                6 => Value::Array(
                    (0..self.below(3))
                        .map(|_| self.crumb_value(depth + 1))
                        .collect(),
                ),
                _ => Value::Object(
                    (0..self.below(3))
                        .map(|_| (self.crumb_text(), self.crumb_value(depth + 1)))
                        .collect(),
                ),
            }
        }

        fn timestamp(&mut self) -> SystemTime {
            let secs = Duration::from_secs(1_700_000_000 + self.below(1000));
            match self.below(8) {
                0 => SystemTime::UNIX_EPOCH + secs,
                1 => SystemTime::UNIX_EPOCH - secs, // not serialisable
                2 => SystemTime::UNIX_EPOCH + Duration::from_secs(20_000_000_000), // past 2554
                3 => SystemTime::UNIX_EPOCH,
                _ => SystemTime::UNIX_EPOCH + secs + Duration::from_nanos(self.below(1 << 30)),
            }
        }

        fn breadcrumb(&mut self) -> Breadcrumb {
            const TYPES: [&str; 4] = ["default", "http", "", "navigation"];
            const LEVELS: [Level; 5] = [
                Level::Debug,
                Level::Info,
                Level::Warning,
                Level::Error,
                Level::Fatal,
            ];
            const KEYS: [&str; 6] = [
                "password",
                "api_key",
                "[cut]",
                "order_id",
                "é",
                "Auth-Token",
            ];
            let mut data = Map::new();
            for _ in 0..self.below(5) {
                let key = if self.chance(2) {
                    KEYS[self.below(6) as usize].to_owned()
                } else {
                    self.crumb_text()
                };
                data.insert(key, self.crumb_value(0));
            }
            Breadcrumb {
                timestamp: self.timestamp(),
                ty: TYPES[self.below(4) as usize].to_owned(),
                category: self.chance(3).then(|| self.crumb_text()).or(None),
                level: LEVELS[self.below(5) as usize],
                message: (!self.chance(4)).then(|| self.crumb_text()),
                data,
            }
        }
    }

    fn serde_json_of(crumb: &Breadcrumb, strip: bool) -> Option<Vec<u8>> {
        let mut crumb = crumb.clone();
        if strip {
            crate::pii::strip_breadcrumb(&mut crumb);
        }
        serde_json::to_vec(&crumb).ok()
    }

    #[test]
    fn json_is_what_serde_writes_for_the_breadcrumb_stripped_or_not() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut stripped = 0;
        for i in 0..5000 {
            let crumb = rng.breadcrumb();
            let compact = CompactCrumb::from(crumb.clone());
            for strip in [false, true] {
                let ours = compact.write_json(strip).ok();
                let theirs = serde_json_of(&crumb, strip);
                assert_eq!(
                    ours.as_deref().map(String::from_utf8_lossy),
                    theirs.as_deref().map(String::from_utf8_lossy),
                    "case {i}: {crumb:?}"
                );
                stripped += usize::from(strip && serde_json_of(&crumb, false) != theirs);
            }
        }
        assert!(stripped > 100, "the cases strip personal data ({stripped})");
    }

    #[test]
    fn to_breadcrumb_gives_back_the_breadcrumb_it_was_made_from() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5000 {
            let crumb = rng.breadcrumb();
            assert_eq!(CompactCrumb::from(crumb.clone()).to_breadcrumb(), crumb);
        }
    }

    #[test]
    fn a_category_and_a_message_share_one_text_and_none_is_not_empty() {
        let crumb = Breadcrumb {
            category: Some(String::new()),
            message: None,
            ..Breadcrumb::default()
        };
        let compact = CompactCrumb::from(crumb);
        assert_eq!((compact.category(), compact.message()), (Some(""), None));
        let compact = CompactCrumb::from(Breadcrumb {
            category: None,
            message: Some("m".into()),
            ..Breadcrumb::default()
        });
        assert_eq!((compact.category(), compact.message()), (None, Some("m")));
        assert_eq!(compact.ty(), "default");
        assert!(compact.data().is_empty());
    }

    #[test]
    fn the_compact_form_takes_48_bytes() {
        assert_eq!(std::mem::size_of::<CompactCrumb>(), 48);
    }

    #[cfg(feature = "tracing")]
    #[test]
    fn sorted_draft_data_keeps_the_value_recorded_last_per_key() {
        let mut draft = CrumbDraft::new(Level::Info, "t", None, Vec::new());
        for (k, v) in [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)] {
            draft.data.push((Key::Borrowed(k), Value::from(v)));
        }
        draft.sort_data();
        let data: Vec<_> = draft.data.iter().map(|(k, v)| (&**k, v.clone())).collect();
        assert_eq!(
            data,
            [
                ("a", Value::from(5)),
                ("b", Value::from(3)),
                ("c", Value::from(4))
            ]
        );
    }
}
