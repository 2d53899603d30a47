//! Hostile input made safe where it enters: free-form values bounded in depth and breadth, and
//! tags made acceptable to Relay. A leaf module: scopes use it when data is set, the capture
//! pipeline when an event is finished.

mod tags;
mod value;

pub(crate) use self::tags::{
    Rejected as TagRejected, key_as_is as tag_key_as_is, normalize_tag_map, tag, tag_key,
    value as tag_value, value_as_is as tag_value_as_is,
};
#[cfg(any(feature = "tracing", feature = "log"))]
pub(crate) use self::value::bound_breadcrumb_pairs;
pub(crate) use self::value::{
    MAX_DEPTH, bound_breadcrumb, bound_context, bound_event, bound_user, bound_value,
};

/// What `format_args` would make of a user's value, as `to_string` or `format!` makes it,
/// except that a `Display` or `Debug` that returns an error leaves what it wrote instead of
/// panicking in the caller (a logging call, a tracing event).
#[cfg(any(feature = "tracing", feature = "log"))]
pub(crate) fn text_of(args: std::fmt::Arguments<'_>) -> String {
    let mut text = String::new();
    let _ = std::fmt::Write::write_fmt(&mut text, args);
    text
}
