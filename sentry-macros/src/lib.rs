//! Procedural macros of `sentry-scopes`. Use them through `sentry-scopes`, which re-exports them.
