//! Smoke tests of the core paths (the full checklist lives in the conformance tests).

use sentry_scopes::test::with_captured_events;
use sentry_scopes::*;

#[test]
fn merge_fork_and_restore_work_together() {
    let events = with_captured_events(|| {
        get_global_scope().set_tag("g", 1);
        set_tag("i", 1);
        get_current_scope().set_tag("c", 1);
        add_breadcrumb(Breadcrumb {
            message: Some("b".into()),
            ..Default::default()
        });
        with_scope(|s| {
            s.set_tag("in", 1);
            capture_message("inner", Level::Info);
        });
        with_isolation_scope(|_| {
            set_tag("iso_only", 1);
            capture_message("iso", Level::Info);
        });
        capture_message("outer", Level::Info);
    });
    assert_eq!(events.len(), 3);
    let keys = |i: usize| events[i].tags.keys().cloned().collect::<Vec<_>>().join(",");
    assert_eq!(keys(0), "c,g,i,in");
    assert_eq!(keys(1), "c,g,i,iso_only");
    assert_eq!(keys(2), "c,g,i");
    assert_eq!(events[2].breadcrumbs.values.len(), 1);
    assert_eq!(events[0].platform, "native");
    assert!(events[0].contexts.contains_key("trace"));
}

#[test]
fn bound_futures_keep_their_scopes_across_awaits() {
    let events = with_captured_events(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let handles: Vec<_> = (0..3)
                .map(|n| {
                    tokio::spawn(
                        async move {
                            set_tag("req", n);
                            for _ in 0..5 {
                                tokio::task::yield_now().await;
                            }
                            capture_message("task", Level::Info);
                        }
                        .bind_current_scope(),
                    )
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        drop(rt);
        set_tag("root", 1);
        capture_message("root", Level::Info);
    });
    assert_eq!(events.len(), 4);
    assert!(!events[3].tags.contains_key("req"));
}
