//! `#[with_scope]`, `#[isolation_scope]` and `scope!` on synchronous functions: every argument
//! form, evaluation order, the shapes of functions they accept, and restoring on every exit.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Context, Level, capture_message, get_isolation_scope, isolation_scope, scope, set_tag,
    with_scope,
};

fn capture(msg: &str) {
    capture_message(msg, Level::Info);
}

#[test]
fn every_argument_lands_on_the_event() {
    #[with_scope(
        tag("route", route),
        tags(http.method = "GET", r#type = 'x', "x-req" = 7_u16),
        extra(attempt = 2, ratio = 0.5, names = vec!["a", "b"], none = None::<u8>),
        level = Warning,
        user(id = 42, email = "a@b.c", username = %route, ip_address = "10.0.0.1"),
        context("order", id = 9, paid = true),
        fingerprint = ["{{ default }}", route],
        transaction = "GET /pay",
    )]
    fn handle(route: &str) {
        capture("inside");
    }

    let events = with_captured_events(|| {
        handle("/pay");
        capture("outside");
    });
    let e = &events[0];
    assert_eq!(e.tags["route"], "/pay");
    assert_eq!(e.tags["http.method"], "GET");
    assert_eq!(e.tags["type"], "x");
    assert_eq!(e.tags["x-req"], "7");
    assert_eq!(e.extra["attempt"], 2);
    assert_eq!(e.extra["ratio"], 0.5);
    assert_eq!(e.extra["names"], serde_json::json!(["a", "b"]));
    assert_eq!(e.extra["none"], serde_json::Value::Null);
    assert_eq!(e.level, Level::Warning);
    let user = e.user.as_ref().unwrap();
    assert_eq!(user.id.as_deref(), Some("42"));
    assert_eq!(user.email.as_deref(), Some("a@b.c"));
    assert_eq!(user.username.as_deref(), Some("/pay"));
    assert_eq!(user.ip_address.unwrap().to_string(), "10.0.0.1");
    let Context::Other(order) = &e.contexts["order"] else {
        panic!("expected a generic context");
    };
    assert_eq!(order["id"], 9);
    assert_eq!(order["paid"], true);
    assert_eq!(*e.fingerprint, ["{{ default }}", "/pay"]);
    assert_eq!(e.transaction.as_deref(), Some("GET /pay"));

    let outside = &events[1];
    assert!(outside.tags.is_empty() && outside.extra.is_empty() && outside.user.is_none());
    assert_eq!(outside.level, Level::Info);
    assert!(outside.transaction.is_none());
}

#[derive(Debug)]
struct Point {
    x: i32,
}

impl std::fmt::Display for Point {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({})", self.x)
    }
}

#[test]
fn display_and_debug_sigils() {
    #[with_scope(tag("shown", %p), tag("debugged", ?p), extra(dbg = ?p, text = %p))]
    fn f(p: &Point) {
        capture("x");
    }
    let events = with_captured_events(|| f(&Point { x: 3 }));
    assert_eq!(events[0].tags["shown"], "(3)");
    assert_eq!(events[0].tags["debugged"], "Point { x: 3 }");
    assert_eq!(events[0].extra["dbg"], "Point { x: 3 }");
    assert_eq!(events[0].extra["text"], "(3)");
}

#[test]
fn level_forms() {
    #[with_scope(level = "fatal")]
    fn string() {
        capture("s");
    }
    #[with_scope(level = Level::Debug)]
    fn path() {
        capture("p");
    }
    #[with_scope(level = { if loud { Level::Error } else { Level::Info } })]
    fn expr(loud: bool) {
        capture("e");
    }
    let events = with_captured_events(|| {
        string();
        path();
        expr(true);
    });
    let levels: Vec<_> = events.iter().map(|e| e.level).collect();
    assert_eq!(levels, [Level::Fatal, Level::Debug, Level::Error]);
}

#[test]
fn values_run_once_in_source_order_before_the_body_and_by_reference() {
    fn next(log: &Cell<u32>, name: &'static str, order: &mut Vec<&'static str>) -> u32 {
        log.set(log.get() + 1);
        order.push(name);
        log.get()
    }

    #[with_scope(tag("a", next(calls, "a", order)), extra(b = next(calls, "b", order)), tag("name", name))]
    fn f(calls: &Cell<u32>, order: &mut Vec<&'static str>, name: String) -> String {
        order.push("body");
        name // not moved by the tag: it was taken by reference
    }

    let calls = Cell::new(0);
    let mut order = Vec::new();
    let events = with_captured_events(|| {
        assert_eq!(f(&calls, &mut order, "n".to_owned()), "n");
    });
    assert!(events.is_empty());
    assert_eq!(calls.get(), 2);
    assert_eq!(order, ["a", "b", "body"]);
}

#[test]
fn restores_on_return_early_return_question_mark_and_panic() {
    #[with_scope(tag("in", "1"))]
    fn early(stop: bool) -> u32 {
        if stop {
            return 1;
        }
        2
    }
    #[with_scope(tag("in", "1"))]
    fn fallible(s: &str) -> Result<u32, std::num::ParseIntError> {
        let n: u32 = s.parse()?;
        Ok(n)
    }
    #[with_scope(tag("in", "1"))]
    fn boom() {
        panic!("boom");
    }

    let events = with_captured_events(|| {
        assert_eq!(early(true), 1);
        capture("after early return");
        assert_eq!(early(false), 2);
        capture("after return");
        assert!(fallible("x").is_err());
        capture("after ?");
        assert!(catch_unwind(AssertUnwindSafe(boom)).is_err());
        capture("after panic");
    });
    assert_eq!(events.len(), 4);
    for e in &events {
        assert!(!e.tags.contains_key("in"), "{:?} kept the tag", e.message);
    }
}

