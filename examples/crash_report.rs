//! Crash report: an error and then a panic, each reported with its stack trace and the loaded
//! images, the way a release build reports them.
//!
//! ```sh
//! cargo run --release --example crash_report     # no DSN: envelopes printed, then the panic
//! ```
//!
//! Built with cargo's default release profile, the binary keeps its symbol table but no debug
//! info: the frames name their functions but have no file or line, and every frame has its
//! `instruction_addr`, which a server holding the debug files resolves (`docs::symbolication`).
//! `tests/release_symbols.rs` builds this example in release mode and checks its events.

use std::hint::black_box;

use sentry_scopes::{ClientOptions, capture_error};

#[inline(never)]
fn load_config(path: &str) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[inline(never)]
fn pick_item(items: &[u32], index: usize) -> u32 {
    items[index] // panics: index out of bounds
}

fn main() {
    // No DSN (SENTRY_DSN unset): envelopes are printed to stdout.
    let _guard = sentry_scopes::init(ClientOptions::new().release("crash-report@1.0.0"))
        .expect("valid client options");

    if let Err(err) = load_config(black_box("/nonexistent/crash-report.toml")) {
        capture_error(&err);
    }
    // The panic hook `init` installed reports the panic and flushes before the process ends.
    let items = black_box(Vec::new());
    println!("picked {}", pick_item(&items, black_box(3)));
}
