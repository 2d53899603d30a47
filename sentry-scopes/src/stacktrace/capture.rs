//! Walking the stack, and turning the addresses into protocol frames.

use std::ffi::c_void;

use super::names::{SDK_SOURCES, in_app, item_path, under};
use super::resolve::{Symbol, symbols};
use super::source::add_context;
use crate::ClientOptions;
use crate::protocol::{Frame, Stacktrace};

/// Physical frames walked at most, counted from the innermost: deep recursion keeps the calls
/// nearest to the capture.
pub(crate) const MAX_FRAMES: usize = 256;

/// Which innermost frames are cut: the code that captures the trace rather than the code it
/// reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    /// The SDK's own frames, the stack walker's, and those of a logging front-end (`log`,
    /// `tracing`) that called the SDK, with the standard-library frames among them.
    Sdk,
    /// As `Sdk`, plus the panic machinery: the panic hook, std's panic entry points and the
    /// helpers that raise a panic for a caller (`unwrap` on `None`, a failed index).
    #[cfg_attr(
        all(not(feature = "panic"), not(test)),
        expect(dead_code, reason = "only the panic integration cuts panic frames")
    )]
    Panic,
}

/// Return addresses of a stack, innermost first: what a walk costs on the calling thread.
/// Resolving them may happen later and elsewhere (the panic hook resolves on its helper thread).
#[derive(Debug, Default)]
pub(crate) struct Addresses(Vec<usize>);

impl Addresses {
    /// The calling thread's stack, at most [`MAX_FRAMES`] deep.
    #[inline(never)]
    pub(crate) fn capture() -> Self {
        let mut ips = Vec::with_capacity(64);
        backtrace::trace(|frame| {
            let ip: *mut c_void = frame.ip();
            if ip.addr() != 0 {
                ips.push(ip.addr()); // 0 ends some walks: no frame there
            }
            ips.len() < MAX_FRAMES
        });
        Self(ips)
    }

    /// The frames, oldest call first (Sentry's order), with `skip`'s frames cut from the
    /// innermost end and `in_app` and source context set from `options`. `None` for an empty
    /// walk (an unsupported platform).
    pub(crate) fn into_stacktrace(self, skip: Skip, options: &ClientOptions) -> Option<Stacktrace> {
        let resolved: Vec<_> = self.0.iter().map(|&ip| (ip, symbols(ip))).collect();
        // One logical frame per function, inlined ones included; `None` for an address
        // nothing is known about.
        let logical: Vec<(usize, Option<&Symbol>)> = resolved
            .iter()
            .flat_map(|(ip, syms)| {
                let known = syms.iter().map(move |s| (*ip, Some(s)));
                let unknown = syms.is_empty().then_some((*ip, None));
                known.chain(unknown)
            })
            .collect();
        let named: Vec<Named<'_>> = logical
            .iter()
            .map(|(_, s)| Named {
                function: s.and_then(|s| s.function.as_deref()),
                path: s.and_then(|s| s.abs_path.as_deref()),
            })
            .collect();
        let cut = match cut_len(&named, skip, &options.in_app_include) {
            n if n >= logical.len() => 0, // nothing but machinery: keep it all
            n => n,
        };
        let mut frames: Vec<Frame> = logical[cut..]
            .iter()
            .rev()
            .map(|&(ip, sym)| frame(ip, sym, options))
            .collect();
        if frames.is_empty() {
            return None;
        }
        frames.shrink_to_fit();
        Some(Stacktrace {
            frames,
            ..Stacktrace::default()
        })
    }
}

