//! The reference model: scopes as plain values, section 2 of scope-model.md implemented
//! literally, and the observable part of an event both sides are compared on.

use std::collections::BTreeMap;

use sentry_scopes::{Context, Event, Level, Value};

use super::program::{Op, Own, Target, Write, context, user};

/// A scope as plain values; a fork is a deep copy.
#[derive(Clone, Debug, Default)]
pub(crate) struct MScope {
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) extra: BTreeMap<String, u8>,
    pub(crate) contexts: BTreeMap<String, u8>,
    pub(crate) user: Option<(u8, Option<u8>)>,
    pub(crate) level: Option<Level>,
    pub(crate) fingerprint: Option<Vec<String>>,
    pub(crate) transaction: Option<String>,
    /// (sequence number, label), oldest first, at most `max_breadcrumbs` long.
    pub(crate) crumbs: Vec<(u64, u16)>,
    /// The number of the last event captured while this was the active isolation scope.
    pub(crate) last: Option<u32>,
}

impl MScope {
    pub(crate) fn apply(&mut self, w: &Write, max: usize, seq: &mut u64) {
        match w {
            Write::Tag(k, v) => drop(self.tags.insert((*k).into(), v.to_string())),
            Write::Tags(t) => self
                .tags
                .extend(t.iter().map(|(k, v)| ((*k).into(), v.to_string()))),
            Write::RemoveTag(k) => drop(self.tags.remove(*k)),
            Write::Extra(k, v) => drop(self.extra.insert((*k).into(), *v)),
            Write::RemoveExtra(k) => drop(self.extra.remove(*k)),
            Write::Context(k, v) => drop(self.contexts.insert((*k).into(), *v)),
            Write::RemoveContext(k) => drop(self.contexts.remove(*k)),
            Write::User(u) => self.user = *u,
            Write::Level(l) => self.level = *l,
            Write::Fingerprint(fp) => {
                self.fingerprint = fp
                    .as_ref()
                    .filter(|f| !f.is_empty())
                    .map(|f| f.iter().map(|s| (*s).to_owned()).collect());
            }
            Write::Transaction(t) => self.transaction = t.map(str::to_owned),
            Write::Crumb(label) if max > 0 => {
                *seq += 1;
                self.crumbs.push((*seq, *label));
                if self.crumbs.len() > max {
                    self.crumbs.remove(0); // B04: evict the oldest
                }
            }
            Write::Crumb(_) => {} // B06: max_breadcrumbs = 0 stores nothing
            Write::ClearCrumbs => self.crumbs.clear(),
            Write::Clear => *self = MScope::default(), // C01 (no processors in this model)
        }
    }

    /// The layers merged, least specific first (2.1, 2.2).
    pub(crate) fn merge(layers: &[&MScope], max: usize) -> MScope {
        let mut out = MScope::default();
        for l in layers {
            out.tags.extend(l.tags.clone());
            out.extra.extend(l.extra.clone());
            out.contexts.extend(l.contexts.clone());
            out.user = l.user.or(out.user);
            out.level = l.level.or(out.level);
            out.fingerprint = l.fingerprint.clone().or(out.fingerprint);
            out.transaction = l.transaction.clone().or(out.transaction);
            out.crumbs.extend(l.crumbs.iter().copied());
        }
        out.crumbs.sort_by_key(|c| c.0);
        out.crumbs.dedup_by_key(|c| c.0);
        let cut = out.crumbs.len().saturating_sub(max);
        out.crumbs.drain(..cut);
        out
    }

