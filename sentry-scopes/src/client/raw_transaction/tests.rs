use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::*;
use crate::ClientOptions;
use crate::protocol::{OsContext, SpanId, SpanStatus, TraceContext, TraceId, User, Uuid};
use crate::scope::RequestSource;
use crate::scope::merge::apply_to_transaction;
use sentry_types::protocol::v7::{IpAddress, Request};

use crate::client::test_rng::Rng;

impl Rng {
    /// Text with multi-byte characters, quotes, backslashes and control characters.
    fn text(&mut self) -> String {
        const PIECES: [&str; 12] = [
            "a", "tag.key", "é", "\n", "\"q\"", "\\", "日本", "x-1", "\u{1}", "\t", "🦀", "/",
        ];
        let n = if self.chance(5) {
            20 + self.below(60)
        } else {
            1 + self.below(6)
        };
        (0..n).map(|_| PIECES[self.below(12) as usize]).collect()
    }

    fn key(&mut self) -> String {
        const KEYS: [&str; 8] = ["a", "b", "password", "api_key", "token", "n", "é", "x"];
        if self.chance(3) {
            self.text()
        } else {
            KEYS[self.below(8) as usize].to_owned()
        }
    }

    fn value(&mut self) -> Value {
        match self.below(6) {
            0 => Value::from(self.below(1000)),
            1 => Value::from(self.below(1000) as f64 / 7.0),
            2 => Value::Null,
            3 => serde_json::json!({ "k": self.text(), "n": [1, true, self.text()] }),
            4 => Value::from(FILTERED),
            _ => Value::from(self.text()),
        }
    }

    fn time(&mut self) -> SystemTime {
        let nanos = match self.below(3) {
            0 => 0,
            1 => self.below(1000) as u32 * 1_000_000,
            _ => self.below(1_000_000_000) as u32,
        };
        SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000 + self.below(1_000_000), nanos)
    }

    fn context(&mut self) -> Context {
        match self.below(3) {
            0 => OsContext {
                name: Some(self.text()),
                version: self.chance(2).then(|| self.text()),
                ..OsContext::default()
            }
            .into(),
            1 => self.trace().into(),
            _ => Context::Other([(self.key(), self.value())].into()),
        }
    }

    fn trace(&mut self) -> TraceContext {
        TraceContext {
            span_id: SpanId::default(),
            trace_id: TraceId::default(),
            parent_span_id: self.chance(2).then(SpanId::default),
            op: self.chance(2).then(|| self.text()),
            description: self.chance(3).then(|| self.text()),
            status: self.chance(2).then(|| self.status()),
            origin: self.chance(3).then(|| self.text()),
            data: (0..self.below(3))
                .map(|_| (self.key(), self.value()))
                .collect(),
        }
    }

    fn status(&mut self) -> SpanStatus {
        [
            SpanStatus::Ok,
            SpanStatus::InternalError,
            SpanStatus::NotFound,
            SpanStatus::Cancelled,
        ][self.below(4) as usize]
    }

    fn user(&mut self) -> User {
        User {
            id: Some(self.text()),
            email: self.chance(2).then(|| self.text()),
            ip_address: self.chance(2).then_some(IpAddress::Auto),
            other: (0..self.below(3))
                .map(|_| (self.key(), self.value()))
                .collect(),
            ..User::default()
        }
    }

    fn request(&mut self) -> Request {
        Request {
            method: Some("POST".into()),
            cookies: self.chance(2).then(|| "session=1".into()),
            headers: [
                ("Authorization".into(), self.text()),
                ("a".into(), self.text()),
            ]
            .into(),
            query_string: Some(format!("token=1&x={}", self.below(9))),
            ..Request::default()
        }
    }

    fn record(&mut self) -> SpanRecord {
        SpanRecord {
            span_id: SpanId::default(),
            trace_id: TraceId::default(),
            parent_span_id: self.chance(4).then(SpanId::default),
            op: self.chance(4).then(|| match self.below(2) {
                0 => Cow::Borrowed("db.query"),
                _ => Cow::Owned(self.text()),
            }),
            description: self.chance(3).then(|| Cow::Owned(self.text())),
            start: self.time(),
            timestamp: self.time(),
            status: self.chance(2).then(|| self.status()),
            tags: (0..self.below(3))
                .map(|_| (self.text(), self.text()))
                .collect(),
            data: (0..self.below(3))
                .map(|_| (self.key(), self.value()))
                .collect(),
        }
    }

    fn span(&mut self) -> Span {
        Span {
            span_id: SpanId::default(),
            trace_id: TraceId::default(),
            parent_span_id: self.chance(4).then(SpanId::default),
            same_process_as_parent: self.chance(4).then(|| self.chance(2)),
            op: self.chance(4).then(|| self.text()),
            description: self.chance(3).then(|| self.text()),
            timestamp: self.chance(5).then(|| self.time()),
            start_timestamp: self.time(),
            status: self.chance(2).then(|| self.status()),
            tags: (0..self.below(3))
                .map(|_| (self.key(), self.text()))
                .collect(),
            data: (0..self.below(3))
                .map(|_| (self.key(), self.value()))
                .collect(),
        }
    }
}

