//! The trace context of events comes from the active isolation scope's propagation context
//! (scope-model.md 2.1 "trace context", 2.4, R01–R03; R04 waits for the span API).

mod common;

use common::msg;
use sentry_scopes::protocol::{SpanId, TraceContext, TraceId};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Context, Event, PropagationContext, capture_event, get_isolation_scope, with_isolation_scope,
};

fn trace_of<'a>(event: &'a Event<'static>) -> &'a TraceContext {
    match event.contexts.get("trace") {
        Some(Context::Trace(t)) => t,
        other => panic!("expected a trace context, got {other:?}"),
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[test]
fn r01_events_carry_the_isolation_propagation_context() {
    let mut pc = None;
    let events = with_captured_events(|| {
        pc = Some(get_isolation_scope().propagation_context());
        msg();
        msg();
    });
    let pc = pc.unwrap();
    assert_eq!(events.len(), 2);
    for e in &events {
        let t = trace_of(e);
        assert!(is_lower_hex(&t.trace_id.to_string(), 32), "{}", t.trace_id);
        assert!(is_lower_hex(&t.span_id.to_string(), 16), "{}", t.span_id);
        assert_eq!(t.trace_id, pc.trace_id());
        assert_eq!(t.span_id, pc.span_id());
    }
}

#[test]
fn r02_isolation_fork_stays_on_the_parents_trace() {
    let mut parent = None;
    let events = with_captured_events(|| {
        parent = Some(get_isolation_scope().propagation_context().trace_id());
        with_isolation_scope(|_| msg());
    });
    assert_eq!(Some(trace_of(&events[0]).trace_id), parent);
}

#[test]
fn r02_continued_trace_on_isolation_is_used_by_events() {
    let events = with_captured_events(|| {
        with_isolation_scope(|iso| {
            iso.set_propagation_context(PropagationContext::from_headers(
                Some("771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1"),
                None,
            ));
            msg();
        });
    });
    let t = trace_of(&events[0]);
    assert_eq!(t.trace_id.to_string(), "771a43a4192642f0b136d5159a501700");
    assert_eq!(
        t.parent_span_id.map(|s| s.to_string()).as_deref(),
        Some("b7ad6b7169203331")
    );
}

#[test]
fn r03_explicit_trace_context_is_kept_as_given() {
    let explicit = TraceContext {
        trace_id: "0123456789abcdef0123456789abcdef"
            .parse::<TraceId>()
            .unwrap(),
        span_id: "0123456789abcdef".parse::<SpanId>().unwrap(),
        op: Some("explicit.op".into()),
        description: Some("given by the caller".into()),
        ..TraceContext::default()
    };
    let given = explicit.clone();
    let events = with_captured_events(move || {
        let mut event = Event::default();
        event.contexts.insert("trace".into(), given.into());
        capture_event(event);
    });
    assert_eq!(trace_of(&events[0]), &explicit);
}
