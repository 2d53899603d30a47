//! The Sentry protocol types, from the `sentry-types` crate.
//!
//! Re-exported so users need no direct dependency on `sentry-types`.

pub use sentry_types::protocol::v7::client_report::{
    Category, Item as DiscardedItem, LossSource, Reason,
};
pub use sentry_types::protocol::v7::{
    Attachment, AttachmentType, Breadcrumb, ClientReport, ClientSdkInfo, ClientSdkPackage, Context,
    Envelope, EnvelopeItem, Event, Exception, Level, Map, Mechanism, SpanId, TraceContext, TraceId,
    Transaction, User, Value, Values,
};
pub use sentry_types::{Dsn, ParseDsnError, Uuid};
