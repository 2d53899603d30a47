//! Stack traces and debug images for events (see `docs::symbolication` for what users see).
//!
//! - [`Addresses::capture`] walks the calling thread's stack with the `backtrace` crate and
//!   keeps only return addresses: the one cost that must be paid where the error happens.
//! - [`Addresses::into_stacktrace`] resolves them, through a process-wide cache keyed by
//!   address (`resolve`), into frames; cuts the SDK's and the panic machinery's frames from the
//!   innermost end; marks `in_app` by the options' module-path prefixes (`names`); and adds
//!   source lines to in-app frames whose file is readable (`source`).
//! - [`attach_debug_meta`] gives an event with frames the process's loaded images (`images`),
//!   read once, so a server with the debug files can symbolicate the addresses itself.
//!
//! Nothing here panics into the caller: the capture runs inside panic hooks. The walk and the
//! resolution run under `catch_unwind`, and a failure just means no stack trace.

mod capture;
mod images;
pub(crate) mod names;
mod resolve;
mod source;

pub(crate) use self::capture::{Addresses, Skip};
pub(crate) use self::images::attach_debug_meta;
#[cfg(feature = "panic")]
pub(crate) use self::resolve::absolute;

use crate::ClientOptions;
use crate::protocol::Stacktrace;

/// The calling thread's stack trace with `skip`'s frames cut (see [`Addresses`]); `None` if it
/// cannot be taken. Never panics.
#[inline(never)]
pub(crate) fn capture(skip: Skip, options: &ClientOptions) -> Option<Stacktrace> {
    resolve(walk(), skip, options)
}

/// [`Addresses::capture`]: the calling thread's return addresses, none if the walk panics.
#[inline(never)]
pub(crate) fn walk() -> Addresses {
    contained(Addresses::capture).unwrap_or_default()
}

/// [`Addresses::into_stacktrace`], `None` if it panics.
pub(crate) fn resolve(
    addresses: Addresses,
    skip: Skip,
    options: &ClientOptions,
) -> Option<Stacktrace> {
    contained(|| addresses.into_stacktrace(skip, options)).flatten()
}

/// Runs `f`, turning a panic into `None`. The capture flag is held meanwhile so that the panic
/// hook does not report such a panic as the application's.
fn contained<R>(f: impl FnOnce() -> R) -> Option<R> {
    let _quiet = crate::context::thread::enter_capture();
    crate::debug::call_user("stack trace capture", f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(never)]
    fn outer(options: &ClientOptions) -> Option<Stacktrace> {
        let trace = inner(options);
        std::hint::black_box(trace)
    }

    #[inline(never)]
    fn inner(options: &ClientOptions) -> Option<Stacktrace> {
        let trace = capture(Skip::Sdk, options);
        std::hint::black_box(trace)
    }

    #[test]
    fn frames_are_oldest_first_and_end_at_the_caller_with_locations_and_context() {
        // Inside the SDK's own crate every frame is "the SDK": include this module to see it.
        let options = ClientOptions::new().in_app_include(["sentry_scopes::stacktrace::tests"]);
        let trace = outer(&options).expect("a stack trace");
        let frames = &trace.frames;
        assert!(frames.iter().all(|f| f.instruction_addr.is_some()));
        let names: Vec<_> = frames
            .iter()
            .map(|f| f.function.as_deref().unwrap_or(""))
            .collect();
        let pos = |n: &str| names.iter().position(|f| f.ends_with(n));
        assert!(pos("tests::outer") < pos("tests::inner"), "{names:#?}");
        assert!(pos("tests::inner").is_some(), "{names:#?}");
        // The test's own frames are in-app, with file, line and source context; the rest not.
        let inner = &frames[pos("tests::inner").unwrap()];
        assert_eq!(inner.in_app, Some(true));
        assert_eq!(inner.filename.as_deref(), Some("mod.rs"));
        assert!(
            inner
                .context_line
                .as_deref()
                .unwrap()
                .contains("capture(Skip::Sdk")
        );
        assert_eq!(inner.pre_context.len(), 5);
        let std_frame = frames
            .iter()
            .find(|f| f.module.as_deref() == Some("std::thread"));
        assert!(std_frame.is_none_or(|f| f.in_app == Some(false)));
    }

    #[test]
    fn without_source_context_the_lines_stay_empty() {
        let options = ClientOptions::new()
            .in_app_include(["sentry_scopes::stacktrace::tests"])
            .include_source_context(false);
        let trace = outer(&options).unwrap();
        assert!(trace.frames.iter().all(|f| f.context_line.is_none()));
    }
}
