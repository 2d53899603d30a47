//! Value conversion for the macro items, and the setters that apply prepared values.
//!
//! Every value expression of a macro is converted once, by reference, through one of the
//! functions here, before the fork is taken. The trait bounds carry
//! `#[diagnostic::on_unimplemented]`, so a value of the wrong type is reported at the user's
//! expression, with a hint to use `%` (Display) or `?` (Debug). Not public API.

use std::borrow::Cow;
use std::sync::Arc;

use super::bounds::{DebugValue, DisplayValue, FingerprintPart, TransactionName, UserFieldValue};
use super::key::Key;
use crate::protocol::{Context, Level, Map, User, Value};
use crate::scope::{ScopeData, ScopeUser, TagText};

/// A prepared tag value. Not public API.
#[derive(Clone, Debug)]
pub struct Tag(TagText);

/// A prepared extra or context value. Not public API.
#[derive(Clone, Debug)]
pub struct Extra(Arc<Value>);

/// A string recorded from `Display` (`%value`), `Debug` (`?value`) or `AsRef<str>`.
/// Not public API.
#[derive(Clone, Debug)]
pub struct Text(Arc<str>);

/// Values a tag (or a `user` field) accepts: strings, integers, `bool`, `char`, and
/// references to them. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a scope tag value",
    label = "not a tag value",
    note = "tag values are strings, integers, `bool` or `char`",
    note = "write `%value` to record its `Display` output, or `?value` for its `Debug` output"
)]
pub trait TagValue {
    /// The tag text. Not public API.
    #[doc(hidden)]
    fn __tag(&self) -> TagText;
}

/// Values an `extra` or `context` entry accepts: what [`TagValue`] accepts, floats,
/// `Option`s, slices, arrays and `Vec`s of them, and `serde_json::Value`. Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a scope extra or context value",
    label = "not an extra value",
    note = "extra values are strings, numbers, `bool`, `char`, `Option`s, slices and `Vec`s of them, or a `serde_json::Value`",
    note = "write `%value` to record its `Display` output, or `?value` for its `Debug` output"
)]
pub trait ExtraValue {
    /// The JSON value. Not public API.
    #[doc(hidden)]
    fn __extra(&self) -> Value;
}

// The scope makes tags acceptable to the server when they are set (`normalize::tags`), so the
// text is taken as it is here.
fn tag_from_str(s: &str) -> TagText {
    TagText::new(s)
}

fn tag_from_arc(s: &Arc<str>) -> TagText {
    TagText::new(&**s)
}

impl TagValue for str {
    fn __tag(&self) -> TagText {
        tag_from_str(self)
    }
}

impl TagValue for String {
    fn __tag(&self) -> TagText {
        tag_from_str(self)
    }
}

impl TagValue for Box<str> {
    fn __tag(&self) -> TagText {
        tag_from_str(self)
    }
}

impl TagValue for Cow<'_, str> {
    fn __tag(&self) -> TagText {
        tag_from_str(self)
    }
}

impl TagValue for Arc<str> {
    fn __tag(&self) -> TagText {
        tag_from_arc(self)
    }
}

impl TagValue for Text {
    fn __tag(&self) -> TagText {
        tag_from_arc(&self.0)
    }
}

impl TagValue for bool {
    fn __tag(&self) -> TagText {
        TagText::new_static(if *self { "true" } else { "false" })
    }
}

impl TagValue for char {
    fn __tag(&self) -> TagText {
        tag_from_str(self.encode_utf8(&mut [0; 4]))
    }
}

impl<T: TagValue + ?Sized> TagValue for &T {
    fn __tag(&self) -> TagText {
        (**self).__tag()
    }
}

impl<T: TagValue + ?Sized> TagValue for &mut T {
    fn __tag(&self) -> TagText {
        (**self).__tag()
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl TagValue for $t {
            fn __tag(&self) -> TagText {
                smol_str::ToSmolStr::to_smolstr(self)
            }
        }
        impl ExtraValue for $t {
            fn __extra(&self) -> Value {
                // `.ok()`: for some types one of these conversions is infallible.
                i64::try_from(*self)
                    .ok()
                    .map(Value::from)
                    .or_else(|| u64::try_from(*self).ok().map(Value::from))
                    .unwrap_or_else(|| Value::from(self.to_string()))
            }
        }
    )*};
}

integers!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

macro_rules! strings {
    ($($t:ty),*) => {$(
        impl ExtraValue for $t {
            fn __extra(&self) -> Value {
                Value::from(AsRef::<str>::as_ref(self))
            }
        }
    )*};
}

