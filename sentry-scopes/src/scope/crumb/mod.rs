//! The form every stored breadcrumb is kept in, and its JSON.
//!
//! A `Breadcrumb` takes 120 bytes, allocates its type (`"default"` in nearly every breadcrumb)
//! and keeps its data in a `BTreeMap` whose first leaf is ~600 bytes. A [`StoredCrumb`] is two
//! allocations: its text (the category and the message, one after the other) and one shared
//! slice that holds a header (sequence number, timestamp in nanoseconds, level, the cached
//! JSON) followed by the data entries, sorted by key, whose keys may be static (a tracing
//! field's name). The type is not stored when it is `"default"`. What is rare (another type, a
//! timestamp outside 1970–2554, a category over 4 GiB) rides as extra entries after the data,
//! so nothing is lost: [`StoredCrumb::to_breadcrumb`] gives back the breadcrumb it was made
//! from, and [`StoredCrumb::json`] holds exactly the bytes serde writes for that breadcrumb.
//!
//! Header and data share one allocation because each allocation a breadcrumb makes is paid
//! again when a full buffer frees it: that is most of what adding a breadcrumb costs.

mod json;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use once_cell::race::OnceBox;

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

/// The key of a header read as an entry (never: the header is the first slot only).
static NO_KEY: Key = Cow::Borrowed("");

/// Draws the sequence numbers that order breadcrumbs across scopes.
static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// A data vector kept between breadcrumbs of this thread: the entries pass through it on
    /// their way into the shared slice, so it is not allocated and freed for each breadcrumb.
    static SCRATCH: Cell<Vec<(Key, Value)>> = const { Cell::new(Vec::new()) };
}

#[cfg(any(feature = "tracing", feature = "log"))]
thread_local! {
    /// The buffer breadcrumb messages are formatted into ([`MessageBuffer`]).
    static MESSAGE_BUFFER: Cell<String> = const { Cell::new(String::new()) };
}

/// This thread's buffer for formatting a breadcrumb's message, kept between breadcrumbs so that
/// formatting does not allocate; a draft copies the message out at its exact length. Taken
/// while one message is formatted: a message formatted meanwhile (by a `Display` that logs)
/// finds it taken and uses a new one. Given back, emptied, unless it grew past 4 KiB.
#[cfg(any(feature = "tracing", feature = "log"))]
pub(crate) struct MessageBuffer(String);

#[cfg(any(feature = "tracing", feature = "log"))]
impl MessageBuffer {
    /// This thread's buffer (emptied when given back), or a new one while it is taken.
    #[inline]
    pub(crate) fn take() -> Self {
        Self(MESSAGE_BUFFER.try_with(Cell::take).unwrap_or_default())
    }

    /// The buffer, emptied for a new message.
    pub(crate) fn cleared(&mut self) -> &mut String {
        self.0.clear();
        &mut self.0
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(any(feature = "tracing", feature = "log"))]
impl Drop for MessageBuffer {
    fn drop(&mut self) {
        if self.0.capacity() <= 4096 {
            let mut buffer = std::mem::take(&mut self.0);
            buffer.clear();
            let _ = MESSAGE_BUFFER.try_with(|kept| kept.set(buffer));
        }
    }
}

/// An empty data vector with room for `entries`, this thread's kept one if it is free.
pub(crate) fn scratch_data(entries: usize) -> Vec<(Key, Value)> {
    let mut data = SCRATCH.try_with(Cell::take).unwrap_or_default();
    data.reserve(entries);
    data
}

/// Keeps `data` (emptied) for the next breadcrumb of this thread, unless it grew large.
fn keep_scratch(data: Vec<(Key, Value)>) {
    if data.is_empty() && (1..=64).contains(&data.capacity()) {
        let _ = SCRATCH.try_with(|s| s.set(data));
    }
}

/// One stored breadcrumb (see the module docs): immutable, shared by every scope version that
/// holds it, so a clone is a reference count.
#[derive(Clone)]
pub(crate) struct StoredCrumb(Arc<[Slot]>);

/// The header, then the entries: the data sorted by key without duplicates, then the extra
/// entries the header's `flags` announce.
enum Slot {
    Head(Head),
    Entry(Key, Value),
}

struct Head {
    /// The sequence number shifted left by one; the low bit says whether personal data is
    /// filtered out of the data when it is sent (`send_default_pii = false` when it was added).
    seq_strip: u64,
    /// Nanoseconds since the Unix epoch (unless `EXTRA_TIME`).
    nanos: u64,
    /// The category (its first `category_len` bytes), then the message.
    text: Box<str>,
    /// The JSON, written by the first capture that sends the breadcrumb; every later event that
    /// carries it copies these bytes. One word (two captures racing to write it both do, and
    /// one result is kept), so that the header fits beside a data entry's 56 bytes.
    json: OnceBox<Box<[u8]>>,
    category_len: u32,
    level: Level,
    flags: u8,
}

impl Head {
    /// What [`StoredCrumb::head`] falls back to; never reached (the first slot is the header).
    fn missing() -> &'static Self {
        static MISSING: OnceLock<Head> = OnceLock::new();
        MISSING.get_or_init(|| Head {
            seq_strip: 0,
            nanos: 0,
            text: Box::default(),
            json: OnceBox::new(),
            category_len: 0,
            level: Level::Info,
            flags: 0,
        })
    }
}

