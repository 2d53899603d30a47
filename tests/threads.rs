//! Scopes and OS threads: raw threads start empty, the spawn helper and `bind_fn` carry
//! snapshots (scope-model.md 1.5, T01, T02, T04).

mod common;

use std::sync::mpsc;

use common::{msg, tag_keys, tags};
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{bind_fn, get_current_scope, get_global_scope, get_isolation_scope, set_tag};

#[test]
fn t01_raw_thread_sees_only_the_global_scope() {
    let events = with_captured_events(|| {
        get_global_scope().set_tag("g", 1);
        set_tag("iso", 1);
        get_current_scope().set_tag("cur", 1);
        std::thread::spawn(msg).join().unwrap();
    });
    assert_eq!(events.len(), 1);
    assert_eq!(tags(&events[0]), [("g", "1")]);
}

#[test]
fn t02_spawn_helper_forks_both_scopes_at_spawn_time() {
    let events = with_captured_events(|| {
        set_tag("iso", 1);
        get_current_scope().set_tag("cur", 1);
        let (go, wait) = mpsc::channel::<()>();
        let handle = sentry_scopes::thread::spawn(move || {
            // Wait until the parent has written after the spawn.
            wait.recv().unwrap();
            set_tag("from_thread", 1);
            get_current_scope().set_tag("thread_cur", 1);
            msg();
        });
        set_tag("parent_after_start", 1);
        go.send(()).unwrap();
        handle.join().unwrap();
        msg();
    });
    assert_eq!(events.len(), 2);
    assert_eq!(
        tag_keys(&events[0]),
        ["cur", "from_thread", "iso", "thread_cur"]
    );
    assert_eq!(tag_keys(&events[1]), ["cur", "iso", "parent_after_start"]);
}

#[test]
fn t04_bind_fn_jobs_on_a_pool_each_see_their_own_snapshot() {
    type Job = Box<dyn FnOnce() + Send>;
    let events = with_captured_events(|| {
        set_tag("parent", 1);
        let (submit, jobs) = mpsc::channel::<Job>();
        let jobs = std::sync::Arc::new(std::sync::Mutex::new(jobs));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let jobs = jobs.clone();
                std::thread::spawn(move || {
                    loop {
                        let job = jobs.lock().unwrap().recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                    // Each job ran on its own scopes: nothing stays on the worker.
                    assert!(get_isolation_scope().data().is_empty());
                    assert!(get_current_scope().data().is_empty());
                })
            })
            .collect();
        for n in 0..4 {
            submit
                .send(Box::new(bind_fn(move || {
                    set_tag("job", n);
                    msg();
                })))
                .unwrap();
        }
        drop(submit);
        for w in workers {
            w.join().unwrap();
        }
        msg();
    });
    assert_eq!(events.len(), 5);
    let mut job_numbers = Vec::new();
    for e in &events[..4] {
        assert_eq!(tag_keys(e), ["job", "parent"]);
        assert_eq!(e.tags["parent"], "1");
        job_numbers.push(e.tags["job"].clone());
    }
    job_numbers.sort();
    assert_eq!(job_numbers, ["0", "1", "2", "3"]);
    assert_eq!(tags(&events[4]), [("parent", "1")]);
}
