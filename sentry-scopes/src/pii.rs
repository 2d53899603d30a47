//! `send_default_pii = false` (the default): the SDK sends no personal data that the
//! application did not set on purpose.
//!
//! One list decides which names carry secrets or personal data ([`is_sensitive`]): every
//! integration uses it to decide what to collect, and the outgoing filter ([`strip`]) applies it
//! to every event, whoever put the data there. Its floor is sentry-python's default scrubber
//! denylists (sensitive keys and PII keys, with which Relay's own defaults agree) and every
//! header that proxies and CDNs use to forward the client's IP address. A name is sensitive
//! when, lowercased with `-` read as `_`:
//!
//! - it is one of [`SENSITIVE_NAMES`] (`password`, `cookie`, `x_forwarded_for`, `email`, `code`,
//!   `key`, `ssn`, …), or
//! - it contains one of [`SENSITIVE_WORDS`] (`auth`, `token`, `secret`, `passw`, `session`,
//!   `csrf`, …), or
//! - one of its `_`/`.`-separated parts is one of [`SENSITIVE_PARTS`] (`ip`, `forwarded`,
//!   `addr`, `address`, `key`, `email`, `sig`, …): `x-access-key`, `fastly-client-ip`,
//!   `x-envoy-external-address`, `user_email`.
//!
//! The filter removes `{{auto}}` (which asks the server to infer the user's IP address), and in
//! the request: cookies, sensitive headers and environment entries, the values of sensitive
//! query parameters, and credentials in the URL; in extra data, user data, breadcrumb data and
//! frame variables: the values under sensitive keys, replaced by `[Filtered]` (in what is sent:
//! a breadcrumb stored on a scope keeps its data, and is filtered the first time an event
//! carries it, off the thread that added it). A user IP
//! address the application sets explicitly (with `set_user` or the macros'
//! `user(ip_address = ..)`) is its own decision and is kept.

use std::sync::LazyLock;

use sentry_types::protocol::v7::{IpAddress, Request};

use crate::protocol::{Breadcrumb, Event, Map, Transaction, User, Value};

/// Stands in for a filtered value.
pub(crate) const FILTERED: &str = "[Filtered]";

/// Names that are sensitive as a whole (lowercase, `-` as `_`).
pub(crate) const SENSITIVE_NAMES: &[&str] = &[
    // sentry-python's sensitive keys
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "set_cookie",
    "cookie",
    "authorization",
    "x_api_key",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "phpsessid",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "xsrf_token",
    // sentry-python's personal-data keys
    "x_forwarded_for",
    "x_real_ip",
    "ip_address",
    "remote_addr",
    // client-IP headers of proxies, CDNs and load balancers
    "forwarded",
    "forwarded_for",
    "x_forwarded",
    "x_original_forwarded_for",
    "x_client_ip",
    "x_cluster_client_ip",
    "true_client_ip",
    "cf_connecting_ip",
    "fastly_client_ip",
    "fly_client_ip",
    "x_envoy_external_address",
    "x_vercel_forwarded_for",
    "x_appengine_user_ip",
    "cf_pseudo_ipv4",
    "http_x_forwarded_for",
    "http_x_real_ip",
    // query parameters and fields that carry credentials or identify a person
    "email",
    "code",
    "key",
    "sig",
    "signature",
    "ssn",
    "pwd",
    "pin",
    "otp",
    "jwt",
    "bearer",
    "cvv",
    "cvc",
    "card_number",
    "credit_card",
];

/// Fragments that make any name containing them sensitive.
pub(crate) const SENSITIVE_WORDS: &[&str] = &[
    "auth",
    "token",
    "secret",
    "passw",
    "session",
    "sessid",
    "credential",
    "csrf",
    "xsrf",
    "apikey",
    "api_key",
    "private_key",
    "signature",
    "cookie",
];

/// Parts of a name (split at `_` and `.`) that make it sensitive.
pub(crate) const SENSITIVE_PARTS: &[&str] = &[
    "ip",
    "ips",
    "forwarded",
    "addr",
    "address",
    "key",
    "email",
    "mail",
    "sig",
    "ssn",
    "pwd",
];

/// Whether a header, query parameter or data key names a secret or personal data; see the
/// module docs for the rule.
pub(crate) fn is_sensitive(name: &str) -> bool {
    // Normalised on the stack: this runs for every key of every breadcrumb's data.
    let mut buf = [0u8; 64];
    let owned;
    let name: &str = if name.len() <= buf.len() {
        for (dst, src) in buf.iter_mut().zip(name.bytes()) {
            *dst = if src == b'-' {
                b'_'
            } else {
                src.to_ascii_lowercase()
            };
        }
        // ASCII bytes were mapped to ASCII bytes, others copied: still UTF-8.
        std::str::from_utf8(&buf[..name.len()]).unwrap_or_default()
    } else {
        owned = name.to_ascii_lowercase().replace('-', "_");
        &owned
    };
    let sorted = &*SORTED;
    sorted.names.binary_search(&name).is_ok()
        || contains_word(name.as_bytes())
        || name
            .split(['_', '.'])
            .any(|part| sorted.parts.binary_search(&part).is_ok())
}

