//! `send_default_pii = false` (the default): personal data is removed from what leaves the
//! process, whoever put it there (scope, event processor or `before_send`).

use sentry_types::protocol::v7::Request;

use crate::protocol::User;

/// Request headers that carry credentials, session cookies or the client's IP address.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-auth-token",
    "x-csrf-token",
    "x-xsrf-token",
    "x-forwarded-for",
    "x-real-ip",
    "forwarded",
    "true-client-ip",
    "cf-connecting-ip",
];

/// Request environment entries that carry the client's IP address.
const SENSITIVE_ENV: &[&str] = &["REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP"];

/// Removes the user's IP address (including `{{auto}}`, which asks the server to fill it in),
/// cookies, credential and IP headers, and credentials in the request URL.
pub(crate) fn strip(user: &mut Option<User>, request: &mut Option<Request>) {
    if let Some(user) = user {
        user.ip_address = None;
    }
    if let Some(request) = request {
        request.cookies = None;
        request.headers.retain(|name, _| {
            !SENSITIVE_HEADERS
                .iter()
                .any(|s| name.eq_ignore_ascii_case(s))
        });
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
    use sentry_types::protocol::v7::IpAddress;

    #[test]
    fn strips_ip_cookies_auth_headers_and_url_credentials() {
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
    }
}
