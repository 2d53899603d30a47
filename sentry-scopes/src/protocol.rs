//! The Sentry protocol types, from the `sentry-types` crate.
//!
//! Re-exported so users need no direct dependency on `sentry-types`, with
//! [`attachment_from_path`] to attach a file.

mod attachment;

pub(crate) use self::attachment::with_inferred_content_type;
pub use self::attachment::{MAX_ATTACHMENT_FILE_BYTES, attachment_from_path};

pub use sentry_types::protocol::v7::client_report::{
    Category, Item as DiscardedItem, LossSource, Reason,
};
pub use sentry_types::protocol::v7::{
    Addr, Attachment, AttachmentType, Breadcrumb, ClientReport, ClientSdkInfo, ClientSdkPackage,
    Context, DebugImage, DebugMeta, Envelope, EnvelopeItem, Event, Exception, Frame, Level, Map,
    Mechanism, OrganizationId, SpanId, SpanStatus, Stacktrace, SymbolicDebugImage, TraceContext,
    TraceId, Transaction, User, Value, Values,
};
pub use sentry_types::protocol::v7::{DeviceContext, OsContext, RuntimeContext};
pub use sentry_types::{Dsn, ParseDsnError, Uuid};
