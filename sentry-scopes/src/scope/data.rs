//! `ScopeData`: one immutable version of a scope's contents.
//!
//! Every field is either a persistent map keyed by `Arc<str>` ([`ScopeMap`], on `imbl`), an
//! `Arc`, a user's id of up to 23 bytes ([`ScopeUser`]), or a small `Copy` value, so cloning a
//! `ScopeData` copies a handful of pointers, whatever it holds, and a write copies one path of
//! one small map. The fields forks seldom write sit behind one more `Arc` ([`Seldom`]), so the
//! copy a fork writes to copies seven fields (152 bytes), not fifteen (400).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::breadcrumbs::{Breadcrumbs, StoredCrumb};
use super::list::SharedList;
use super::map::{Entry, ScopeMap};
use super::processors::{EventProcessor, TransactionProcessor};
use super::propagation::PropagationContext;
use super::request::RequestSource;
use super::span::Span;
use super::user::ScopeUser;
use crate::normalize::TagRejected;
use crate::protocol::{Attachment, Breadcrumb, Context, Level, User, Uuid, Value};

/// A tag key checked once (a macro's key): the key as it is kept, or the key as written and
/// why it cannot be a tag key.
pub(crate) type CheckedKey = Result<Arc<str>, (&'static str, TagRejected)>;

/// A tag value as a scope keeps it: up to 23 bytes inline, longer text shared; cloned without
/// an allocation either way.
pub(crate) type TagText = smol_str::SmolStr;

/// A scope attachment and whether transaction events carry it too (scope-model.md 2.1, A02).
#[derive(Debug)]
pub(crate) struct StoredAttachment {
    pub(crate) attachment: Attachment,
    pub(crate) add_to_transactions: bool,
}

/// One immutable version of a scope's contents.
///
/// Obtained from [`Scope::data`](crate::Scope::data) as a snapshot for inspection; writes go
/// through [`Scope`](crate::Scope), which publishes a new version.
///
/// ```
/// let scope = sentry_scopes::Scope::new();
/// scope.set_tag("region", "eu");
/// let snapshot = scope.data();
/// scope.set_tag("region", "us");
/// assert_eq!(snapshot.tag("region"), Some("eu"));
/// assert_eq!(scope.data().tag("region"), Some("us"));
/// ```
#[derive(Clone, Default)]
pub struct ScopeData {
    pub(crate) tags: ScopeMap<TagText>,
    pub(crate) user: Option<ScopeUser>,
    pub(crate) level: Option<Level>,
    pub(crate) breadcrumbs: Breadcrumbs,
    pub(crate) last_event_id: Option<Uuid>,
    /// The active span: events captured here report its trace context, children start below
    /// it.
    pub(crate) span: Option<Span>,
    /// What forks seldom write, shared between versions until one does: a fork's copy of the
    /// data copies the fields above and one reference count.
    pub(crate) seldom: Arc<Seldom>,
}

/// The part of a [`ScopeData`] that forks seldom write (extra, contexts, fingerprint,
/// transaction, attachments, processors, propagation context, request). A version that writes
/// one of them copies this part once ([`ScopeData::seldom_mut`]); every other version shares it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seldom {
    pub(crate) extra: ScopeMap<Arc<Value>>,
    pub(crate) contexts: ScopeMap<Arc<Context>>,
    pub(crate) fingerprint: Option<Arc<[Arc<str>]>>,
    pub(crate) transaction: Option<Arc<str>>,
    pub(crate) attachments: SharedList<Arc<StoredAttachment>>,
    pub(crate) processors: SharedList<EventProcessor>,
    pub(crate) transaction_processors: SharedList<TransactionProcessor>,
    pub(crate) propagation: PropagationContext,
    /// The HTTP request of the unit of work this scope covers, set by the tower layer.
    pub(crate) request: Option<RequestSource>,
}

impl fmt::Debug for ScopeData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &*self.seldom;
        f.debug_struct("ScopeData")
            .field("tags", &self.tags)
            .field("extra", &s.extra)
            .field("contexts", &s.contexts)
            .field("user", &self.user)
            .field("level", &self.level)
            .field("fingerprint", &s.fingerprint)
            .field("transaction", &s.transaction)
            .field("breadcrumbs", &self.breadcrumbs)
            .field("attachments", &s.attachments)
            .field("processors", &s.processors)
            .field("transaction_processors", &s.transaction_processors)
            .field("propagation", &s.propagation)
            .field("last_event_id", &self.last_event_id)
            .field("span", &self.span)
            .field("request", &s.request)
            .finish()
    }
}

