//! Model-based test of the scope system (scope-model.md sections 1.4, 2.1, 2.2, 2.4).
//!
//! proptest generates random programs of scope operations: writes on a chosen target (global,
//! isolation, current, the top-level functions, the scope handed to the enclosing block, or a
//! handle taken before the block, or a detached scope), nested `with_scope`,
//! `with_isolation_scope`, `use_scope` and `use_isolation_scope` blocks, `clear`, and captures
//! (plain, with a callback, events with their own values, `Scope::capture_message` on any of
//! those scopes), checking `last_event_id()` too. Each program runs against the SDK inside
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
    ClientOptions, Level, Scope, ScopeType, Uuid, capture_event, capture_event_with,
    capture_message, capture_message_with, configure_scope, get_current_scope, get_global_scope,
    get_isolation_scope, use_isolation_scope, use_scope, with_isolation_scope, with_scope,
};

use self::program::{Op, Target, Write, context, crumb, op, user, uses_outer};
use self::reference::{Model, observe};

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

/// The SDK side of a run: the detached scopes, and per capture `last_event_id()` just before
/// it and the id it returned.
struct Sdk {
    detached: [Scope; 2],
    captures: Vec<(Option<Uuid>, Option<Uuid>)>,
}

/// What the enclosing block provides: the scope its closure received and, when the block's
/// ops use them, the isolation and current handles taken just before it was entered.
#[derive(Clone, Copy)]
struct Env<'a> {
    block: Option<&'a Scope>,
    /// Inside a macro fork: how to get the block's scope when an op names it (taking it
    /// earlier would end the fork's laziness).
    block_fn: Option<fn() -> Scope>,
    outer: Option<&'a (Scope, Scope)>,
}

impl Sdk {
    /// The scope `t` names; `None` for the top-level functions.
    fn scope(&self, t: Target, env: Env<'_>) -> Option<Scope> {
        Some(match t {
            Target::Global => get_global_scope(),
            Target::Isolation => configure_scope(ScopeType::Isolation, Scope::clone),
            Target::Current => get_current_scope(),
            Target::TopLevel => return None,
            Target::Block => env
                .block
                .cloned()
                .or_else(|| env.block_fn.map(|f| f()))
                .unwrap_or_else(get_current_scope),
            Target::OuterIsolation => env.outer.map_or_else(get_isolation_scope, |o| o.0.clone()),
            Target::OuterCurrent => env.outer.map_or_else(get_current_scope, |o| o.1.clone()),
            Target::Detached(d) => self.detached[usize::from(d)].clone(),
        })
    }

    fn capture(&mut self, f: impl FnOnce(&str) -> Option<Uuid>) {
        let before = sentry_scopes::last_event_id();
        let id = f(&format!("m{}", self.captures.len() + 1));
        self.captures.push((before, id));
    }

