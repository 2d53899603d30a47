//! Turning a `std::backtrace::Backtrace` into protocol frames.
//!
//! `Backtrace::frames` is unstable, so the frames are read back from the `Display` output,
//! whose shape std has kept for years:
//!
//! ```text
//!    3: my_app::handler
//!              at ./src/main.rs:12:5
//!       my_app::inlined_helper
//!              at ./src/util.rs:3:9
//! ```
//!
//! A numbered line starts a frame; an unnumbered one is a further symbol of the same address
//! (an inlined call); an `at` line gives the location of the symbol above it.

use sentry_types::protocol::v7::{Frame, Stacktrace};

/// Frames before the panic was raised: capturing the backtrace, this hook, std's hook dispatch.
const HOOK_FRAMES: &[&str] = &[
    "std::backtrace",
    "std::panicking::",
    "std::sys::backtrace::",
    "std::sys_common::backtrace::",
    "sentry_scopes::integrations::panic::report",
    "sentry_scopes::integrations::panic::register_panic_hook",
    "sentry_scopes::integrations::panic::event_from_panic",
    "<alloc::boxed::Box<F,A> as core::ops::function::Fn",
];

/// Where a panic enters std; nothing outside the panic machinery calls these, so the last of
/// them marks where the code that panicked begins.
const PANIC_ENTRY: &[&str] = &[
    "core::panicking::",
    "rust_begin_unwind",
    "__rustc::rust_begin_unwind",
    "std::panicking::begin_panic",
    "std::panicking::rust_panic_with_hook",
    "std::panicking::panic_with_hook",
];

/// Helpers between the entry and the caller (`unwrap` on `None` or `Err`, `panic!` shims).
const PANIC_HELPERS: &[&str] = &[
    "core::panicking::",
    "core::result::unwrap_failed",
    "core::option::unwrap_failed",
    "core::option::expect_failed",
    "std::panicking::begin_panic",
    "std::rt::panic_fmt",
];

/// Module prefixes of code that is not the application's (matched after a leading `<`).
const NOT_IN_APP: &[&str] = &[
    "std::",
    "core::",
    "alloc::",
    "test::",
    "tokio::",
    "futures::",
    "futures_core::",
    "futures_util::",
    "hyper::",
    "hyper_util::",
    "tower::",
    "axum::",
    "sentry_scopes::",
    "F as ",
    "fn(",
    "__rust",
    "__libc",
    "__GI_",
    "_start",
    "start_thread",
    "clone",
];

/// Parses the `Display` text of a backtrace into frames, oldest call first (Sentry's order),
/// without the frames of the panic machinery. `None` when there are no frames (backtraces
/// unsupported on this platform).
pub(crate) fn parse(text: &str) -> Option<Stacktrace> {
    let mut frames: Vec<Frame> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(location) = trimmed.strip_prefix("at ") {
            if let Some(frame) = frames.last_mut() {
                set_location(frame, location.trim_end());
            }
        } else if let Some((index, rest)) = trimmed.split_once(": ")
            && !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
        {
            frames.push(frame_for(rest));
        } else if !trimmed.is_empty() && line.starts_with("      ") {
            frames.push(frame_for(trimmed)); // an inlined symbol of the previous address
        }
    }
    frames.drain(..machinery_len(&frames));
    if frames.is_empty() {
        return None;
    }
    frames.reverse();
    Some(Stacktrace {
        frames,
        ..Stacktrace::default()
    })
}

/// How many of the innermost frames belong to the panic machinery rather than to the code that
/// panicked.
fn machinery_len(frames: &[Frame]) -> usize {
    let matches = |f: &Frame, set: &[&str]| {
        let name = f.function.as_deref().unwrap_or("");
        set.iter().any(|p| name.starts_with(p))
    };
    let leading = frames
        .iter()
        .position(|f| !matches(f, HOOK_FRAMES))
        .unwrap_or(frames.len());
    let Some(entry) = frames.iter().rposition(|f| matches(f, PANIC_ENTRY)) else {
        return leading;
    };
    let helpers = frames[entry + 1..]
        .iter()
        .take_while(|f| matches(f, PANIC_HELPERS))
        .count();
    leading.max(entry + 1 + helpers)
}

fn frame_for(function: &str) -> Frame {
    let function = function.trim();
    let path = function.strip_prefix('<').unwrap_or(function);
    let in_app = function != "main" && !NOT_IN_APP.iter().any(|p| path.starts_with(p));
    Frame {
        function: Some(function.to_owned()),
        module: module_of(function),
        in_app: Some(in_app),
        ..Frame::default()
    }
}

