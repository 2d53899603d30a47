//! Hostile input made safe where it enters: free-form values bounded in depth and breadth, and
//! tags made acceptable to Relay. A leaf module: scopes use it when data is set, the capture
//! pipeline when an event is finished.

mod tags;
mod value;

pub(crate) use self::tags::{
    Rejected as TagRejected, key_as_is as tag_key_as_is, normalize_tag_map, tag, tag_key,
    value as tag_value, value_as_is as tag_value_as_is,
};
#[cfg(feature = "tracing")]
pub(crate) use self::value::bound_breadcrumb_pairs;
pub(crate) use self::value::{
    MAX_DEPTH, bound_breadcrumb, bound_context, bound_event, bound_user, bound_value,
};
