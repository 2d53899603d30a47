//! Event and transaction processors: user callbacks that see, change or drop every event (or
//! transaction) of a scope.

use std::fmt;
use std::sync::Arc;

use crate::protocol::{Event, Transaction};

/// A shared event processor, as stored on a scope.
///
/// It receives the merged event and returns it, possibly changed, or `None` to drop it
/// (scope-model.md 2.3, step 5).
#[derive(Clone)]
pub struct EventProcessor(pub(crate) Arc<ProcessorFn>);

pub(crate) type ProcessorFn = dyn Fn(Event<'static>) -> Option<Event<'static>> + Send + Sync;

impl EventProcessor {
    /// Wraps a closure.
    pub fn new<F>(f: F) -> Self
    where
        F: Fn(Event<'static>) -> Option<Event<'static>> + Send + Sync + 'static,
    {
        Self(Arc::new(f))
    }
}

impl fmt::Debug for EventProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventProcessor")
    }
}

/// A shared transaction processor, as stored on a scope: it receives every transaction captured
/// with the scope (after the scopes are applied, before `before_send_transaction`) and returns
/// it, possibly changed, or `None` to drop it.
#[derive(Clone)]
pub struct TransactionProcessor(pub(crate) Arc<TransactionProcessorFn>);

pub(crate) type TransactionProcessorFn =
    dyn Fn(Transaction<'static>) -> Option<Transaction<'static>> + Send + Sync;

impl TransactionProcessor {
    /// Wraps a closure.
    pub fn new<F>(f: F) -> Self
    where
        F: Fn(Transaction<'static>) -> Option<Transaction<'static>> + Send + Sync + 'static,
    {
        Self(Arc::new(f))
    }
}

impl fmt::Debug for TransactionProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TransactionProcessor")
    }
}