    /// The event `own` becomes with this (merged) scope applied (2.1).
    pub(crate) fn event(&self, message: String, own: &Own, max: usize) -> Obs {
        let mut tags = self.tags.clone();
        let mut extra: BTreeMap<_, _> = self
            .extra
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(*v)))
            .collect();
        let mut contexts: BTreeMap<_, _> = self
            .contexts
            .iter()
            .map(|(k, v)| (k.clone(), context(*v)))
            .collect();
        // The event's own keys win over every scope (M11, M12).
        if let Some((k, v)) = own.tag {
            tags.insert(k.to_owned(), v.to_string());
        }
        if let Some((k, v)) = own.extra {
            extra.insert(k.to_owned(), Value::from(v));
        }
        if let Some((k, v)) = own.context {
            contexts.insert(k.to_owned(), context(v));
        }
        let user = match own.user {
            Some(id) => Some(user(id, None)), // M13
            None => self.user.map(|(id, e)| user(id, e)),
        };
        let own_fp: Vec<String> = match &own.fingerprint {
            Some(fp) => fp.iter().map(|s| (*s).to_owned()).collect(),
            None => vec!["{{ default }}".to_owned()],
        };
        let own_is_default = own_fp.is_empty() || own_fp == ["{{ default }}"];
        let fingerprint = match &self.fingerprint {
            Some(fp) if own_is_default => fp.clone(), // M08
            _ => own_fp,                              // M09
        };
        // The event's own breadcrumbs first, then the scopes', cut to the newest `max` (B13).
        let mut crumbs: Vec<String> = own.crumbs.iter().map(|l| format!("own{l}")).collect();
        crumbs.extend(self.crumbs.iter().map(|(_, l)| format!("b{l}")));
        crumbs.drain(..crumbs.len().saturating_sub(max));
        Obs {
            message: Some(message),
            tags,
            extra,
            contexts,
            user: user.map(|u| (u.id, u.email)),
            level: self.level.unwrap_or(own.level), // M06, M07: a scope level overrides
            fingerprint,
            transaction: own
                .transaction
                .map(str::to_owned)
                .or(self.transaction.clone()), // M10
            crumbs,
            last_before: None,
        }
    }
}

pub(crate) struct Model {
    pub(crate) scopes: Vec<MScope>,
    pub(crate) max: usize,
    pub(crate) seq: u64,
    pub(crate) msgs: u32,
    pub(crate) events: Vec<Obs>,
}

/// Arena indices of the global scope and the two detached scopes.
const GLOBAL: usize = 0;
const DETACHED: usize = 3;

/// The model's view of one frame: arena indices.
#[derive(Clone, Copy)]
pub(crate) struct Frame {
    iso: usize,
    cur: usize,
    block: usize,
    outer: (usize, usize),
}

impl Model {
    pub(crate) fn new(max: usize) -> Self {
        Model {
            scopes: vec![MScope::default(); 5], // G, I, C, two detached
            max,
            seq: 0,
            msgs: 0,
            events: Vec::new(),
        }
    }

    /// The frame of the program's top level.
    pub(crate) fn top() -> Frame {
        Frame {
            iso: 1,
            cur: 2,
            block: 2,
            outer: (1, 2),
        }
    }

    fn fork(&mut self, idx: usize) -> usize {
        self.scopes.push(self.scopes[idx].clone());
        self.scopes.len() - 1
    }

    fn resolve(t: Target, f: Frame) -> usize {
        match t {
            Target::Global => GLOBAL,
            Target::Isolation | Target::TopLevel => f.iso, // F04, L02, L03
            Target::Current => f.cur,
            Target::Block => f.block,
            Target::OuterIsolation => f.outer.0,
            Target::OuterCurrent => f.outer.1,
            Target::Detached(d) => DETACHED + usize::from(d),
        }
    }

