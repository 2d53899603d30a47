//! `Scope`: a shared handle to a cell holding the current `ScopeData` version.
//!
//! The cell is a `Mutex<Arc<ScopeData>>`, not an `ArcSwap`: scope cells are written often
//! (every top-level setter writes the isolation scope, every capture its `last_event_id`), and
//! an `ArcSwap` write costs an `rcu` (a full `ScopeData` copy, a compare-and-swap and paying
//! the readers' debts, ~1.4k instructions) where the lock mutates in place when no snapshot is
//! held. Reads take the lock for one `Arc` clone; the thread-local current scope, which forks
//! read, is not behind it at all.

mod breadcrumbs;
mod crumb;
mod data;
mod finished;
mod ids;
mod keys;
mod list;
mod map;
pub(crate) mod merge;
mod processors;
mod propagation;
mod request;
mod span;
mod transaction_context;
mod user;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::ArcSwap;
use smallvec::SmallVec;

pub(crate) use self::breadcrumbs::StoredCrumb;
#[cfg(any(feature = "tracing", feature = "log"))]
pub(crate) use self::crumb::CrumbDraft;
#[cfg(feature = "tracing")]
pub(crate) use self::crumb::{Key as CrumbKey, MessageBuffer, scratch_data};
pub use self::data::ScopeData;
pub(crate) use self::data::{CheckedKey, StoredAttachment, TagText, arc_str, checked_tag};
pub(crate) use self::finished::{FinishedTransaction, SpanRecord};
pub(crate) use self::ids::unit as random_unit;
pub(crate) use self::keys::shared_key;
pub(crate) use self::map::{EncodeEntry, Encoded, Entry as MapEntry};
pub use self::processors::{EventProcessor, TransactionProcessor};
pub use self::propagation::PropagationContext;
pub(crate) use self::request::RequestSource;
pub(crate) use self::span::{MakeBaggage, TransactionSink, Tree};
pub use self::span::{Span, SpanGuard};
pub use self::transaction_context::{SamplingContext, TransactionContext};
pub(crate) use self::user::ScopeUser;
use crate::normalize;
use crate::protocol::{Attachment, Context, Event, Level, Transaction, User, Uuid, Value};

/// A scope: tags, extra, contexts, user, level, fingerprint, transaction, breadcrumbs,
/// attachments and event processors that are applied to captured events.
///
/// `Scope` is a cheap handle with identity: cloning it gives the *same* scope, and writes through
/// one clone are visible through every other. Every setter takes `&self` and publishes a new
/// immutable [`ScopeData`] version atomically, so concurrent writers never lose each other's
/// updates. [`Scope::fork`] gives a *new* scope starting from the same data, at the cost of one
/// reference count: no data is copied, whatever the size of the scope.
///
/// ```
/// use sentry_scopes::Scope;
///
/// let scope = Scope::new();
/// scope.set_tag("service", "billing");
/// let same = scope.clone();
/// let fork = scope.fork();
/// same.set_tag("region", "eu");
/// fork.set_tag("region", "us");
/// assert_eq!(scope.data().tag("region"), Some("eu"));
/// assert_eq!(fork.data().tag("region"), Some("us"));
/// assert_eq!(fork.data().tag("service"), Some("billing"));
/// ```
#[derive(Clone)]
pub struct Scope {
    cell: Arc<Cell>,
}

/// Where a scope's current version lives. The handle hides the choice (performance.md §6).
enum Cell {
    /// Read by every capture on every thread and written rarely (the global scope): readers
    /// never lock (`arc-swap`), writers publish with `rcu`, so no update is lost.
    ReadMostly(ArcSwap<ScopeData>),
    /// Written often by one unit of work (isolation, current and detached scopes): a short
    /// lock, and writes in place while no snapshot of the data is held.
    WriteMostly(Mutex<Arc<ScopeData>>),
}

impl Default for Scope {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("data", &*self.data())
            .finish()
    }
}

impl Scope {
    /// A detached, empty scope with a new propagation context.
    #[must_use]
    pub fn new() -> Self {
        Self::from_data(Arc::new(ScopeData::default()))
    }

    pub(crate) fn from_data(data: Arc<ScopeData>) -> Self {
        Self {
            cell: Arc::new(Cell::WriteMostly(Mutex::new(data))),
        }
    }

    /// Whether another handle may share this one's cell: a load, for a quick no before
    /// [`replace_unique`](Self::replace_unique).
    #[inline]
    pub(crate) fn maybe_shared(&self) -> bool {
        Arc::strong_count(&self.cell) != 1
    }