fn frame(ip: usize, sym: Option<&Symbol>, options: &ClientOptions) -> Frame {
    let mut frame = Frame {
        instruction_addr: Some(ip.into()),
        ..Frame::default()
    };
    let Some(sym) = sym else {
        return frame; // the server decides in_app once it has symbolicated the address
    };
    let function = sym.function.as_deref();
    let (include, exclude) = (&options.in_app_include, &options.in_app_exclude);
    frame.in_app = function.map(|f| in_app(f, sym.abs_path.as_deref(), include, exclude));
    frame.function = function.map(str::to_owned);
    frame.module = sym.module.as_deref().map(str::to_owned);
    frame.package = sym.package.as_deref().map(str::to_owned);
    frame.filename = sym.filename.as_deref().map(str::to_owned);
    frame.abs_path = sym.abs_path.as_deref().map(str::to_owned);
    frame.lineno = sym.lineno.map(u64::from);
    frame.colno = sym.colno.map(u64::from);
    if frame.in_app == Some(true)
        && options.include_source_context
        && let (Some(path), Some(line)) = (&sym.abs_path, sym.lineno)
    {
        add_context(&mut frame, path, line);
    }
    frame
}

/// What the cut looks at in a logical frame.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Named<'a> {
    pub(crate) function: Option<&'a str>,
    pub(crate) path: Option<&'a str>,
}

/// Frames of the SDK, and of the logging front-ends that call it: by name, or by file where
/// the debug info names functions without their path (`line-tables-only`).
fn is_sdk(f: Named<'_>) -> bool {
    let Some(function) = f.function else {
        return false;
    };
    let path = item_path(function);
    ["sentry_scopes", "log", "tracing", "tracing_core", "tracing_subscriber"]
        .iter()
        .any(|p| under(path, p))
        // The SDK's own (sealed) traits implemented for an application's types.
        || function.contains(" as sentry_scopes::")
        || f.path.is_some_and(|p| p.starts_with(SDK_SOURCES))
}

/// The standard library (by name or by its sources), and the runtime's symbols without a Rust
/// path.
fn is_std(f: Named<'_>) -> bool {
    let Some(function) = f.function else {
        return false;
    };
    let path = item_path(function);
    ["std", "core", "alloc", "__rustc"]
        .iter()
        .any(|p| under(path, p))
        || path.starts_with("__rust")
        || path.starts_with("rust_")
        || f.path
            .is_some_and(|p| p.starts_with("/rustc/") || p.contains("/rustlib/"))
}

/// Where a panic enters the standard library's panic machinery.
fn is_panic_entry(function: &str) -> bool {
    let path = item_path(function);
    under(path, "core::panicking")
        || [
            "std::panicking::begin_panic",
            "std::panicking::rust_panic_with_hook",
            "std::panicking::panic_with_hook",
            "std::panicking::begin_panic_handler",
        ]
        .iter()
        .any(|p| under(path, p))
        || path.ends_with("rust_begin_unwind")
}

