//! Spans: timed operations of a trace. A [`Span`] is a cheap handle with identity (clones are
//! the same span), so the current scope can hold the active one and forks share it; a
//! [`SpanGuard`] owns the end of a span and finishes it when dropped.
//!
//! A span belongs to a transaction, the root span of its tree within this process. Children
//! record themselves into the transaction's recorder as they finish; when the transaction
//! finishes, its recorder hands the whole tree to the sink the capture pipeline gave it (or
//! reports it as dropped, when it was not sampled). The scope floor knows nothing of clients:
//! the sink is how the tree goes up.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use super::finished::{FinishedTransaction, SpanRecord};
use super::ids;
use crate::protocol::{Map, SpanId, TraceContext, TraceId, Value};
use sentry_types::protocol::v7::SpanStatus;

/// Where a finished transaction goes: the capture pipeline implements it.
pub(crate) trait TransactionSink: Send + Sync {
    /// A sampled transaction finished with its spans.
    fn send(&self, transaction: FinishedTransaction);
    /// A transaction that was not sampled finished; `spans` counts its spans, itself included.
    fn not_sampled(&self, spans: u64);
    /// Spans of a sampled transaction were left out: beyond `max_spans`, or finished after
    /// the transaction.
    fn spans_dropped(&self, spans: u64);
}

/// A span of the active trace: cheap to clone, clones are the same span.
///
/// Get one from [`start_transaction`](crate::start_transaction), [`start_span`](crate::start_span)
/// or [`Span::start_child`] (each returns a [`SpanGuard`], which derefs to its span), or from the
/// current scope ([`Scope::span`](crate::Scope::span)).
#[derive(Clone)]
pub struct Span {
    inner: Arc<Inner>,
}

struct Inner {
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    /// Whether this span is the transaction (the root of its tree).
    root: bool,
    start: SystemTime,
    state: Mutex<State>,
    tree: Arc<Tree>,
}

/// `baggage` entries without `sentry-`.
pub(crate) type Baggage = Vec<(String, String)>;
/// Builds a tree's [`Baggage`] when it is first needed.
pub(crate) type MakeBaggage = Box<dyn FnOnce() -> Baggage + Send>;

/// What a span's owner may change until it finishes.
#[derive(Default)]
struct State {
    op: Option<Cow<'static, str>>,
    description: Option<Cow<'static, str>>,
    status: Option<SpanStatus>,
    tags: Map<String, String>,
    data: Map<String, Value>,
    finished: bool,
}

/// The transaction a span belongs to: its sampling decision, the spans finished so far, and
/// where the finished tree goes.
pub(crate) struct Tree {
    pub(crate) sampled: bool,
    /// The decision outgoing headers carry: `sampled` while tracing is on; with tracing off,
    /// the upstream decision if there was one (so that this service does not change it), else
    /// none (downstream decides).
    pub(crate) decision: Option<bool>,
    /// The dynamic sampling context the trace propagates (`baggage`), without `sentry-`; built
    /// on first use, as most transactions never call another service.
    baggage: LazyLock<Baggage, MakeBaggage>,
    name: Mutex<String>,
    /// Children finished so far; `None` once the transaction finished.
    finished: Mutex<Option<Vec<SpanRecord>>>,
    /// Spans started in this tree, the root included.
    started: AtomicUsize,
    /// Children left out (beyond `max_spans`, or finished after the transaction).
    left_out: AtomicUsize,
    max_spans: usize,
    sink: Option<Arc<dyn TransactionSink>>,
}

impl Tree {
    /// A tree for a transaction named `name`.
    pub(crate) fn new(
        name: String,
        (sampled, decision): (bool, Option<bool>),
        baggage: MakeBaggage,
        max_spans: usize,
        sink: Option<Arc<dyn TransactionSink>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            sampled,
            decision,
            baggage: LazyLock::new(baggage),
            name: Mutex::new(name),
            finished: Mutex::new(Some(Vec::new())),
            started: AtomicUsize::new(0),
            left_out: AtomicUsize::new(0),
            max_spans,
            sink,
        })
    }
}

