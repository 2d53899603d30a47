//! Keys the macros write: string literals, turned into the shared strings scope maps use once
//! per call site instead of once per fork.

use std::sync::{Arc, OnceLock};

/// A tag, extra or context key written in a macro. The macro puts each in a `static` at its
/// call site, so a fork that sets it takes a reference count instead of allocating.
/// Not public API.
#[derive(Debug)]
pub struct Key {
    text: &'static str,
    shared: OnceLock<Arc<str>>,
}

impl Key {
    /// A key for `text`. Not public API.
    #[must_use]
    pub const fn new(text: &'static str) -> Self {
        Self {
            text,
            shared: OnceLock::new(),
        }
    }

    /// The key as a shared string, made on first use. Not public API.
    pub(crate) fn get(&self) -> Arc<str> {
        self.shared.get_or_init(|| Arc::from(self.text)).clone()
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
