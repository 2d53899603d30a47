//! Breadcrumb storage, ordering, capping and `before_breadcrumb` (scope-model.md 2.2, B01–B13;
//! B10 needs its own process and lives in `lifecycle_before_init.rs`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use common::{crumb, crumb_at, crumbs, msg};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{
    Breadcrumb, ClientOptions, Event, Scope, add_breadcrumb, capture_event, get_current_scope,
    get_global_scope, get_isolation_scope, with_scope,
};

/// The messages of a scope's stored breadcrumbs.
fn stored(scope: &Scope) -> Vec<String> {
    scope
        .data()
        .breadcrumbs()
        .map(|b| b.message.clone().unwrap_or_default())
        .collect()
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

#[test]
fn b01_top_level_crumb_goes_to_isolation_only() {
    let mut stored_in = Vec::new();
    let events = with_captured_events(|| {
        add_breadcrumb(crumb("x"));
        stored_in = vec![
            stored(&get_global_scope()),
            stored(&get_isolation_scope()),
            stored(&get_current_scope()),
        ];
        msg();
    });
    assert_eq!(stored_in, [vec![], vec!["x".to_owned()], vec![]]);
    assert_eq!(crumbs(&events[0]), ["x"]);
}

#[test]
fn b02_breadcrumbs_keep_insertion_order_across_scopes() {
    let events = with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        g.add_breadcrumb(crumb("g1"));
        i.add_breadcrumb(crumb("i1"));
        c.add_breadcrumb(crumb("c1"));
        g.add_breadcrumb(crumb("g2"));
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["g1", "i1", "c1", "g2"]);
}