impl ScopeData {
    /// The tag stored under `key`.
    #[must_use]
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(|v| &**v)
    }

    /// All tags, ordered by key.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tags.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The extra value stored under `key`.
    #[must_use]
    pub fn extra(&self, key: &str) -> Option<&Value> {
        self.seldom.extra.get(key).map(|v| &**v)
    }

    /// All extra values, ordered by key.
    pub fn extras(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.seldom.extra.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The context stored under `key`.
    #[must_use]
    pub fn context(&self, key: &str) -> Option<&Context> {
        self.seldom.contexts.get(key).map(|v| &**v)
    }

    /// All contexts, ordered by key.
    pub fn contexts(&self) -> impl Iterator<Item = (&str, &Context)> {
        self.seldom.contexts.iter().map(|(k, v)| (&**k, &**v))
    }

    /// The user of this scope.
    ///
    /// A user with an id and no other field is kept as the id; the `User` returned for it is
    /// built on the first call on this version and kept with it.
    ///
    /// ```
    /// use sentry_scopes::{Scope, User};
    ///
    /// let scope = Scope::new();
    /// let user = User { id: Some("42".into()), ..User::default() };
    /// scope.set_user(Some(user.clone()));
    /// assert_eq!(scope.data().user(), Some(&user));
    /// ```
    #[must_use]
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref().map(ScopeUser::user)
    }

    /// The level of this scope, which overrides the level of every event it applies to.
    #[must_use]
    pub fn level(&self) -> Option<Level> {
        self.level
    }

    /// The fingerprint of this scope.
    pub fn fingerprint(&self) -> Option<impl Iterator<Item = &str>> {
        self.seldom
            .fingerprint
            .as_ref()
            .map(|f| f.iter().map(|s| &**s))
    }

    /// The transaction name of this scope.
    #[must_use]
    pub fn transaction(&self) -> Option<&str> {
        self.seldom.transaction.as_deref()
    }

    /// The breadcrumbs stored on this scope, oldest first, each as it was stored (after
    /// `before_breadcrumb` and the protocol's limits). The scope keeps breadcrumbs in a compact
    /// form, so each is rebuilt as an owned [`Breadcrumb`] when the iterator reaches it.
    pub fn breadcrumbs(&self) -> impl Iterator<Item = Breadcrumb> + '_ {
        self.breadcrumbs.iter().map(|c| c.to_breadcrumb())
    }

    /// The attachments stored on this scope, in the order they were added.
    pub fn attachments(&self) -> impl Iterator<Item = &Attachment> {
        self.seldom.attachments.iter().map(|a| &a.attachment)
    }

    /// How many event processors this scope holds.
    #[must_use]
    pub fn processor_count(&self) -> usize {
        self.seldom.processors.len()
    }

    /// The propagation context of this scope.
    #[must_use]
    pub fn propagation_context(&self) -> &PropagationContext {
        &self.seldom.propagation
    }

    /// The id of the last event captured while this scope was the active isolation scope.
    #[must_use]
    pub fn last_event_id(&self) -> Option<Uuid> {
        self.last_event_id
    }

    /// The span active on this scope.
    #[must_use]
    pub fn span(&self) -> Option<&Span> {
        self.span.as_ref()
    }

    /// Whether the scope holds no event data (processors, propagation context and
    /// `last_event_id` are not event data).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.seldom.extra.is_empty()
            && self.seldom.contexts.is_empty()
            && self.user.is_none()
            && self.level.is_none()
            && self.seldom.fingerprint.is_none()
            && self.seldom.transaction.is_none()
            && self.breadcrumbs.is_empty()
            && self.seldom.attachments.is_empty()
    }

    // --- writes: used by `Scope` (under its lock) and by the macros' forks ----------------

    /// Sets a tag, made acceptable to Relay first (`normalize::tag`); a tag that cannot be
    /// is dropped with a debug log line.
    #[cfg(test)]
    pub(crate) fn set_tag(&mut self, key: Arc<str>, value: TagText) {
        if let Some((key, value)) = acceptable_tag(key, value) {
            self.tags.insert(key, value);
        }
    }

    /// Inserts tags [`checked_tag`] let through, in order (a later write of a key wins), with
    /// one write of the tag map: the new overlay is built from a list of known length, in one
    /// allocation.
    pub(crate) fn insert_checked_tags(&mut self, tags: &[(Arc<str>, TagText)]) {
        self.tags.insert_cloned(tags);
    }

    /// Inserts one tag [`checked_tag`] let through.
    pub(crate) fn insert_checked_tag(&mut self, key: Arc<str>, value: TagText) {
        self.tags.insert(key, value);
    }

    /// [`insert_checked_tags`](Self::insert_checked_tags) for a fixed number of tags (what a
    /// macro writes) whose keys and values are acceptable as they are: one allocation.
    pub(crate) fn insert_tag_array<const N: usize>(&mut self, tags: [Entry<TagText>; N]) {
        self.tags.insert_array(tags);
    }

    /// Sets a macro's tags when a key could not be a tag key (dropped, and logged) or a value
    /// had to be made acceptable.
    pub(crate) fn fix_and_insert_tags<const N: usize>(&mut self, tags: [(CheckedKey, TagText); N]) {
        let fixed = tags.into_iter().filter_map(|(key, value)| match key {
            Ok(key) => acceptable_value(key, value),
            Err((key, why)) => {
                crate::debug::log(|| format!("tag {key:?} dropped: {why}"));
                None
            }
        });
        self.tags.insert_many(fixed);
    }

    pub(crate) fn remove_tag(&mut self, key: &str) {
        self.tags.remove(key);
    }

    pub(crate) fn set_extra(&mut self, key: Arc<str>, value: Arc<Value>) {
        self.seldom_mut().extra.insert(key, value);
    }

    pub(crate) fn remove_extra(&mut self, key: &str) {
        self.seldom_mut().extra.remove(key);
    }

    pub(crate) fn set_context(&mut self, key: Arc<str>, value: Arc<Context>) {
        self.seldom_mut().contexts.insert(key, value);
    }

    pub(crate) fn remove_context(&mut self, key: &str) {
        self.seldom_mut().contexts.remove(key);
    }

    pub(crate) fn set_user(&mut self, user: Option<ScopeUser>) {
        self.user = user;
    }

    pub(crate) fn set_level(&mut self, level: Option<Level>) {
        self.level = level;
    }

    pub(crate) fn set_fingerprint(&mut self, fingerprint: Option<Arc<[Arc<str>]>>) {
        self.seldom_mut().fingerprint = fingerprint.filter(|f| !f.is_empty());
    }

    pub(crate) fn set_transaction(&mut self, name: Option<Arc<str>>) {
        self.seldom_mut().transaction = name;
    }

    /// Adds a breadcrumb; `true` when that pushed the oldest one out.
    pub(crate) fn push_breadcrumb(&mut self, crumb: StoredCrumb, max: usize) -> bool {
        self.breadcrumbs.push(crumb, max)
    }

    pub(crate) fn clear_breadcrumbs(&mut self) {
        self.breadcrumbs.clear();
    }

    pub(crate) fn add_attachment(&mut self, attachment: Arc<StoredAttachment>) {
        self.seldom_mut().attachments.push_back(attachment);
    }

    pub(crate) fn add_processor(&mut self, processor: EventProcessor) {
        self.seldom_mut().processors.push_back(processor);
    }

    pub(crate) fn add_transaction_processor(&mut self, processor: TransactionProcessor) {
        self.seldom_mut()
            .transaction_processors
            .push_back(processor);
    }

    /// Resets all event data, breadcrumbs and attachments, starts a new trace and forgets the
    /// last event id; keeps the event processors (scope-model.md 2.4, C01).
    pub(crate) fn clear(&mut self) {
        let seldom = Seldom {
            processors: self.seldom.processors.clone(),
            transaction_processors: self.seldom.transaction_processors.clone(),
            ..Seldom::default()
        };
        // Every field named, so a new one is cleared on purpose (and no default part is made
        // only to be replaced).
        *self = Self {
            tags: ScopeMap::default(),
            user: None,
            level: None,
            breadcrumbs: Breadcrumbs::default(),
            last_event_id: None,
            span: None,
            seldom: Arc::new(seldom),
        };
    }

    /// Layers `upper` over `self` (scope-model.md 3.2, `update_from_scope`): maps key-wise,
    /// scalars where `upper` has a value, breadcrumbs merged in sequence order and re-capped,
    /// attachments and processors appended. Removes nothing; keeps the propagation context and
    /// `last_event_id` of `self`.
    pub(crate) fn update_from(&mut self, upper: &ScopeData, max_breadcrumbs: usize) {
        self.tags = ScopeMap::layered(&self.tags, &upper.tags);
        if upper.user.is_some() {
            self.user.clone_from(&upper.user);
        }
        if upper.level.is_some() {
            self.level = upper.level;
        }
        if upper.span.is_some() {
            self.span.clone_from(&upper.span);
        }
        self.breadcrumbs
            .merge_from(&upper.breadcrumbs, max_breadcrumbs);
        let upper = &*upper.seldom;
        if upper.layers_nothing() {
            return;
        }
        let lower = self.seldom_mut();
        lower.extra = ScopeMap::layered(&lower.extra, &upper.extra);
        lower.contexts = ScopeMap::layered(&lower.contexts, &upper.contexts);
        if upper.fingerprint.is_some() {
            lower.fingerprint.clone_from(&upper.fingerprint);
        }
        if upper.transaction.is_some() {
            lower.transaction.clone_from(&upper.transaction);
        }
        lower.attachments.append(&upper.attachments);
        lower.processors.append(&upper.processors);
        lower
            .transaction_processors
            .append(&upper.transaction_processors);
    }

    /// The seldom-written part, to change it: copied first when another version shares it.
    pub(crate) fn seldom_mut(&mut self) -> &mut Seldom {
        Arc::make_mut(&mut self.seldom)
    }
}

