//! Cross-talk stress tests (scope-model.md 1.5, T02, T06, T08, and the "no lost updates" rule
//! of 1.2): many concurrent units of work, each with its own scopes, must never see each other's
//! data; many concurrent writers on one shared scope must never lose each other's updates.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{
    Breadcrumb, ClientOptions, Event, Level, Scope, ScopeFutureExt, User, add_breadcrumb,
    capture_message, get_current_scope, get_global_scope, get_isolation_scope, set_extra, set_tag,
    set_user, use_isolation_scope, with_isolation_scope, with_scope,
};

fn crumb(message: String) -> Breadcrumb {
    Breadcrumb {
        message: Some(message),
        ..Breadcrumb::default()
    }
}

fn user(id: impl ToString) -> Option<User> {
    Some(User {
        id: Some(id.to_string()),
        ..User::default()
    })
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn crumbs(e: &Event<'static>) -> Vec<String> {
    let messages = e.breadcrumbs.values.iter();
    messages
        .map(|b| b.message.clone().unwrap_or_default())
        .collect()
}

fn user_id<'a>(e: &'a Event<'static>) -> Option<&'a str> {
    e.user.as_ref().and_then(|u| u.id.as_deref())
}

const TASKS: usize = 10_000;

/// One task: writes interleaved with yields and a sleep, a child task forked half-way, a capture.
async fn task(n: usize) {
    set_user(user(n));
    set_tag("task", n);
    add_breadcrumb(crumb(format!("c{n}")));
    tokio::task::yield_now().await;
    get_current_scope().set_tag("task_cur", n);
    tokio::time::sleep(Duration::from_millis(1)).await;
    // The child forks this task's scopes now; what the task writes afterwards stays here.
    let child = sentry_scopes::task::spawn(async move {
        set_tag("child", n);
        add_breadcrumb(crumb(format!("k{n}")));
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        capture_message(&format!("k{n}"), Level::Info);
    });
    set_extra("task", n);
    tokio::task::yield_now().await;
    capture_message(&format!("p{n}"), Level::Info);
    child.await.expect("child task");
}

/// Runs `tasks` bound tasks on the runtime `builder` makes (inside the test client) and checks
/// every event.
fn check_tasks(mut builder: tokio::runtime::Builder, tasks: usize, probe_workers: bool) {
    let events = with_captured_events(|| {
        let rt = builder.enable_all().build().expect("runtime");
        rt.block_on(async {
            set_tag("root", 1);
            add_breadcrumb(crumb("root".into()));
            let handles: Vec<_> = (0..tasks)
                .map(|n| {
                    if n % 2 == 0 {
                        sentry_scopes::task::spawn(task(n))
                    } else {
                        tokio::spawn(task(n).bind_current_scope())
                    }
                })
                .collect();
            for h in handles {
                h.await.expect("task");
            }
            // Each poll swaps the task's pair back out of the worker's slot (1.5), so the
            // workers' own scopes, seen by unbound tasks, hold no task's data.
            for _ in 0..64 {
                if !probe_workers {
                    break;
                }
                let leaked = tokio::spawn(async {
                    let (i, c) = (get_isolation_scope().data(), get_current_scope().data());
                    !i.is_empty() || !c.is_empty()
                });
                assert!(!leaked.await.expect("probe"), "a worker kept task data");
            }
        });
        drop(rt);
        capture_message("root", Level::Info);
    });

    assert_eq!(events.len(), 2 * tasks + 1, "exact number of events");
    let (mut parents, mut children) = (BTreeSet::new(), BTreeSet::new());
    for e in &events[..2 * tasks] {
        let message = e.message.as_deref().expect("message");
        let (kind, n) = message.split_at(1);
        let is_child = kind == "k";
        let fresh = if is_child {
            children.insert(n)
        } else {
            parents.insert(n)
        };
        assert!(fresh, "{message} captured twice");
        assert_eq!(user_id(e), Some(n), "{message}: user");
        let mut want = tags(&[("root", "1"), ("task", n), ("task_cur", n)]);
        let mut want_crumbs = vec!["root".to_owned(), format!("c{n}")];
        if is_child {
            want.insert("child".into(), n.into());
            want_crumbs.push(format!("k{n}"));
            let leaked = !e.extra.is_empty();
            assert!(!leaked, "{message}: the parent's later extra leaked in");
        } else {
            assert_eq!(e.extra.get("task"), Some(&n.parse::<u64>().unwrap().into()));
        }
        assert_eq!(e.tags, want, "{message}: tags");
        assert_eq!(crumbs(e), want_crumbs, "{message}: breadcrumbs");
    }
    assert_eq!((parents.len(), children.len()), (tasks, tasks));
    let root = &events[2 * tasks];
    assert_eq!(
        root.tags,
        tags(&[("root", "1")]),
        "the spawner's scopes are unchanged"
    );
    assert_eq!(
        (root.user.as_ref(), crumbs(root)),
        (None, vec!["root".to_owned()])
    );
}

#[test]
fn ten_thousand_bound_tasks_never_see_each_others_data() {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(4);
    check_tasks(builder, TASKS, true);
}

/// On a current-thread runtime every task and the spawner share one thread and one slot, and
/// polls interleave at every await: the hardest case for swapping pairs in and out.
#[test]
fn bound_tasks_interleaved_on_one_thread_never_see_each_others_data() {
    let builder = tokio::runtime::Builder::new_current_thread();
    check_tasks(builder, 2_000, false);
}

const THREADS: usize = 64;
const ITERS: usize = 40;

#[test]
fn sixty_four_spawned_threads_never_see_each_others_data() {
    let events = with_captured_events(|| {
        set_tag("root", 1);
        add_breadcrumb(crumb("root".into()));
        let start = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|n| {
                let start = start.clone();
                sentry_scopes::thread::spawn(move || {
                    set_user(user(n));
                    set_tag("thread", n);
                    start.wait();
                    for i in 0..ITERS {
                        set_tag("iter", i);
                        add_breadcrumb(crumb(format!("{n}-{i}")));
                        std::thread::yield_now();
                        get_current_scope().set_extra("iter", i);
                        let msg = format!("{n}/{i}");
                        if i % 2 == 0 {
                            with_isolation_scope(|_| {
                                set_tag("inner", i);
                                capture_message(&msg, Level::Info);
                            });
                        } else {
                            with_scope(|s| {
                                s.set_tag("inner", i);
                                capture_message(&msg, Level::Info);
                            });
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        capture_message("root", Level::Info);
    });

    assert_eq!(events.len(), THREADS * ITERS + 1, "exact number of events");
    let mut next_iter = vec![0; THREADS];
    for e in &events[..THREADS * ITERS] {
        let message = e.message.as_deref().expect("message");
        let (n, i) = message.split_once('/').expect("n/i");
        let (n_idx, i_idx): (usize, usize) = (n.parse().unwrap(), i.parse().unwrap());
        assert_eq!(
            next_iter[n_idx], i_idx,
            "thread {n}: events in order, none lost"
        );
        next_iter[n_idx] += 1;
        assert_eq!(user_id(e), Some(n), "{message}: user");
        let want = tags(&[("root", "1"), ("thread", n), ("iter", i), ("inner", i)]);
        assert_eq!(e.tags, want, "{message}: tags");
        assert_eq!(
            e.extra.get("iter"),
            Some(&(i_idx as u64).into()),
            "{message}"
        );
        let mut want_crumbs = vec!["root".to_owned()];
        want_crumbs.extend((0..=i_idx).map(|j| format!("{n}-{j}")));
        assert_eq!(crumbs(e), want_crumbs, "{message}: breadcrumbs");
    }
    assert!(next_iter.iter().all(|&c| c == ITERS));
    let root = &events[THREADS * ITERS];
    assert_eq!(
        root.tags,
        tags(&[("root", "1")]),
        "the spawner's scopes are unchanged"
    );
    assert_eq!(
        (root.user.as_ref(), crumbs(root)),
        (None, vec!["root".to_owned()])
    );
}

const WRITERS: usize = 8;
const KEYS: usize = 300;

/// `WRITERS` threads write to one shared scope at once, through `write`; each inserts its own
/// keys, reads its own writes back, then removes its even keys. A load-then-store write would
/// lose inserts or resurrect removed keys; a read-modify-publish (`rcu`) write loses nothing.
fn hammer(shared: &Scope, write: fn(&Scope, usize, usize, bool)) {
    let start = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|t| {
            let (shared, start) = (shared.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for k in 0..KEYS {
                    write(&shared, t, k, true);
                    let key = format!("t{t}_{k}");
                    assert!(
                        shared.data().tag(&key).is_some(),
                        "own write {key} not visible"
                    );
                }
                for k in (0..KEYS).step_by(2) {
                    write(&shared, t, k, false);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let data = shared.data();
    for t in 0..WRITERS {
        for k in 0..KEYS {
            let key = format!("t{t}_{k}");
            let want = (k % 2 == 1).then(|| k.to_string());
            assert_eq!(data.tag(&key).map(str::to_owned), want, "tag {key}");
            assert_eq!(data.extra(&key).is_some(), k % 2 == 1, "extra {key}");
        }
    }
    assert_eq!(data.tags().count(), WRITERS * KEYS / 2);
    assert_eq!(
        data.breadcrumbs().count(),
        WRITERS * KEYS,
        "no breadcrumb lost"
    );
}

fn scope_write(s: &Scope, t: usize, k: usize, insert: bool) {
    let key = format!("t{t}_{k}");
    if insert {
        s.set_tag(&key, k);
        s.set_extra(&key, k);
        s.add_breadcrumb(crumb(key));
    } else {
        s.remove_tag(&key);
        s.remove_extra(&key);
    }
}

/// The same writes through the top-level functions, with `s` as the isolation scope.
fn top_level_write(s: &Scope, t: usize, k: usize, insert: bool) {
    let key = format!("t{t}_{k}");
    use_isolation_scope(s, |_| {
        if insert {
            set_tag(&key, k);
            set_extra(&key, k);
            add_breadcrumb(crumb(key.clone()));
        } else {
            sentry_scopes::remove_tag(&key);
            sentry_scopes::remove_extra(&key);
        }
    });
}

#[test]
fn concurrent_writers_on_the_global_scope_lose_no_update() {
    let options = ClientOptions::new().max_breadcrumbs(WRITERS * KEYS);
    let events = with_captured_events_options(options, || {
        hammer(&get_global_scope(), scope_write);
        capture_message("after", Level::Info);
    });
    assert_eq!(events[0].tags.len(), WRITERS * KEYS / 2);
    assert_eq!(events[0].breadcrumbs.values.len(), WRITERS * KEYS);
}

#[test]
fn concurrent_top_level_writers_on_one_shared_isolation_scope_lose_no_update() {
    let options = ClientOptions::new().max_breadcrumbs(WRITERS * KEYS);
    with_captured_events_options(options, || {
        hammer(&Scope::new(), top_level_write);
    });
}
