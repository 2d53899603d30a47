//! `release_name!()`: a release named after the crate that calls it.

/// The release name `NAME@VERSION` of the crate that invokes the macro, from its `Cargo.toml`
/// (`CARGO_PKG_NAME` and `CARGO_PKG_VERSION`), as a `&'static str` built at compile time.
///
/// The macro expands in the calling crate, so an application gets its own name and version,
/// not this SDK's. Use it in the application's binary crate: a library that calls it names
/// the library. It needs Cargo (the two variables are set by Cargo for every crate it builds).
///
/// ```
/// use sentry_scopes::{ClientOptions, release_name};
///
/// let options = ClientOptions::new().release(release_name!());
/// // This example is compiled as part of `sentry-scopes`' docs, so it names this crate.
/// assert_eq!(
///     options.release.as_deref(),
///     Some(concat!("sentry-scopes@", env!("CARGO_PKG_VERSION")))
/// );
///
/// // A constant, computed by the compiler.
/// const RELEASE: &str = release_name!();
/// assert!(RELEASE.starts_with("sentry-scopes@"));
/// ```
#[macro_export]
macro_rules! release_name {
    () => {
        $crate::__private::concat!(
            $crate::__private::env!("CARGO_PKG_NAME"),
            "@",
            $crate::__private::env!("CARGO_PKG_VERSION"),
        )
    };
}
