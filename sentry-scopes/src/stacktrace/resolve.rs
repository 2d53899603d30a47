//! Instruction addresses to functions, files and lines, once per address.
//!
//! Resolving an address walks the debug info of its image, which costs microseconds per frame
//! even once the `backtrace` crate has loaded it; the same addresses come back with every
//! capture from the same code. So each address is resolved once per process and the result kept
//! in a cache of at most [`MAX_ADDRESSES`] entries (emptied when full, so memory stays bounded
//! however many distinct addresses a process sees). The lock is never held while resolving: a
//! capture on another thread, or a panic inside the resolver, cannot wait on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, OnceLock, PoisonError, RwLock};

use super::names;

/// Addresses the cache holds at most.
pub(crate) const MAX_ADDRESSES: usize = 8192;

/// Characters of a function name kept (generic closures can have names of many kilobytes).
const MAX_FUNCTION_CHARS: usize = 1024;

/// One function at an address: the address's own function, or one inlined into it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Symbol {
    /// Demangled, without the hash suffix.
    pub(crate) function: Option<Box<str>>,
    pub(crate) module: Option<Box<str>>,
    pub(crate) package: Option<Box<str>>,
    /// Absolute (see [`absolute`]); shared with the source-context cache as its key.
    pub(crate) abs_path: Option<Arc<str>>,
    pub(crate) filename: Option<Box<str>>,
    pub(crate) lineno: Option<u32>,
    pub(crate) colno: Option<u32>,
}

/// The functions at one address, the innermost inlined call first; empty when nothing is known
/// (a stripped image: the server can still symbolicate the address).
pub(crate) type Symbols = Arc<[Symbol]>;

static CACHE: LazyLock<RwLock<HashMap<usize, Symbols>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// The functions at `addr`, a return address from a stack walk.
pub(crate) fn symbols(addr: usize) -> Symbols {
    let cached = CACHE
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&addr)
        .cloned();
    if let Some(symbols) = cached {
        return symbols;
    }
    let symbols = resolve(addr);
    let mut cache = CACHE.write().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= MAX_ADDRESSES {
        *cache = HashMap::new();
    }
    cache.insert(addr, symbols.clone());
    symbols
}

/// How many addresses are cached now (for tests).
#[cfg(test)]
pub(crate) fn cached() -> usize {
    CACHE.read().unwrap_or_else(PoisonError::into_inner).len()
}

fn resolve(addr: usize) -> Symbols {
    let mut out = Vec::new();
    // `resolve` looks up the call instruction just before the return address itself.
    backtrace::resolve(std::ptr::without_provenance_mut(addr), |sym| {
        let function = sym.name().map(|n| cut(format!("{n:#}")));
        let abs_path = sym.filename().map(absolute);
        out.push(Symbol {
            module: function
                .as_deref()
                .and_then(names::module_of)
                .map(Into::into),
            package: function
                .as_deref()
                .and_then(names::crate_of)
                .map(Into::into),
            filename: abs_path.as_deref().map(|p| file_name(p).into()),
            abs_path,
            function: function.map(Into::into),
            lineno: sym.lineno(),
            colno: sym.colno().filter(|&c| c > 0),
        });
    });
    out.into()
}

fn cut(mut name: String) -> String {
    if let Some((at, _)) = name.char_indices().nth(MAX_FUNCTION_CHARS) {
        name.truncate(at);
        name.push('…');
    }
    name
}

/// The last component of a path, `/` or `\` separated.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The directory relative source paths are joined with: the working directory at the first
/// capture of the process, read once so that every event agrees however the process moves.
fn base_dir() -> Option<&'static Path> {
    static BASE: OnceLock<Option<PathBuf>> = OnceLock::new();
    BASE.get_or_init(|| std::env::current_dir().ok()).as_deref()
}