impl Seldom {
    /// Whether layering this part over another ([`ScopeData::update_from`]) changes nothing.
    fn layers_nothing(&self) -> bool {
        self.extra.is_empty()
            && self.contexts.is_empty()
            && self.fingerprint.is_none()
            && self.transaction.is_none()
            && self.attachments.is_empty()
            && self.processors.is_empty()
            && self.transaction_processors.is_empty()
    }
}

/// A tag as a public setter writes it, checked before the scope is locked: the key shared per
/// thread with its check remembered (`keys::shared_tag_key`), the value as it is when Relay
/// accepts it so, else both made acceptable; `None`, with a debug log line, when the tag cannot
/// be.
pub(crate) fn checked_tag(key: &str, value: TagText) -> Option<(Arc<str>, TagText)> {
    let (key, key_as_is) = super::keys::shared_tag_key(key);
    if key_as_is && crate::normalize::tag_value_as_is(&value) {
        return Some((key, value));
    }
    acceptable_tag(key, value)
}

/// The tag as Relay accepts it, reusing the shared strings when nothing had to change.
fn acceptable_tag(key: Arc<str>, value: TagText) -> Option<(Arc<str>, TagText)> {
    match crate::normalize::tag(&key, &value) {
        Ok((Cow::Borrowed(k), Cow::Borrowed(v)))
            if k.len() == key.len() && v.len() == value.len() =>
        {
            Some((key, value))
        }
        Ok((k, v)) => Some((Arc::from(&*k), TagText::from(&*v))),
        Err(why) => {
            crate::debug::log(|| format!("tag {key:?} dropped: {why}"));
            None
        }
    }
}

