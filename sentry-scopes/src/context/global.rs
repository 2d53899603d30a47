//! The process-wide global scope.

use std::sync::LazyLock;

use crate::scope::Scope;

static GLOBAL: LazyLock<Scope> = LazyLock::new(Scope::read_mostly);

/// The global scope handle (never forked, shared by every thread).
pub(crate) fn global() -> &'static Scope {
    &GLOBAL
}
