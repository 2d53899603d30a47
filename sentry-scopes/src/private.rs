//! Support for the code the macros generate. **Not public API**: everything here may change in
//! any release; use the macros, not these items.

use std::sync::Arc;

use crate::context::thread::{Active, Current, with_active};
use crate::context::update_current;
pub use crate::context::{ScopeFuture, ScopeGuard};
pub use crate::protocol::Level;
use crate::scope::{ScopeData, arc_str};
pub use std::boxed::Box;
pub use std::convert::{AsRef, From};
pub use std::option::Option::{self, None, Some};
pub use std::pin::Pin;
pub use std::result::Result::{self, Err, Ok};

/// A fork of the active scopes, prepared before it is entered. Not public API.
pub struct Fork {
    active: Active,
    isolation: Option<Arc<ScopeData>>,
}

/// Forks the current scope (`#[with_scope]`): two reference counts, no allocation.
/// Not public API.
#[must_use]
pub fn fork_current() -> Fork {
    let active = with_active(|a| a.fork_current()).unwrap_or_else(Active::fresh);
    Fork {
        active,
        isolation: None,
    }
}

/// Forks the isolation and current scopes (`#[isolation_scope]`). Not public API.
#[must_use]
pub fn fork_isolation() -> Fork {
    let (active, isolation) = with_active(|a| (a.fork_current(), a.isolation.data()))
        .unwrap_or_else(|| {
            let fresh = Active::fresh();
            let data = fresh.isolation.data();
            (fresh, data)
        });
    Fork {
        active,
        isolation: Some(isolation),
    }
}

impl Fork {
    /// The data the macro items write to: the forked isolation data for `#[isolation_scope]`,
    /// else the forked current data (copy-on-write). Not public API.
    pub fn target(&mut self) -> &mut ScopeData {
        if self.isolation.is_some() {
            return Arc::make_mut(self.isolation.get_or_insert_with(Default::default));
        }
        if let Current::Shared(s) = &self.active.current {
            self.active.current = Current::Inline(s.data());
        }
        match &mut self.active.current {
            Current::Inline(d) => Arc::make_mut(d),
            Current::Shared(_) => unreachable!("made inline above"),
        }
    }

    fn into_active(self) -> Active {
        let mut active = self.active;
        if let Some(iso) = self.isolation {
            active.isolation = crate::scope::Scope::from_data(iso);
        }
        active
    }

    /// Installs the fork on this thread until the guard drops. Not public API.
    pub fn enter(self) -> ScopeGuard {
        ScopeGuard::enter(self.into_active())
    }

    /// Binds `fut` to the fork. Not public API.
    pub fn run<F: std::future::Future>(self, fut: F) -> ScopeFuture<F> {
        ScopeFuture::new(self.into_active(), fut)
    }
}

impl ScopeData {
    /// Sets a tag on a fork's data. Not public API.
    #[doc(hidden)]
    pub fn __set_tag(&mut self, key: &str, value: impl AsRef<str>) {
        self.set_tag(arc_str(key), arc_str(value));
    }
}

/// Sets a tag on the active current scope in place (`scope!`). Not public API.
pub fn set_current_tag(key: &str, value: &str) {
    let (key, value) = (arc_str(key), arc_str(value));
    update_current(|d| d.set_tag(key.clone(), value.clone()));
}