/// The tag with its value made acceptable (`normalize::tag_value`), for a key that already is.
fn acceptable_value(key: Arc<str>, value: TagText) -> Option<(Arc<str>, TagText)> {
    match crate::normalize::tag_value(&value) {
        Ok(Cow::Borrowed(v)) if v.len() == value.len() => Some((key, value)),
        Ok(v) => Some((key, TagText::from(&*v))),
        Err(why) => {
            crate::debug::log(|| format!("tag {key:?} dropped: {why}"));
            None
        }
    }
}

/// Converts any string-like value to the shared string type scope maps use.
pub(crate) fn arc_str(s: impl AsRef<str>) -> Arc<str> {
    Arc::from(s.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_from_gives_upper_keys_precedence_and_keeps_lower_only_keys() {
        let mut lower = ScopeData::default();
        lower.set_tag(arc_str("a"), TagText::new("lower"));
        lower.set_tag(arc_str("only_lower"), TagText::new("1"));
        let mut upper = ScopeData::default();
        upper.set_tag(arc_str("a"), TagText::new("upper"));
        upper.set_level(Some(Level::Fatal));
        lower.update_from(&upper, 100);
        assert_eq!(lower.tag("a"), Some("upper"));
        assert_eq!(lower.tag("only_lower"), Some("1"));
        assert_eq!(lower.level(), Some(Level::Fatal));
    }

    #[test]
    fn clear_keeps_processors_and_changes_trace() {
        let mut data = ScopeData::default();
        data.set_tag(arc_str("a"), TagText::new("1"));
        data.add_processor(EventProcessor::new(Some));
        let trace = data.seldom.propagation.trace_id();
        data.clear();
        assert!(data.is_empty());
        assert_eq!(data.processor_count(), 1);
        assert_ne!(data.seldom.propagation.trace_id(), trace);
    }

    #[test]
    fn empty_fingerprint_clears() {
        let mut data = ScopeData::default();
        data.set_fingerprint(Some(Arc::from(Vec::new())));
        assert!(data.fingerprint().is_none());
    }
}
