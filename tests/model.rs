//! Model-based test of the scope system (scope-model.md sections 1.4, 2.1, 2.2, 2.4).
//!
//! proptest generates random programs of scope operations: writes on a chosen target (global,
//! isolation, current, the top-level functions, the scope handed to the enclosing block, or a
//! handle taken before the block), nested `with_scope` / `with_isolation_scope` blocks,
//! `clear`, and captures with and without a callback. Each program runs against the SDK inside
//! `with_captured_events_options` (with a small random `max_breadcrumbs`, to exercise eviction
//! and the re-cap after the merge) and against a naive reference model: plain `BTreeMap`s, `Vec`
//! breadcrumbs, deep copies on fork, and section 2 implemented literally. The captured events
//! must match the model's field by field.

#[path = "model/program.rs"]
mod program;
#[path = "model/reference.rs"]
mod reference;

use proptest::collection::vec;
use proptest::prelude::*;
use sentry_scopes::test::with_captured_events_options;
use sentry_scopes::{
    ClientOptions, Level, Scope, ScopeType, capture_event, capture_event_with, capture_message,
    capture_message_with, configure_scope, get_current_scope, get_global_scope,
    get_isolation_scope, with_isolation_scope, with_scope,
};

use self::program::{Op, Target, Write, context, crumb, op, user, uses_outer};
use self::reference::{Frame, MScope, Model, observe};

// --- running a program against the SDK ------------------------------------------------------------

fn write_scope(s: &Scope, w: &Write) {
    match w {
        Write::Tag(k, v) => s.set_tag(k, v),
        Write::Tags(tags) => s.set_tags(tags.iter().copied()),
        Write::RemoveTag(k) => s.remove_tag(k),
        Write::Extra(k, v) => s.set_extra(k, *v),
        Write::RemoveExtra(k) => s.remove_extra(k),
        Write::Context(k, v) => s.set_context(k, context(*v)),
        Write::RemoveContext(k) => s.remove_context(k),
        Write::User(u) => s.set_user(u.map(|(id, e)| user(id, e))),
        Write::Level(l) => s.set_level(*l),
        Write::Fingerprint(fp) => s.set_fingerprint(fp.as_deref()),
        Write::Transaction(t) => s.set_transaction(*t),
        Write::Crumb(l) => s.add_breadcrumb(crumb(*l)),
        Write::ClearCrumbs => s.clear_breadcrumbs(),
        Write::Clear => s.clear(),
    }
}

fn write_top_level(w: &Write) {
    match w {
        Write::Tag(k, v) => sentry_scopes::set_tag(k, v),
        Write::Tags(tags) => sentry_scopes::set_tags(tags.iter().copied()),
        Write::RemoveTag(k) => sentry_scopes::remove_tag(k),
        Write::Extra(k, v) => sentry_scopes::set_extra(k, *v),
        Write::RemoveExtra(k) => sentry_scopes::remove_extra(k),
        Write::Context(k, v) => sentry_scopes::set_context(k, context(*v)),
        Write::RemoveContext(k) => sentry_scopes::remove_context(k),
        Write::User(u) => sentry_scopes::set_user(u.map(|(id, e)| user(id, e))),
        Write::Level(l) => sentry_scopes::set_level(*l),
        Write::Fingerprint(fp) => sentry_scopes::set_fingerprint(fp.as_deref()),
        Write::Transaction(t) => sentry_scopes::set_transaction(*t),
        Write::Crumb(l) => sentry_scopes::add_breadcrumb(crumb(*l)),
        // No top-level function for these: the isolation scope is what top-level writes reach.
        Write::ClearCrumbs | Write::Clear => {
            configure_scope(ScopeType::Isolation, |s| write_scope(s, w))
        }
    }
}

/// Runs `ops`; `block` is the enclosing block's scope, `outer` the handles taken before it.
fn run_sdk(ops: &[Op], block: Option<&Scope>, outer: Option<&(Scope, Scope)>, msgs: &mut u32) {
    for op in ops {
        match op {
            Op::Write(target, w) => match target {
                Target::Global => write_scope(&get_global_scope(), w),
                Target::Isolation => configure_scope(ScopeType::Isolation, |s| write_scope(s, w)),
                Target::Current => write_scope(&get_current_scope(), w),
                Target::TopLevel => write_top_level(w),
                Target::Block => write_scope(&block.cloned().unwrap_or_else(get_current_scope), w),
                Target::OuterIsolation => match outer {
                    Some((i, _)) => write_scope(i, w),
                    None => write_scope(&get_isolation_scope(), w),
                },
                Target::OuterCurrent => match outer {
                    Some((_, c)) => write_scope(c, w),
                    None => write_scope(&get_current_scope(), w),
                },
            },
            Op::WithScope(inner) | Op::WithIsolationScope(inner) => {
                let handles =
                    uses_outer(inner).then(|| (get_isolation_scope(), get_current_scope()));
                let body = |s: &Scope| run_sdk(inner, Some(s), handles.as_ref(), msgs);
                if matches!(op, Op::WithScope(_)) {
                    with_scope(body);
                } else {
                    with_isolation_scope(body);
                }
            }
            Op::Capture(level) => {
                *msgs += 1;
                capture_message(&format!("m{msgs}"), *level);
            }
            Op::CaptureWith(level, writes) => {
                *msgs += 1;
                capture_message_with(&format!("m{msgs}"), *level, |s| {
                    writes.iter().for_each(|w| write_scope(s, w));
                });
            }
            Op::CaptureEvent(own, callback) => {
                *msgs += 1;
                let event = own.event(format!("m{msgs}"));
                match callback {
                    None => capture_event(event),
                    Some(writes) => capture_event_with(event, |s| {
                        writes.iter().for_each(|w| write_scope(s, w));
                    }),
                };
            }
        }
    }
}

proptest! {
    // 256 cases unless PROPTEST_CASES says otherwise (proptest's default).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn sdk_matches_the_reference_model(max in 0..6usize, mut ops in vec(op(), 0..24)) {
        ops.push(Op::Capture(Level::Info)); // every program ends with a capture of the top frame

        let mut msgs = 0;
        let options = ClientOptions::new().max_breadcrumbs(max);
        let events = with_captured_events_options(options, || run_sdk(&ops, None, None, &mut msgs));

        let mut model = Model { scopes: vec![MScope::default(); 3], max, seq: 0, msgs: 0, events: vec![] };
        model.run(&ops, Frame { global: 0, iso: 1, cur: 2, block: 2, outer: (1, 2) });

        prop_assert_eq!(events.len(), model.events.len(), "number of events");
        for (i, (real, want)) in events.iter().map(observe).zip(&model.events).enumerate() {
            prop_assert_eq!(&real.message, &want.message, "event {} message", i);
            prop_assert_eq!(&real.tags, &want.tags, "event {} tags", i);
            prop_assert_eq!(&real.extra, &want.extra, "event {} extra", i);
            prop_assert_eq!(&real.contexts, &want.contexts, "event {} contexts", i);
            prop_assert_eq!(&real.user, &want.user, "event {} user", i);
            prop_assert_eq!(real.level, want.level, "event {} level", i);
            prop_assert_eq!(&real.fingerprint, &want.fingerprint, "event {} fingerprint", i);
            prop_assert_eq!(&real.transaction, &want.transaction, "event {} transaction", i);
            prop_assert_eq!(&real.crumbs, &want.crumbs, "event {} breadcrumbs", i);
        }
    }
}
