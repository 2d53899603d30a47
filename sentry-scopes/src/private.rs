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
    ContextValue, Extra, ExtraValue, Fingerprint, Tag, TagValue, Text, UserField, UserValue,
    context, debug, display, extra_value, fingerprint, fingerprint_part, level, set_context,
    set_extra, set_fingerprint, set_level, set_tags, set_transaction, set_user, tag_value,
    transaction_name, user_value,
};
use crate::context::thread::{Active, Current, with_active};
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
    /// `None` until an item writes: a fork nothing was written to is taken when entered.
    taken: Option<Taken>,
    /// Whether an item wrote to the current data (`span(..)`).
    current_written: bool,
    /// Whether the isolation scope is forked too (`#[isolation_scope]`).
    forks_isolation: bool,
}

/// The parts of the active pair a fork has taken, for its items to write to.
struct Taken {
    isolation: Isolation,
    /// The forked current data (copy-on-write).
    current: Arc<ScopeData>,
}

/// The isolation side of a taken fork.
enum Isolation {
    /// `#[with_scope]`: the active isolation handle, which the fork keeps.
    Handle(Scope),
    /// `#[isolation_scope]`: the forked isolation data (copy-on-write), which becomes a new
    /// isolation scope when the fork is entered.
    Data(Arc<ScopeData>),
}

/// Forks the current scope (`#[with_scope]`). Copies nothing: a fork without items is entered
/// lazily ([`Fork::enter`]), one with items takes two reference counts on the first item.
/// Not public API.
#[must_use]
pub fn fork_current() -> Fork {
    Fork {
        taken: None,
        current_written: false,
        forks_isolation: false,
    }
}

/// Forks the isolation and current scopes (`#[isolation_scope]`). Like [`fork_current`], takes
/// nothing until an item writes or the fork is entered; a fork without items is entered lazily.
/// Not public API.
#[must_use]
pub fn fork_isolation() -> Fork {
    Fork {
        taken: None,
        current_written: false,
        forks_isolation: true,
    }
}

impl Fork {
    /// The data the macro items write to: the forked isolation data for `#[isolation_scope]`,
    /// else the forked current data (copy-on-write). Not public API.
    pub fn target(&mut self) -> &mut ScopeData {
        let forks_isolation = self.forks_isolation;
        let taken = self.taken.get_or_insert_with(|| take(forks_isolation));
        match &mut taken.isolation {
            Isolation::Data(data) => Arc::make_mut(data),
            Isolation::Handle(_) => Arc::make_mut(&mut taken.current),
        }
    }

    /// Makes the span of `span(..)` active in the fork. It goes on the forked **current**
    /// scope for both attributes: the span active outside may sit on the current scope, which
    /// is more specific than the isolation scope. Not public API.
    pub fn set_span(&mut self, span: &FnSpan) {
        let forks_isolation = self.forks_isolation;
        let taken = self.taken.get_or_insert_with(|| take(forks_isolation));
        Arc::make_mut(&mut taken.current).span = Some(span.span().clone());
        self.current_written = true;
    }

    fn into_active(self) -> Active {
        self.taken
            .unwrap_or_else(|| take(self.forks_isolation))
            .into_active()
    }

    /// Installs the fork on this thread until the guard drops. A fork whose items wrote only
    /// to the isolation data is entered lazily, like one without items: the new isolation
    /// scope is installed on the first access to the scopes inside. Not public API.
    #[inline]
    pub fn enter(self) -> ScopeGuard {
        match self.taken {
            Some(Taken {
                isolation: Isolation::Data(isolation),
                current,
            }) if !self.current_written => ScopeGuard::fork_isolation_from(isolation, current),
            Some(taken) => ScopeGuard::enter(taken.into_active()),
            None if self.forks_isolation => ScopeGuard::fork_isolation(),
            None => ScopeGuard::fork_current(),
        }
    }

    /// Binds `fut` to the fork: it is installed on every poll, and takes back every change
    /// made during the poll. Not public API.
    pub fn run<F: Future>(self, fut: F) -> ScopeFuture<F> {
        ScopeFuture::new(self.into_active(), fut)
    }
}

/// The parts of the active pair a fork writes to, in one access to the pair: the isolation
/// handle (or, when the fork takes the isolation scope too, its data) and the current data.
/// A shared current scope's data is copied: the fork must not write through its handle.
fn take(forks_isolation: bool) -> Taken {
    let parts = |a: &Active| Taken {
        isolation: if forks_isolation {
            Isolation::Data(a.isolation.data())
        } else {
            Isolation::Handle(a.isolation.clone())
        },
        current: a.current.data(),
    };
    with_active(parts).unwrap_or_else(|| parts(&Active::fresh()))
}

impl Taken {
    fn into_active(self) -> Active {
        Active {
            isolation: match self.isolation {
                Isolation::Handle(handle) => handle,
                Isolation::Data(data) => crate::context::spare_with(data),
            },
            current: Current::Inline(self.current),
        }
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
