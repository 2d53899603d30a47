//! What a demangled function name says: the path it belongs to, its module and crate, and
//! whether it is the application's code.
//!
//! A name's *path* is the item the code belongs to: the function's own path for a free function
//! (`my_app::db::query`), the implementing type for a method (`<my_app::Conn as
//! std::io::Read>::read` → `my_app::Conn`), and the trait for a blanket impl over a type
//! parameter (`<F as tower_service::Service<R>>::call` → `tower_service::Service`). Generic
//! arguments, closures and references are left out of it.

use std::borrow::Cow;

/// The crates whose frames are not the application's, unless `in_app_include` says otherwise:
/// the standard library, this SDK and the stack walker, and runtimes, frameworks and logging
/// crates an application calls through rather than writes.
pub(crate) const DEFAULT_IN_APP_EXCLUDE: &[&str] = &[
    "std",
    "core",
    "alloc",
    "test",
    "backtrace",
    "sentry_scopes",
    "sentry_macros",
    "tokio",
    "tokio_util",
    "futures",
    "futures_core",
    "futures_util",
    "futures_executor",
    "async_std",
    "async_task",
    "hyper",
    "hyper_util",
    "h2",
    "tower",
    "tower_service",
    "tower_layer",
    "tower_http",
    "axum",
    "axum_core",
    "actix_web",
    "actix_rt",
    "actix_server",
    "tonic",
    "reqwest",
    "tracing",
    "tracing_core",
    "tracing_subscriber",
    "log",
    "rayon",
    "rayon_core",
    "anyhow",
];

/// The path of the item `function` belongs to (see the module docs), or `function` itself
/// when it is not a Rust path (a C symbol such as `__libc_start_main`).
pub(crate) fn item_path(function: &str) -> &str {
    let Some(inner) = function.strip_prefix('<') else {
        return function;
    };
    let inner = strip_pointers(inner);
    let self_end = top_level(inner, " as ").or_else(|| top_level(inner, ">"));
    let self_ty = self_end.map_or(inner, |end| &inner[..end]);
    // `dyn Fn() + Sync`: the first bound.
    let self_ty = top_level(self_ty, " + ").map_or(self_ty, |end| &self_ty[..end]);
    if self_ty.contains("::") {
        return self_ty;
    }
    // A bare type parameter (`<F as Trait>`) or a primitive (`<u8 as Trait>`): the trait.
    match top_level(inner, " as ") {
        Some(end) => {
            let tr = &inner[end + 4..];
            &tr[..top_level(tr, ">").unwrap_or(tr.len())]
        }
        None => self_ty,
    }
}

/// `&`, `&mut `, `*const `, `*mut `, `dyn `, `[` and `(` before a type.
fn strip_pointers(mut s: &str) -> &str {
    loop {
        let next = ["&mut ", "&", "*const ", "*mut ", "dyn ", "[", "("]
            .iter()
            .find_map(|p| s.strip_prefix(p));
        match next {
            Some(rest) => s = rest,
            None => return s,
        }
    }
}

/// The byte offset of the first `needle` outside angle brackets.
fn top_level(s: &str, needle: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        if depth == 0 && s[i..].starts_with(needle) {
            return Some(i);
        }
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `path` without generic arguments and without closure or shim segments:
/// `my_app::run::<u8>::{{closure}}` → `my_app::run`.
fn plain(path: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    let mut segments: Vec<&str> = out.split("::").filter(|s| !s.is_empty()).collect();
    while segments.last().is_some_and(|s| s.starts_with('{')) {
        segments.pop();
    }
    let joined = segments.join("::");
    if joined == path {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(joined)
    }
}

/// The module of a function: its item path without generics, closures and the last segment
/// (`my_app::db::query::{{closure}}` → `my_app::db`). `None` for names that are not paths.
pub(crate) fn module_of(function: &str) -> Option<String> {
    let path = plain(item_path(function));
    let (module, _) = path.rsplit_once("::")?;
    Some(module.to_owned())
}

/// The crate a function belongs to (`my_app::db::query` → `my_app`).
pub(crate) fn crate_of(function: &str) -> Option<&str> {
    let path = item_path(function);
    let (krate, _) = path.split_once("::")?;
    let valid = !krate.is_empty() && krate.chars().all(|c| c.is_alphanumeric() || c == '_');
    valid.then_some(krate)
}

/// Whether `path` lies under the module-path `prefix` (`tokio` matches `tokio::net::x`, not
/// `tokio_util::x`; a trailing `::` in the prefix is optional).
pub(crate) fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.strip_suffix("::").unwrap_or(prefix);
    if prefix.is_empty() {
        return false;
    }
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::") || rest.starts_with('<'))
}

