//! Support for the code that `#[with_scope]`, `#[isolation_scope]` and `scope!` generate.
//!
//! **Not public API**: everything here may change in any release, patch releases included. Use
//! the macros, never these items. Generated code names every item through this module (std
//! items included), so a user crate that shadows `Option`, `Result` or `Box`, or that is
//! `#![no_implicit_prelude]`, still compiles.
//!
//! Invariant: nothing here runs user code, or can panic, while the thread-local slot is
//! borrowed. Values are converted (user `Display`/`Debug` impls included) before a fork or an
//! in-place update starts.

#[path = "private/bounds.rs"]
mod bounds;
#[path = "private/err.rs"]
mod err;
#[path = "private/key.rs"]
mod key;
#[path = "private/on_err.rs"]
mod on_err;
#[path = "private/span.rs"]
mod span;
#[path = "private/values.rs"]
mod values;

use std::future::Future;
use std::sync::Arc;

pub use self::bounds::{
    CapturableError, DebugError, DebugValue, DisplayError, DisplayValue, ErrResult,
    FingerprintPart, SpanName, SpanOp, TransactionName, UserFieldValue, debug_error, display_error,
    err_of,
};
pub use self::err::{BoxedErrRef, ErrRef, MessageRef, capture_debug, capture_display, err_ref};
pub use self::key::Key;
pub use self::on_err::OnErr;
pub use self::span::{FnSpan, SpanFuture, no_err, span_future, span_name, span_op, start_span};
pub use self::values::{
    ContextValue, Extra, ExtraValue, Fingerprint, Tag, TagValue, Text, UserValue, context, debug,
    display, extra_value, fingerprint, fingerprint_part, level, set_context, set_extra,
    set_fingerprint, set_level, set_tags, set_transaction, set_user, tag_value, transaction_name,
    user_value,
};
use crate::context::thread::{Active, Current, fork_active};
pub use crate::context::{ScopeFuture, ScopeGuard};
pub use crate::protocol::Level;
use crate::scope::{Scope, ScopeData};
/// `release_name!` names `concat!` and `env!` through here. Not public API.
pub use core::{concat, env};
pub use std::boxed::Box;
pub use std::clone::Clone;
pub use std::convert::{AsRef, From};
pub use std::option::Option::{self, None, Some};
pub use std::pin::Pin;
pub use std::result::Result::{self, Err, Ok};

/// The size of the scopes a bound future carries (for the future-size guard test).
/// Not public API.
pub const SCOPES_SIZE: usize = size_of::<Option<Active>>();

/// A fork of the active scopes, prepared before it is entered. Not public API.
pub struct Fork {
    /// `None`: a fork of the current scope nothing was written to yet, taken when entered.
    active: Option<Active>,
    /// The forked isolation data, once an item writes to it.
    isolation: Option<Arc<ScopeData>>,
    /// Whether the isolation scope is forked too (`#[isolation_scope]`).
    forks_isolation: bool,
}

/// Forks the current scope (`#[with_scope]`). Copies nothing: a fork without items is entered
/// lazily ([`Fork::enter`]), one with items takes two reference counts on the first item.
/// Not public API.
#[must_use]
pub fn fork_current() -> Fork {
    Fork {
        active: None,
        isolation: None,
        forks_isolation: false,
    }
}

/// Forks the isolation and current scopes (`#[isolation_scope]`). Like [`fork_current`], takes
/// nothing until an item writes or the fork is entered; a fork without items is entered lazily.
/// Not public API.
#[must_use]
pub fn fork_isolation() -> Fork {
    Fork {
        active: None,
        isolation: None,
        forks_isolation: true,
    }
}

impl Fork {
    /// The data the macro items write to: the forked isolation data for `#[isolation_scope]`,
    /// else the forked current data (copy-on-write). Not public API.
    pub fn target(&mut self) -> &mut ScopeData {
        if !self.forks_isolation {
            return forked_current(&mut self.active);
        }
        let active = self.active.get_or_insert_with(fork_active);
        Arc::make_mut(
            self.isolation
                .get_or_insert_with(|| active.isolation.data()),
        )
    }

    /// Makes the span of `span(..)` active in the fork. It goes on the forked **current**
    /// scope for both attributes: the span active outside may sit on the current scope, which
    /// is more specific than the isolation scope. Not public API.
    pub fn set_span(&mut self, span: &FnSpan) {
        forked_current(&mut self.active).span = Some(span.span().clone());
    }

    fn into_active(self) -> Active {
        let mut active = self.active.unwrap_or_else(fork_active);
        if self.forks_isolation {
            let data = self.isolation.unwrap_or_else(|| active.isolation.data());
            active.isolation = Scope::from_data(data);
        }
        active
    }

    /// Installs the fork on this thread until the guard drops. Not public API.
    #[inline]
    pub fn enter(self) -> ScopeGuard {
        if self.active.is_some() || self.isolation.is_some() {
            return ScopeGuard::enter(self.into_active());
        }
        // Nothing was taken: nothing to drop either (`forget` skips the drop glue).
        let forks_isolation = self.forks_isolation;
        std::mem::forget(self);
        if forks_isolation {
            ScopeGuard::fork_isolation()
        } else {
            ScopeGuard::fork_current()
        }
    }

    /// Binds `fut` to the fork: it is installed on every poll, and takes back every change
    /// made during the poll. Not public API.
    pub fn run<F: Future>(self, fut: F) -> ScopeFuture<F> {
        ScopeFuture::new(self.into_active(), fut)
    }
}

/// The forked current data of a fork (copy-on-write), taking the fork now if it is lazy.
fn forked_current(active: &mut Option<Active>) -> &mut ScopeData {
    let active = active.get_or_insert_with(fork_active);
    if let Current::Shared(s) = &active.current {
        active.current = Current::Inline(s.data());
    }
    match &mut active.current {
        Current::Inline(d) => Arc::make_mut(d),
        Current::Shared(_) => unreachable!("made inline above"),
    }
}

/// Leaves the scopes `guard` entered and binds them, with every change the synchronous part of
/// the function made, to the future it returned (`fn -> impl Future`). Not public API.
pub fn bind_returned<F: Future>(guard: ScopeGuard, fut: F) -> ScopeFuture<F> {
    ScopeFuture::new(guard.exit().unwrap_or_else(Active::fresh), fut)
}

/// Applies `f` to the active current scope in place (`scope!`). `f` may run more than once
/// (the scope may be shared), so it only copies prepared values. Not public API.
pub fn configure_current(f: impl FnMut(&mut ScopeData)) {
    crate::context::update_current(f);
}

/// Applies `f` to the active isolation scope in place (`scope!(isolation: ..)`), which every
/// clone of its handle sees. Not public API.
pub fn configure_isolation(f: impl FnMut(&mut ScopeData)) {
    crate::context::get_isolation_scope().update(f);
}

/// Calls `f` once: the body of a function with `err`, or of a future-returning one, runs in
/// this closure. Taking it as `FnOnce` lets a body moved into the closure return borrows of
/// captured references (`fn f(&mut self) -> Result<&T, E>` with `err`), and calling it here
/// rather than in place needs no `allow(clippy::redundant_closure_call)`, which a user's
/// `forbid` would turn into an error. Not public API.
#[inline]
pub fn call_once<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}