/// How many of the innermost logical frames (`frames`, innermost first) `skip` cuts. The walk
/// starts inside the SDK, so whatever precedes its first SDK frame is the stack walker's. A
/// frame under one of the `include` prefixes (`in_app_include`) is the application's and ends
/// the cut.
pub(crate) fn cut_len<S: AsRef<str>>(frames: &[Named<'_>], skip: Skip, include: &[S]) -> usize {
    let app = |f: &Named<'_>| {
        f.function
            .is_some_and(|n| include.iter().any(|p| under(item_path(n), p.as_ref())))
    };
    let sdk = |f: &Named<'_>| is_sdk(*f) && !app(f);
    let std = |f: &Named<'_>| is_std(*f) && !app(f);
    let Some(first) = frames.iter().position(sdk) else {
        return 0;
    };
    let run = first
        + frames[first..]
            .iter()
            .take_while(|f| sdk(f) || std(f))
            .count();
    let after_sdk = frames[..run].iter().rposition(sdk).map_or(0, |i| i + 1);
    match skip {
        Skip::Sdk => after_sdk,
        Skip::Panic => {
            // Everything up to std's panic entry (a hook of the application's may have called
            // ours), then the library helpers that raised the panic for the caller.
            let entry = frames
                .iter()
                .rposition(|f| f.function.is_some_and(is_panic_entry))
                .map_or(0, |i| i + 1);
            let helpers = frames[entry..].iter().take_while(|f| std(f)).count();
            run.max(entry + helpers)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&'static str]) -> Vec<Named<'static>> {
        let named = |n: &&'static str| Named {
            function: (!n.is_empty()).then_some(*n),
            path: None,
        };
        list.iter().map(named).collect()
    }

    fn cut(frames: &[Named<'_>], skip: Skip) -> usize {
        cut_len::<&str>(frames, skip, &[])
    }

    #[test]
    fn sdk_frames_are_cut_up_to_the_last_one() {
        let stack = names(&[
            "backtrace::backtrace::trace",
            "sentry_scopes::stacktrace::capture::Addresses::capture",
            "std::panicking::try",
            "__rust_try",
            "<std::io::error::Error as sentry_scopes::api::capturable::sealed::Sealed<K>>::error_event",
            "sentry_scopes::api::capture_error",
            "core::ops::function::FnOnce::call_once",
            "my_app::handler",
            "sentry_scopes::context::with_scope",
            "my_app::main",
        ]);
        assert_eq!(cut(&stack, Skip::Sdk), 6);
        let include = ["sentry_scopes::api"];
        assert_eq!(
            cut_len(&stack, Skip::Sdk, &include),
            5,
            "included frames stay"
        );
        assert_eq!(
            cut(&names(&["my_app::f", "std::rt::lang_start"]), Skip::Sdk),
            0
        );
        // Whatever precedes the first SDK frame is the walker's, known or not.
        assert_eq!(
            cut(
                &names(&["", "trace", "sentry_scopes::x", "a::b"]),
                Skip::Sdk
            ),
            3
        );
        // A logging front-end that called the SDK goes too.
        let logged = names(&[
            "sentry_scopes::integrations::log::x",
            "<sentry_scopes::integrations::log::Logger<L> as log::Log>::log",
            "log::__private_api::log_impl",
            "my_app::work",
        ]);
        assert_eq!(cut(&logged, Skip::Sdk), 3);
    }

    #[test]
    fn panics_are_cut_at_the_entry_and_its_helpers() {
        let stack = names(&[
            "backtrace::backtrace::trace",
            "sentry_scopes::integrations::panic::report",
            "my_app::install_hook::{{closure}}", // an application hook that calls ours
            "<alloc::boxed::Box<F,A> as core::ops::function::Fn<Args>>::call",
            "std::panicking::rust_panic_with_hook",
            "std::panicking::begin_panic_handler::{{closure}}",
            "std::sys::backtrace::__rust_end_short_backtrace",
            "__rustc::rust_begin_unwind",
            "core::panicking::panic_fmt",
            "core::option::unwrap_failed",
            "core::option::Option<T>::unwrap",
            "my_app::read_card",
            "my_app::main",
        ]);
        assert_eq!(cut(&stack, Skip::Panic), 11);
        assert_eq!(cut(&stack, Skip::Sdk), 2);
    }

    #[test]
    fn bare_names_are_cut_by_their_file() {
        // rustc's line-tables-only debug info: functions named without their paths.
        let sdk = format!("{SDK_SOURCES}api.rs");
        let frame = |function, path| Named {
            function: Some(function),
            path: Some(path),
        };
        let stack = [
            frame(
                "trace_unsynchronized<F>",
                "/x/.cargo/registry/src/i/backtrace-0.3.77/src/a.rs",
            ),
            frame("capture", &sdk),
            frame(
                "call_once<F>",
                "/rustc/abc/library/core/src/ops/function.rs",
            ),
            frame("capture_error<K, E>", &sdk),
            frame("handler", "/srv/app/src/main.rs"),
        ];
        assert_eq!(cut(&stack, Skip::Sdk), 4);
        let panic = [
            frame("panic_fmt", "/rustc/abc/library/core/src/panicking.rs"),
            frame("unwrap<u32>", "/rustc/abc/library/core/src/option.rs"),
            frame("find_card", "/srv/app/src/main.rs"),
        ];
        assert_eq!(cut(&panic, Skip::Panic), 0, "no SDK frame: not our walk");
    }
}