/// [`SENSITIVE_NAMES`] and [`SENSITIVE_PARTS`] sorted, for binary search: this check runs for
/// every key of every breadcrumb, and a linear scan of ~90 names cost more than the rest of
/// adding a breadcrumb.
struct Sorted {
    names: Vec<&'static str>,
    parts: Vec<&'static str>,
}

static SORTED: LazyLock<Sorted> = LazyLock::new(|| {
    let sorted = |list: &[&'static str]| {
        let mut v = list.to_vec();
        v.sort_unstable();
        v
    };
    Sorted {
        names: sorted(SENSITIVE_NAMES),
        parts: sorted(SENSITIVE_PARTS),
    }
});

/// Whether one of [`SENSITIVE_WORDS`] occurs in `name`: only positions holding the first byte
/// of some word are tried.
fn contains_word(name: &[u8]) -> bool {
    const FIRST: u128 = first_bytes(SENSITIVE_WORDS);
    (0..name.len()).any(|i| {
        let b = name[i];
        b < 128
            && FIRST & (1 << b) != 0
            && SENSITIVE_WORDS
                .iter()
                .any(|w| name[i..].starts_with(w.as_bytes()))
    })
}

/// The set of first bytes of `words` (ASCII), as a bit mask.
const fn first_bytes(words: &[&str]) -> u128 {
    let mut mask = 0u128;
    let mut i = 0;
    while i < words.len() {
        let b = words[i].as_bytes()[0];
        assert!(b < 128, "the words are ASCII");
        mask |= 1 << b;
        i += 1;
    }
    mask
}

/// A query string with the values of sensitive parameters replaced by [`FILTERED`].
pub(crate) fn filter_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_sensitive(key) => format!("{key}={FILTERED}"),
            _ if is_sensitive(pair) => FILTERED.to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Applies the filter (see the module docs) to an event.
pub(crate) fn strip_event(event: &mut Event<'static>) {
    strip(&mut event.user, &mut event.request);
    filter_values(&mut event.extra);
    for crumb in &mut event.breadcrumbs.values {
        strip_breadcrumb(crumb);
    }
    let traces = event
        .exception
        .values
        .iter_mut()
        .filter_map(|e| e.stacktrace.as_mut())
        .chain(
            event
                .threads
                .values
                .iter_mut()
                .filter_map(|t| t.stacktrace.as_mut()),
        )
        .chain(event.stacktrace.as_mut());
    for trace in traces {
        for frame in &mut trace.frames {
            filter_values(&mut frame.vars);
        }
    }
}

/// Applies the user and request part of the filter (a transaction recorded by a span tree
/// has nothing else it applies to).
pub(crate) fn strip_user_and_request(user: &mut Option<User>, request: &mut Option<Request>) {
    strip(user, request);
}

/// Applies the filter to a transaction.
pub(crate) fn strip_transaction(txn: &mut Transaction<'static>) {
    strip(&mut txn.user, &mut txn.request);
    filter_values(&mut txn.extra);
}

/// Filters the data of a breadcrumb.
pub(crate) fn strip_breadcrumb(crumb: &mut Breadcrumb) {
    filter_values(&mut crumb.data);
}

fn filter_values(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        if is_sensitive(key) && value.as_str() != Some(FILTERED) {
            *value = Value::from(FILTERED);
        }
    }
}

/// The user and request part of the filter.
fn strip(user: &mut Option<User>, request: &mut Option<Request>) {
    if let Some(user) = user {
        if user.ip_address == Some(IpAddress::Auto) {
            user.ip_address = None;
        }
        filter_values(&mut user.other);
    }
    if let Some(request) = request {
        request.cookies = None;
        request.headers.retain(|name, _| !is_sensitive(name));
        request.env.retain(|name, _| !is_sensitive(name));
        if let Some(query) = &mut request.query_string {
            *query = filter_query(query);
        }
        if let Some(url) = &mut request.url {
            if !url.username().is_empty() || url.password().is_some() {
                let _ = url.set_username("");
                let _ = url.set_password(None);
            }
            if let Some(query) = url.query().map(filter_query) {
                url.set_query(Some(&query));
            }
        }
    }
}

#[cfg(test)]
mod tests;