impl Tree {
    /// The dynamic sampling context of the trace, built on first use.
    pub(crate) fn baggage(&self) -> &[(String, String)] {
        &self.baggage
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Span {
    /// The root span of `tree` (a transaction), continuing `trace_id` below `parent` if given.
    pub(crate) fn root(
        tree: Arc<Tree>,
        trace_id: TraceId,
        parent: Option<SpanId>,
        op: Cow<'static, str>,
    ) -> Self {
        Self::new(tree, trace_id, parent, true, Some(op), None)
    }

    fn new(
        tree: Arc<Tree>,
        trace_id: TraceId,
        parent_span_id: Option<SpanId>,
        root: bool,
        op: Option<Cow<'static, str>>,
        description: Option<Cow<'static, str>>,
    ) -> Self {
        tree.started.fetch_add(1, Ordering::Relaxed);
        Self {
            inner: Arc::new(Inner {
                trace_id,
                span_id: ids::span_id(),
                parent_span_id,
                root,
                start: SystemTime::now(),
                state: Mutex::new(State {
                    op,
                    description,
                    ..State::default()
                }),
                tree,
            }),
        }
    }

    /// Starts a child of this span; it finishes when the returned guard is dropped.
    ///
    /// ```
    /// # sentry_scopes::test::with_captured_events(|| {
    /// let txn = sentry_scopes::start_transaction(sentry_scopes::TransactionContext::new("job", "task"));
    /// {
    ///     let query = txn.start_child("db.query", "SELECT 1");
    ///     assert_eq!(query.trace_id(), txn.trace_id());
    ///     assert_eq!(query.parent_span_id(), Some(txn.span_id()));
    /// } // the child finishes here
    /// # });
    /// ```
    pub fn start_child(
        &self,
        op: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
    ) -> SpanGuard {
        SpanGuard::new(Self::new(
            self.inner.tree.clone(),
            self.inner.trace_id,
            Some(self.inner.span_id),
            false,
            Some(op.into()),
            Some(description.into()),
        ))
    }

    /// The trace this span belongs to.
    #[must_use]
    pub fn trace_id(&self) -> TraceId {
        self.inner.trace_id
    }

    /// This span's id.
    #[must_use]
    pub fn span_id(&self) -> SpanId {
        self.inner.span_id
    }

    /// The span this one is a child of (for a transaction: the incoming parent, if any).
    #[must_use]
    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.inner.parent_span_id
    }

    /// Whether the trace is sampled: only sampled spans are sent.
    #[must_use]
    pub fn is_sampled(&self) -> bool {
        self.inner.tree.sampled
    }

    /// Whether the span has finished.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        lock(&self.inner.state).finished
    }

    /// Whether `a` and `b` are handles to the same span.
    #[must_use]
    pub fn ptr_eq(a: &Span, b: &Span) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Sets a tag on the span.
    pub fn set_tag(&self, key: impl Into<String>, value: impl Into<String>) {
        lock(&self.inner.state)
            .tags
            .insert(key.into(), value.into());
    }

    /// Sets a data entry (arbitrary JSON) on the span; bounded as extra values are.
    pub fn set_data(&self, key: impl Into<String>, value: impl Into<Value>) {
        let mut value = value.into();
        crate::normalize::bound_value(&mut value, crate::normalize::MAX_DEPTH - 1);
        lock(&self.inner.state).data.insert(key.into(), value);
    }

    /// Adds every entry of `values` as data, under one lock; a span without data takes the
    /// map as it is (the `tracing` layer's fields, already collected into one).
    #[cfg(feature = "tracing")]
    pub(crate) fn extend_data(&self, mut values: Map<String, Value>) {
        for value in values.values_mut() {
            crate::normalize::bound_value(value, crate::normalize::MAX_DEPTH - 1);
        }
        let data = &mut lock(&self.inner.state).data;
        if data.is_empty() {
            *data = values;
        } else {
            data.extend(values);
        }
    }

    /// Sets the status (`ok`, `internal_error`, …).
    pub fn set_status(&self, status: SpanStatus) {
        lock(&self.inner.state).status = Some(status);
    }

    /// The status set so far.
    #[must_use]
    pub fn status(&self) -> Option<SpanStatus> {
        lock(&self.inner.state).status
    }

    /// Sets the operation (`db.query`, `http.server`, …).
    pub fn set_op(&self, op: impl Into<Cow<'static, str>>) {
        lock(&self.inner.state).op = Some(op.into());
    }

    /// Sets the description.
    pub fn set_description(&self, description: impl Into<Cow<'static, str>>) {
        lock(&self.inner.state).description = Some(description.into());
    }

    /// Renames the transaction this span belongs to.
    pub fn set_transaction_name(&self, name: impl Into<String>) {
        *lock(&self.inner.tree.name) = name.into();
    }

    /// The name of the transaction this span belongs to.
    #[must_use]
    pub fn transaction_name(&self) -> String {
        lock(&self.inner.tree.name).clone()
    }

    /// Finishes the span now (later calls do nothing). A child is recorded into its
    /// transaction; a transaction is sent with the children finished before it, if sampled.
    pub fn finish(&self) {
        self.end(None);
    }

    /// Finishes the span with `status` unless one was set: how the `span(..)` macro argument
    /// reports how its function ended without overriding the body's own status.
    pub(crate) fn finish_with_default_status(&self, status: SpanStatus) {
        self.end(Some(status));
    }

