//! Stack traces on error events (issue 13): `capture_error` with every kind of error, the
//! macros' `err`, and `capture_message` with `attach_stacktrace`; frames oldest first with
//! function, file, absolute path, line, address and, for in-app frames, source lines; the SDK's
//! frames cut; `in_app` from the options; debug images on events with frames.

use std::error::Error;
use std::path::Path;

use sentry_scopes::protocol::{DebugImage, Frame};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{ClientOptions, Event, Level, capture_error, capture_message, with_scope};

fn frames_of<'a>(event: &'a Event<'static>) -> &'a [Frame] {
    let outermost = event.exception.values.last().expect("an exception");
    &outermost.stacktrace.as_ref().expect("a stack trace").frames
}

fn function(frame: &Frame) -> &str {
    frame.function.as_deref().unwrap_or("")
}

/// Where `capture_*` was called from, and what must hold for every error event's frames.
fn assert_ends_in(frames: &[Frame], caller: &str) {
    let last = frames.last().expect("frames");
    // The innermost frame is the caller: the SDK's own frames are cut.
    assert!(
        function(last).ends_with(caller),
        "innermost {:?}; {frames:#?}",
        last.function
    );
    assert!(
        frames.iter().all(|f| f.instruction_addr.is_some()),
        "an address on every frame"
    );
    assert_eq!(last.in_app, Some(true));
    assert_eq!(last.filename.as_deref(), Some("stacktrace.rs"));
    let path = last.abs_path.as_deref().unwrap();
    assert!(
        Path::new(path).is_absolute() && path.ends_with("tests/stacktrace.rs"),
        "{path}"
    );
    assert!(last.lineno.is_some() && last.colno.is_some());
    if function(last).contains("::") {
        assert_eq!(last.module.as_deref(), Some("stacktrace"));
        assert_eq!(last.package.as_deref(), Some("stacktrace"));
    } // else line-tables-only debug info (the suite's dev profile): bare names, no module

    assert_eq!(last.pre_context.len(), 5);
    assert_eq!(last.post_context.len(), 5);
    // Oldest first: the test harness's frames come before this test's.
    let harness = frames
        .iter()
        .position(|f| function(f).starts_with("test::"));
    assert!(harness.is_some_and(|h| h < frames.len() - 1), "{frames:#?}");
    assert!(
        frames
            .iter()
            .filter(|f| function(f).starts_with("std::"))
            .all(|f| f.in_app == Some(false))
    );
}

#[derive(Debug)]
struct Outer(std::io::Error);

impl std::fmt::Display for Outer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("outer")
    }
}

impl Error for Outer {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[inline(never)]
fn report_std_error() {
    capture_error(&Outer(std::io::Error::other("inner"))); // the line of the context
}

#[test]
fn capture_error_carries_frames_on_the_outermost_exception() {
    let events = with_captured_events(report_std_error);
    let exceptions = &events[0].exception.values;
    assert!(
        exceptions[0].stacktrace.is_none(),
        "only the outermost carries it"
    );
    let frames = frames_of(&events[0]);
    assert_ends_in(frames, "report_std_error");
    let last = frames.last().unwrap();
    assert!(
        last.context_line
            .as_deref()
            .unwrap()
            .contains("the line of the context")
    );
    assert!(!events[0].debug_meta.images.is_empty(), "debug images");
}

#[inline(never)]
fn report_boxed_and_anyhow() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(std::io::Error::other("boxed"));
    capture_error(&boxed);
    let err = anyhow::Error::new(std::io::Error::other("disk")).context("saving");
    capture_error(&err);
}

#[test]
fn boxed_and_anyhow_errors_carry_frames_from_the_capture_site() {
    let events = with_captured_events(report_boxed_and_anyhow);
    assert_eq!(events.len(), 2);
    for event in &events {
        assert_ends_in(frames_of(event), "report_boxed_and_anyhow");
    }
}

