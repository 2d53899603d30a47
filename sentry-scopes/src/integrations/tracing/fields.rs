//! Reading a tracing event's or span's fields.

use std::fmt::{self, Write as _};

use tracing_core::Level;
use tracing_core::field::{Field, Visit};

use crate::normalize::text_of;
use crate::protocol::{Level as SentryLevel, Map, Value};
use crate::scope::{CrumbKey, MessageBuffer, scratch_data};

/// The `message` field and the other fields of an event or span, as JSON values.
#[derive(Default)]
pub(super) struct Fields {
    pub(super) message: Option<String>,
    pub(super) values: Map<String, Value>,
}

impl Put for Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(message_text(value));
        } else {
            self.values.insert(field.name().to_owned(), value);
        }
    }
}

/// A tracing event's fields as a breadcrumb draft takes them: the message as text, the other
/// fields as data under their static names. They hold what [`Fields`] would make into a
/// `Breadcrumb`, value for value.
pub(super) struct DraftFields {
    /// This thread's message buffer while the fields are read.
    buffer: MessageBuffer,
    has_message: bool,
    pub(super) data: Vec<(CrumbKey, Value)>,
}

impl DraftFields {
    /// Room for `fields` data entries (the message is one of them, if there is one).
    #[inline]
    pub(super) fn new(fields: usize) -> Self {
        Self {
            buffer: MessageBuffer::take(),
            has_message: false,
            data: scratch_data(fields),
        }
    }

    /// The message, if there was a `message` field.
    pub(super) fn message(&self) -> Option<&str> {
        self.has_message.then_some(self.buffer.as_str())
    }

    /// The message buffer, emptied (a later `message` field replaces an earlier one).
    fn message_buffer(&mut self) -> &mut String {
        self.has_message = true;
        self.buffer.cleared()
    }
}

impl Put for DraftFields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            let _ = match value {
                Value::String(s) => self.message_buffer().write_str(&s),
                other => write!(self.message_buffer(), "{other}"),
            };
        } else {
            self.data.push((CrumbKey::Borrowed(field.name()), value));
        }
    }

    fn put_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            // What `format!("{value:?}")` would make, without allocating.
            let _ = write!(self.message_buffer(), "{value:?}");
        } else {
            self.put(field, Value::from(text_of(format_args!("{value:?}"))));
        }
    }
}

/// The text of a `message` field's value: strings as they are, everything else as JSON text.
fn message_text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Where a visitor puts each field, as a JSON value.
pub(super) trait Put {
    fn put(&mut self, field: &Field, value: Value);

    fn put_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::from(text_of(format_args!("{value:?}"))));
    }
}

/// Reads fields into a [`Put`]: each value as tracing gives it, errors with their sources.
pub(super) struct Visitor<'a, P>(pub(super) &'a mut P);

impl<P: Put> Visit for Visitor<'_, P> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.put(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.put(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = text_of(format_args!("{value}"));
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(text, ": {cause}");
            source = cause.source();
        }
        self.0.put(field, Value::from(text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.put_debug(field, value);
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
