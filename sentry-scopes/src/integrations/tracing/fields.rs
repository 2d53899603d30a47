//! Reading a tracing event's or span's fields.

use std::fmt;

use tracing_core::Level;
use tracing_core::field::{Field, Visit};

use crate::protocol::{Level as SentryLevel, Map, Value};

/// The `message` field and the other fields of an event or span, as JSON values.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) message: Option<String>,
    pub(super) values: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.values.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.put(field, Value::from(text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::from(format!("{value:?}")));
    }
}

/// The fields that tell the layer how to name a Sentry span rather than being data: `sentry.op`,
/// `sentry.name` and `sentry.trace` (an incoming `sentry-trace` value a root span continues).
/// Only string values count; they are taken out of the span's other fields.
#[derive(Default)]
pub(super) struct SentryFields {
    pub(super) op: Option<String>,
    pub(super) name: Option<String>,
    pub(super) trace: Option<String>,
}

impl SentryFields {
    pub(super) fn take(values: &mut Map<String, Value>) -> Self {
        let mut take = |key: &str| match values.remove(key) {
            Some(Value::String(s)) => Some(s),
            Some(_) | None => None,
        };
        Self {
            op: take("sentry.op"),
            name: take("sentry.name"),
            trace: take("sentry.trace"),
        }
    }
}

/// A field value as a tag value: strings as they are, everything else as JSON text.
pub(super) fn tag_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The Sentry level of a tracing level.
pub(super) fn sentry_level(level: Level) -> SentryLevel {
    match level {
        Level::ERROR => SentryLevel::Error,
        Level::WARN => SentryLevel::Warning,
        Level::INFO => SentryLevel::Info,
        _ => SentryLevel::Debug,
    }
}
