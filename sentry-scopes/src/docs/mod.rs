//! Guides: prose-only modules whose examples are tested. Nothing here is code to call.

pub mod macros;
