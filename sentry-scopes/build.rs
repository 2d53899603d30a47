//! Records the version and release channel of the compiler that builds this crate, for the
//! `rust` context of events (`src/contexts.rs`).
//!
//! Cargo builds the application and its dependencies with one compiler, so in a normal build
//! this is also the compiler that built the application. Nothing is recorded when the compiler
//! cannot be asked; the context then says only `rustc`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // A new compiler rebuilds every crate, so this script runs again without being told.
    if let Ok(meta) = rustc_version::version_meta() {
        let channel = match meta.channel {
            rustc_version::Channel::Stable => "stable",
            rustc_version::Channel::Beta => "beta",
            rustc_version::Channel::Nightly => "nightly",
            rustc_version::Channel::Dev => "dev",
        };
        println!(
            "cargo:rustc-env=SENTRY_SCOPES_RUSTC_VERSION={}",
            meta.semver
        );
        println!("cargo:rustc-env=SENTRY_SCOPES_RUSTC_CHANNEL={channel}");
    }
}
