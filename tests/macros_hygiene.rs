//! The expansions name only `::sentry_scopes::__private` (or `crate = path`), so they work in a
//! `#[no_implicit_prelude]` module, next to user items that shadow `Option`, `Result`, `Box`,
//! `Some`, `core` or `std`, with a renamed or re-exported crate, and next to user locals that
//! share the generated names.

extern crate sentry_scopes as renamed;

use sentry_scopes::test::with_captured_events;
use sentry_scopes::{Event, Level};

fn tags(events: &[Event<'static>]) -> Vec<String> {
    events
        .iter()
        .flat_map(|e| e.tags.iter().map(|(k, v)| format!("{k}={v}")))
        .collect()
}

#[no_implicit_prelude]
mod strict {
    use ::sentry_scopes::{Level, capture_message, isolation_scope, scope, with_scope};
    use ::std::result::Result;
    use ::std::string::String;

    #[derive(Debug)]
    pub struct Failure;

    pub const RELEASE: &str = ::sentry_scopes::release_name!();

    #[with_scope(tag("mod", "strict"), extra(n = n), level = Warning, err)]
    pub fn sync(n: u32) -> Result<u32, Failure> {
        scope!(tag("bang", n));
        capture_message("strict sync", Level::Info);
        if n == 0 {
            return Result::Err(Failure);
        }
        Result::Ok(n)
    }

    #[isolation_scope(tag("mod", "strict_async"), err)]
    pub async fn not_sync(name: String) -> Result<String, Failure> {
        ::tokio::task::yield_now().await;
        capture_message("strict async", Level::Info);
        Result::Ok(name)
    }

    #[with_scope(span(op = "strict", name = ::std::format!("sync {n}")), err)]
    pub fn spanned(n: u32) -> Result<u32, Failure> {
        if n == 0 {
            return Result::Err(Failure);
        }
        Result::Ok(n)
    }

    #[isolation_scope(span(op = "strict"), err)]
    pub async fn spanned_async() -> Result<(), Failure> {
        ::tokio::task::yield_now().await;
        Result::Ok(())
    }

    #[with_scope(span)]
    pub fn spanned_future() -> impl ::std::future::Future<Output = ()> {
        ::std::future::ready(())
    }
}

#[allow(dead_code, unused_macros, non_upper_case_globals)]
mod shadowing {
    use ::sentry_scopes::{Level, capture_message, scope, with_scope};

    // Names generated code might be tempted to use unqualified.
    pub struct Option;
    pub struct Box;
    pub type Result<T> = ::std::result::Result<T, Bad>;
    pub const Some: u8 = 1;
    pub const None: u8 = 0;
    mod core {}
    mod std {}
    mod sentry_scopes {}
    macro_rules! concat {
        () => {};
    }
    macro_rules! env {
        () => {};
    }

    pub const RELEASE: &str = ::sentry_scopes::release_name!();

    #[derive(Debug)]
    pub struct Bad;

    pub enum Shadow {
        Ok,
        Err,
    }

    #[with_scope(tag("shadowed", true), err)]
    pub fn with_alias(fail: bool) -> Result<u8> {
        // Mirrors tracing #3306: a glob import in the body cannot reach the generated prelude,
        // which sits outside the user's block.
        use Shadow::*;
        let _ = (Ok, Err);
        scope!(tag("inner", "yes"));
        capture_message("shadowed", Level::Info);
        if fail {
            ::std::result::Result::Err(Bad)
        } else {
            ::std::result::Result::Ok(Some)
        }
    }

    #[with_scope(tag("shadowed_async", true))]
    pub async fn async_alias() -> Result<u8> {
        ::std::result::Result::Ok(None)
    }

    #[with_scope(span(op = "shadowed"), err)]
    pub async fn spanned_alias(fail: bool) -> Result<u8> {
        if fail {
            ::std::result::Result::Err(Bad)
        } else {
            ::std::result::Result::Ok(Some)
        }
    }
}

mod reexport {
    pub use ::sentry_scopes as inner;
}

#[renamed::with_scope(crate = ::renamed, tag("via", "extern_crate_rename"))]
fn via_rename() {
    renamed::scope!(crate = ::renamed, extra(k = 1));
    renamed::capture_message("rename", Level::Info);
}

#[reexport::inner::with_scope(crate = crate::reexport::inner, tag("via", "reexport"))]
fn via_reexport() {
    reexport::inner::capture_message("reexport", Level::Info);
}

#[sentry_scopes::with_scope(tag("n", __fork), tag("v0", __v0))]
fn user_locals_with_generated_names(__fork: u32, __v0: &str) -> u32 {
    let __guard = 5; // shadows nothing generated
    sentry_scopes::capture_message("locals", Level::Info);
    __fork + __guard
}

#[sentry_scopes::with_scope(span(op = __s, name = __v0_1), tag("s", __s))]
fn span_locals_with_generated_names(__s: &str, __v0_1: String) -> usize {
    let __span = 1;
    __s.len() + __v0_1.len() + __span
}

#[test]
fn no_implicit_prelude_module() {
    let events = with_captured_events(|| {
        assert_eq!(strict::sync(3).unwrap(), 3);
        assert!(strict::sync(0).is_err());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(rt.block_on(strict::not_sync("a".into())).unwrap(), "a");
    });
    assert_eq!(
        events.len(),
        4,
        "two sync captures, one err capture, one async"
    );
    assert_eq!(tags(&events[..1]), ["bang=3", "mod=strict"]);
    assert_eq!(events[0].level, Level::Warning);
    assert_eq!(events[2].message.as_deref(), Some("Failure"));
    assert_eq!(tags(&events[3..]), ["mod=strict_async"]);
}

#[test]
fn shadowed_std_names() {
    let events = with_captured_events(|| {
        assert!(shadowing::with_alias(false).is_ok());
        assert!(shadowing::with_alias(true).is_err());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(shadowing::async_alias()).is_ok());
    });
    assert_eq!(tags(&events[..1]), ["inner=yes", "shadowed=true"]);
    assert_eq!(events.len(), 3);
    assert_eq!(events[2].message.as_deref(), Some("Bad"));
}

