//! `Scope` methods beyond the setters: captures on a scope, `configure_scope`,
//! `update_from_scope`, handle identity and concurrent writers (scope-model.md 1.2, 2.3 step 3,
//! 3.2).

mod common;

use std::sync::Arc;

use common::{crumb, crumbs, msg, tag_keys, tags};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{
    Level, Scope, ScopeType, configure_scope, get_current_scope, get_global_scope,
    get_isolation_scope, set_tag, with_scope,
};

#[test]
fn capture_on_a_detached_scope_layers_it_over_current_for_that_event() {
    let detached = Scope::new();
    let mut last = None;
    let events = with_captured_events(|| {
        set_tag("k", "isolation");
        get_current_scope().set_tag("k", "current");
        get_current_scope().add_event_processor(|mut e| {
            e.message = Some(format!("{}|current", e.message.unwrap_or_default()));
            Some(e)
        });
        detached.set_tag("k", "detached");
        detached.set_tag("only_detached", 1);
        detached.add_event_processor(|mut e| {
            e.message = Some(format!("{}|detached", e.message.unwrap_or_default()));
            Some(e)
        });
        let id = detached.capture_message("m", Level::Info);
        last = Some((
            id,
            get_isolation_scope().last_event_id(),
            detached.last_event_id(),
        ));
        msg();
    });
    assert_eq!(
        tags(&events[0]),
        [("k", "detached"), ("only_detached", "1")]
    );
    assert_eq!(events[0].message.as_deref(), Some("m|current|detached"));
    assert_eq!(tags(&events[1]), [("k", "current")]);
    let (id, on_isolation, on_detached) = last.unwrap();
    assert_eq!(id, Some(events[0].event_id));
    assert_eq!(
        on_isolation, id,
        "last_event_id goes to the active isolation scope"
    );
    assert_eq!(on_detached, None);
}

#[test]
fn capture_on_the_active_scopes_is_the_plain_capture() {
    let events = with_captured_events(|| {
        get_current_scope().set_tag("c", 1);
        get_isolation_scope().capture_message("via isolation", Level::Info);
        get_current_scope().capture_message("via current", Level::Info);
    });
    assert_eq!(tag_keys(&events[0]), ["c"]);
    assert_eq!(tag_keys(&events[1]), ["c"]);
}

#[test]
fn configure_scope_edits_the_named_active_scope_in_place() {
    with_captured_events(|| {
        for (which, scope) in [
            (ScopeType::Global, get_global_scope()),
            (ScopeType::Isolation, get_isolation_scope()),
            (ScopeType::Current, get_current_scope()),
        ] {
            let name = format!("{which:?}");
            let same = configure_scope(which, |s| {
                s.set_tag(&name, 1);
                Scope::ptr_eq(s, &scope)
            });
            assert!(same, "{name}: configure_scope must not fork");
            assert_eq!(scope.data().tag(&name), Some("1"));
        }
    });
}

#[test]
fn update_from_scope_layers_without_removing_and_keeps_trace_and_id() {
    with_captured_events(|| {
        let lower = Scope::new();
        let upper = Scope::new();
        lower.set_tag("k", "lower");
        lower.set_tag("lower_only", 1);
        lower.add_breadcrumb(crumb("l1"));
        upper.add_breadcrumb(crumb("u1"));
        lower.add_breadcrumb(crumb("l2"));
        upper.set_tag("k", "upper");
        upper.set_level(Some(Level::Fatal));
        upper.add_event_processor(Some);
        let trace = lower.propagation_context();
        // Layering a fork of itself adds nothing: shared entries appear once.
        lower.update_from_scope(&lower.fork());
        assert_eq!(lower.data().breadcrumbs().count(), 2);
        lower.update_from_scope(&upper);

        let d = lower.data();
        let tags: Vec<_> = d.tags().collect();
        assert_eq!(tags, [("k", "upper"), ("lower_only", "1")]);
        assert_eq!(d.level(), Some(Level::Fatal));
        assert_eq!(d.processor_count(), 1);
        let crumbs: Vec<_> = d
            .breadcrumbs()
            .map(|b| b.message.unwrap_or_default())
            .collect();
        assert_eq!(crumbs, ["l1", "u1", "l2"]);
        assert_eq!(lower.propagation_context(), trace);
        assert_eq!(d.last_event_id(), None);
    });
}

#[test]
fn handle_clones_share_and_forks_diverge_breadcrumbs_included() {
    let events = with_captured_events(|| {
        let a = get_current_scope();
        let same = a.clone();
        let fork = a.fork();
        same.add_breadcrumb(crumb("via clone"));
        fork.add_breadcrumb(crumb("via fork"));
        assert!(Scope::ptr_eq(&a, &same) && !Scope::ptr_eq(&a, &fork));
        msg();
    });
    assert_eq!(crumbs(&events[0]), ["via clone"]);
}

#[test]
fn concurrent_writers_to_one_scope_never_lose_updates() {
    with_captured_events(|| {
        let global = get_global_scope();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let global = global.clone();
                std::thread::spawn(move || {
                    for n in 0..100 {
                        global.set_tag(format!("t{t}-{n}"), n);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(global.data().tags().count(), 800);
    });
}

#[test]
fn with_scope_returns_the_closures_value_and_block_data_is_a_snapshot() {
    with_captured_events(|| {
        let outer = get_current_scope();
        outer.set_tag("a", 1);
        let snapshot = with_scope(|s| s.data());
        assert!(
            Arc::ptr_eq(&snapshot, &outer.data()),
            "a fork shares the parent's version"
        );
    });
}
