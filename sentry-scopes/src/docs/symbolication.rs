//! # Stack traces and symbolication
//!
//! Every error event carries the stack of the thread that captured it, and enough about the
//! loaded binaries for a server to symbolicate the frames of a release build that was shipped
//! without debug info.
//!
//! ## Which events carry a stack trace
//!
//! - [`capture_error`](crate::capture_error) and its relatives, for every kind of error they
//!   take (`std::error::Error` types, boxed `dyn Error`s, `anyhow::Error`), and the `err`
//!   argument of the scope macros: on the outermost exception (the last one, as Sentry orders
//!   them), as sentry-rust does.
//! - Panics reported by the panic hook (`integrations::panic`).
//! - Message events ([`capture_message`](crate::capture_message), and the events of the `log`
//!   and `tracing` integrations) when
//!   [`ClientOptions::attach_stacktrace`](crate::ClientOptions::attach_stacktrace) is on
//!   (default off): as the event's own `stacktrace`.
//!
//! Frames are listed oldest call first (Sentry's order), so the last frame is where the
//! capture happened:
//!
//! ```
//! # let events = sentry_scopes::test::with_captured_events(|| {
//! let err = std::io::Error::new(std::io::ErrorKind::NotFound, "config.toml");
//! sentry_scopes::capture_error(&err);
//! # });
//! # let trace = events[0].exception.values[0].stacktrace.as_ref().unwrap();
//! # let last = trace.frames.last().unwrap();
//! # assert!(last.function.as_deref().unwrap().contains("main"));
//! # assert_eq!(last.in_app, Some(true));
//! # assert!(trace.frames.iter().all(|f| f.instruction_addr.is_some()));
//! # assert!(!events[0].debug_meta.images.is_empty());
//! ```
//!
//! ## What a frame holds
//!
//! | field | value |
//! |---|---|
//! | `instruction_addr` | the return address, on **every** frame, resolved or not |
//! | `function` | demangled, without the hash suffix (`my_app::db::query`) |
//! | `module`, `package` | the function's module path and crate (`my_app::db`, `my_app`), for a method those of its type |
//! | `filename`, `abs_path` | the file's name and its absolute path |
//! | `lineno`, `colno` | where the debug info has them |
//! | `in_app` | from the rules below; left unset on a frame nothing is known about |
//! | `pre_context`, `context_line`, `post_context` | in-app frames whose source file is readable |
//!
//! A function inlined into another gets a frame of its own, with the address of the frame it
//! was inlined into. `abs_path` does not depend on the directory the process runs in: the
//! debug info records each file as the compiler's directory joined with the path it was given
//! (the workspace root for a crate built by cargo, `/rustc/<commit>/library/…` for the standard
//! library). A path the debug info left relative (no compilation directory, or a
//! `--remap-path-prefix` to a relative prefix) is joined with the working directory of the
//! process at its first capture when the file exists there, and kept as recorded otherwise.
//!
//! ## What is cut, and what is in-app
//!
//! The frames of the capture itself are cut from the innermost end: the SDK's own frames, the
//! stack walker's, those of a `log` or `tracing` front-end that called the SDK, and the
//! standard-library frames among them. For a panic, everything up to std's panic entry is cut
//! too (the hook, std's panic machinery), and so are the library helpers that raised the panic
//! for the caller (`Option::unwrap` on `None`, a failed index): the last frame is the
//! application's code that called them, and the exception's mechanism still records the exact
//! location. The SDK's frames further out (a `with_scope` around the code) stay, not in-app.
//!
//! `in_app` is decided by module-path prefixes, matched against the function's path (for a
//! method, its type's: `<my_app::Conn as std::io::Read>::read` is `my_app::Conn`), whole
//! segments at a time (`tokio` matches `tokio::net`, not `tokio_util`):
//!
//! 1. a prefix in [`in_app_include`](crate::ClientOptions::in_app_include) makes the frame
//!    in-app, whatever else matches (include wins, as in sentry-rust);
//! 2. a prefix in [`in_app_exclude`](crate::ClientOptions::in_app_exclude), which starts as
//!    [`DEFAULT_IN_APP_EXCLUDE`](crate::DEFAULT_IN_APP_EXCLUDE) (std, core, alloc, this SDK,
//!    `backtrace`, tokio, futures, hyper, tower, axum, tracing, log, rayon, anyhow, …), makes it
//!    not in-app;
//! 3. otherwise a Rust path is in-app, and a name that is none (a C symbol such as
//!    `__libc_start_main`, the `main` shim rustc generates) is not.
//!
//! ```
//! let options = sentry_scopes::ClientOptions::new()
//!     .in_app_include(["my_company_shared"]) // a library of yours, shown as your code
//!     .in_app_exclude(["my_app::generated"]); // added to the defaults
//! assert!(options.in_app_exclude.iter().any(|p| p == "tokio"));
//! ```
//!
//! A frame that `in_app_include` matches is never cut, even inside the SDK's crate.
//!
//! ## Source context
//!
//! No other Rust SDK sends source lines; sentry-python does, and so does this SDK: when an
//! in-app frame's file is readable at run time (in development, or with the sources shipped
//! beside the binary), it carries the 5 lines before its line, the line, and the 5 after. Lines
//! are cut to 200 characters, files over 512 KiB are not read, and each file is read once and
//! kept in a process-wide cache of at most 256 files and 16 MiB. Sources can hold what must not
//! leave the host (a key in a test fixture, say):
//! [`include_source_context(false)`](crate::ClientOptions::include_source_context) turns them
//! off.
//!
//! ## Cost
//!
//! On the capturing thread, a capture walks the stack (return addresses only) and resolves each
//! address through a process-wide cache: an address is resolved once per process (the cache
//! holds 8192 and is emptied when full), so a capture from code that has captured before costs
//! a walk and lookups. The first capture of a process also loads the debug info, which takes
//! milliseconds. A panic is walked on the panicking thread and resolved on the hook's helper
//! thread. `benches/stacktrace.rs` measures a `capture_error` beside sentry 0.49 (see
//! `BENCHMARKS.md`).
//!
//! ## The errors anyhow carries
//!
//! An `anyhow::Error` can hold a `std::backtrace::Backtrace` taken where it was created (when
//! `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` is set). Its frames are not a stable API
//! (`Backtrace::frames` is unstable), its text holds no addresses, so frames parsed from it
//! could not be symbolicated in exactly the release builds that need it, and the only maintained
//! parser, Sentry's `sentry-backtrace`, depends on the whole `sentry-core`. So this SDK takes
//! its own stack trace where the error is captured, as for any other error; capture close to
//! where errors arise (`#[with_scope(err)]` on the function that fails) when that matters.
//!
//! ## Debug images
//!
//! An event with frames carries `debug_meta.images`: one per loaded binary (the executable and
//! each shared library), read once per process with the `findshlibs` crate: its path
//! (`code_file`), build id (`code_id`), the debug id derived from it (`debug_id`), the address
//! it is loaded at and its size, and the architecture. They are written as `symbolic` images,
//! the one native image type the `sentry-types` protocol crate models; Relay normalises their
//! fields to `code_file` and `debug_id`, and Sentry symbolicates them as it does `elf`, `macho`
//! and `pe` images. Events without frames do without them.
//!
//! ## Release builds
//!
//! What a release build's frames hold depends on the debug info it ships with:
//!
//! - **The default** (`cargo build --release`): cargo strips debug info but keeps the symbol
//!   table, so frames have function names (inlined calls folded into their callers), no file
//!   or line, and their addresses.
//! - **Debug info in the binary**: `debug = "limited"` under `[profile.release]` gives
//!   files, lines, inlined frames and full function paths, resolved by the SDK on the host; no
//!   server-side work is needed, which is what servers that do not symbolicate need (below).
//!   The binary is larger; the code is the same. `debug = "line-tables-only"` is smaller, but
//!   rustc then records many functions by their bare names (`find_card`, not
//!   `my_app::cards::find_card`; std's own backtraces show the same): such frames have no
//!   module or package, in-app prefixes cannot match them, and `in_app` is decided by their
//!   file instead (sources under the Rust toolchain, a cargo registry or git checkout, or this
//!   SDK are not the application's; other `.rs` files are).
//! - **Debug info kept apart** for a server to symbolicate: build with `debug = true` (or
//!   `"limited"`) and move the debug info out of the shipped binary, either with
//!   `split-debuginfo = "packed"` (a `.dwp` beside the binary on Linux, a `.dSYM` on macOS, a
//!   `.pdb` on Windows) or by hand:
//!
//!   ```text
//!   objcopy --only-keep-debug target/release/my-app my-app.debug
//!   objcopy --strip-debug --add-gnu-debuglink=my-app.debug target/release/my-app
//!   sentry-cli debug-files upload --include-sources -o ORG -p PROJECT my-app my-app.debug
//!   ```
//!
//!   `--include-sources` uploads the source files too, so the server shows source lines for a
//!   binary that shipped without them. `sentry-cli debug-files check my-app` prints the debug id
//!   it files the upload under; it must equal the `debug_id` of the executable's image in an
//!   event. Both come from the GNU build id, which the usual Linux toolchains write; `readelf
//!   -n my-app | grep 'Build ID'` shows it, and `-C link-arg=-Wl,--build-id` adds it where a
//!   linker does not.
//!
//! The server then matches each frame's `instruction_addr` to the image that contains it and
//! looks the address up in that image's debug file: function, file, line and inlined frames,
//! for builds stripped of all of them.
//!
//! ## What each server does with it
//!
//! - **Sentry** (sentry.io and self-hosted) symbolicates with the uploaded debug files (or a
//!   configured symbol server), then applies its own in-app rules to the frames it resolved.
//! - **Bugsink** (2.6) shows frames as the SDK sent them: it uses uploaded debug files for
//!   minidumps and source maps for JavaScript, not for the addresses of an ordinary event.
//! - **GlitchTip** shows frames as the SDK sent them; it does not document native
//!   symbolication of event frames.
//!
//! For Bugsink and GlitchTip, ship release builds with debug info (above): the SDK resolves
//! functions, files and lines on the host, and the images and addresses are there should the
//! events ever go to a server that symbolicates.
