//! `capture_error` and its relatives take every kind of error a Rust service holds, by
//! reference, with no `&*` (issue 13): `std::error::Error` types, boxed `dyn Error`s and
//! `anyhow::Error`, each with its whole chain.

use std::error::Error;
use std::fmt;

use anyhow::Context as _;
use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Event, Level, Scope, capture_error, capture_error_with, with_scope};

#[derive(Debug)]
struct DbError {
    source: std::io::Error,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("database unavailable")
    }
}

impl Error for DbError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

fn db_error() -> DbError {
    DbError {
        source: std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused"),
    }
}

/// The values of the exceptions, innermost first as the protocol orders them.
fn values<'a>(event: &'a Event<'static>) -> Vec<&'a str> {
    let exceptions = event.exception.values.iter();
    exceptions
        .map(|e| e.value.as_deref().unwrap_or(""))
        .collect()
}

/// The types of the exceptions, innermost first.
fn types<'a>(event: &'a Event<'static>) -> Vec<&'a str> {
    event
        .exception
        .values
        .iter()
        .map(|e| e.ty.as_str())
        .collect()
}

/// An error whose `Debug` text does not start with its type name.
struct Opaque;

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<opaque>")
    }
}

impl fmt::Display for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("opaque failure")
    }
}

impl Error for Opaque {}

#[test]
fn an_anyhow_error_is_captured_directly_with_its_context_chain() {
    let err = Err::<(), _>(db_error())
        .context("loading order 42")
        .context("GET /orders/42")
        .unwrap_err();
    let events = with_captured_events(|| {
        capture_error(&err);
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].level, Level::Error);
    assert_eq!(
        values(&events[0]),
        [
            "connection refused",
            "database unavailable",
            "loading order 42",
            "GET /orders/42"
        ]
    );
    // The contexts are anyhow's own wrappers; the error type under them keeps its name.
    assert_eq!(types(&events[0])[1..], ["DbError", "Error", "Error"]);
}

#[test]
fn an_anyhow_error_without_context_keeps_the_wrapped_errors_type() {
    let err = anyhow::Error::new(db_error());
    let events = with_captured_events(|| {
        capture_error(&err);
    });
    assert_eq!(
        values(&events[0]),
        ["connection refused", "database unavailable"]
    );
    assert_eq!(types(&events[0])[1], "DbError");
}

#[test]
fn every_capture_error_relative_takes_an_anyhow_error() {
    let err = anyhow::anyhow!("quota exceeded");
    let events = with_captured_events(|| {
        capture_error_with(&err, |s| s.set_tag("via", "with"));
        Scope::new().capture_error(&err);
        with_scope(|s| s.capture_error_with(&err, |s| s.set_tag("via", "scope_with")));
    });
    assert_eq!(events.len(), 3);
    for e in &events {
        assert_eq!(values(e), ["quota exceeded"]);
    }
    assert_eq!(events[0].tags["via"], "with");
    assert_eq!(events[2].tags["via"], "scope_with");
}

#[test]
fn a_boxed_dyn_error_is_captured_directly_with_its_chain() {
    let boxed: Box<dyn Error + Send + Sync> = Box::new(db_error());
    let plain: Box<dyn Error> = Box::new(db_error());
    let events = with_captured_events(|| {
        capture_error(&boxed);
        capture_error(&plain);
    });
    for e in &events {
        assert_eq!(values(e), ["connection refused", "database unavailable"]);
        assert_eq!(types(e)[1], "DbError");
    }
}

#[test]
fn a_concrete_error_is_named_by_its_type_and_a_dyn_error_by_its_debug_text() {
    let events = with_captured_events(|| {
        capture_error(&Opaque);
        let as_dyn: &dyn Error = &Opaque;
        capture_error(as_dyn);
    });
    assert_eq!(types(&events[0]), ["Opaque"]);
    assert_eq!(types(&events[1]), ["Error"]);
}
