//! The propagation context: the trace an isolation scope's events belong to.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::protocol::{SpanId, TraceContext, TraceId, Uuid};

/// The trace identity carried by every scope (scope-model.md 2.4).
///
/// Events without an explicit `trace` context get one built from the active isolation scope's
/// propagation context. Forks copy it, so forked scopes stay on their parent's trace; integrations
/// start a new one per request with [`PropagationContext::new`] or continue an incoming trace with
/// [`PropagationContext::from_headers`].
///
/// ```
/// use sentry_scopes::PropagationContext;
///
/// let pc = PropagationContext::from_headers(
///     Some("771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1"),
///     Some("sentry-trace_id=771a43a4192642f0b136d5159a501700,sentry-environment=prod"),
/// );
/// assert_eq!(pc.trace_id().to_string(), "771a43a4192642f0b136d5159a501700");
/// assert_eq!(pc.parent_span_id().map(|s| s.to_string()).as_deref(), Some("b7ad6b7169203331"));
/// assert_eq!(pc.sampled(), Some(true));
/// assert_eq!(pc.baggage().get("environment").map(String::as_str), Some("prod"));
/// ```
#[derive(Clone)]
pub struct PropagationContext {
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    sampled: Option<bool>,
    /// The dynamic sampling context; for the trace of a span, read from the span's transaction
    /// on first use (building it costs more than the rest of a request's scope set-up, and most
    /// requests never propagate it). `None` when empty, and shared: every scope version
    /// carries a propagation context, and a map inline took 32 bytes of each version even when
    /// empty (nearly always), and a deep copy per written fork when not.
    baggage: OnceLock<Option<Arc<BTreeMap<String, String>>>>,
    baggage_of: Option<Arc<super::Tree>>,
}

/// What [`PropagationContext::baggage`] returns when there is none.
static NO_BAGGAGE: BTreeMap<String, String> = BTreeMap::new();

/// A dynamic sampling context as stored: `None` when empty.
fn shared(baggage: BTreeMap<String, String>) -> Option<Arc<BTreeMap<String, String>>> {
    (!baggage.is_empty()).then(|| Arc::new(baggage))
}

impl PartialEq for PropagationContext {
    fn eq(&self, other: &Self) -> bool {
        (
            self.trace_id,
            self.span_id,
            self.parent_span_id,
            self.sampled,
        ) == (
            other.trace_id,
            other.span_id,
            other.parent_span_id,
            other.sampled,
        ) && self.baggage() == other.baggage()
    }
}

impl Eq for PropagationContext {}

impl fmt::Debug for PropagationContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropagationContext")
            .field("trace_id", &self.trace_id)
            .field("span_id", &self.span_id)
            .field("parent_span_id", &self.parent_span_id)
            .field("sampled", &self.sampled)
            .field("baggage", self.baggage())
            .finish()
    }
}

impl Default for PropagationContext {
    fn default() -> Self {
        Self::new()
    }
}

impl PropagationContext {
    /// Starts a new trace with random trace and span ids.
    #[must_use]
    pub fn new() -> Self {
        let (trace_id, span_id) = random_ids();
        Self {
            trace_id,
            span_id,
            parent_span_id: None,
            sampled: None,
            baggage: OnceLock::new(),
            baggage_of: None,
        }
    }

    /// Continues the trace named by an incoming `sentry-trace` header and its `baggage` header.
    ///
    /// A missing or malformed `sentry-trace` value starts a new trace instead: bad input from a
    /// client never fails a request. Only the `sentry-` entries of `baggage` are kept. This
    /// only parses: the organization rule of
    /// [`ClientOptions::org_id`](crate::ClientOptions::org_id) applies where a transaction
    /// starts, through [`TransactionContext::continue_from_headers`](
    /// crate::TransactionContext::continue_from_headers) and
    /// [`start_transaction`](crate::start_transaction), as the `tower` and `tracing`
    /// integrations do.
    #[must_use]
    pub fn from_headers(sentry_trace: Option<&str>, baggage: Option<&str>) -> Self {
        let mut pc = Self::new();
        let Some((trace_id, parent, sampled)) = sentry_trace.and_then(parse_sentry_trace) else {
            return pc;
        };
        pc.trace_id = trace_id;
        pc.parent_span_id = Some(parent);
        pc.sampled = sampled;
        pc.baggage = OnceLock::from(baggage.map(parse_baggage).and_then(shared));
        pc
    }

    /// The trace of `span`, as the isolation scope of the unit of work `span` covers should
    /// report it when no span is active: its ids, its sampling decision and its dynamic
    /// sampling context. Integrations that run a unit of work in a transaction use it, so
    /// that everything of that unit reports one trace.
    #[cfg(feature = "tower")]
    pub(crate) fn of_span(span: &super::Span) -> Self {
        Self {
            trace_id: span.trace_id(),
            span_id: span.span_id(),
            parent_span_id: span.parent_span_id(),
            sampled: span.decision(),
            baggage: OnceLock::new(),
            baggage_of: Some(span.tree().clone()),
        }
    }

