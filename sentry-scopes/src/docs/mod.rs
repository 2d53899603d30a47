//! Guides: prose with examples that are run as tests. Nothing here is code to call.

pub mod async_and_threads;
pub mod delivery;
#[cfg(feature = "macros")]
pub mod macros;
pub mod migration;
pub mod scope_model;
pub mod symbolication;
