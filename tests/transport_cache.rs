//! The offline cache: what a failing server refused arrives once it recovers, exactly once;
//! a crash between writing and sending loses and duplicates nothing; the cache is bounded.

mod fake_server;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fake_server::{Answer, FakeServer, accepted_event_ids, reported_discards, serial, temp_dir};
use sentry_scopes::{ClientOptions, Level, capture_message, flush};

/// Complete cache files only, in the cache directory and its per-process slots: a write in
/// progress is a hidden `.….tmp` file, which a crash leaves behind and the next start deletes,
/// so counting it would count an envelope that the crash may lose.
fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.flatten()
            .map(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let is_file = e.file_type().is_ok_and(|t| t.is_file());
                if e.file_type().is_ok_and(|t| t.is_dir()) && name.starts_with("slot-") {
                    files_in(&e.path())
                } else {
                    usize::from(is_file && name.ends_with(".envelope") && !name.starts_with('.'))
                }
            })
            .sum()
    })
}

fn wait_for(timeout: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while !pred() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn ids_of(ids: &[sentry_scopes::Uuid]) -> Vec<String> {
    ids.iter().map(|u| u.simple().to_string()).collect()
}

/// Each id exactly once, in any order.
fn assert_exactly_once(got: &[String], want: &[String]) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in got {
        *counts.entry(id).or_default() += 1;
    }
    let dupes: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "sent twice: {dupes:?}");
    let mut got = got.to_vec();
    let mut want = want.to_vec();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn everything_refused_by_a_failing_server_arrives_once_it_recovers_exactly_once() {
    let _serial = serial();
    let dir = temp_dir("recover");
    let server = FakeServer::start(Answer::ok());
    server.script([Answer::status(503), Answer::Reset]);
    let guard =
        sentry_scopes::init(ClientOptions::new().dsn(server.dsn()).cache_dir(&dir)).expect("valid");
    let ids: Vec<_> = (0..10)
        .map(|i| capture_message(&format!("cached {i}"), Level::Error).expect("queued"))
        .collect();
    // The queue empties at once: what failed is safe on disk.
    assert!(flush(Duration::from_secs(5)));
    let want = ids_of(&ids);
    // Back-off 1 s, then 2 s: the third attempt succeeds, then the cache drains.
    let requests = server.wait_until(Duration::from_secs(20), |r| {
        accepted_event_ids(r).len() >= 10
    });
    assert_exactly_once(&accepted_event_ids(&requests), &want);
    assert_eq!(
        requests.len(),
        12,
        "2 failures, 10 deliveries: {requests:#?}"
    );
    assert!(wait_for(Duration::from_secs(5), || files_in(&dir) == 0));
    drop(guard);
    assert!(
        reported_discards(&server.requests()).is_empty(),
        "nothing was lost"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cache_is_bounded_and_evictions_are_reported() {
    let _serial = serial();
    let dir = temp_dir("bounded");
    let server = FakeServer::start(Answer::status(500));
    let guard = sentry_scopes::init(
        ClientOptions::new()
            .dsn(server.dsn())
            .cache_dir(&dir)
            .max_cache_items(3),
    )
    .expect("valid");
    let ids: Vec<_> = (0..5)
        .map(|i| capture_message(&format!("e{i}"), Level::Error).expect("queued"))
        .collect();
    assert!(flush(Duration::from_secs(5)));
    assert_eq!(files_in(&dir), 3);
    server.set(Answer::ok());
    let requests = server.wait_until(Duration::from_secs(10), |r| {
        accepted_event_ids(r).len() >= 3
    });
    assert_exactly_once(&accepted_event_ids(&requests), &ids_of(&ids[2..]));
    drop(guard);
    let reported = reported_discards(&server.requests());
    assert_eq!(
        reported,
        [(("buffer_overflow".to_owned(), "error".to_owned()), 2)].into()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_timed_out_shutdown_keeps_the_queue_for_the_next_start() {
    let _serial = serial();
    let dir = temp_dir("spill");
    let hanging = FakeServer::start(Answer::Hang);
    let guard = sentry_scopes::init(
        ClientOptions::new()
            .dsn(hanging.dsn())
            .cache_dir(&dir)
            .http_timeout(Duration::from_secs(600))
            .shutdown_timeout(Duration::from_millis(300)),
    )
    .expect("valid");
    let first = capture_message("in flight", Level::Error).expect("queued");
    hanging.wait_until(Duration::from_secs(5), |r| !r.is_empty());
    let queued: Vec<_> = (0..4)
        .map(|i| capture_message(&format!("queued {i}"), Level::Error).expect("queued"))
        .collect();
    drop(guard); // times out; the thread stays stuck on the first envelope
    assert_eq!(files_in(&dir), 4);

    let server = FakeServer::start(Answer::ok());
    let guard =
        sentry_scopes::init(ClientOptions::new().dsn(server.dsn()).cache_dir(&dir)).expect("valid");
    let requests = server.wait_until(Duration::from_secs(10), |r| {
        accepted_event_ids(r).len() >= 4
    });
    drop(guard);
    let got = accepted_event_ids(&requests);
    assert_exactly_once(&got, &ids_of(&queued));
    assert!(
        !got.contains(&first.simple().to_string()),
        "the in-flight one is not duplicated"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const CHILD_ENV: &str = "SENTRY_SCOPES_CRASH_CHILD";

/// Run by `a_crash_between_write_and_send_loses_and_duplicates_nothing` in a child process:
/// captures against a failing server until everything is in the cache, then aborts.
#[test]
#[ignore = "run as a child process by a_crash_between_write_and_send_loses_and_duplicates_nothing"]
fn crash_child() {
    let (Ok(dsn), Ok(dir)) = (std::env::var("SENTRY_DSN_CHILD"), std::env::var(CHILD_ENV)) else {
        return;
    };
    let guard =
        sentry_scopes::init(ClientOptions::new().dsn(dsn).cache_dir(&dir)).expect("valid options");
    for i in 0..10 {
        let id = capture_message(&format!("before the crash {i}"), Level::Error).expect("queued");
        println!("ID {}", id.simple());
    }
    assert!(wait_for(Duration::from_secs(10), || files_in(Path::new(
        &dir
    )) == 10));
    std::mem::forget(guard);
    std::process::abort();
}

#[test]
fn a_crash_between_write_and_send_loses_and_duplicates_nothing() {
    let _serial = serial();
    let dir = temp_dir("crash");
    let failing = FakeServer::start(Answer::status(500));
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &dir)
        .env("SENTRY_DSN_CHILD", failing.dsn())
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "the child must crash: {stdout}");
    let ids: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_once("ID ").map(|(_, id)| id.trim().to_owned()))
        .collect();
    assert_eq!(ids.len(), 10, "{stdout}");
    assert_eq!(files_in(&dir), 10);

    let server = FakeServer::start(Answer::ok());
    let guard =
        sentry_scopes::init(ClientOptions::new().dsn(server.dsn()).cache_dir(&dir)).expect("valid");
    let requests = server.wait_until(Duration::from_secs(10), |r| {
        accepted_event_ids(r).len() >= 10
    });
    assert!(wait_for(Duration::from_secs(5), || files_in(&dir) == 0));
    drop(guard);
    // Give a would-be duplicate time to show up.
    std::thread::sleep(Duration::from_millis(200));
    let requests = requests.len().max(server.requests().len());
    let got = accepted_event_ids(&server.requests());
    assert_exactly_once(&got, &ids);
    assert_eq!(requests, 10);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The peak resident memory of this process so far, in KiB (Linux).
#[cfg(target_os = "linux")]
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn bad_entries_never_block_the_valid_envelopes_behind_them() {
    let _serial = serial();
    let dir = temp_dir("bad-entries");
    let failing = FakeServer::start(Answer::status(500));
    let guard = sentry_scopes::init(ClientOptions::new().dsn(failing.dsn()).cache_dir(&dir))
        .expect("valid");
    let ids: Vec<_> = (0..3)
        .map(|i| capture_message(&format!("behind {i}"), Level::Error).expect("queued"))
        .collect();
    assert!(flush(Duration::from_secs(5)));
    drop(guard);
    assert_eq!(files_in(&dir), 3);
    // Older than every envelope: a directory named like one, a 1 GiB file (sparse), and a file
    // that is not an envelope.
    let slot = dir.join("slot-0");
    std::fs::create_dir(slot.join("000000000000000000000001-dir.envelope")).unwrap();
    let huge = slot.join("000000000000000000000002-huge.envelope");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    std::fs::write(slot.join("000000000000000000000003-junk.envelope"), b"junk").unwrap();

    #[cfg(target_os = "linux")]
    let rss_before = peak_rss_kib();
    let server = FakeServer::start(Answer::ok());
    let guard =
        sentry_scopes::init(ClientOptions::new().dsn(server.dsn()).cache_dir(&dir)).expect("valid");
    let requests = server.wait_until(Duration::from_secs(10), |r| {
        accepted_event_ids(r).len() >= 3
    });
    drop(guard);
    assert_exactly_once(&accepted_event_ids(&requests), &ids_of(&ids));
    assert!(!huge.exists(), "the oversized file is deleted, unread");
    #[cfg(target_os = "linux")]
    {
        let grew = peak_rss_kib().saturating_sub(rss_before);
        assert!(
            grew < 256 * 1024,
            "peak memory grew by {grew} KiB: the 1 GiB file was read"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

const SHARED_ENV: &str = "SENTRY_SCOPES_SHARED_CHILD";

/// Run by `two_processes_sharing_a_cache_dir_send_each_envelope_exactly_once`: caches 10
/// envelopes against a failing server, says so, then delivers them once the parent has made
/// the server recover and created the `go` file.
#[test]
#[ignore = "run as a child process by two_processes_sharing_a_cache_dir_send_each_envelope_exactly_once"]
fn shared_child() {
    let (Ok(dsn), Ok(dir)) = (std::env::var("SENTRY_DSN_CHILD"), std::env::var(SHARED_ENV)) else {
        return;
    };
    let dir = Path::new(&dir);
    let guard =
        sentry_scopes::init(ClientOptions::new().dsn(dsn).cache_dir(dir)).expect("valid options");
    for i in 0..10 {
        let id = capture_message(&format!("shared {i}"), Level::Error).expect("queued");
        println!("ID {}", id.simple());
    }
    assert!(flush(Duration::from_secs(10)));
    println!("CACHED");
    assert!(wait_for(Duration::from_secs(20), || dir
        .join("go")
        .exists()));
    assert!(wait_for(Duration::from_secs(30), || files_in(dir) == 0));
    drop(guard);
}

#[test]
fn two_processes_sharing_a_cache_dir_send_each_envelope_exactly_once() {
    let _serial = serial();
    let dir = temp_dir("shared");
    let server = FakeServer::start(Answer::status(503));
    let spawn = || {
        Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "shared_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SHARED_ENV, &dir)
            .env("SENTRY_DSN_CHILD", server.dsn())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("child runs")
    };
    let children = [spawn(), spawn()];
    assert!(wait_for(Duration::from_secs(20), || files_in(&dir) == 20));
    server.set(Answer::ok());
    std::fs::write(dir.join("go"), b"").unwrap();
    let mut ids = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("child ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        ids.extend(
            stdout
                .lines()
                .filter_map(|l| l.split_once("ID ").map(|(_, id)| id.trim().to_owned())),
        );
    }
    assert_eq!(ids.len(), 20);
    assert_exactly_once(&accepted_event_ids(&server.requests()), &ids);
    let _ = std::fs::remove_dir_all(&dir);
}
