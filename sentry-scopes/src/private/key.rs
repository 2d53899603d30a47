//! Keys the macros write: string literals, turned into the shared strings scope maps use once
//! per call site instead of once per fork.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use crate::normalize::{TagRejected, tag_key};
use crate::scope::CheckedKey;

/// A tag, extra or context key written in a macro. The macro puts each in a `static` at its
/// call site, so a fork that sets it takes a reference count instead of allocating.
/// Not public API.
#[derive(Debug)]
pub struct Key {
    text: &'static str,
    shared: OnceLock<Arc<str>>,
    /// The key as a tag key (`normalize::tag_key`): checked once per call site, not per write.
    tag: OnceLock<Result<Arc<str>, TagRejected>>,
}

impl Key {
    /// A key for `text`. Not public API.
    #[must_use]
    pub const fn new(text: &'static str) -> Self {
        Self {
            text,
            shared: OnceLock::new(),
            tag: OnceLock::new(),
        }
    }

    /// The key as a shared string, made on first use. Not public API.
    pub(crate) fn get(&self) -> Arc<str> {
        self.shared.get_or_init(|| Arc::from(self.text)).clone()
    }

    /// The key as a tag key, made acceptable to Relay on first use, or why it cannot be one.
    pub(crate) fn tag_key(&self) -> CheckedKey {
        self.checked().clone().map_err(|why| (self.text, why))
    }

    /// The key as a tag key, when it can be one.
    pub(crate) fn ok_tag_key(&self) -> Option<&Arc<str>> {
        self.checked().as_ref().ok()
    }

    fn checked(&self) -> &Result<Arc<str>, TagRejected> {
        self.tag.get_or_init(|| match tag_key(self.text) {
            Ok(Cow::Borrowed(k)) if k.len() == self.text.len() => Ok(self.get()),
            Ok(k) => Ok(Arc::from(&*k)),
            Err(why) => Err(why),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_and_shared_afterwards() {
        static KEY: Key = Key::new("route");
        let (a, b) = (KEY.get(), KEY.get());
        assert_eq!(&*a, "route");
        assert!(Arc::ptr_eq(&a, &b));
    }
}
