//! Outgoing trace propagation: the headers that let a downstream service continue our trace.

use crate::client::Client;
use crate::context::{active_span, get_isolation_scope};
use crate::scope::PropagationContext;

/// The `sentry-trace` and `baggage` headers for an outgoing request, continuing the trace here:
/// below the active span ([`start_span`](crate::start_span), [`Span::enter`](crate::Span::enter)),
/// with its sampling decision, else the trace of the active isolation scope (the one events
/// captured here report).
///
/// `sentry-trace` is always present. `baggage` carries the dynamic sampling context: the
/// trace's (the one received with the incoming request when the trace was continued, else one
/// this service starts as the head of the trace: trace id, public key, release, environment and,
/// with a span, transaction name, sample rate and decision). When a span is active, W3C
/// `traceparent` is added too. Add the pairs to any HTTP client's request; the receiving
/// service reads them with [`TransactionContext::continue_from_headers`](
/// crate::TransactionContext::continue_from_headers) (the layer of the `tower` feature does).
///
/// ```
/// use sentry_scopes::{PropagationContext, get_isolation_scope, trace_headers};
/// # sentry_scopes::test::with_captured_events(|| {
/// let headers: Vec<(&str, String)> = trace_headers().collect();
/// let trace_id = get_isolation_scope().propagation_context().trace_id().to_string();
/// assert_eq!(headers[0].0, "sentry-trace");
/// assert!(headers[0].1.starts_with(&trace_id));
/// assert_eq!(headers[1].0, "baggage");
/// assert!(headers[1].1.contains(&format!("sentry-trace_id={trace_id}")));
///
/// // What a downstream service makes of them:
/// let get = |name| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
/// let downstream = PropagationContext::from_headers(get("sentry-trace"), get("baggage"));
/// assert_eq!(downstream.trace_id().to_string(), trace_id);
/// # });
/// ```
pub fn trace_headers() -> impl Iterator<Item = (&'static str, String)> {
    if let Some(span) = active_span() {
        let baggage = (!span.baggage().is_empty()).then(|| {
            span.baggage()
                .iter()
                .map(|(k, v)| format!("sentry-{k}={}", encode(v)))
                .collect::<Vec<_>>()
                .join(",")
        });
        let traceparent = format!(
            "00-{}-{}-{}",
            span.trace_id(),
            span.span_id(),
            if span.decision() == Some(true) {
                "01"
            } else {
                "00"
            }
        );
        let headers = [
            Some(("sentry-trace", span.sentry_trace_header())),
            baggage.map(|b| ("baggage", b)),
            Some(("traceparent", traceparent)),
        ];
        return headers
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .into_iter();
    }
    let pc = get_isolation_scope().propagation_context();
    let baggage = pc.baggage_header().or_else(|| head_baggage(&pc));
    std::iter::once(("sentry-trace", pc.sentry_trace_header()))
        .chain(baggage.map(|b| ("baggage", b)))
        .collect::<Vec<_>>()
        .into_iter()
}

/// The dynamic sampling context this service freezes when it starts the trace itself.
fn head_baggage(pc: &PropagationContext) -> Option<String> {
    if pc.parent_span_id().is_some() {
        return None; // continued without baggage: the head chose to send none
    }
    let mut entries = vec![format!("sentry-trace_id={}", pc.trace_id())];
    if let Some(client) = Client::current() {
        if let Some(dsn) = client.dsn() {
            entries.push(format!("sentry-public_key={}", dsn.public_key()));
        }
        let options = client.options();
        for (key, value) in [
            ("release", &options.release),
            ("environment", &options.environment),
        ] {
            if let Some(v) = value {
                entries.push(format!("sentry-{key}={}", encode(v)));
            }
        }
    }
    Some(entries.join(","))
}

/// Percent-encodes the characters that would break a baggage list (W3C baggage: no `,;=`, no
/// spaces, no control characters, `%` itself).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_graphic() && !matches!(b, b',' | b';' | b'=' | b'%' | b'"' | b'\\') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baggage_values_are_percent_encoded() {
        assert_eq!(encode("my app@1.0,beta"), "my%20app@1.0%2Cbeta");
        assert_eq!(encode("prod"), "prod");
    }

    #[test]
    fn a_continued_trace_without_baggage_sends_none() {
        let pc = PropagationContext::from_headers(
            Some("771a43a4192642f0b136d5159a501700-b7ad6b7169203331"),
            None,
        );
        assert_eq!(head_baggage(&pc), None);
    }
}
