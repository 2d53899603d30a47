use std::time::{Duration, SystemTime};

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
        let compact = StoredCrumb::new(crumb.clone(), false);
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
        assert_eq!(
            StoredCrumb::new(crumb.clone(), false).to_breadcrumb(),
            crumb
        );
    }
}

#[test]
fn a_category_and_a_message_share_one_text_and_none_is_not_empty() {
    let crumb = Breadcrumb {
        category: Some(String::new()),
        message: None,
        ..Breadcrumb::default()
    };
    let compact = StoredCrumb::new(crumb, false);
    assert_eq!((compact.category(), compact.message()), (Some(""), None));
    let compact = StoredCrumb::new(
        Breadcrumb {
            category: None,
            message: Some("m".into()),
            ..Breadcrumb::default()
        },
        false,
    );
    assert_eq!((compact.category(), compact.message()), (None, Some("m")));
    assert_eq!(compact.ty(), "default");
    assert_eq!(compact.data().len(), 0);
}

#[test]
fn the_header_takes_no_more_room_than_a_data_entry() {
    // A breadcrumb without data is then one 56-byte slot after the reference counts (it was
    // an 88-byte block and a separate data allocation when it had data).
    assert_eq!(std::mem::size_of::<Slot>(), 56);
    assert_eq!(std::mem::size_of::<StoredCrumb>(), 16);
}

#[test]
fn the_extras_come_back_in_their_places() {
    let crumb = Breadcrumb {
        timestamp: SystemTime::UNIX_EPOCH - Duration::from_secs(5),
        ty: "http".into(),
        category: Some("c".into()),
        data: [("k".to_owned(), Value::from(1))].into_iter().collect(),
        ..Breadcrumb::default()
    };
    let stored = StoredCrumb::new(crumb.clone(), true);
    assert_eq!(stored.ty(), "http");
    assert_eq!(stored.data().len(), 1);
    assert_eq!(stored.to_breadcrumb(), crumb);
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

#[test]
fn sequence_number_and_strip_flag_share_a_word() {
    let a = StoredCrumb::new(Breadcrumb::default(), true);
    let b = StoredCrumb::new(Breadcrumb::default(), false);
    assert!(a.strip());
    assert!(!b.strip());
    assert!(b.seq() > a.seq());
}