/// Three layers, a transaction and the client's defaults, at random: tags, extra (sensitive
/// keys among them), contexts (some overriding `os`, `device`, `rust` or `trace`), users,
/// spans with status, tags and data, `send_default_pii` on or off.
fn case(
    seed: u64,
) -> (
    [ScopeData; 3],
    Transaction<'static>,
    PropagationContext,
    Defaults,
) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut layers = [
        ScopeData::default(),
        ScopeData::default(),
        ScopeData::default(),
    ];
    for _ in 0..rng.below(12) {
        let layer = &mut layers[rng.below(3) as usize];
        match rng.below(4) {
            0 => layer.set_tag(rng.text().into(), rng.text().into()),
            1 => layer.set_extra(rng.key().into(), Arc::new(rng.value())),
            2 => {
                const KEYS: [&str; 5] = ["os", "device", "rust", "trace", "app"];
                let k = KEYS[rng.below(5) as usize];
                layer.set_context(k.into(), Arc::new(rng.context()));
            }
            _ if rng.chance(2) => layer.set_user(Some(crate::scope::ScopeUser::new(rng.user()))),
            _ => layer.seldom_mut().request = Some(RequestSource::fixed(rng.request())),
        }
    }
    let mut txn = Transaction {
        name: rng
            .chance(5)
            .then(|| rng.text())
            .or(Some("GET /users".into())),
        release: rng.chance(4).then(|| Cow::Owned(rng.text())),
        environment: rng.chance(4).then(|| Cow::Owned(rng.text())),
        server_name: rng.chance(4).then(|| Cow::Owned(rng.text())),
        user: rng.chance(4).then(|| rng.user()),
        tags: (0..rng.below(4))
            .map(|_| (rng.text(), rng.text()))
            .collect(),
        extra: (0..rng.below(3))
            .map(|_| (rng.key(), rng.value()))
            .collect(),
        timestamp: rng.chance(8).then(|| rng.time()),
        start_timestamp: rng.time(),
        spans: (0..rng.below(4)).map(|_| rng.span()).collect(),
        ..Transaction::default()
    };
    if !rng.chance(6) {
        txn.contexts.insert("trace".into(), rng.trace().into());
    }
    if rng.chance(4) {
        txn.contexts.insert("device".into(), rng.context());
    }
    if rng.chance(5) {
        txn.request = Some(Request {
            cookies: Some("session=1".into()),
            headers: [
                ("Authorization".into(), rng.text()),
                ("a".into(), rng.text()),
            ]
            .into(),
            query_string: Some("token=1&x=2".into()),
            ..Request::default()
        });
    }
    let mut options = ClientOptions::new().send_default_pii(rng.chance(2));
    if rng.chance(2) {
        options = options.release(rng.text()).environment(rng.text());
    }
    options.server_name = rng.chance(2).then(|| Cow::Owned(rng.text()));
    (
        layers,
        txn,
        PropagationContext::new(),
        Defaults::new(&options),
    )
}

/// A transaction as a span tree records it, at random, over layers and defaults of [`case`].
fn recorded_case(
    seed: u64,
) -> (
    [ScopeData; 3],
    FinishedTransaction,
    PropagationContext,
    Defaults,
) {
    let (layers, _, trace, defaults) = case(seed);
    let mut rng = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let txn = FinishedTransaction {
        event_id: Uuid::new_v4(),
        name: rng.text(),
        root: rng.record(),
        spans: (0..rng.below(4)).map(|_| rng.record()).collect(),
    };
    (layers, txn, trace, defaults)
}