strings!(str, String, Box<str>, Arc<str>, Cow<'_, str>);

impl ExtraValue for Text {
    fn __extra(&self) -> Value {
        Value::from(&*self.0)
    }
}

impl ExtraValue for bool {
    fn __extra(&self) -> Value {
        Value::from(*self)
    }
}

impl ExtraValue for char {
    fn __extra(&self) -> Value {
        Value::from(self.to_string())
    }
}

impl ExtraValue for f32 {
    fn __extra(&self) -> Value {
        Value::from(f64::from(*self))
    }
}

impl ExtraValue for f64 {
    fn __extra(&self) -> Value {
        Value::from(*self)
    }
}

impl ExtraValue for Value {
    fn __extra(&self) -> Value {
        self.clone()
    }
}

impl<T: ExtraValue> ExtraValue for Option<T> {
    fn __extra(&self) -> Value {
        self.as_ref().map_or(Value::Null, ExtraValue::__extra)
    }
}

impl<T: ExtraValue> ExtraValue for [T] {
    fn __extra(&self) -> Value {
        Value::Array(self.iter().map(ExtraValue::__extra).collect())
    }
}

impl<T: ExtraValue, const N: usize> ExtraValue for [T; N] {
    fn __extra(&self) -> Value {
        self.as_slice().__extra()
    }
}

impl<T: ExtraValue> ExtraValue for Vec<T> {
    fn __extra(&self) -> Value {
        self.as_slice().__extra()
    }
}

impl<T: ExtraValue + ?Sized> ExtraValue for &T {
    fn __extra(&self) -> Value {
        (**self).__extra()
    }
}

impl<T: ExtraValue + ?Sized> ExtraValue for &mut T {
    fn __extra(&self) -> Value {
        (**self).__extra()
    }
}

/// Converts a tag or `user` field value. Not public API.
pub fn tag_value<T: TagValue + ?Sized>(value: &T) -> Tag {
    Tag(value.__tag())
}

/// A prepared `user` field value. Not public API.
#[derive(Clone, Debug)]
pub struct UserField(TagText);

/// Converts a `user` field value. Not public API.
pub fn user_value<T: UserFieldValue + ?Sized>(value: &T) -> UserField {
    UserField(value.__tag())
}

/// Converts an `extra` or `context` value. Not public API.
pub fn extra_value<T: ExtraValue + ?Sized>(value: &T) -> Extra {
    Extra(Arc::new(value.__extra()))
}

/// Records `value` with `Display` (`%value`). Not public API.
pub fn display<T: DisplayValue + ?Sized>(value: &T) -> Text {
    Text(Arc::from(value.to_string()))
}

/// Records `value` with `Debug` (`?value`). Not public API.
pub fn debug<T: DebugValue + ?Sized>(value: &T) -> Text {
    Text(Arc::from(format!("{value:?}")))
}

/// A fingerprint part. Not public API.
pub fn fingerprint_part<T: FingerprintPart + ?Sized>(value: &T) -> Text {
    Text(Arc::from(value.as_ref()))
}

/// A transaction name. Not public API.
pub fn transaction_name<T: TransactionName + ?Sized>(value: &T) -> Text {
    Text(Arc::from(value.as_ref()))
}

/// A level given as an expression (`level = { expr }` or a path). Not public API.
#[must_use]
pub fn level(value: &Level) -> Level {
    *value
}

/// A prepared fingerprint. Not public API.
#[derive(Clone, Debug)]
pub struct Fingerprint(Arc<[Arc<str>]>);

/// Builds a fingerprint from its parts, in order. Not public API.
pub fn fingerprint<const N: usize>(parts: [Text; N]) -> Fingerprint {
    Fingerprint(parts.into_iter().map(|p| p.0).collect())
}

/// A prepared context. Not public API.
#[derive(Clone, Debug)]
pub struct ContextValue(Arc<Context>);

/// Builds a generic context from its entries, in order. Not public API.
pub fn context<const N: usize>(entries: [(&str, Extra); N]) -> ContextValue {
    let map: Map<String, Value> = entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Arc::unwrap_or_clone(v.0)))
        .collect();
    ContextValue(Arc::new(Context::Other(map)))
}

/// A prepared user, built field by field in source order: the id apart, since a user with an
/// id alone is kept as just the id (`scope/user.rs`), and any other field in a shared `User`
/// (so that the value stays small as the builder moves it). Not public API.
#[derive(Clone, Debug, Default)]
pub struct UserValue {
    id: Option<TagText>,
    rest: Option<Arc<User>>,
}

impl UserValue {
    /// An empty user. Not public API.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn rest(&mut self) -> &mut User {
        Arc::make_mut(self.rest.get_or_insert_default())
    }

    /// Sets `id`. Not public API.
    #[must_use]
    pub fn id(mut self, value: UserField) -> Self {
        self.id = Some(value.0);
        self
    }

    /// Sets `email`. Not public API.
    #[must_use]
    pub fn email(mut self, value: UserField) -> Self {
        self.rest().email = Some(value.0.into());
        self
    }

    /// Sets `username`. Not public API.
    #[must_use]
    pub fn username(mut self, value: UserField) -> Self {
        self.rest().username = Some(value.0.into());
        self
    }

    /// Sets `ip_address`; a value that is not an IP address (nor `{{auto}}`) is dropped.
    /// Not public API.
    #[must_use]
    pub fn ip_address(mut self, value: UserField) -> Self {
        self.rest().ip_address = value.0.parse().ok();
        self
    }

    fn into_scope_user(self) -> ScopeUser {
        match (self.id, self.rest) {
            (Some(id), None) => ScopeUser::id(id),
            (id, rest) => {
                let mut user = rest.unwrap_or_default();
                Arc::make_mut(&mut user).id = id.map(String::from);
                ScopeUser::Full(user)
            }
        }
    }
}