/// `in_app` for a frame running `function` from the file `abs_path`: a match in `include`
/// wins, then one in `exclude` decides; then a Rust path is the application's. A bare name is
/// either a C symbol (`__libc_start_main`, rustc's `main` shim: not the application's) or a
/// Rust function whose debug info carries no path (rustc's `line-tables-only` records bare
/// names): that is decided by its file, see [`is_library_source`].
pub(crate) fn in_app<S: AsRef<str>>(
    function: &str,
    abs_path: Option<&str>,
    include: &[S],
    exclude: &[S],
) -> bool {
    let path = item_path(function);
    if include.iter().any(|p| under(path, p.as_ref())) {
        return true;
    }
    if exclude.iter().any(|p| under(path, p.as_ref())) {
        return false;
    }
    if path.contains("::") {
        return true;
    }
    abs_path.is_some_and(|p| p.ends_with(".rs") && !is_library_source(p))
}

/// This SDK's own sources, as the compiler saw them.
pub(crate) const SDK_SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");

/// Whether a Rust source file belongs to a library rather than the application: the standard
/// library (`/rustc/<commit>/…`, or a toolchain's own sources), a crate from a registry or a
/// git checkout, or this SDK.
pub(crate) fn is_library_source(path: &str) -> bool {
    path.starts_with("/rustc/")
        || [
            "/.rustup/toolchains/",
            "/.cargo/registry/",
            "/.cargo/git/",
            "/rustlib/",
        ]
        .iter()
        .any(|d| path.contains(d))
        || path.starts_with(SDK_SOURCES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_paths() {
        let cases = [
            ("my_app::db::query", "my_app::db::query"),
            ("<my_app::Conn as std::io::Read>::read", "my_app::Conn"),
            ("<my_app::Conn<T>>::open", "my_app::Conn<T>"),
            (
                "<&mut my_app::W as core::fmt::Write>::write_str",
                "my_app::W",
            ),
            (
                "<F as tower_service::Service<R>>::call",
                "tower_service::Service<R>",
            ),
            (
                "<alloc::boxed::Box<F,A> as core::ops::function::Fn<Args>>::call",
                "alloc::boxed::Box<F,A>",
            ),
            ("<dyn core::any::Any>::is", "core::any::Any"),
            (
                "<&dyn core::ops::function::Fn<(), Output = i32> + core::marker::Sync as core::ops::function::FnOnce<()>>::call_once",
                "core::ops::function::Fn<(), Output = i32>",
            ),
            ("__libc_start_main", "__libc_start_main"),
        ];
        for (name, path) in cases {
            assert_eq!(item_path(name), path, "{name}");
        }
    }

    #[test]
    fn modules_and_crates() {
        assert_eq!(
            module_of("my_app::db::query").as_deref(),
            Some("my_app::db")
        );
        assert_eq!(
            module_of("my_app::db::query::<u8>::{{closure}}").as_deref(),
            Some("my_app::db")
        );
        assert_eq!(
            module_of("<my_app::db::Conn<T> as core::ops::drop::Drop>::drop").as_deref(),
            Some("my_app::db")
        );
        assert_eq!(module_of("main"), None);
        assert_eq!(
            crate_of("<my_app::Conn as std::io::Read>::read"),
            Some("my_app")
        );
        assert_eq!(crate_of("_start"), None);
    }

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(under("tokio::net::TcpStream", "tokio"));
        assert!(under("tokio::net::TcpStream", "tokio::"));
        assert!(under("tokio", "tokio"));
        assert!(!under("tokio_util::codec", "tokio"));
        assert!(under("my_app::db::query", "my_app::db"));
        assert!(!under("my_app::dbx", "my_app::db"));
        assert!(!under("anything", ""));
    }

    #[test]
    fn in_app_include_wins_over_exclude() {
        let none: [&str; 0] = [];
        let exclude = DEFAULT_IN_APP_EXCLUDE;
        let app = |f: &str| in_app(f, None, &none, exclude);
        assert!(app("my_app::main"));
        assert!(!app("std::rt::lang_start"));
        assert!(!app("<tokio::runtime::Runtime>::block_on"));
        assert!(app("<my_app::Conn as tokio::io::AsyncRead>::poll_read"));
        assert!(!app("main"), "rustc's C main shim");
        assert!(!app("__libc_start_main"));
        assert!(in_app("tokio::spawn", None, &["tokio::spawn"], exclude));
        assert!(!in_app(
            "my_app::vendored::x",
            None,
            &none,
            &["my_app::vendored"]
        ));
    }

    #[test]
    fn bare_rust_names_are_decided_by_their_file() {
        let none: [&str; 0] = [];
        let app = |f: &str, p: &str| in_app(f, Some(p), &none, &none);
        assert!(app("find_card", "/srv/app/src/cards.rs"));
        assert!(!app("unwrap<u32>", "/rustc/abc/library/core/src/option.rs"));
        assert!(!app(
            "poll",
            "/home/u/.cargo/registry/src/index-x/tokio-1.0.0/src/a.rs"
        ));
        assert!(!app("capture", &format!("{SDK_SOURCES}api.rs")));
        assert!(!app(
            "__libc_start_call_main",
            "./csu/libc_start_call_main.h"
        ));
    }
}