/// A breadcrumb being built without a `Breadcrumb` (the tracing layer's path), its data keys
/// possibly static. The client bounds and cuts it (`client/breadcrumbs.rs`), then it becomes a
/// [`StoredCrumb`].
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
    /// again to be stored.
    #[cfg(any(feature = "tracing", feature = "log"))]
    #[inline]
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

    /// A draft stamped now whose message is `message` formatted (a `log` record's arguments),
    /// without data. The message is written into this thread's [`MessageBuffer`], then copied
    /// with the category into a text of exact length: one allocation, where `to_string` and
    /// the copy into the stored form made two and a free. A `Display` that fails leaves what
    /// it wrote, where `to_string` would panic.
    #[cfg(feature = "log")]
    pub(crate) fn formatted(level: Level, category: &str, message: fmt::Arguments<'_>) -> Self {
        if let Some(text) = message.as_str() {
            return Self::new(level, category, Some(text), Vec::new());
        }
        let mut buffer = MessageBuffer::take();
        let _ = fmt::Write::write_fmt(buffer.cleared(), message);
        Self::new(level, category, Some(buffer.as_str()), Vec::new())
    }

    /// Sorts the data by key; of entries with the same key the one recorded last stays, as
    /// inserting them into a map one by one would leave it.
    #[cfg(any(feature = "tracing", feature = "log"))]
    pub(crate) fn sort_data(&mut self) {
        if self.data.len() < 2 {
            return;
        }
        self.data.sort_by(|a, b| a.0.cmp(&b.0)); // stable: equal keys stay in recorded order
        // `dedup_by` drops the later of two equal neighbours: swapped, the value recorded
        // later stays in the earlier's place.
        self.data.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
    }
}

impl StoredCrumb {
    /// Stores `b` with the next sequence number; `strip` filters personal data out of what is
    /// sent (see [`json`](Self::json)). The data is moved (keys and values are not copied);
    /// the category and message are copied into one allocation.
    pub(crate) fn new(b: Breadcrumb, strip: bool) -> Self {
        let (category, message) = (b.category.as_deref(), b.message.as_deref());
        let mut text =
            String::with_capacity(category.map_or(0, str::len) + message.map_or(0, str::len));
        text.push_str(category.unwrap_or_default());
        text.push_str(message.unwrap_or_default());
        // Most breadcrumbs carry no data: no scratch vector to take and give back then.
        let data = if b.data.is_empty() {
            Vec::new()
        } else {
            let mut data = scratch_data(b.data.len());
            data.extend(b.data.into_iter().map(|(k, v)| (Key::Owned(k), v)));
            data
        };
        let draft = CrumbDraft {
            timestamp: b.timestamp,
            level: b.level,
            text,
            category_len: category.map(str::len),
            has_message: message.is_some(),
            data,
        };
        Self::build(draft, (b.ty != DEFAULT_TYPE).then_some(b.ty), strip)
    }

    /// Stores `d` as it is (its data must be sorted, [`CrumbDraft::sort_data`]) with the next
    /// sequence number, as [`new`](Self::new).
    #[cfg(any(feature = "tracing", feature = "log"))]
    #[inline]
    pub(crate) fn from_draft(d: CrumbDraft, strip: bool) -> Self {
        Self::build(d, None, strip)
    }

    /// Stores `d` with the type `ty` (`None`: `"default"`).
    fn build(d: CrumbDraft, ty: Option<String>, strip: bool) -> Self {
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
        // 2^63 breadcrumbs are never reached, so the shift loses nothing.
        let seq = NEXT_SEQ.fetch_add(1, Ordering::Relaxed);
        let head = Head {
            seq_strip: (seq << 1) | u64::from(strip),
            nanos,
            text: text.into_boxed_str(),
            json: OnceBox::new(),
            category_len: short_len,
            level,
            flags,
        };
        let head = Slot::Head(head);
        let slots: Arc<[Slot]> = match data.len() {
            0 => Arc::new([head]),
            1 => match data.pop() {
                Some((k, v)) => Arc::new([head, Slot::Entry(k, v)]),
                None => Arc::new([head]),
            },
            _ => {
                let entries = data.drain(..).map(|(k, v)| Slot::Entry(k, v));
                std::iter::once(head).chain(entries).collect()
            }
        };
        keep_scratch(data);
        Self(slots)
    }

