//! A stored breadcrumb's JSON, written without rebuilding the `Breadcrumb`.

use serde::ser::{Error as _, Serialize, SerializeMap, SerializeStruct, Serializer};

use super::{DEFAULT_TYPE, StoredCrumb};
use crate::protocol::Level;

/// A stored breadcrumb as serde writes a `Breadcrumb`: the same fields in the same order, the
/// same omissions; with the values of sensitive data keys filtered if `strip`.
pub(super) struct Json<'a> {
    pub(super) crumb: &'a StoredCrumb,
    pub(super) strip: bool,
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
        if c.level() != Level::Info {
            out.serialize_field("level", &c.level())?;
        }
        if let Some(message) = c.message() {
            out.serialize_field("message", message)?;
        }
        if c.data().len() > 0 {
            out.serialize_field(
                "data",
                &Data {
                    crumb: c,
                    strip: self.strip,
                },
            )?;
        }
        out.end()
    }
}

/// A stored breadcrumb's data as a JSON object.
struct Data<'a> {
    crumb: &'a StoredCrumb,
    strip: bool,
}

impl Serialize for Data<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let data = self.crumb.data();
        let mut map = s.serialize_map(Some(data.len()))?;
        for (key, value) in data {
            if self.strip && crate::pii::is_sensitive(key) {
                map.serialize_entry(&**key, crate::pii::FILTERED)?;
            } else {
                map.serialize_entry(&**key, value)?;
            }
        }
        map.end()
    }
}