    /// Puts `data` into this handle's cell and returns what it held, when no other handle
    /// shares the cell; gives `data` back otherwise. Lets a handle nobody kept be reused
    /// (`context/thread/spare.rs`, `lent.rs`) instead of allocating a cell per closure fork.
    #[inline]
    pub(crate) fn replace_unique(
        &mut self,
        data: Arc<ScopeData>,
    ) -> Result<Arc<ScopeData>, Arc<ScopeData>> {
        match Arc::get_mut(&mut self.cell) {
            Some(Cell::WriteMostly(lock)) => Ok(std::mem::replace(
                lock.get_mut().unwrap_or_else(PoisonError::into_inner),
                data,
            )),
            Some(Cell::ReadMostly(_)) | None => Err(data),
        }
    }

    /// An empty scope whose reads never lock, for the process-wide global scope.
    pub(crate) fn read_mostly() -> Self {
        Self {
            cell: Arc::new(Cell::ReadMostly(
                ArcSwap::from_pointee(ScopeData::default()),
            )),
        }
    }

    /// Whether `a` and `b` are handles to the same scope.
    ///
    /// ```
    /// use sentry_scopes::Scope;
    /// let a = Scope::new();
    /// assert!(Scope::ptr_eq(&a, &a.clone()));
    /// assert!(!Scope::ptr_eq(&a, &a.fork()));
    /// ```
    #[must_use]
    pub fn ptr_eq(a: &Scope, b: &Scope) -> bool {
        Arc::ptr_eq(&a.cell, &b.cell)
    }

    /// A new scope that starts with this scope's data; from then on the two are independent.
    /// Costs one reference count for the data and one allocation for the new handle.
    #[must_use]
    pub fn fork(&self) -> Scope {
        Self::from_data(self.data())
    }

    /// An immutable snapshot of the scope's current contents.
    #[must_use]
    pub fn data(&self) -> Arc<ScopeData> {
        match &*self.cell {
            Cell::ReadMostly(swap) => swap.load_full(),
            Cell::WriteMostly(lock) => lock_slot(lock).clone(),
        }
    }

    /// Runs `f` on the current version without taking a snapshot.
    fn read<R>(&self, f: impl FnOnce(&ScopeData) -> R) -> R {
        match &*self.cell {
            Cell::ReadMostly(swap) => f(&swap.load()),
            Cell::WriteMostly(lock) => f(&lock_slot(lock)),
        }
    }

    /// Applies `f` to the data and publishes the result atomically: concurrent writers never
    /// lose updates, and readers holding a [`data`](Self::data) snapshot keep seeing it. `f`
    /// must not run user code, and may run more than once (`rcu` retries on a conflict).
    ///
    /// A write-mostly cell changes the data in place when no snapshot of it is held (the common
    /// case for a scope taking several writes in a row), else copies it first; a replaced
    /// version is dropped after the lock is released, as it may hold event processors.
    pub(crate) fn update(&self, mut f: impl FnMut(&mut ScopeData)) {
        self.update_with((), |d, ()| f(d));
    }

    /// [`update`](Self::update) that hands `value` to `f`: moved into it on a write-mostly
    /// cell (no reference-count round trip for the `Arc`s a write stores), cloned for each
    /// attempt of a read-mostly one.
    pub(crate) fn update_with<T: Clone>(&self, value: T, mut f: impl FnMut(&mut ScopeData, T)) {
        match &*self.cell {
            Cell::ReadMostly(swap) => {
                swap.rcu(|old| {
                    let mut data = ScopeData::clone(old);
                    f(&mut data, value.clone());
                    data
                });
            }
            Cell::WriteMostly(lock) => {
                let mut slot = lock_slot(lock);
                if let Some(data) = Arc::get_mut(&mut slot) {
                    f(data, value);
                    return;
                }
                let mut data = ScopeData::clone(&slot);
                f(&mut data, value);
                let old = std::mem::replace(&mut *slot, Arc::new(data));
                drop(slot);
                drop(old);
            }
        }
    }

    /// Replaces the data wholesale (used to reset the global scope in tests).
    #[cfg(feature = "test")]
    pub(crate) fn store(&self, data: Arc<ScopeData>) {
        self.update_with(data, |d, new| *d = Arc::unwrap_or_clone(new));
    }

    /// Sets a tag. Tags are indexed and searchable on the server.
    pub fn set_tag(&self, key: impl AsRef<str>, value: impl ToString) {
        if let Some(tag) = checked_tag(key.as_ref(), TagText::from(value.to_string())) {
            self.update_with(tag, |d, (k, v)| d.insert_checked_tag(k, v));
        }
    }