/// `path` made absolute where that is known. Debug info records a file as the compiler's
/// working directory joined with the path it was given (cargo's workspace root for a Rust
/// crate, `/rustc/<commit>` for the standard library), and the resolver joins the two, so paths
/// are normally absolute already, whatever directory the process runs in. A path the debug
/// info left relative (no compilation directory, or a `--remap-path-prefix` to a relative
/// prefix) is joined with [`base_dir`] when the file exists there, a leading `./` dropped;
/// otherwise it is kept as recorded, rather than made to name a file that is not there.
pub(crate) fn absolute(path: &Path) -> Arc<str> {
    absolute_in(path, base_dir(), |p| p.is_file())
}

fn absolute_in(path: &Path, base: Option<&Path>, exists: impl Fn(&Path) -> bool) -> Arc<str> {
    let windows_absolute = path
        .to_str()
        .is_some_and(|s| s.as_bytes().get(1..3) == Some(b":\\") || s.starts_with("\\\\"));
    if path.is_absolute() || path.has_root() || windows_absolute {
        return path.to_string_lossy().into();
    }
    let relative = path.strip_prefix(".").unwrap_or(path);
    match base.map(|b| b.join(relative)) {
        Some(joined) if exists(&joined) => joined.to_string_lossy().into(),
        _ => path.to_string_lossy().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The return address inside this function of its call to `trace`.
    #[inline(never)]
    fn here() -> usize {
        let mut ip = 0;
        backtrace::trace(|frame| {
            let mut found = false;
            backtrace::resolve_frame(frame, |s| {
                // The full path, or the bare name of line-tables-only debug info.
                let name = s.name().map(|n| format!("{n:#}")).unwrap_or_default();
                found |= name == "here" || name.ends_with("tests::here");
            });
            if found {
                ip = frame.ip().addr();
            }
            !found
        });
        ip
    }

    #[test]
    fn paths_are_made_absolute_against_the_base_where_the_file_is() {
        let base = Some(Path::new("/srv/app"));
        let there = |p: &Path| p.starts_with("/srv/app/src");
        let abs = |p: &str| absolute_in(Path::new(p), base, there);
        assert_eq!(&*abs("./src/main.rs"), "/srv/app/src/main.rs");
        assert_eq!(&*abs("src/db.rs"), "/srv/app/src/db.rs");
        assert_eq!(&*abs("/rustc/x/lib.rs"), "/rustc/x/lib.rs");
        assert_eq!(&*abs(r"C:\src\a.rs"), r"C:\src\a.rs");
        assert_eq!(
            &*abs("csu/libc-start.c"),
            "csu/libc-start.c",
            "not found: as recorded"
        );
        assert_eq!(file_name(r"C:\src\a.rs"), "a.rs");
        assert_eq!(file_name("/srv/app/src/db.rs"), "db.rs");
    }

    #[test]
    fn long_names_are_cut_on_a_char_boundary() {
        let long = "é".repeat(MAX_FUNCTION_CHARS + 10);
        let cut = cut(long);
        assert_eq!(cut.chars().count(), MAX_FUNCTION_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn an_address_resolves_once_to_this_function_with_its_location() {
        let addr = here();
        assert_ne!(addr, 0);
        let first = symbols(addr);
        assert!(cached() >= 1);
        let again = symbols(addr);
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second lookup is the cached one"
        );
        let sym = first
            .iter()
            .find(|s| s.function.as_deref().is_some_and(|f| f.ends_with("here")))
            .expect("this test's function");
        let function = sym.function.as_deref().unwrap();
        if function.contains("::") {
            assert_eq!(function, "sentry_scopes::stacktrace::resolve::tests::here");
            assert_eq!(sym.package.as_deref(), Some("sentry_scopes"));
            let module = sym.module.as_deref();
            assert_eq!(module, Some("sentry_scopes::stacktrace::resolve::tests"));
        } else {
            assert_eq!(function, "here", "line-tables-only debug info: a bare name");
        }
        let path = sym.abs_path.as_deref().unwrap();
        assert!(Path::new(path).is_absolute(), "{path}");
        assert!(path.ends_with("resolve.rs"), "{path}");
        assert_eq!(sym.filename.as_deref(), Some("resolve.rs"));
        assert!(sym.lineno.is_some());
    }
}
