//! Which incoming traces are continued: the organization rule of `org_id` and
//! `strict_trace_continuation`, and the `sentry-org_id` that traces started here carry.

mod common;

use sentry_scopes::test::{TestTransport, with_captured_envelopes_options};
use sentry_scopes::{ClientOptions, TransactionContext, start_transaction};

use common::traced;

/// One client at a time: one test installs it with `init`, the others through the test helper.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

const TRACE_ID: &str = "771a43a4192642f0b136d5159a501700";
const SENTRY_TRACE: &str = "771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1";

/// Whether a transaction started from `sentry-trace` (and `baggage`, if any) under `options`
/// continues the incoming trace.
fn continues(options: ClientOptions, baggage: Option<&str>) -> bool {
    let mut continued = None;
    with_captured_envelopes_options(options, || {
        let mut headers = vec![("sentry-trace", SENTRY_TRACE)];
        headers.extend(baggage.map(|b| ("baggage", b)));
        let txn = start_transaction(TransactionContext::continue_from_headers(
            "GET /",
            "http.server",
            headers,
        ));
        let same = txn.trace_id().to_string() == TRACE_ID;
        // A new trace is a new trace throughout: no parent, no upstream decision.
        assert_eq!(same, txn.parent_span_id().is_some());
        continued = Some(same);
    });
    continued.expect("ran")
}

#[test]
fn a_trace_from_another_organization_starts_a_new_one() {
    let _serial = serial();
    let ours = || traced().org_id(123);
    assert!(continues(
        ours(),
        Some("sentry-org_id=123,sentry-sampled=true")
    ));
    assert!(!continues(
        ours(),
        Some("sentry-org_id=456,sentry-sampled=true")
    ));
    // Either side unknown: continued, unless strict.
    assert!(continues(ours(), Some("sentry-sampled=true")));
    assert!(continues(ours(), None));
    assert!(continues(traced(), Some("sentry-org_id=456")));
}

#[test]
fn strict_continuation_needs_both_sides_to_name_the_same_organization() {
    let _serial = serial();
    let strict = || traced().org_id(123).strict_trace_continuation(true);
    assert!(continues(strict(), Some("sentry-org_id=123")));
    assert!(!continues(strict(), Some("sentry-org_id=456")));
    assert!(!continues(strict(), Some("sentry-sampled=true")));
    assert!(!continues(strict(), None));
    let strict_without_org = || traced().strict_trace_continuation(true);
    assert!(!continues(strict_without_org(), Some("sentry-org_id=456")));
    // Neither side names one: nothing to compare, the trace is continued.
    assert!(continues(strict_without_org(), None));
}

/// A transaction started from a request of a trace of organization 7.
fn from_organization_7() -> sentry_scopes::SpanGuard {
    let headers = [
        ("sentry-trace", SENTRY_TRACE),
        ("baggage", "sentry-org_id=7"),
    ];
    start_transaction(TransactionContext::continue_from_headers(
        "GET /",
        "http.server",
        headers,
    ))
}

#[test]
fn the_organization_comes_from_the_dsn_and_goes_out_in_baggage() {
    let _serial = serial();
    let transport = TestTransport::new();
    let options = traced()
        .dsn("https://public@o123.ingest.us.sentry.io/42")
        .transport(transport.clone());
    let guard = sentry_scopes::init(options).expect("valid options");
    let foreign = from_organization_7();
    assert_ne!(foreign.trace_id().to_string(), TRACE_ID);
    let baggage = foreign
        .in_scope(|| sentry_scopes::trace_headers().find(|(name, _)| *name == "baggage"))
        .expect("a baggage header")
        .1;
    assert!(baggage.contains("sentry-org_id=123"), "{baggage}");
    drop(foreign);
    // The option wins over the DSN.
    drop(guard);
    let guard = sentry_scopes::init(
        traced()
            .dsn("https://public@o123.ingest.sentry.io/42")
            .org_id(7)
            .transport(transport),
    )
    .expect("valid options");
    let own = from_organization_7();
    assert_eq!(own.trace_id().to_string(), TRACE_ID);
    drop(own);
    drop(guard);
}