    /// Sets several tags at once, with one publish. An empty iterator changes nothing (C08).
    pub fn set_tags<K, V>(&self, tags: impl IntoIterator<Item = (K, V)>)
    where
        K: AsRef<str>,
        V: ToString,
    {
        // Checked before the scope is locked (`to_string` may run user code); up to eight on
        // the stack.
        let tags: SmallVec<[(Arc<str>, TagText); 8]> = tags
            .into_iter()
            .filter_map(|(k, v)| checked_tag(k.as_ref(), TagText::from(v.to_string())))
            .collect();
        if tags.is_empty() {
            return;
        }
        self.update_with(&tags[..], |d, tags| d.insert_checked_tags(tags));
    }

    /// Removes a tag from this scope only; a tag of a lower scope shows through again.
    pub fn remove_tag(&self, key: &str) {
        if self.read(|d| d.tags.contains_key(key)) {
            self.update(|d| d.remove_tag(key));
        }
    }

    /// Sets an extra value (arbitrary JSON, not indexed).
    pub fn set_extra(&self, key: impl AsRef<str>, value: impl Into<Value>) {
        let mut value = value.into();
        normalize::bound_value(&mut value, normalize::MAX_DEPTH - 1);
        let (key, value) = (shared_key(key.as_ref()), Arc::new(value));
        self.update_with((key, value), |d, (k, v)| d.set_extra(k, v));
    }

    /// Removes an extra value from this scope only.
    pub fn remove_extra(&self, key: &str) {
        if self.read(|d| d.seldom.extra.contains_key(key)) {
            self.update(|d| d.remove_extra(key));
        }
    }

    /// Sets a context; the value replaces any previous one under `key` whole.
    pub fn set_context(&self, key: impl AsRef<str>, value: impl Into<Context>) {
        let mut value = value.into();
        normalize::bound_context(&mut value);
        let (key, value) = (shared_key(key.as_ref()), Arc::new(value));
        self.update_with((key, value), |d, (k, v)| d.set_context(k, v));
    }

    /// Removes a context from this scope only.
    pub fn remove_context(&self, key: &str) {
        if self.read(|d| d.seldom.contexts.contains_key(key)) {
            self.update(|d| d.remove_context(key));
        }
    }

    /// Sets the user of this scope; `None` clears it on this scope only.
    pub fn set_user(&self, user: Option<User>) {
        let user = user.map(|mut u| {
            normalize::bound_user(&mut u);
            ScopeUser::new(u)
        });
        self.update_with(user, |d, v| d.set_user(v));
    }

    /// Sets the level, which overrides the level of every event this scope applies to.
    pub fn set_level(&self, level: Option<Level>) {
        self.update(|d| d.set_level(level));
    }

    /// Sets the fingerprint that groups events into issues; `None` or an empty list clears it.
    pub fn set_fingerprint(&self, fingerprint: Option<&[&str]>) {
        let fp: Option<Arc<[Arc<str>]>> = fingerprint.map(|f| f.iter().map(arc_str).collect());
        self.update_with(fp, |d, v| d.set_fingerprint(v));
    }

    /// Sets the transaction name.
    pub fn set_transaction(&self, name: Option<&str>) {
        let name = name.map(arc_str);
        self.update_with(name, |d, v| d.set_transaction(v));
    }

    /// Stores a prepared breadcrumb (the pipeline floor prepares it, `Scope::add_breadcrumb`);
    /// `true` when that pushed the oldest one out of a full buffer.
    pub(crate) fn push_breadcrumb(&self, crumb: StoredCrumb, max: usize) -> bool {
        let mut evicted = false;
        self.update_with(crumb, |d, c| evicted = d.push_breadcrumb(c, max));
        evicted
    }

    /// Removes this scope's breadcrumbs (other scopes keep theirs).
    pub fn clear_breadcrumbs(&self) {
        self.update(ScopeData::clear_breadcrumbs);
    }

    /// Adds an attachment, sent with error events (not with transactions). An attachment
    /// without a content type gets the one its file name's extension maps to
    /// (`report.json`: `application/json`); unknown extensions are sent as
    /// `application/octet-stream`. To attach a file, see
    /// [`attachment_from_path`](crate::protocol::attachment_from_path).
    ///
    /// ```
    /// use sentry_scopes::{Attachment, get_isolation_scope};
    /// get_isolation_scope().add_attachment(Attachment {
    ///     buffer: b"step 1 ok\nstep 2 failed".to_vec(),
    ///     filename: "steps.log".into(),
    ///     ..Attachment::default()
    /// });
    /// # let data = get_isolation_scope().data();
    /// # let stored = data.attachments().next().unwrap();
    /// # assert_eq!(stored.content_type.as_deref(), Some("text/plain"));
    /// ```
    pub fn add_attachment(&self, attachment: Attachment) {
        self.push_attachment(attachment, false);
    }

