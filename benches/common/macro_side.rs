//! # The "macro" side of the benchmarks: the one place to switch when `sentry-macros` lands
//!
//! `#[with_scope]` and `#[isolation_scope]` are being written on another branch. Until they are
//! merged, each function below is the **hand-written expansion** of the attribute shown in its
//! doc comment, following `macros.md` sections 4 and 5, against `sentry_scopes::__private` as it
//! exists on this branch. Benchmarks that say "macro" measure these functions, so today they
//! measure the expansion, **not the proc macro's real output**.
//!
//! To switch: delete each body below and put the attribute from its doc comment on the
//! signature (keeping `#[inline(never)]`), e.g.
//!
//! ```text
//! #[inline(never)]
//! #[sentry_scopes::with_scope(tag("bench", value))]
//! pub fn tagged(value: &str) { black_box(value); }
//! ```
//!
//! Differences from the design's expansion, forced by today's `__private`:
//! - values are converted with `to_string()`/`&str` instead of `__private::tag_value`;
//! - `__private` has no user setter yet, so [`request`] sets the user with the top-level
//!   `set_user` after entering the fork: one extra `rcu` on the new isolation cell that the
//!   real expansion (user written to `__fork.target()` before `enter()`) will not pay.

use std::hint::black_box;

use sentry_scopes::__private as p;
use sentry_scopes::{Level, User};

/// `#[with_scope] fn bare() {}`: a fork with no items.
#[inline(never)]
pub fn bare() {
    let __fork = p::fork_current();
    let __guard = __fork.enter();
    {
        black_box(());
    }
}

/// `#[with_scope(tag("bench", value))] fn tagged(value: &str) {}`
#[inline(never)]
pub fn tagged(value: &str) {
    let __v0 = value;
    let mut __fork = p::fork_current();
    __fork.target().__set_tag("bench", __v0);
    let __guard = __fork.enter();
    {
        black_box(value);
    }
}

/// `#[with_scope(tag("bench", value))] fn capture(value: &str) { capture_message(..) }`
#[inline(never)]
pub fn capture(value: &str) {
    let __v0 = value;
    let mut __fork = p::fork_current();
    __fork.target().__set_tag("bench", __v0);
    let __guard = __fork.enter();
    {
        black_box(sentry_scopes::capture_message("benchmark", Level::Info));
    }
}

/// `#[isolation_scope(user(id = id), tag("route", route), tag("method", method))]
/// fn request(id: &str, route: &str, method: &str) {}`
#[inline(never)]
pub fn request(id: &str, route: &str, method: &str) {
    let (__v0, __v1, __v2) = (id, route, method);
    let mut __fork = p::fork_isolation();
    __fork.target().__set_tag("route", __v1);
    __fork.target().__set_tag("method", __v2);
    let __guard = __fork.enter();
    // Stand-in for `__fork.target().set_user(..)` before `enter()` (see the module docs).
    sentry_scopes::set_user(Some(User {
        id: Some(__v0.to_owned()),
        ..User::default()
    }));
    {
        black_box(id);
    }
}

/// `#[with_scope(tag("n", n))] async fn tagged_async(n: u64) -> u64 { n }`
pub async fn tagged_async(n: u64) -> u64 {
    let __v0 = n.to_string();
    let mut __fork = p::fork_current();
    __fork.target().__set_tag("n", &__v0);
    let __fut = async move {
        #[allow(unreachable_code, clippy::diverging_sub_expression)]
        if let p::Some(__ret) = p::None::<u64> {
            return __ret;
        }
        // The user's block; the real expansion spans its braces at the user's, so rustc's
        // `unused_braces` stays quiet there.
        #[allow(unused_braces)]
        let __ret = { black_box(n) };
        __ret
    };
    #[allow(clippy::needless_return)]
    return __fork.run(__fut).await;
}

/// ```text
/// #[isolation_scope(tag("task", n))]
/// async fn task(n: u64) -> u64 { for _ in 0..3 { tokio::task::yield_now().await; } n }
/// ```
pub async fn task(n: u64) -> u64 {
    let __v0 = n.to_string();
    let mut __fork = p::fork_isolation();
    __fork.target().__set_tag("task", &__v0);
    let __fut = async move {
        #[allow(unreachable_code, clippy::diverging_sub_expression)]
        if let p::Some(__ret) = p::None::<u64> {
            return __ret;
        }
        {
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
            black_box(n)
        }
    };
    #[allow(clippy::needless_return)]
    return __fork.run(__fut).await;
}