    /// The 32-hex-digit trace id.
    #[must_use]
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The 16-hex-digit span id that events of this context report.
    #[must_use]
    pub fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The span this trace was continued from, if it came from an incoming header.
    #[must_use]
    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id
    }

    /// The upstream sampling decision, if one was received.
    #[must_use]
    pub fn sampled(&self) -> Option<bool> {
        self.sampled
    }

    /// The dynamic sampling context received in `baggage` (keys without the `sentry-` prefix).
    #[must_use]
    pub fn baggage(&self) -> &BTreeMap<String, String> {
        self.baggage
            .get_or_init(|| {
                let tree = self.baggage_of.as_ref()?;
                shared(tree.baggage().iter().cloned().collect())
            })
            .as_deref()
            .unwrap_or(&NO_BAGGAGE)
    }

    /// The value of an outgoing `sentry-trace` header that continues this trace.
    ///
    /// ```
    /// let pc = sentry_scopes::PropagationContext::new();
    /// let header = pc.sentry_trace_header();
    /// assert_eq!(header.len(), 32 + 1 + 16);
    /// assert!(header.starts_with(&pc.trace_id().to_string()));
    /// ```
    #[must_use]
    pub fn sentry_trace_header(&self) -> String {
        match self.sampled {
            Some(s) => format!("{}-{}-{}", self.trace_id, self.span_id, u8::from(s)),
            None => format!("{}-{}", self.trace_id, self.span_id),
        }
    }

    /// The value of an outgoing `baggage` header carrying the dynamic sampling context, or
    /// `None` when there is nothing to propagate.
    #[must_use]
    pub fn baggage_header(&self) -> Option<String> {
        let baggage = self.baggage();
        if baggage.is_empty() {
            return None;
        }
        let entries: Vec<String> = baggage
            .iter()
            .map(|(k, v)| format!("sentry-{k}={v}"))
            .collect();
        Some(entries.join(","))
    }

    /// The `trace` context an event of this propagation context carries.
    pub(crate) fn to_trace_context(&self) -> TraceContext {
        // Every field spelled out: `TraceContext::default()` would draw two random ids from the
        // thread-local generator only to throw them away (see `random_ids`).
        TraceContext {
            trace_id: self.trace_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            op: None,
            description: None,
            status: None,
            origin: None,
            data: BTreeMap::new(),
        }
    }
}

/// Random trace and span ids from the OS generator behind `Uuid::new_v4`.
///
/// Not `TraceId::default()`: `sentry-types` draws from `rand`'s thread-local generator, which
/// panics once it is destroyed, and scopes are created during thread-local teardown too (a
/// value whose `Drop` captures). The trace id keeps the 122 random bits of a v4 UUID; the span
/// id folds a second UUID's halves, whose fixed version and variant bits do not overlap.
fn random_ids() -> (TraceId, SpanId) {
    let trace = Uuid::new_v4().into_bytes();
    let (hi, lo) = Uuid::new_v4().as_u64_pair();
    (TraceId::from(trace), SpanId::from((hi ^ lo).to_be_bytes()))
}

pub(crate) fn parse_sentry_trace(value: &str) -> Option<(TraceId, SpanId, Option<bool>)> {
    let mut parts = value.trim().split('-');
    let trace = parts.next()?;
    let span = parts.next()?;
    if trace.len() != 32 || span.len() != 16 {
        return None;
    }
    let trace_id = trace.parse().ok()?;
    let span_id = span.parse().ok()?;
    let sampled = match parts.next() {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    };
    Some((trace_id, span_id, sampled))
}

pub(crate) fn parse_baggage(value: &str) -> BTreeMap<String, String> {
    value
        .split(',')
        .filter_map(|entry| {
            let (k, v) = entry.split_once('=')?;
            let key = k.trim().strip_prefix("sentry-")?;
            Some((key.to_owned(), v.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_sentry_trace_starts_a_new_trace() {
        for bad in [
            "",
            "abc",
            "zz1a43a4192642f0b136d5159a501700-b7ad6b7169203331",
            "-",
        ] {
            let pc = PropagationContext::from_headers(Some(bad), None);
            assert_eq!(pc.parent_span_id(), None, "{bad}");
        }
    }

    #[test]
    fn ids_are_lowercase_hex_of_the_right_length() {
        let pc = PropagationContext::new();
        let t = pc.trace_id().to_string();
        let s = pc.span_id().to_string();
        assert_eq!((t.len(), s.len()), (32, 16));
        assert!(
            t.chars()
                .chain(s.chars())
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn outgoing_headers_round_trip() {
        let pc = PropagationContext::from_headers(
            Some("771a43a4192642f0b136d5159a501700-b7ad6b7169203331-0"),
            Some("other=1, sentry-release=1.0"),
        );
        let next = PropagationContext::from_headers(
            Some(&pc.sentry_trace_header()),
            pc.baggage_header().as_deref(),
        );
        assert_eq!(next.trace_id(), pc.trace_id());
        assert_eq!(next.parent_span_id(), Some(pc.span_id()));
        assert_eq!(next.sampled(), Some(false));
        assert_eq!(
            next.baggage().get("release").map(String::as_str),
            Some("1.0")
        );
    }
}