    /// Adds an attachment that transaction events carry too.
    pub fn add_transaction_attachment(&self, attachment: Attachment) {
        self.push_attachment(attachment, true);
    }

    fn push_attachment(&self, attachment: Attachment, add_to_transactions: bool) {
        let stored = Arc::new(StoredAttachment {
            attachment: crate::protocol::with_inferred_content_type(attachment),
            add_to_transactions,
        });
        self.update_with(stored, |d, v| d.add_attachment(v));
    }

    /// Appends an event processor. Processors run at capture, global first, then isolation, then
    /// current, each list in registration order; `None` drops the event.
    pub fn add_event_processor<F>(&self, processor: F)
    where
        F: Fn(Event<'static>) -> Option<Event<'static>> + Send + Sync + 'static,
    {
        let p = EventProcessor::new(processor);
        self.update_with(p, |d, v| d.add_processor(v));
    }

    /// Appends a transaction processor: it sees every transaction captured with this scope
    /// (after the scopes are applied, before `before_send_transaction`), global first, then
    /// isolation, then current; `None` drops the transaction.
    ///
    /// ```
    /// use sentry_scopes::{TransactionContext, get_isolation_scope, start_transaction};
    /// # let envelopes = sentry_scopes::test::with_captured_envelopes_options(
    /// #     sentry_scopes::ClientOptions::new().traces_sample_rate(1.0), || {
    /// get_isolation_scope().add_transaction_processor(|mut txn| {
    ///     txn.tags.insert("checked".into(), "yes".into());
    ///     Some(txn)
    /// });
    /// start_transaction(TransactionContext::new("job", "task")).finish();
    /// # });
    /// # let txn = envelopes[0].items().find_map(|i| match i {
    /// #     sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()), _ => None,
    /// # }).unwrap();
    /// # assert_eq!(txn.tags["checked"], "yes");
    /// ```
    pub fn add_transaction_processor<F>(&self, processor: F)
    where
        F: Fn(Transaction<'static>) -> Option<Transaction<'static>> + Send + Sync + 'static,
    {
        let p = TransactionProcessor::new(processor);
        self.update_with(p, |d, v| d.add_transaction_processor(v));
    }

    /// Resets all data, breadcrumbs and attachments, starts a new trace and forgets the last
    /// event id. Event processors are kept.
    pub fn clear(&self) {
        self.update(ScopeData::clear);
    }

    /// Layers `other` over this scope (`Scope::update_from_scope`), capping breadcrumbs at `max`.
    pub(crate) fn update_from(&self, other: &Scope, max: usize) {
        let upper = other.data();
        self.update(|d| d.update_from(&upper, max));
    }

    /// The propagation context (trace) of this scope.
    #[must_use]
    pub fn propagation_context(&self) -> PropagationContext {
        self.read(|d| d.seldom.propagation.clone())
    }

    /// Replaces the propagation context, e.g. to continue an incoming trace.
    pub fn set_propagation_context(&self, pc: PropagationContext) {
        self.update_with(pc, |d, pc| d.seldom_mut().propagation = pc);
    }

    /// The id of the last event captured while this scope was the active isolation scope.
    #[must_use]
    pub fn last_event_id(&self) -> Option<Uuid> {
        self.read(|d| d.last_event_id)
    }

    /// The span active on this scope, if any: events captured with this scope report its trace
    /// context, and [`start_span`](crate::start_span) starts children below it.
    #[must_use]
    pub fn span(&self) -> Option<Span> {
        self.read(|d| d.span.clone())
    }

    /// Makes `span` the active span of this scope (`None` clears it on this scope only).
    ///
    /// ```
    /// use sentry_scopes::{Scope, TransactionContext, start_transaction};
    /// let txn = start_transaction(TransactionContext::new("job", "task"));
    /// let scope = Scope::new();
    /// scope.set_span(Some(txn.span().clone()));
    /// assert_eq!(scope.span().map(|s| s.span_id()), Some(txn.span_id()));
    /// ```
    pub fn set_span(&self, span: Option<Span>) {
        self.update_with(span, |d, span| d.span = span);
    }

    pub(crate) fn set_last_event_id(&self, id: Uuid) {
        self.update(|d| d.last_event_id = Some(id));
    }
}

/// Locks a write-mostly cell. No user code runs while it is held, so poisoning can only come from
/// an allocation failure; the data is then still consistent and is used as is.
fn lock_slot(lock: &Mutex<Arc<ScopeData>>) -> MutexGuard<'_, Arc<ScopeData>> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}