    fn run(&mut self, ops: &[Op], env: Env<'_>) {
        for op in ops {
            let handles = || {
                let inner = match op {
                    Op::WithScope(i) | Op::WithIsolationScope(i) => i,
                    Op::MacroScope(_, i) | Op::MacroIsolationScope(_, i) => i,
                    Op::UseScope(_, i) | Op::UseIsolationScope(_, i) => i,
                    _ => return None,
                };
                uses_outer(inner).then(|| (get_isolation_scope(), get_current_scope()))
            };
            match op {
                Op::Write(t, w) => match self.scope(*t, env) {
                    Some(s) => write_scope(&s, w),
                    None => write_top_level(w),
                },
                Op::WithScope(inner) => {
                    let outer = handles();
                    with_scope(|s| {
                        self.run(
                            inner,
                            Env {
                                block: Some(s),
                                block_fn: None,
                                outer: outer.as_ref(),
                            },
                        )
                    });
                }
                Op::WithIsolationScope(inner) => {
                    let outer = handles();
                    with_isolation_scope(|s| {
                        self.run(
                            inner,
                            Env {
                                block: Some(s),
                                block_fn: None,
                                outer: outer.as_ref(),
                            },
                        );
                    });
                }
                Op::MacroScope(item, inner) | Op::MacroIsolationScope(item, inner) => {
                    let outer = handles();
                    let isolation = matches!(op, Op::MacroIsolationScope(..));
                    let mut fork = if isolation {
                        sentry_scopes::__private::fork_isolation()
                    } else {
                        sentry_scopes::__private::fork_current()
                    };
                    // What the macro writes for `tag("item", v)`.
                    if let Some(v) = item {
                        static KEY: sentry_scopes::__private::Key =
                            sentry_scopes::__private::Key::new("item");
                        let value = sentry_scopes::__private::tag_value(v);
                        sentry_scopes::__private::set_tags(fork.target(), [(&KEY, value)]);
                    }
                    let _guard = fork.enter();
                    let block_fn: fn() -> Scope = if isolation {
                        get_isolation_scope
                    } else {
                        get_current_scope
                    };
                    self.run(
                        inner,
                        Env {
                            block: None,
                            block_fn: Some(block_fn),
                            outer: outer.as_ref(),
                        },
                    );
                }
                Op::UseScope(d, inner) | Op::UseIsolationScope(d, inner) => {
                    let (outer, d) = (handles(), self.detached[usize::from(*d)].clone());
                    let body = |s: &Scope| {
                        self.run(
                            inner,
                            Env {
                                block: Some(s),
                                block_fn: None,
                                outer: outer.as_ref(),
                            },
                        )
                    };
                    if matches!(op, Op::UseScope(..)) {
                        use_scope(&d, body);
                    } else {
                        use_isolation_scope(&d, body);
                    }
                }
                Op::Capture(level) => self.capture(|m| capture_message(m, *level)),
                Op::CaptureWith(level, writes) => self.capture(|m| {
                    capture_message_with(m, *level, |s| {
                        writes.iter().for_each(|w| write_scope(s, w))
                    })
                }),
                Op::CaptureEvent(own, callback) => self.capture(|m| {
                    let event = own.event(m.to_owned());
                    match callback {
                        None => capture_event(event),
                        Some(writes) => capture_event_with(event, |s| {
                            writes.iter().for_each(|w| write_scope(s, w));
                        }),
                    }
                }),
                Op::ScopeCapture(t, level) => {
                    let s = self.scope(*t, env).unwrap_or_else(get_isolation_scope);
                    self.capture(|m| s.capture_message(m, *level));
                }
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

        let options = ClientOptions::new().max_breadcrumbs(max);
        let mut sdk = Sdk { detached: [Scope::new(), Scope::new()], captures: Vec::new() };
        let events = with_captured_events_options(options, || {
            sdk.run(&ops, Env { block: None, block_fn: None, outer: None });
        });

        let mut model = Model::new(max);
        model.run(&ops, Model::top());

        prop_assert_eq!(events.len(), model.events.len(), "number of events");
        prop_assert_eq!(sdk.captures.len(), model.events.len(), "number of captures");
        let number = |id: Option<Uuid>| {
            let pos = sdk.captures.iter().position(|c| c.1.is_some() && c.1 == id);
            pos.map(|p| u32::try_from(p + 1).unwrap())
        };
        for (i, (e, want)) in events.iter().zip(&model.events).enumerate() {
            prop_assert_eq!(Some(e.event_id), sdk.captures[i].1, "event {} id", i);
            let real = observe(e, number(sdk.captures[i].0));
            prop_assert_eq!(&real.message, &want.message, "event {} message", i);
            prop_assert_eq!(&real.tags, &want.tags, "event {} tags", i);
            prop_assert_eq!(&real.extra, &want.extra, "event {} extra", i);
            prop_assert_eq!(&real.contexts, &want.contexts, "event {} contexts", i);
            prop_assert_eq!(&real.user, &want.user, "event {} user", i);
            prop_assert_eq!(real.level, want.level, "event {} level", i);
            prop_assert_eq!(&real.fingerprint, &want.fingerprint, "event {} fingerprint", i);
            prop_assert_eq!(&real.transaction, &want.transaction, "event {} transaction", i);
            prop_assert_eq!(&real.crumbs, &want.crumbs, "event {} breadcrumbs", i);
            prop_assert_eq!(real.last_before, want.last_before, "event {} last_event_id before", i);
        }
    }
}