/// The path without its last segment, for plain paths (`my_app::db::query` → `my_app::db`).
fn module_of(function: &str) -> Option<String> {
    if function.starts_with('<') || function.contains('{') {
        return None;
    }
    function
        .rsplit_once("::")
        .map(|(module, _)| module.to_owned())
}

/// `path:line:col` (the path itself may contain `:` on Windows).
fn set_location(frame: &mut Frame, location: &str) {
    let mut parts = location.rsplitn(3, ':');
    let (col, line, path) = (parts.next(), parts.next(), parts.next());
    let (path, line, col) = match (path, line.and_then(|l| l.parse().ok())) {
        (Some(path), Some(line)) => (path, Some(line), col.and_then(|c| c.parse().ok())),
        _ => match location.rsplit_once(':') {
            Some((path, line)) if line.parse::<u64>().is_ok() => (path, line.parse().ok(), None),
            _ => (location, None, None),
        },
    };
    frame.abs_path = Some(path.to_owned());
    frame.filename = path.rsplit(['/', '\\']).next().map(str::to_owned);
    frame.lineno = line;
    frame.colno = col;
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "   0: std::backtrace_rs::backtrace::libunwind::trace
             at /rustc/abc/library/std/src/../../backtrace/src/backtrace/libunwind.rs:117:9
   1: std::backtrace::Backtrace::create
             at /rustc/abc/library/std/src/backtrace.rs:331:13
   2: sentry_scopes::integrations::panic::register_panic_hook::{{closure}}
             at ./sentry-scopes/src/integrations/panic/mod.rs:80:20
   3: std::panicking::rust_panic_with_hook
             at /rustc/abc/library/std/src/panicking.rs:842:13
   4: core::panicking::panic_fmt
             at /rustc/abc/library/core/src/panicking.rs:75:14
   5: my_app::db::query
             at ./src/db.rs:12:5
      my_app::db::helper
             at ./src/db.rs:30:9
   6: <my_app::Handler as tower_service::Service<R>>::call
             at ./src/main.rs:40:1
   7: tokio::runtime::task::harness::poll
   8: std::panicking::catch_unwind
             at /rustc/abc/library/std/src/panicking.rs:544:19
   9: main
             at ./src/main.rs:3:1
";

    #[test]
    fn frames_are_oldest_first_without_the_panic_machinery() {
        let trace = parse(SAMPLE).unwrap();
        let names: Vec<_> = trace
            .frames
            .iter()
            .map(|f| f.function.as_deref().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "main",
                "std::panicking::catch_unwind",
                "tokio::runtime::task::harness::poll",
                "<my_app::Handler as tower_service::Service<R>>::call",
                "my_app::db::helper",
                "my_app::db::query",
            ]
        );
        let query = trace.frames.last().unwrap();
        assert_eq!(query.filename.as_deref(), Some("db.rs"));
        assert_eq!(query.abs_path.as_deref(), Some("./src/db.rs"));
        assert_eq!((query.lineno, query.colno), (Some(12), Some(5)));
        assert_eq!(query.module.as_deref(), Some("my_app::db"));
        assert_eq!(query.in_app, Some(true));
        assert_eq!(trace.frames[2].in_app, Some(false));
        assert_eq!(trace.frames[2].lineno, None);
        assert_eq!(trace.frames[3].in_app, Some(true));
    }

    #[test]
    fn windows_paths_keep_their_drive_colon() {
        let mut frame = Frame::default();
        set_location(&mut frame, r"C:\src\app\main.rs:7:3");
        assert_eq!(frame.abs_path.as_deref(), Some(r"C:\src\app\main.rs"));
        assert_eq!(frame.filename.as_deref(), Some("main.rs"));
        assert_eq!((frame.lineno, frame.colno), (Some(7), Some(3)));
    }

    #[test]
    fn an_unsupported_backtrace_gives_no_stacktrace() {
        assert!(parse("unsupported backtrace").is_none());
        assert!(parse("disabled backtrace").is_none());
    }

    #[test]
    fn a_real_backtrace_contains_this_test() {
        let text = std::backtrace::Backtrace::force_capture().to_string();
        let trace = parse(&text).unwrap();
        assert!(
            trace.frames.iter().any(|f| f
                .function
                .as_deref()
                .is_some_and(|n| n.contains("a_real_backtrace_contains_this_test"))),
            "{text}"
        );
    }
}
