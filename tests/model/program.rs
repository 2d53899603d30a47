//! The programs the model test generates, their values, and the strategies that generate them.

use std::borrow::Cow;

use proptest::collection::vec;
use proptest::prelude::*;
use sentry_scopes::{Breadcrumb, Context, Event, Level, User, Value};

/// Where a write goes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    Global,
    /// `configure_scope(ScopeType::Isolation, ..)`.
    Isolation,
    /// `get_current_scope()`.
    Current,
    /// The top-level functions (`set_tag`, …), which write to the active isolation scope.
    TopLevel,
    /// The scope the enclosing block's closure received (C in `with_scope`, I in
    /// `with_isolation_scope`); the current scope outside any block.
    Block,
    /// The isolation / current handle taken just before the enclosing block was entered (F02,
    /// F07); the active one outside any block.
    OuterIsolation,
    OuterCurrent,
    /// One of two detached scopes made with `Scope::new()` before the program runs.
    Detached(u8),
}

#[derive(Clone, Debug)]
pub(crate) enum Write {
    Tag(&'static str, u8),
    Tags(Vec<(&'static str, u8)>),
    RemoveTag(&'static str),
    Extra(&'static str, u8),
    RemoveExtra(&'static str),
    Context(&'static str, u8),
    RemoveContext(&'static str),
    /// User id and optional email: a whole object, never merged field-wise (M05).
    User(Option<(u8, Option<u8>)>),
    Level(Option<Level>),
    Fingerprint(Option<Vec<&'static str>>),
    Transaction(Option<&'static str>),
    Crumb(u16),
    ClearCrumbs,
    Clear,
}

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Write(Target, Write),
    WithScope(Vec<Op>),
    WithIsolationScope(Vec<Op>),
    /// The fork `#[with_scope]` enters (without items: lazy, taken on first access); the
    /// same semantics as `WithScope`, the block scope taken when it is used. `Some(v)`: the
    /// macro item `tag("item", v)`, written to the fork before it is entered.
    MacroScope(Option<u8>, Vec<Op>),
    /// The fork `#[isolation_scope]` enters; the semantics of `WithIsolationScope`. `Some(v)`:
    /// the item `tag("item", v)`, written to the forked isolation scope.
    MacroIsolationScope(Option<u8>, Vec<Op>),
    /// `use_scope(&detached[i], ..)`: that scope itself is C inside (F09).
    UseScope(u8, Vec<Op>),
    /// `use_isolation_scope(&detached[i], ..)`: that scope is I, C is forked (F10).
    UseIsolationScope(u8, Vec<Op>),
    Capture(Level),
    /// `Scope::capture_message` on the target's scope (the isolation scope for `TopLevel`):
    /// a scope that is neither the active I nor C goes on top for this capture (2.3 step 3).
    ScopeCapture(Target, Level),
    /// `capture_message_with`, the callback applying these writes to the capture scope.
    CaptureWith(Level, Vec<Write>),
    /// `capture_event` of an event with its own values (`None`), or `capture_event_with`.
    CaptureEvent(Own, Option<Vec<Write>>),
}

/// The values an event brings itself (M09, M11-M13, B13).
#[derive(Clone, Debug)]
pub(crate) struct Own {
    pub(crate) level: Level,
    pub(crate) tag: Option<(&'static str, u8)>,
    pub(crate) extra: Option<(&'static str, u8)>,
    pub(crate) context: Option<(&'static str, u8)>,
    pub(crate) user: Option<u8>,
    pub(crate) fingerprint: Option<Vec<&'static str>>,
    pub(crate) transaction: Option<&'static str>,
    pub(crate) crumbs: Vec<u16>,
}

impl Own {
    /// What `capture_message` brings: only its level.
    pub(crate) fn message(level: Level) -> Self {
        Own {
            level,
            tag: None,
            extra: None,
            context: None,
            user: None,
            fingerprint: None,
            transaction: None,
            crumbs: Vec::new(),
        }
    }

    pub(crate) fn event(&self, message: String) -> Event<'static> {
        let pair = |kv: Option<(&str, u8)>| kv.map(|(k, v)| (k.to_owned(), v));
        Event {
            message: Some(message),
            level: self.level,
            tags: pair(self.tag)
                .map(|(k, v)| (k, v.to_string()))
                .into_iter()
                .collect(),
            extra: pair(self.extra)
                .map(|(k, v)| (k, Value::from(v)))
                .into_iter()
                .collect(),
            contexts: pair(self.context)
                .map(|(k, v)| (k, context(v)))
                .into_iter()
                .collect(),
            user: self.user.map(|id| user(id, None)),
            fingerprint: match &self.fingerprint {
                Some(fp) => fp
                    .iter()
                    .map(|s| Cow::Borrowed(*s))
                    .collect::<Vec<_>>()
                    .into(),
                None => Event::default().fingerprint,
            },
            transaction: self.transaction.map(str::to_owned),
            breadcrumbs: self
                .crumbs
                .iter()
                .map(|l| own_crumb(*l))
                .collect::<Vec<_>>()
                .into(),
            ..Event::default()
        }
    }
}

/// Whether `ops` (not counting nested blocks) name a handle taken before their block.
pub(crate) fn uses_outer(ops: &[Op]) -> bool {
    ops.iter().any(|op| {
        matches!(
            op,
            Op::Write(Target::OuterIsolation | Target::OuterCurrent, _)
                | Op::ScopeCapture(Target::OuterIsolation | Target::OuterCurrent, _)
        )
    })
}

// --- values ---------------------------------------------------------------------------------------

pub(crate) fn user(id: u8, email: Option<u8>) -> User {
    User {
        id: Some(format!("u{id}")),
        email: email.map(|e| format!("e{e}@example.com")),
        ..User::default()
    }
}

pub(crate) fn context(n: u8) -> Context {
    Context::Other([("v".to_owned(), Value::from(n))].into_iter().collect())
}

pub(crate) fn crumb(label: u16) -> Breadcrumb {
    Breadcrumb {
        message: Some(format!("b{label}")),
        ..Breadcrumb::default()
    }
}

pub(crate) fn own_crumb(label: u16) -> Breadcrumb {
    Breadcrumb {
        message: Some(format!("own{label}")),
        ..Breadcrumb::default()
    }
}

// --- strategies -----------------------------------------------------------------------------------

pub(crate) fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "b", "c"])
}

pub(crate) fn level() -> impl Strategy<Value = Level> {
    prop::sample::select(vec![
        Level::Debug,
        Level::Info,
        Level::Warning,
        Level::Error,
        Level::Fatal,
    ])
}

pub(crate) fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        4 => (key(), 0..4u8).prop_map(|(k, v)| Write::Tag(k, v)),
        1 => vec((key(), 0..4u8), 0..3).prop_map(Write::Tags),
        2 => key().prop_map(Write::RemoveTag),
        2 => (key(), 0..4u8).prop_map(|(k, v)| Write::Extra(k, v)),
        1 => key().prop_map(Write::RemoveExtra),
        2 => (key(), 0..4u8).prop_map(|(k, v)| Write::Context(k, v)),
        1 => key().prop_map(Write::RemoveContext),
        2 => proptest::option::of((0..3u8, proptest::option::of(0..2u8))).prop_map(Write::User),
        2 => proptest::option::of(level()).prop_map(Write::Level),
        1 => proptest::option::of(vec(key(), 0..3)).prop_map(Write::Fingerprint),
        1 => proptest::option::of(key()).prop_map(Write::Transaction),
        5 => any::<u16>().prop_map(Write::Crumb),
        1 => Just(Write::ClearCrumbs),
        1 => Just(Write::Clear),
    ]
}

pub(crate) fn own() -> impl Strategy<Value = Own> {
    let kv = || proptest::option::of((key(), 0..4u8));
    (
        (level(), kv(), kv(), kv(), proptest::option::of(0..3u8)),
        proptest::option::of(vec(key(), 0..3)),
        proptest::option::of(key()),
        vec(any::<u16>(), 0..3),
    )
        .prop_map(
            |((level, tag, extra, context, user), fingerprint, transaction, crumbs)| Own {
                level,
                tag,
                extra,
                context,
                user,
                fingerprint,
                transaction,
                crumbs,
            },
        )
}

pub(crate) fn target() -> impl Strategy<Value = Target> {
    prop::sample::select(vec![
        Target::Detached(0),
        Target::Detached(1),
        Target::Global,
        Target::Isolation,
        Target::Current,
        Target::TopLevel,
        Target::Block,
        Target::OuterIsolation,
        Target::OuterCurrent,
    ])
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        6 => (target(), write()).prop_map(|(t, w)| Op::Write(t, w)),
        1 => level().prop_map(Op::Capture),
        1 => (target(), level()).prop_map(|(t, l)| Op::ScopeCapture(t, l)),
        1 => (level(), vec(write(), 0..4)).prop_map(|(l, w)| Op::CaptureWith(l, w)),
        1 => (own(), proptest::option::of(vec(write(), 0..4))).prop_map(|(o, w)| Op::CaptureEvent(o, w)),
    ];
    leaf.prop_recursive(3, 64, 8, |inner| {
        prop_oneof![
            3 => vec(inner.clone(), 0..8).prop_map(Op::WithScope),
            3 => vec(inner.clone(), 0..8).prop_map(Op::WithIsolationScope),
            2 => (prop::option::of(0..4u8), vec(inner.clone(), 0..8))
                .prop_map(|(item, ops)| Op::MacroScope(item, ops)),
            2 => (prop::option::of(0..4u8), vec(inner.clone(), 0..8))
                .prop_map(|(item, ops)| Op::MacroIsolationScope(item, ops)),
            1 => (0..2u8, vec(inner.clone(), 0..8)).prop_map(|(d, ops)| Op::UseScope(d, ops)),
            1 => (0..2u8, vec(inner, 0..8)).prop_map(|(d, ops)| Op::UseIsolationScope(d, ops)),
        ]
    })
}