#[sentry_scopes::with_scope(tag("step", "load"), err)]
#[inline(never)]
fn load_with_err() -> Result<(), std::io::Error> {
    Err(std::io::Error::other("not found"))
}

#[test]
fn the_macros_err_carries_frames_from_the_function() {
    let events = with_captured_events(|| {
        let _ = load_with_err();
    });
    assert_eq!(events.len(), 1);
    let frames = frames_of(&events[0]);
    assert!(
        frames
            .iter()
            .any(|f| function(f).contains("load_with_err") && f.in_app == Some(true)),
        "{frames:#?}"
    );
    assert!(frames.iter().all(|f| f.instruction_addr.is_some()));
    assert!(
        function(frames.last().unwrap()).contains("load_with_err"),
        "{frames:#?}"
    );
}

#[inline(never)]
fn log_a_message() {
    capture_message("cache miss", Level::Info);
}

#[test]
fn messages_carry_a_stack_trace_only_with_attach_stacktrace() {
    let events = with_captured_events(log_a_message);
    assert!(events[0].stacktrace.is_none());
    assert!(
        events[0].debug_meta.images.is_empty(),
        "no frames, no images"
    );

    let options = ClientOptions::new().attach_stacktrace(true);
    let events = with_captured_events_options(options, log_a_message);
    let trace = events[0].stacktrace.as_ref().expect("attached");
    let last = trace.frames.last().unwrap();
    assert!(function(last).ends_with("log_a_message"), "{trace:#?}");
    assert!(!events[0].debug_meta.images.is_empty());
}

#[test]
fn in_app_follows_include_and_exclude() {
    // Excluding this test crate leaves no frame in-app; including std's `thread` module beside
    // that marks those frames in-app, and include wins over exclude.
    let options = ClientOptions::new()
        .in_app_exclude(["stacktrace"])
        .in_app_include(["std::thread"]);
    let events = with_captured_events_options(options, report_std_error);
    let frames = frames_of(&events[0]);
    let last = frames.last().unwrap();
    assert_eq!(last.in_app, Some(false));
    assert!(
        last.context_line.is_none(),
        "source context only on in-app frames"
    );
    let thread = frames
        .iter()
        .find(|f| function(f).starts_with("std::thread::"));
    assert_eq!(thread.expect("a std::thread frame").in_app, Some(true));

    // The defaults: the harness and std are not in-app.
    let events = with_captured_events(report_std_error);
    let frames = frames_of(&events[0]);
    for f in frames.iter().filter(|f| function(f).starts_with("test::")) {
        assert_eq!(f.in_app, Some(false), "{f:?}");
    }
}

#[test]
fn debug_images_name_the_executable_with_ids() {
    let events = with_captured_events(report_std_error);
    let exe = std::env::current_exe().unwrap();
    let images = &events[0].debug_meta.images;
    let main = images.iter().find_map(|i| match i {
        DebugImage::Symbolic(s) if Path::new(&s.name) == exe => Some(s),
        _ => None,
    });
    let main = main.unwrap_or_else(|| panic!("{exe:?} in {images:#?}"));
    assert!(!main.id.is_nil() && main.code_id.is_some() && main.image_size > 0);
    // Every frame of this executable's code lies inside its image.
    let range = main.image_addr.0..main.image_addr.0 + main.image_size;
    let last = frames_of(&events[0]).last().unwrap();
    assert!(range.contains(&last.instruction_addr.unwrap().0));
}

#[test]
fn a_stack_trace_inside_with_scope_keeps_the_frames_around_the_sdk() {
    let events = with_captured_events(|| with_scope(|_| report_std_error()));
    let frames = frames_of(&events[0]);
    assert_ends_in(frames, "report_std_error");
    // The SDK's `with_scope` frame outside the caller stays, marked not in-app.
    let sdk = frames
        .iter()
        .find(|f| function(f).starts_with("sentry_scopes::"));
    assert_eq!(sdk.expect("with_scope's frame").in_app, Some(false));
}