/// The typed path, as `capture_transaction` takes it with a processor installed.
fn typed(
    mut txn: Transaction<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    defaults: &Defaults,
) -> Value {
    apply_to_transaction(&mut txn, layers, trace);
    defaults.fill_transaction(&mut txn);
    finish_transaction(&mut txn, defaults.send_default_pii);
    // Through bytes as `raw` is: floats parse back the same way on both sides.
    serde_json::from_slice(&serde_json::to_vec(&txn).unwrap()).unwrap()
}

/// The members of two objects that differ, for a readable failure.
fn differences(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec![format!("{a} != {b}")];
    };
    let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}: {:?} != {:?}", a.get(k), b.get(k)))
        .collect()
}

fn raw(
    mut txn: Transaction<'static>,
    layers: &[&ScopeData],
    trace: &PropagationContext,
    defaults: &Defaults,
) -> Value {
    let mut bytes = Vec::new();
    finish_and_write(&mut txn, layers, trace, defaults, &mut bytes).unwrap();
    // It is a transaction to sentry-types too.
    let parsed: Transaction<'static> = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(parsed.spans.len(), txn.spans.len());
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn raw_transactions_are_the_json_of_the_typed_path() {
    let (mut with_scoped_contexts, mut with_user, mut filtered, mut with_request) = (0, 0, 0, 0);
    for seed in 0..600 {
        let (layers, txn, trace, defaults) = case(seed);
        let refs: Vec<&ScopeData> = layers.iter().collect();
        let expected = typed(txn.clone(), &refs, &trace, &defaults);
        let written = raw(txn, &refs, &trace, &defaults);
        assert!(
            written == expected,
            "seed {seed}: {:#?}",
            differences(&written, &expected)
        );
        with_scoped_contexts += usize::from(layers.iter().any(|l| !l.seldom.contexts.is_empty()));
        with_user += usize::from(expected.get("user").is_some());
        with_request += usize::from(expected.get("request").is_some());
        filtered += usize::from(expected.to_string().contains(FILTERED));
    }
    assert!(with_scoped_contexts > 200 && with_user > 200 && filtered > 100);
    assert!(with_request > 100, "{with_request}");
}

#[test]
fn recorded_transactions_are_the_json_of_the_typed_path() {
    let (mut scoped_trace, mut with_request) = (0, 0);
    for seed in 0..600 {
        let (layers, txn, trace, defaults) = recorded_case(seed);
        let refs: Vec<&ScopeData> = layers.iter().collect();
        let expected = typed(txn.clone().into_typed(), &refs, &trace, &defaults);
        let mut bytes = Vec::new();
        let mut txn = txn;
        finish_and_write_recorded(&mut txn, &refs, &trace, &defaults, &mut bytes).unwrap();
        let written: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            written == expected,
            "seed {seed}: {:#?}",
            differences(&written, &expected)
        );
        scoped_trace += usize::from(layers.iter().any(|l| l.context("trace").is_some()));
        with_request += usize::from(expected.get("request").is_some());
    }
    assert!(
        scoped_trace > 50 && with_request > 100,
        "{scoped_trace} {with_request}"
    );
}

#[test]
fn the_default_contexts_are_sent_unless_the_transaction_or_a_scope_has_the_key() {
    let defaults = Defaults::new(&ClientOptions::new());
    let mut scope = ScopeData::default();
    let mine = Context::Other([("mine".to_owned(), true.into())].into());
    scope.set_context("os".into(), Arc::new(mine));
    let mut txn = Transaction::default();
    let trace = PropagationContext::new();
    let mut bytes = Vec::new();
    finish_and_write(&mut txn, &[&scope], &trace, &defaults, &mut bytes).unwrap();
    let sent: Value = serde_json::from_slice(&bytes).unwrap();
    let contexts = &sent["contexts"];
    assert_eq!(contexts["os"]["mine"], true);
    assert_eq!(contexts["rust"]["name"], "rustc");
    assert_eq!(contexts["device"]["arch"], std::env::consts::ARCH);
    assert_eq!(contexts["trace"]["trace_id"], trace.trace_id().to_string());
}

#[test]
fn transactions_with_timestamps_serde_cannot_write_are_not_written() {
    let defaults = Defaults::new(&ClientOptions::new());
    let mut txn = Transaction {
        start_timestamp: SystemTime::UNIX_EPOCH - Duration::from_secs(1),
        ..Transaction::default()
    };
    assert!(serde_json::to_vec(&txn).is_err());
    let trace = PropagationContext::new();
    assert!(finish_and_write(&mut txn, &[], &trace, &defaults, &mut Vec::new()).is_none());
}