#[test]
fn b03_timestamps_never_reorder_breadcrumbs() {
    let events = with_captured_events(|| {
        let now = SystemTime::now();
        add_breadcrumb(crumb_at("-10d", now - 10 * DAY));
        add_breadcrumb(crumb_at("-8d", now - 8 * DAY));
        add_breadcrumb(crumb_at("-12d", now - 12 * DAY));
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["-10d", "-8d", "-12d"]);
}

#[test]
fn b04_full_buffer_evicts_oldest() {
    let options = ClientOptions::new().max_breadcrumbs(10);
    let events = with_captured_events_options(options, || {
        for n in 0..20 {
            add_breadcrumb(crumb(&format!("b{n}")));
        }
        assert_eq!(get_isolation_scope().data().breadcrumbs().count(), 10);
        msg();
    });
    let expected: Vec<String> = (10..20).map(|n| format!("b{n}")).collect();
    assert_eq!(crumbs(&events[0]), expected);
}

#[test]
fn b05_merged_breadcrumbs_are_recapped_keeping_newest() {
    let options = ClientOptions::new().max_breadcrumbs(3);
    let events = with_captured_events_options(options, || {
        for (scope, name) in [
            (get_global_scope(), "g"),
            (get_isolation_scope(), "i"),
            (get_current_scope(), "c"),
        ] {
            for n in 1..=3 {
                scope.add_breadcrumb(crumb(&format!("{name}{n}")));
            }
        }
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["c1", "c2", "c3"]);
}

#[test]
fn b06_zero_max_breadcrumbs_stores_nothing() {
    let options = ClientOptions::new().max_breadcrumbs(0);
    let events = with_captured_events_options(options, || {
        add_breadcrumb(crumb("a"));
        get_current_scope().add_breadcrumb(crumb("b"));
        assert_eq!(get_isolation_scope().data().breadcrumbs().count(), 0);
        assert_eq!(get_current_scope().data().breadcrumbs().count(), 0);
        msg();
    });
    assert!(events[0].breadcrumbs.values.is_empty());
}

#[test]
fn b07_before_breadcrumb_can_modify_or_drop() {
    let options =
        ClientOptions::new().before_breadcrumb(|mut b: Breadcrumb| match b.message.as_deref() {
            Some("drop") => None,
            _ => {
                b.data.insert("added".into(), "by before_breadcrumb".into());
                Some(b)
            }
        });
    let events = with_captured_events_options(options, || {
        add_breadcrumb(crumb("keep"));
        add_breadcrumb(crumb("drop"));
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["keep"]);
    assert_eq!(
        events[0].breadcrumbs.values[0].data.get("added"),
        Some(&"by before_breadcrumb".into())
    );
}

#[test]
fn b08_before_breadcrumb_runs_for_every_scope() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let options = ClientOptions::new().before_breadcrumb(move |b: Breadcrumb| {
        counter.fetch_add(1, Ordering::SeqCst);
        (b.message.as_deref() != Some("drop")).then_some(b)
    });
    let mut after_adds = 0;
    let events = with_captured_events_options(options, || {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        g.add_breadcrumb(crumb("a"));
        i.add_breadcrumb(crumb("b"));
        c.add_breadcrumb(crumb("c"));
        add_breadcrumb(crumb("d"));
        after_adds = calls.load(Ordering::SeqCst);
        // A `None` return drops the crumb whichever scope it was meant for.
        let detached = Scope::new();
        for scope in [&g, &i, &c, &detached] {
            scope.add_breadcrumb(crumb("drop"));
        }
        add_breadcrumb(crumb("drop"));
        assert_eq!(detached.data().breadcrumbs().count(), 0);
        msg();
    });
    assert_eq!(after_adds, 4);
    assert_eq!(calls.load(Ordering::SeqCst), 9);
    assert_eq!(crumbs(&events[0]), ["a", "b", "c", "d"]);
}

#[test]
fn b09_crumb_without_timestamp_is_stamped_at_add_time_with_default_type() {
    // A Rust `Breadcrumb` always has a timestamp: `Breadcrumb::default()` stamps it as it is
    // built, which is "at add time" when built in the `add_breadcrumb` call. The capture happens
    // later, and must not restamp it.
    let mut window = (SystemTime::UNIX_EPOCH, SystemTime::UNIX_EPOCH);
    let events = with_captured_events(|| {
        let before = SystemTime::now();
        add_breadcrumb(Breadcrumb {
            message: Some("plain".into()),
            ..Breadcrumb::default()
        });
        window = (before, SystemTime::now());
        std::thread::sleep(Duration::from_millis(20));
        msg();
    });
    let stored = &events[0].breadcrumbs.values[0];
    assert!(
        window.0 <= stored.timestamp && stored.timestamp <= window.1,
        "timestamp {:?} outside the add window {window:?}",
        stored.timestamp
    );
    assert_eq!(stored.ty, "default");
}

#[test]
fn b11_clear_breadcrumbs_empties_only_that_scope() {
    let events = with_captured_events(|| {
        let (g, i, c) = (
            get_global_scope(),
            get_isolation_scope(),
            get_current_scope(),
        );
        g.add_breadcrumb(crumb("g"));
        i.add_breadcrumb(crumb("i"));
        c.add_breadcrumb(crumb("c"));
        i.clear_breadcrumbs();
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["g", "c"]);
}

#[test]
fn b12_crumb_on_forked_current_scope_stays_in_the_block() {
    let events = with_captured_events(|| {
        get_current_scope().add_breadcrumb(crumb("a"));
        with_scope(|s| {
            s.add_breadcrumb(crumb("b"));
            msg();
        });
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["a", "b"]);
    assert_eq!(crumbs(&events[1]), ["a"]);
}

#[test]
fn b13_events_own_breadcrumbs_come_first_whatever_their_timestamp() {
    let events = with_captured_events(|| {
        get_current_scope().add_breadcrumb(crumb("scope"));
        let now = SystemTime::now();
        for stamp in [now - DAY, now + DAY] {
            let mut event = Event::default();
            event.breadcrumbs.values.push(crumb_at("own", stamp));
            capture_event(event);
        }
    });
    assert_eq!(crumbs(&events[0]), ["own", "scope"]);
    assert_eq!(crumbs(&events[1]), ["own", "scope"]);
}

#[test]
fn b13_recap_keeps_newest_of_own_then_scope_crumbs() {
    let options = ClientOptions::new().max_breadcrumbs(2);
    let events = with_captured_events_options(options, || {
        get_current_scope().add_breadcrumb(crumb("scope"));
        let mut event = Event::default();
        event
            .breadcrumbs
            .values
            .extend([crumb("own1"), crumb("own2")]);
        capture_event(event);
    });
    assert_eq!(crumbs(&events[0]), ["own2", "scope"]);
}

#[test]
fn personal_data_in_breadcrumb_data_is_filtered_when_sent_unless_send_default_pii() {
    let add = || {
        let mut crumb = crumb("login");
        crumb.data.insert("password".into(), "hunter2".into());
        crumb.data.insert("order_id".into(), 42.into());
        add_breadcrumb(crumb);
    };
    let sent = |options: ClientOptions| {
        let events = with_captured_events_options(options, || {
            add();
            msg();
        });
        events[0].breadcrumbs.values[0].data.clone()
    };
    // Written from the scope (no processor), and from the typed event (`before_send` set).
    for options in [ClientOptions::new(), ClientOptions::new().before_send(Some)] {
        let data = sent(options);
        assert_eq!(data["password"], "[Filtered]");
        assert_eq!(data["order_id"], 42);
    }
    let data = sent(ClientOptions::new().send_default_pii(true));
    assert_eq!(data["password"], "hunter2");
    // The scope keeps what the application added; only what is sent is filtered.
    let mut kept = None;
    with_captured_events(|| {
        add();
        kept = get_isolation_scope()
            .data()
            .breadcrumbs()
            .next()
            .map(|c| c.data["password"].clone());
    });
    assert_eq!(kept.as_ref().and_then(|v| v.as_str()), Some("hunter2"));
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(64))]

    /// B02 and B05 for any interleaving: the event carries the newest `max` crumbs of all
    /// three scopes, in the order they were added.
    #[test]
    fn b02_b05_any_interleaving_keeps_insertion_order_and_newest(
        targets in proptest::collection::vec(0..3usize, 0..40),
        max in 0..12usize,
    ) {
        let options = ClientOptions::new().max_breadcrumbs(max);
        let events = with_captured_events_options(options, || {
            let scopes = [get_global_scope(), get_isolation_scope(), get_current_scope()];
            for (n, &t) in targets.iter().enumerate() {
                scopes[t].add_breadcrumb(crumb(&n.to_string()));
            }
            msg();
        });
        // A crumb is still stored if its scope got fewer than `max` crumbs after it; the event
        // carries the stored ones in insertion order, cut to the newest `max`.
        let stored: Vec<String> = (0..targets.len())
            .filter(|&n| targets[n + 1..].iter().filter(|&&t| t == targets[n]).count() < max)
            .map(|n| n.to_string())
            .collect();
        let expected: Vec<&str> =
            stored[stored.len().saturating_sub(max)..].iter().map(String::as_str).collect();
        proptest::prop_assert_eq!(crumbs(&events[0]), expected);
    }
}
