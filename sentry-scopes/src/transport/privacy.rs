//! `send_default_pii = false` (the default): the SDK sends no personal data that the
//! application did not set on purpose.
//!
//! Integrations check the option themselves before they collect anything (the tower layer
//! does). This is the last line, run on every outgoing event: the server is not asked to infer
//! the user's IP address, and request data loses cookies, credential headers and client
//! addresses, whoever put them there. A user IP address the application sets explicitly (with
//! `set_user` or the macros' `user(ip_address = ..)`) is its own decision and is kept.

use sentry_types::protocol::v7::{IpAddress, Request};

use crate::protocol::User;

/// Request headers that carry credentials, session cookies or the client's IP address.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "forwarded",
    "x-forwarded-for",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
];

/// Name fragments that mark a header or query parameter as a credential (`X-Api-Key`,
/// `X-Auth-Token`, `X-CSRF-Token`, `?access_token=`, …).
const SENSITIVE_WORDS: &[&str] = &[
    "auth",
    "token",
    "secret",
    "password",
    "passwd",
    "api-key",
    "api_key",
    "apikey",
    "session",
    "signature",
    "credential",
    "csrf",
    "xsrf",
];

/// Request environment entries that carry the client's IP address.
const SENSITIVE_ENV: &[&str] = &["REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP"];

/// Whether a header or query-parameter name carries credentials, cookies or a client address:
/// the one list both the outgoing filter and the integrations' collection use.
pub(crate) fn is_sensitive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SENSITIVE_HEADERS.contains(&lower.as_str()) || SENSITIVE_WORDS.iter().any(|w| lower.contains(w))
}

/// Removes `{{auto}}` (which asks the server to fill in the sender's IP address), and from the
/// request: cookies, credential and client-IP headers and environment entries, and credentials
/// in the URL.
pub(crate) fn strip(user: &mut Option<User>, request: &mut Option<Request>) {
    if let Some(user) = user
        && user.ip_address == Some(IpAddress::Auto)
    {
        user.ip_address = None;
    }
    if let Some(request) = request {
        request.cookies = None;
        request.headers.retain(|name, _| !is_sensitive(name));
        request
            .env
            .retain(|name, _| !SENSITIVE_ENV.iter().any(|s| name.eq_ignore_ascii_case(s)));
        if let Some(url) = &mut request.url
            && (!url.username().is_empty() || url.password().is_some())
        {
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_inferred_ip_cookies_auth_headers_and_url_credentials() {
        let mut user = Some(User {
            id: Some("42".into()),
            ip_address: Some(IpAddress::Auto),
            ..User::default()
        });
        let mut request = Some(Request {
            url: "https://bob:secret@example.com/path?q=1".parse().ok(),
            cookies: Some("session=abc".into()),
            headers: [
                ("Authorization", "Bearer x"),
                ("Cookie", "a=b"),
                ("X-Forwarded-For", "1.2.3.4"),
                ("X-Api-Key", "k"),
                ("Accept", "text/html"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            env: [
                ("REMOTE_ADDR".to_owned(), "1.2.3.4".to_owned()),
                ("SERVER_NAME".to_owned(), "web".to_owned()),
            ]
            .into_iter()
            .collect(),
            ..Request::default()
        });
        strip(&mut user, &mut request);
        let user = user.unwrap();
        assert_eq!(user.ip_address, None);
        assert_eq!(user.id.as_deref(), Some("42"));
        let request = request.unwrap();
        assert_eq!(request.cookies, None);
        assert_eq!(request.headers.keys().collect::<Vec<_>>(), ["Accept"]);
        assert_eq!(request.env.keys().collect::<Vec<_>>(), ["SERVER_NAME"]);
        assert_eq!(
            request.url.unwrap().as_str(),
            "https://example.com/path?q=1"
        );

        // An address the application set itself stays.
        let exact = "203.0.113.9".parse().ok().map(IpAddress::Exact);
        let mut user = Some(User {
            ip_address: exact,
            ..User::default()
        });
        strip(&mut user, &mut None);
        assert_eq!(user.unwrap().ip_address, exact);
    }
}