#[test]
fn with_scope_forks_current_only_so_top_level_setters_survive() {
    #[with_scope(tag("local", "1"))]
    fn f() {
        set_tag("top_level", "1");
    }
    let events = with_captured_events(|| {
        f();
        capture("after");
    });
    assert_eq!(events[0].tags["top_level"], "1");
    assert!(!events[0].tags.contains_key("local"));
}

#[test]
fn isolation_scope_forks_both_and_writes_to_isolation() {
    #[isolation_scope(tag("request", id))]
    fn request(id: u32) -> Option<String> {
        set_tag("handler", "pay");
        capture("in request");
        get_isolation_scope()
            .data()
            .tag("request")
            .map(str::to_owned)
    }
    let events = with_captured_events(|| {
        set_tag("process", "1");
        assert_eq!(request(5).as_deref(), Some("5"));
        capture("after");
    });
    assert_eq!(events[0].tags["request"], "5");
    assert_eq!(events[0].tags["handler"], "pay");
    assert_eq!(events[0].tags["process"], "1");
    assert_eq!(events[1].tags.keys().collect::<Vec<_>>(), ["process"]);
}

#[test]
fn scope_bang_writes_in_place() {
    #[with_scope]
    fn f(n: u32) {
        scope!(tag("n", n * 2), level = Error);
        scope!(isolation: tag("iso", n));
        capture("inside");
    }
    let events = with_captured_events(|| {
        f(4);
        capture("after");
        scope!(tags(root = true));
        capture("root");
    });
    assert_eq!(events[0].tags["n"], "8");
    assert_eq!(events[0].level, Level::Error);
    assert!(!events[1].tags.contains_key("n"), "the current fork ended");
    assert_eq!(
        events[1].tags["iso"], "4",
        "isolation is shared by #[with_scope]"
    );
    assert_eq!(events[2].tags["root"], "true");
}

#[test]
fn raw_identifiers_name_the_same_arguments() {
    #[with_scope(r#tag("raw", "yes"), r#level = Warning, err(r#Display, r#level = Info))]
    fn f(n: u32) -> Result<(), String> {
        scope!(r#isolation: r#tag("iso_raw", n));
        Err("failed".to_owned())
    }
    let events = with_captured_events(|| {
        assert!(f(3).is_err());
        capture("after");
    });
    assert_eq!(events[0].tags["raw"], "yes");
    assert_eq!(events[0].level, Level::Warning, "the scope level wins");
    assert_eq!(events[0].message.as_deref(), Some("failed"));
    assert_eq!(
        events[1].tags["iso_raw"], "3",
        "`r#isolation:` is `isolation:`"
    );
}

struct Service {
    name: String,
    hits: u32,
}

trait Handler {
    fn handle(&self, n: u32) -> u32;
}

impl Service {
    #[with_scope(tag("service", self.name))]
    fn by_ref(&self) -> &str {
        capture("by_ref");
        &self.name
    }

    #[with_scope(tag("hits", self.hits))]
    fn by_mut(&mut self) -> &mut u32 {
        self.hits += 1;
        capture("by_mut");
        &mut self.hits
    }

    #[with_scope(tag("service", self.name))]
    fn by_value(self) -> String {
        capture("by_value");
        self.name
    }
}

impl Handler for Service {
    #[with_scope(tag("n", n), tag("service", self.name))]
    fn handle(&self, n: u32) -> u32 {
        capture("trait impl");
        n + self.hits
    }
}

#[test]
fn methods_and_trait_impls() {
    let events = with_captured_events(|| {
        let mut s = Service {
            name: "billing".into(),
            hits: 0,
        };
        assert_eq!(s.by_ref(), "billing");
        *s.by_mut() += 10;
        assert_eq!(s.handle(1), 12);
        assert_eq!(s.by_value(), "billing");
    });
    assert_eq!(events[0].tags["service"], "billing");
    assert_eq!(events[1].tags["hits"], "0");
    assert_eq!(events[2].tags["n"], "1");
    assert_eq!(events[3].tags["service"], "billing");
}

#[test]
fn generics_references_impl_trait_and_recursion() {
    #[with_scope(tag("len", items.len()))]
    fn first<T>(items: &[T]) -> Option<&T>
    where
        T: std::fmt::Debug,
    {
        capture("generic");
        items.first()
    }

    #[with_scope(tag("n", n))]
    fn evens(n: u32) -> impl Iterator<Item = u32> {
        capture("impl trait");
        (0..n).filter(|x| x % 2 == 0)
    }

    #[with_scope(tag("depth", depth))]
    fn recurse(depth: u32) {
        if depth == 0 {
            capture("bottom");
        } else {
            recurse(depth - 1);
            capture("unwinding");
        }
    }

    let events = with_captured_events(|| {
        assert_eq!(first(&[1, 2]), Some(&1));
        assert_eq!(evens(5).count(), 3);
        recurse(2);
    });
    assert_eq!(events[0].tags["len"], "2");
    assert_eq!(events[1].tags["n"], "5");
    // Each level forks its caller's scope and is restored when it returns.
    let depths: Vec<_> = events[2..]
        .iter()
        .map(|e| e.tags["depth"].as_str())
        .collect();
    assert_eq!(depths, ["0", "1", "2"]);
}

#[test]
fn track_caller_still_reports_the_caller() {
    #[with_scope(tag("tracked", true))]
    #[track_caller]
    fn here() -> u32 {
        std::panic::Location::caller().line()
    }
    let line = line!() + 1;
    let reported = here();
    assert_eq!(reported, line);
}
