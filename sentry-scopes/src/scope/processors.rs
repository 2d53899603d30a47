//! Event processors: user callbacks that see, change or drop every event of a scope.

use std::fmt;
use std::sync::Arc;

use crate::protocol::Event;

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