// The setters take the prepared values by value: a fork applies them once, so they move into
// the scope; `scope!` applies clones, since its update may run more than once.

/// Sets every tag of one macro, in source order (a later write of a key wins), with one
/// rebuild of the tag map's overlay. Not public API.
pub fn set_tags<const N: usize>(scope: &mut ScopeData, tags: [(&Key, Tag); N]) {
    let as_is = |(key, value): &(&Key, Tag)| {
        key.ok_tag_key().is_some() && crate::normalize::tag_value_as_is(&value.0)
    };
    if tags.iter().all(as_is) {
        // Checked and moved in one pass; every key is a tag key, so the fallback never runs.
        let key = |k: &Key| k.ok_tag_key().cloned().unwrap_or_else(|| k.get());
        scope.insert_tag_array(tags.map(|(k, v)| (key(k), Some(v.0))));
    } else {
        scope.fix_and_insert_tags(tags.map(|(k, v)| (k.tag_key(), v.0)));
    }
}

/// Sets an extra value. Not public API.
pub fn set_extra(scope: &mut ScopeData, key: &Key, value: Extra) {
    scope.set_extra(key.get(), value.0);
}

/// Sets a context. Not public API.
pub fn set_context(scope: &mut ScopeData, name: &Key, value: ContextValue) {
    scope.set_context(name.get(), value.0);
}

/// Sets the user. Not public API.
pub fn set_user(scope: &mut ScopeData, value: UserValue) {
    scope.set_user(Some(value.into_scope_user()));
}

/// Sets the level. Not public API.
pub fn set_level(scope: &mut ScopeData, level: Level) {
    scope.set_level(Some(level));
}

/// Sets the fingerprint. Not public API.
pub fn set_fingerprint(scope: &mut ScopeData, value: Fingerprint) {
    scope.set_fingerprint(Some(value.0));
}

/// Sets the transaction name. Not public API.
pub fn set_transaction(scope: &mut ScopeData, value: Text) {
    scope.set_transaction(Some(value.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_values_are_cleaned_when_set_on_the_scope() {
        static KEYS: [Key; 3] = [Key::new("plain"), Key::new("newline"), Key::new("long")];
        let long = "é".repeat(250);
        let mut scope = ScopeData::default();
        set_tags(
            &mut scope,
            [
                (&KEYS[0], tag_value("a b")),
                (&KEYS[1], tag_value("a\nb")),
                (&KEYS[2], tag_value(&long)),
            ],
        );
        let tags: Map<&str, &str> = scope.tags().collect();
        assert_eq!(tags["plain"], "a b");
        assert_eq!(tags["newline"], "a b");
        assert_eq!(tags["long"].chars().count(), 200);
        assert!(tags["long"].ends_with("..."));
    }

    #[test]
    fn scalars_convert_as_expected() {
        assert_eq!(&*tag_value(&-5_i32).0, "-5");
        assert_eq!(&*tag_value(&true).0, "true");
        assert_eq!(&*tag_value(&'x').0, "x");
        assert_eq!(
            *extra_value(&u128::MAX).0,
            Value::from(u128::MAX.to_string())
        );
        assert_eq!(*extra_value(&7_u8).0, Value::from(7));
        assert_eq!(*extra_value(&Some(1.5_f64)).0, Value::from(1.5));
        assert_eq!(*extra_value(&None::<u8>).0, Value::Null);
        assert_eq!(
            *extra_value(&vec!["a", "b"]).0,
            serde_json::json!(["a", "b"])
        );
    }

    #[test]
    fn user_fields_and_invalid_ip() {
        let user = UserValue::new()
            .id(user_value("7"))
            .ip_address(user_value("10.0.0.1"))
            .username(user_value("ann"))
            .into_scope_user();
        let user = user.user();
        assert_eq!(user.id.as_deref(), Some("7"));
        assert_eq!(user.username.as_deref(), Some("ann"));
        assert_eq!(
            user.ip_address.map(|ip| ip.to_string()).as_deref(),
            Some("10.0.0.1")
        );
        let invalid = UserValue::new()
            .id(user_value("7"))
            .ip_address(user_value("nope"))
            .into_scope_user();
        assert_eq!(invalid.user().ip_address, None);
        assert_eq!(invalid.user().id.as_deref(), Some("7"));
    }

    #[test]
    fn a_user_given_only_an_id_is_kept_as_the_id() {
        let user = UserValue::new().id(user_value(&42_u64)).into_scope_user();
        assert!(matches!(user, ScopeUser::Id(_)));
        assert_eq!(user.user().id.as_deref(), Some("42"));
    }
}
