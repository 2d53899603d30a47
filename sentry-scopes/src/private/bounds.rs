//! The trait bounds the expansions check at the user's tokens, each with a
//! `#[diagnostic::on_unimplemented]` message that says what to change in the macro call.
//!
//! Each trait is a thin layer over a standard one (`Display`, `Debug`, `AsRef<str>`, `Result`),
//! implemented for every type that has it. rustc reports an unmet bound with the message of the
//! trait the generated code asked for, so a value without `Display` behind `%` reads "`%` cannot
//! record it" rather than naming a function of this module. Not public API.

use std::fmt::{Debug, Display};

use super::values::TagValue;

/// A value behind `%`: recorded with its `Display` output. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Display`, so `%` cannot record it",
    label = "`%` needs `Display`",
    note = "write `?value` to record its `Debug` output instead"
)]
pub trait DisplayValue: Display {}

impl<T: Display + ?Sized> DisplayValue for T {}

/// A value behind `?`: recorded with its `Debug` output. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `Debug`, so `?` cannot record it",
    label = "`?` needs `Debug`",
    note = "derive `Debug` for it, or write `%value` to record its `Display` output"
)]
pub trait DebugValue: Debug {}

impl<T: Debug + ?Sized> DebugValue for T {}

/// A `user(field = value)` value: what a tag takes. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a `user` field value",
    label = "not a user field value",
    note = "`user` field values are strings, integers, `bool` or `char`",
    note = "write `%value` to record its `Display` output, or `?value` for its `Debug` output"
)]
pub trait UserFieldValue: TagValue {}

impl<T: TagValue + ?Sized> UserFieldValue for T {}

/// A part of `fingerprint = [..]`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a fingerprint part",
    label = "not a string",
    note = "fingerprint parts are strings (`&str`, `String` or another `AsRef<str>`): convert the value, e.g. with `.to_string()`"
)]
pub trait FingerprintPart: AsRef<str> {}

impl<T: AsRef<str> + ?Sized> FingerprintPart for T {}

/// The value of `transaction = ..`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a transaction name",
    label = "not a string",
    note = "a transaction name is a string (`&str`, `String` or another `AsRef<str>`): convert the value, e.g. with `.to_string()`"
)]
pub trait TransactionName: AsRef<str> {}

impl<T: AsRef<str> + ?Sized> TransactionName for T {}

/// The value of `span(op = ..)`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a span operation",
    label = "not a string",
    note = "a span operation is a string (`&str`, `String` or another `AsRef<str>`), such as `\"db.query\"`: convert the value, e.g. with `.to_string()`"
)]
pub trait SpanOp: AsRef<str> {}

impl<T: AsRef<str> + ?Sized> SpanOp for T {}

/// The value of `span(name = ..)`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a span name",
    label = "not a string",
    note = "a span name is a string (`&str`, `String` or another `AsRef<str>`): convert the value, e.g. with `.to_string()`"
)]
pub trait SpanName: AsRef<str> {}

impl<T: AsRef<str> + ?Sized> SpanName for T {}

/// What a function with `err` returns: a `Result` whose `Err` is captured. Not public API.
#[diagnostic::on_unimplemented(
    message = "`err` needs the function to return a `Result`, but it returns `{Self}`",
    label = "`err` needs a `Result`",
    note = "remove `err`, or return a `Result` whose error is to be captured"
)]
pub trait ErrResult<E> {
    /// The error, if this is an `Err`. Not public API.
    #[doc(hidden)]
    fn __err(&self) -> Option<&E>;
}

impl<T, E> ErrResult<E> for Result<T, E> {
    fn __err(&self) -> Option<&E> {
        self.as_ref().err()
    }
}

/// The error of a function with plain `err`: an `Error` becomes an exception event, any other
/// `Debug` type a message event (every `Error` is `Debug`). Not public API.
#[diagnostic::on_unimplemented(
    message = "`err` cannot capture `{Self}`: it implements neither `std::error::Error` nor `Debug`",
    label = "`{Self}` is neither `Error` nor `Debug`",
    note = "implement `std::error::Error` for `{Self}` (captured as an exception) or derive `Debug` (captured as a message), or write `err(Display)` to record its `Display` output"
)]
pub trait CapturableError: Debug {}

impl<E: Debug + ?Sized> CapturableError for E {}

/// The error of a function with `err(Display)`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`err(Display)` needs the error type to implement `Display`, but `{Self}` does not",
    label = "`{Self}` is not `Display`",
    note = "write `err(Debug)` to record its `Debug` output, or plain `err`"
)]
pub trait DisplayError: Display {}

impl<E: Display + ?Sized> DisplayError for E {}

/// The error of a function with `err(Debug)`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`err(Debug)` needs the error type to implement `Debug`, but `{Self}` does not",
    label = "`{Self}` is not `Debug`",
    note = "derive `Debug` for `{Self}`, or write `err(Display)` to record its `Display` output"
)]
pub trait DebugError: Debug {}

impl<E: Debug + ?Sized> DebugError for E {}

/// The error of `result`, if it is an `Err`; checks that a function with `err` returns a
/// `Result`. Not public API.
pub fn err_of<R: ErrResult<E>, E>(result: &R) -> Option<&E> {
    result.__err()
}

/// `err(Display)`: the error as `Display`. Not public API.
pub fn display_error<E: DisplayError>(err: &E) -> &dyn Display {
    err
}

/// `err(Debug)`: the error as `Debug`. Not public API.
pub fn debug_error<E: DebugError>(err: &E) -> &dyn Debug {
    err
}