    pub(crate) fn run(&mut self, ops: &[Op], f: Frame) {
        for op in ops {
            let outer = (f.iso, f.cur);
            match op {
                Op::Write(t, w) => {
                    let idx = Self::resolve(*t, f);
                    self.scopes[idx].apply(w, self.max, &mut self.seq);
                }
                Op::WithScope(inner) | Op::MacroScope(_, inner) => {
                    let cur = self.fork(f.cur);
                    let block = cur;
                    if let Op::MacroScope(Some(v), _) = op {
                        self.scopes[cur].apply(&Write::Tag("item", *v), self.max, &mut self.seq);
                    }
                    self.run(
                        inner,
                        Frame {
                            cur,
                            block,
                            outer,
                            ..f
                        },
                    );
                }
                Op::WithIsolationScope(inner) | Op::MacroIsolationScope(_, inner) => {
                    let (iso, cur) = (self.fork(f.iso), self.fork(f.cur)); // F06: both forked
                    if let Op::MacroIsolationScope(Some(v), _) = op {
                        self.scopes[iso].apply(&Write::Tag("item", *v), self.max, &mut self.seq);
                    }
                    self.run(
                        inner,
                        Frame {
                            iso,
                            cur,
                            block: iso,
                            outer,
                        },
                    );
                }
                Op::UseScope(d, inner) => {
                    let cur = DETACHED + usize::from(*d); // the scope itself, not a copy (F09)
                    self.run(
                        inner,
                        Frame {
                            cur,
                            block: cur,
                            outer,
                            ..f
                        },
                    );
                }
                Op::UseIsolationScope(d, inner) => {
                    let iso = DETACHED + usize::from(*d);
                    let cur = self.fork(f.cur); // F10
                    self.run(
                        inner,
                        Frame {
                            iso,
                            cur,
                            block: iso,
                            outer,
                        },
                    );
                }
                Op::Capture(level) => self.capture(f, None, &[], Own::message(*level)),
                Op::CaptureWith(level, w) => self.capture(f, None, w, Own::message(*level)),
                Op::CaptureEvent(own, w) => {
                    self.capture(f, None, w.as_deref().unwrap_or(&[]), own.clone());
                }
                Op::ScopeCapture(t, level) => {
                    let idx = Self::resolve(*t, f);
                    let foreign = (idx != f.iso && idx != f.cur).then_some(idx);
                    self.capture(f, foreign, &[], Own::message(*level));
                }
            }
        }
    }

    /// 2.3: merge G < I < C (< a foreign scope), run the callback's writes on the result, apply
    /// it to the event; the active isolation scope remembers the event as its last one.
    fn capture(&mut self, f: Frame, foreign: Option<usize>, writes: &[Write], own: Own) {
        self.msgs += 1;
        let mut layers = vec![
            &self.scopes[GLOBAL],
            &self.scopes[f.iso],
            &self.scopes[f.cur],
        ];
        layers.extend(foreign.map(|i| &self.scopes[i]));
        let mut scope = MScope::merge(&layers, self.max);
        for w in writes {
            scope.apply(w, self.max, &mut self.seq); // M14, M15
        }
        let last_before = self.scopes[f.iso].last;
        let event = scope.event(format!("m{}", self.msgs), &own, self.max);
        self.events.push(Obs {
            last_before,
            ..event
        });
        self.scopes[f.iso].last = Some(self.msgs); // E01-E03
    }
}

// --- comparing --------------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
pub(crate) struct Obs {
    pub(crate) message: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) extra: BTreeMap<String, Value>,
    pub(crate) contexts: BTreeMap<String, Context>,
    pub(crate) user: Option<(Option<String>, Option<String>)>,
    pub(crate) level: Level,
    pub(crate) fingerprint: Vec<String>,
    pub(crate) transaction: Option<String>,
    pub(crate) crumbs: Vec<String>,
    /// `last_event_id()` just before the capture, as the number of that event (E01-E04).
    pub(crate) last_before: Option<u32>,
}

pub(crate) fn observe(e: &Event<'static>, last_before: Option<u32>) -> Obs {
    Obs {
        message: e.message.clone(),
        tags: e.tags.clone().into_iter().collect(),
        extra: e.extra.clone().into_iter().collect(),
        contexts: e
            .contexts
            .iter()
            // The trace and the host contexts (os, rust, device) come from the SDK, not the
            // program; tests/contexts.rs pins how they meet scope contexts.
            .filter(|(k, _)| !["trace", "os", "rust", "device"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        user: e.user.as_ref().map(|u| (u.id.clone(), u.email.clone())),
        level: e.level,
        fingerprint: e.fingerprint.iter().map(|s| s.to_string()).collect(),
        transaction: e.transaction.clone(),
        crumbs: e
            .breadcrumbs
            .values
            .iter()
            .map(|b| b.message.clone().unwrap_or_default())
            .collect(),
        last_before,
    }
}
