//! The panic hook (feature `panic`), tested in child processes: a panic hook is process-wide and
//! a panic may end the process, so each scenario re-runs this test binary with an environment
//! variable naming it, and the parent asserts on what the child sent and printed.
//!
//! The child's transport writes events to a file only when it is flushed, and the child leaks
//! its client guard, so an event in the file proves the hook itself flushed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Duration;

use sentry_scopes::EncodedEnvelope;
use sentry_scopes::protocol::EnvelopeItem;
use serde_json::Value;

const SCENARIO: &str = "SENTRY_SCOPES_PANIC_SCENARIO";
const OUT: &str = "SENTRY_SCOPES_PANIC_OUT";

/// The entry point of the child process; does nothing in the ordinary test run.
#[test]
fn child_entry() {
    if let (Ok(scenario), Ok(out)) = (std::env::var(SCENARIO), std::env::var(OUT)) {
        child::run(&scenario, Path::new(&out));
    }
}

fn run_child(scenario: &str) -> (Output, Vec<Value>) {
    let out = std::env::temp_dir().join(format!(
        "sentry-scopes-panic-{}-{scenario}.jsonl",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&out);
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(SCENARIO, scenario)
        .env(OUT, &out)
        .env_remove("SENTRY_DSN")
        .output()
        .unwrap();
    let events = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let _ = std::fs::remove_file(&out);
    (output, events)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn frame_names(event: &Value) -> Vec<String> {
    event["exception"]["values"][0]["stacktrace"]["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["function"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn a_panic_becomes_a_fatal_event_with_the_thread_scopes_and_is_flushed() {
    let (output, events) = run_child("main_thread");
    assert_eq!(output.status.code(), Some(101), "{}", stderr(&output));
    assert_eq!(events.len(), 1, "{}", stderr(&output));
    let event = &events[0];
    assert_eq!(event["level"], "fatal");
    let exception = &event["exception"]["values"][0];
    assert_eq!(exception["type"], "panic");
    assert_eq!(exception["value"], "card reader on fire");
    assert_eq!(exception["mechanism"]["type"], "panic");
    assert_eq!(exception["mechanism"]["handled"], false);
    let location = exception["mechanism"]["data"]["location"].as_str().unwrap();
    assert!(location.contains("panic_hook.rs:"), "{location}");
    // The scopes of the panicking thread: isolation tag and user, current-scope tag, breadcrumb.
    assert_eq!(event["tags"]["request"], "r-1");
    assert_eq!(event["tags"]["step"], "charge");
    assert_eq!(event["user"]["id"], "42");
    assert_eq!(
        event["breadcrumbs"]["values"][0]["message"],
        "card inserted"
    );
    // Frames oldest first, ending at the function that panicked; no panic machinery left.
    let names = frame_names(event);
    let pos = |needle: &str| names.iter().position(|n| n.contains(needle));
    let (outer, inner) = (pos("charge_card").unwrap(), pos("read_card").unwrap());
    assert!(outer < inner, "{names:#?}");
    assert!(names.last().unwrap().contains("read_card"), "{names:#?}");
    assert!(pos("core::panicking").is_none() && pos("rust_begin_unwind").is_none());
    let frames = exception["stacktrace"]["frames"].as_array().unwrap();
    let last = frames.last().unwrap();
    assert_eq!(last["in_app"], true);
    // Resolved with the backtrace crate: file, absolute path, line, column, address, source.
    assert_eq!(last["filename"], "panic_hook.rs");
    let path = last["abs_path"].as_str().unwrap();
    assert!(
        Path::new(path).is_absolute() && path.ends_with("tests/panic_hook.rs"),
        "{path}"
    );
    assert!(last["lineno"].as_u64().is_some() && last["colno"].as_u64().is_some());
    if last["function"].as_str().unwrap().contains("::") {
        assert_eq!(last["module"], "panic_hook::child");
    } // else line-tables-only debug info (the suite's dev profile): bare names, no module
    assert!(
        last["context_line"]
            .as_str()
            .unwrap()
            .contains("panic!(\"card reader on fire\")"),
        "{last}"
    );
    assert!(frames.iter().all(|f| f["instruction_addr"].is_string()));
    assert!(
        pos("sentry_scopes::").is_none_or(|p| p < outer),
        "{names:#?}"
    );
    assert!(
        !event["debug_meta"]["images"].as_array().unwrap().is_empty(),
        "debug images"
    );
    // Chained: the previously installed hook saw the same panic, after the report.
    assert!(
        stderr(&output).contains("previous hook: card reader on fire"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_panic_in_a_library_helper_ends_at_the_caller() {
    // `unwrap` on `None` panics inside core; the frames end at the code that called it.
    let (output, events) = run_child("unwrap_none");
    assert_eq!(output.status.code(), Some(101), "{}", stderr(&output));
    assert_eq!(events.len(), 1, "{}", stderr(&output));
    let names = frame_names(&events[0]);
    assert!(names.last().unwrap().ends_with("find_card"), "{names:#?}");
    assert!(
        !names.iter().any(|n| n.starts_with("core::option")),
        "{names:#?}"
    );
}

#[test]
fn a_panic_on_a_worker_thread_carries_that_thread_scopes_and_the_process_lives_on() {
    let (output, events) = run_child("worker_thread");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("main thread survived"));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["tags"]["job"], "7");
    assert_eq!(events[0]["tags"]["parent"], "1");
    assert_eq!(
        events[0]["exception"]["values"][0]["mechanism"]["data"]["thread"],
        "worker"
    );
}

#[test]
fn a_panicking_before_send_neither_aborts_nor_recurses() {
    let (output, events) = run_child("before_send_panics");
    // 101 is an ordinary panic exit; an abort would end the child by a signal.
    assert_eq!(output.status.code(), Some(101), "{}", stderr(&output));
    assert!(events.is_empty());
    let err = stderr(&output);
    assert!(err.contains("previous hook: original panic"), "{err}");
    assert!(!err.contains("panicked while processing panic"), "{err}");
}

#[test]
fn without_a_client_the_panic_is_only_handed_on() {
    let (output, events) = run_child("no_client");
    assert_eq!(output.status.code(), Some(101));
    assert!(events.is_empty());
    assert!(stderr(&output).contains("previous hook: nobody listens"));
}

#[test]
fn with_panic_hook_false_init_installs_no_hook() {
    let (output, events) = run_child("opted_out");
    assert_eq!(output.status.code(), Some(101));
    assert!(events.is_empty(), "{events:?}");
    assert!(stderr(&output).contains("previous hook: not reported"));
}

#[test]
fn a_caught_panic_with_an_unbounded_shutdown_timeout_is_reported_and_the_process_lives_on() {
    let (output, events) = run_child("huge_timeout_caught");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("caught and survived"));
    assert_eq!(events.len(), 1, "{}", stderr(&output));
    assert_eq!(events[0]["exception"]["values"][0]["value"], "caught later");
}

/// A transport that writes events to a file, but only when flushed.
struct FileOnFlush {
    pending: Mutex<Vec<String>>,
    path: PathBuf,
}

impl sentry_scopes::Transport for FileOnFlush {
    fn send_envelope(&self, envelope: EncodedEnvelope) {
        let envelope = envelope
            .parse()
            .expect("the SDK writes envelopes that parse");
        for item in envelope.items() {
            if let EnvelopeItem::Event(e) = item {
                let line = serde_json::to_string(e).unwrap();
                self.pending.lock().unwrap().push(line);
            }
        }
    }

    fn flush(&self, _timeout: Duration) -> bool {
        let lines = std::mem::take(&mut *self.pending.lock().unwrap());
        if !lines.is_empty() {
            let mut text = std::fs::read_to_string(&self.path).unwrap_or_default();
            for l in lines {
                text.push_str(&l);
                text.push('\n');
            }
            std::fs::write(&self.path, text).unwrap();
        }
        true
    }
}

mod child {
    use super::*;
    use sentry_scopes::integrations::panic::register_panic_hook;
    use sentry_scopes::*;

    pub(super) fn run(scenario: &str, out: &Path) {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            eprintln!("previous hook: {}", info.payload_as_str().unwrap_or("?"));
            previous(info);
        }));
        let transport = std::sync::Arc::new(FileOnFlush {
            pending: Mutex::new(Vec::new()),
            path: out.to_owned(),
        });
        let options = ClientOptions::new().transport(transport);
        match scenario {
            "main_thread" => {
                // `init` installs the hook (ClientOptions::panic_hook defaults to true).
                std::mem::forget(init(options).unwrap()); // only the hook can flush
                set_tag("request", "r-1");
                set_user(Some(User {
                    id: Some("42".into()),
                    ..User::default()
                }));
                add_breadcrumb(Breadcrumb {
                    message: Some("card inserted".into()),
                    ..Breadcrumb::default()
                });
                with_scope(|scope| {
                    scope.set_tag("step", "charge");
                    charge_card();
                });
            }
            "worker_thread" => {
                // Installed by hand after opting out of the automatic hook.
                std::mem::forget(init(options.panic_hook(false)).unwrap());
                assert!(register_panic_hook());
                set_tag("parent", "1");
                let worker = std::thread::Builder::new().name("worker".into());
                let handle = thread::spawn_with(worker, || {
                    set_tag("job", "7");
                    panic!("job failed");
                })
                .unwrap();
                assert!(handle.join().is_err());
                println!("main thread survived");
            }
            "before_send_panics" => {
                let options = options.before_send(|_| panic!("before_send is broken"));
                std::mem::forget(init(options).unwrap());
                register_panic_hook();
                panic!("original panic");
            }
            "huge_timeout_caught" => {
                let options = options.shutdown_timeout(Duration::MAX);
                std::mem::forget(init(options).unwrap());
                let caught = std::panic::catch_unwind(|| panic!("caught later"));
                assert!(caught.is_err());
                println!("caught and survived");
            }
            "opted_out" => {
                std::mem::forget(init(options.panic_hook(false)).unwrap());
                panic!("not reported");
            }
            "unwrap_none" => {
                std::mem::forget(init(options).unwrap());
                find_card(None);
            }
            "no_client" => {
                register_panic_hook();
                panic!("nobody listens");
            }
            other => unreachable!("unknown scenario {other}"),
        }
    }

    #[inline(never)]
    fn charge_card() {
        read_card();
        std::hint::black_box(());
    }

    #[inline(never)]
    fn find_card(card: Option<u32>) -> u32 {
        std::hint::black_box(card).unwrap()
    }

    #[inline(never)]
    fn read_card() {
        panic!("card reader on fire");
    }
}
