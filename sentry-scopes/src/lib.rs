#![doc = include_str!("../README.md")]
#![doc(test(attr(deny(warnings))))]
#![warn(missing_docs)]

mod api;
mod client;
mod context;
mod contexts;
mod debug;
pub mod docs;
mod error;
pub mod integrations;
mod normalize;
mod options;
mod pii;
pub mod protocol;
mod release;
mod scope;
mod stacktrace;
mod transport;

#[cfg(feature = "tokio")]
pub mod task;

/// Threads that start with the caller's scopes.
pub mod thread {
    pub use crate::context::spawn::{spawn, spawn_with};
}

/// Test support: a recording transport and helpers that capture what a closure sends.
#[cfg(feature = "test")]
pub mod test {
    pub use crate::client::testing::{
        with_captured_envelopes, with_captured_envelopes_options, with_captured_events,
        with_captured_events_options,
    };
    pub use crate::transport::testing::TestTransport;
}

pub use crate::api::{
    CapturableError, add_attachment, add_breadcrumb, capture_error, capture_error_with,
    capture_event, capture_event_with, capture_message, capture_message_with,
    capture_transaction_event, last_event_id, remove_context, remove_extra, remove_tag,
    set_context, set_extra, set_fingerprint, set_level, set_tag, set_tags, set_transaction,
    set_user,
};
pub use crate::client::{ClientInitGuard, flush, init, start_span, start_transaction};
pub use crate::context::spawn::{bind_each, bind_fn};
pub use crate::context::{
    ScopeFuture, ScopeFutureExt, ScopeGuard, ScopeType, configure_scope, get_current_scope,
    get_global_scope, get_isolation_scope, use_isolation_scope, use_scope, with_isolation_scope,
    with_scope,
};
pub use crate::error::InitError;
pub use crate::integrations::propagation::trace_headers;
pub use crate::options::{BeforeCallback, ClientOptions, DEFAULT_IN_APP_EXCLUDE, TracesSampler};
pub use crate::protocol::{
    Attachment, Breadcrumb, Context, Envelope, Event, Level, Transaction, User, Uuid, Value,
};
pub use crate::scope::{
    EventProcessor, PropagationContext, SamplingContext, Scope, ScopeData, Span, SpanGuard,
    TransactionContext, TransactionProcessor,
};
pub use crate::transport::{
    DiscardReason, Discards, EncodedEnvelope, Transport, TransportContext, TransportFactory,
};

#[cfg(feature = "macros")]
#[doc(inline)]
pub use sentry_macros::{isolation_scope, scope, with_scope};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