    fn end(&self, default_status: Option<SpanStatus>) {
        let (timestamp, state) = {
            let mut state = lock(&self.inner.state);
            if state.finished {
                return;
            }
            // Read the clock only for the call that finishes: a guard dropped after an
            // explicit finish costs a lock and nothing else.
            let timestamp = SystemTime::now();
            // Op and description stay readable (events captured later under this span report
            // them); the rest moves into the recorded span.
            let taken = State {
                op: state.op.clone(),
                description: state.description.clone(),
                status: state.status.or(default_status),
                tags: std::mem::take(&mut state.tags),
                data: std::mem::take(&mut state.data),
                finished: true,
            };
            state.finished = true;
            (timestamp, taken)
        };
        let tree = &self.inner.tree;
        if !tree.sampled {
            if self.inner.root
                && let Some(sink) = &tree.sink
            {
                sink.not_sampled(tree.started.load(Ordering::Relaxed) as u64);
            }
            return;
        }
        if self.inner.root {
            self.send_transaction(self.record(timestamp, state));
            return;
        }
        let mut finished = lock(&tree.finished);
        match finished.as_mut() {
            // Recorded only when kept.
            Some(spans) if spans.len() < tree.max_spans => {
                spans.push(self.record(timestamp, state));
            }
            _ => {
                tree.left_out.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The record of this span, finished at `timestamp` with `state`.
    fn record(&self, timestamp: SystemTime, state: State) -> SpanRecord {
        SpanRecord {
            span_id: self.inner.span_id,
            trace_id: self.inner.trace_id,
            parent_span_id: self.inner.parent_span_id,
            op: state.op,
            description: state.description,
            start: self.inner.start,
            timestamp,
            status: state.status,
            tags: state.tags,
            data: state.data,
        }
    }

    /// Sends the transaction whose root (this span) just finished as `root`.
    fn send_transaction(&self, root: SpanRecord) {
        let tree = &self.inner.tree;
        let spans = lock(&tree.finished).take().unwrap_or_default();
        let Some(sink) = &tree.sink else {
            return;
        };
        let left_out = tree.left_out.swap(0, Ordering::Relaxed);
        if left_out > 0 {
            sink.spans_dropped(left_out as u64);
        }
        sink.send(FinishedTransaction {
            event_id: crate::protocol::Uuid::new_v4(),
            name: lock(&tree.name).clone(),
            root,
            spans,
        });
    }

    /// The `trace` context of events captured while this span is active.
    pub(crate) fn trace_context(&self) -> TraceContext {
        let state = lock(&self.inner.state);
        TraceContext {
            trace_id: self.inner.trace_id,
            span_id: self.inner.span_id,
            parent_span_id: self.inner.parent_span_id,
            op: state.op.as_deref().map(str::to_owned),
            description: None,
            status: None,
            origin: None,
            data: Map::new(),
        }
    }

    /// The value of a `sentry-trace` header that continues the trace below this span. It
    /// carries the trace's sampling decision, or none when tracing is off here and no
    /// upstream decision was received (the downstream service decides).
    #[must_use]
    pub fn sentry_trace_header(&self) -> String {
        let (trace, span) = (self.inner.trace_id, self.inner.span_id);
        match self.inner.tree.decision {
            Some(sampled) => format!("{trace}-{span}-{}", u8::from(sampled)),
            None => format!("{trace}-{span}"),
        }
    }

    /// The sampling decision outgoing headers carry (see [`Span::sentry_trace_header`]).
    pub(crate) fn decision(&self) -> Option<bool> {
        self.inner.tree.decision
    }

    /// The dynamic sampling context of the trace, as `baggage` entries without `sentry-`.
    pub(crate) fn baggage(&self) -> &[(String, String)] {
        self.inner.tree.baggage()
    }

    /// The transaction this span belongs to.
    #[cfg(feature = "tower")]
    pub(crate) fn tree(&self) -> &Arc<Tree> {
        &self.inner.tree
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Span")
            .field("trace_id", &self.inner.trace_id)
            .field("span_id", &self.inner.span_id)
            .field("sampled", &self.inner.tree.sampled)
            .finish_non_exhaustive()
    }
}

/// Owns the end of a span: the span finishes when the guard is dropped (or [`finish`](
/// Self::finish) is called). Derefs to the [`Span`].
#[must_use = "the span finishes as soon as the guard is dropped"]
pub struct SpanGuard {
    span: Span,
    /// Whether dropping the guard still has to finish the span.
    open: bool,
}

impl SpanGuard {
    pub(crate) fn new(span: Span) -> Self {
        Self { span, open: true }
    }

    /// Finishes the span now.
    pub fn finish(self) {
        // Dropping the guard finishes the span.
    }

    /// The span, as a handle that does not finish it.
    #[must_use]
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Finishes the span with `status` unless one was set, and leaves nothing for the drop to
    /// do (the `span(..)` macro argument finishes its span this way when its function ends).
    pub(crate) fn close_with_default_status(&mut self, status: SpanStatus) {
        self.open = false;
        self.span.finish_with_default_status(status);
    }
}

impl std::ops::Deref for SpanGuard {
    type Target = Span;
    fn deref(&self) -> &Span {
        &self.span
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if self.open {
            self.span.finish();
        }
    }
}

impl fmt::Debug for SpanGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SpanGuard").field(&self.span).finish()
    }
}