    fn head(&self) -> &Head {
        match self.0.first() {
            Some(Slot::Head(head)) => head,
            _ => Head::missing(),
        }
    }

    /// Its process-wide sequence number (the order breadcrumbs were added in).
    pub(crate) fn seq(&self) -> u64 {
        self.head().seq_strip >> 1
    }

    /// Whether personal data is filtered out of its data when it is sent.
    fn strip(&self) -> bool {
        self.head().seq_strip & 1 == 1
    }

    /// The breadcrumb as it is sent, as JSON, written on first use: with personal data filtered
    /// out if it was added so (`crate::pii`). Filtering here rather than when the breadcrumb is
    /// added keeps it off the thread that adds it, and most breadcrumbs are never sent. Empty
    /// if it cannot be serialised (the typed path would fail the same way), and then left out
    /// of events.
    pub(crate) fn json(&self) -> &[u8] {
        self.head().json.get_or_init(|| {
            Box::new(
                self.write_json(self.strip())
                    .unwrap_or_default()
                    .into_boxed_slice(),
            )
        })
    }

    /// The entries after the header: the data, then the extras.
    fn entries(&self) -> impl DoubleEndedIterator<Item = (&Key, &Value)> + ExactSizeIterator {
        self.0
            .get(1..)
            .unwrap_or_default()
            .iter()
            .map(|slot| match slot {
                Slot::Entry(k, v) => (k, v),
                Slot::Head(_) => (&NO_KEY, &Value::Null), // never: one header, first
            })
    }

    /// How many extra entries follow the data.
    fn extras(&self) -> usize {
        let flags = self.head().flags;
        [EXTRA_CATEGORY, EXTRA_TYPE, EXTRA_TIME]
            .iter()
            .filter(|&&f| flags & f != 0)
            .count()
    }

    fn extra(&self, flag: u8) -> Option<&Value> {
        let flags = self.head().flags;
        if flags & flag == 0 {
            return None;
        }
        let after = [EXTRA_CATEGORY, EXTRA_TYPE, EXTRA_TIME]
            .iter()
            .skip_while(|&&f| f != flag)
            .skip(1)
            .filter(|&&f| flags & f != 0)
            .count();
        self.entries().rev().nth(after).map(|(_, v)| v)
    }

    /// The category, if any.
    pub(crate) fn category(&self) -> Option<&str> {
        let head = self.head();
        if head.flags & CATEGORY != 0 {
            head.text.get(..head.category_len as usize)
        } else {
            self.extra(EXTRA_CATEGORY).and_then(Value::as_str)
        }
    }

    /// The message, if any.
    pub(crate) fn message(&self) -> Option<&str> {
        let head = self.head();
        let start = if head.flags & CATEGORY != 0 {
            head.category_len as usize
        } else {
            0
        };
        (head.flags & MESSAGE != 0).then(|| head.text.get(start..).unwrap_or_default())
    }

    /// The type (`"default"` unless set).
    pub(crate) fn ty(&self) -> &str {
        self.extra(EXTRA_TYPE)
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_TYPE)
    }

    pub(crate) fn level(&self) -> Level {
        self.head().level
    }

    /// The data entries, sorted by key.
    pub(crate) fn data(&self) -> impl ExactSizeIterator<Item = (&Key, &Value)> {
        let len = self.entries().len() - self.extras();
        self.entries().take(len)
    }

    /// Since the epoch, or before it (`Err`).
    fn since_epoch(&self) -> Result<Duration, Duration> {
        let Some(Value::Array(t)) = self.extra(EXTRA_TIME) else {
            return Ok(Duration::from_nanos(self.head().nanos));
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
            level: self.level(),
            message: self.message().map(str::to_owned),
            data: self
                .data()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Map<String, Value>>(),
        }
    }

    /// Writes the JSON serde writes for [`to_breadcrumb`](Self::to_breadcrumb)'s result, with
    /// the values of sensitive data keys replaced as `crate::pii::strip_breadcrumb` does when
    /// `strip` is set. Fails where serde fails (a timestamp before the epoch).
    pub(crate) fn write_json(&self, strip: bool) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(&json::Json { crumb: self, strip })
    }

    /// Whether `self` and `other` are the same stored breadcrumb.
    #[cfg(all(test, feature = "tracing"))]
    pub(crate) fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Tells, when called, whether the breadcrumb is still allocated.
    #[cfg(test)]
    pub(crate) fn liveness(&self) -> impl Fn() -> bool + use<> {
        let weak = Arc::downgrade(&self.0);
        move || weak.strong_count() > 0
    }
}

impl fmt::Debug for StoredCrumb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_breadcrumb().fmt(f)
    }
}