#[test]
fn renamed_and_reexported_crate() {
    let events = with_captured_events(|| {
        via_rename();
        via_reexport();
    });
    assert_eq!(tags(&events[..1]), ["via=extern_crate_rename"]);
    assert_eq!(events[0].extra["k"], 1);
    assert_eq!(tags(&events[1..]), ["via=reexport"]);
}

#[test]
fn user_locals_named_like_generated_ones() {
    let events = with_captured_events(|| {
        assert_eq!(user_locals_with_generated_names(1, "x"), 6);
    });
    assert_eq!(tags(&events), ["n=1", "v0=x"]);
}

#[test]
fn spans_under_no_prelude_shadowing_and_generated_names() {
    let envelopes = sentry_scopes::test::with_captured_envelopes_options(
        sentry_scopes::ClientOptions::new().traces_sample_rate(1.0),
        || {
            let txn = sentry_scopes::start_transaction(sentry_scopes::TransactionContext::new(
                "hygiene", "test",
            ));
            txn.in_scope(|| {
                assert!(strict::spanned(2).is_ok());
                assert!(strict::spanned(0).is_err());
                assert_eq!(span_locals_with_generated_names("op", "nm".into()), 5);
                let rt = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                assert!(rt.block_on(strict::spanned_async()).is_ok());
                rt.block_on(strict::spanned_future());
                assert!(rt.block_on(shadowing::spanned_alias(true)).is_err());
            });
        },
    );
    let txn = envelopes
        .iter()
        .flat_map(sentry_scopes::Envelope::items)
        .find_map(|i| match i {
            sentry_scopes::protocol::EnvelopeItem::Transaction(t) => Some(t.clone()),
            _ => None,
        })
        .expect("the transaction");
    let mut spans: Vec<String> = txn
        .spans
        .iter()
        .map(|s| {
            format!(
                "{}:{}:{:?}",
                s.op.as_deref().unwrap_or_default(),
                s.description.as_deref().unwrap_or_default(),
                s.status.unwrap()
            )
        })
        .collect();
    spans.sort();
    assert_eq!(
        spans,
        [
            "function:spanned_future:Ok",
            "op:nm:Ok",
            "shadowed:spanned_alias:InternalError",
            "strict:spanned_async:Ok",
            "strict:sync 0:InternalError",
            "strict:sync 2:Ok",
        ]
    );
}

#[test]
fn release_name_under_no_prelude_and_shadowed_concat_and_env() {
    let expected = concat!("sentry-scopes-suite@", env!("CARGO_PKG_VERSION"));
    assert_eq!(strict::RELEASE, expected);
    assert_eq!(shadowing::RELEASE, expected);
}
