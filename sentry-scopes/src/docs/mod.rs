//! Guides: prose with examples that are run as tests.

pub mod async_and_threads;
pub mod scope_model;
