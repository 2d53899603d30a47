//! What the layer reads from an HTTP request: the protocol `Request`, the transaction name and
//! the incoming trace.

use http::header::{COOKIE, HOST};
use http::{HeaderMap, Request};
use sentry_types::protocol::v7::{Request as RequestData, Url};

use crate::pii::{filter_query, is_sensitive};

/// The request as events report it: method, URL without the query, the query string, and the
/// headers; credentials, cookies and client addresses only with `send_default_pii`.
pub(super) fn request_data<B>(req: &Request<B>, send_pii: bool) -> RequestData {
    let uri = req.uri();
    let host = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| header_str(req.headers(), HOST.as_str()).map(str::to_owned));
    let url = host.and_then(|host| {
        let scheme = uri.scheme_str().unwrap_or("http");
        Url::parse(&format!("{scheme}://{host}{}", uri.path())).ok()
    });
    let mut headers = sentry_types::protocol::v7::Map::new();
    for name in req.headers().keys() {
        if !send_pii && is_sensitive(name.as_str()) {
            continue;
        }
        let values: Vec<&str> = req
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if !values.is_empty() {
            headers.insert(name.as_str().to_owned(), values.join(", "));
        }
    }
    RequestData {
        url,
        method: Some(req.method().as_str().to_owned()),
        query_string: uri.query().map(|q| {
            if send_pii {
                q.to_owned()
            } else {
                filter_query(q)
            }
        }),
        cookies: send_pii
            .then(|| header_str(req.headers(), COOKIE.as_str()).map(str::to_owned))
            .flatten(),
        headers,
        ..RequestData::default()
    }
}

/// `METHOD route`: axum's matched route (`/users/{id}`) when known, else the URI path.
pub(super) fn transaction_name<B>(req: &Request<B>) -> String {
    #[cfg(feature = "axum")]
    if let Some(route) = req.extensions().get::<axum::extract::MatchedPath>() {
        return format!("{} {}", req.method(), route.as_str());
    }
    format!("{} {}", req.method(), req.uri().path())
}

/// The headers an incoming trace is continued from, those of them the request has.
pub(super) fn trace_headers(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    ["sentry-trace", "baggage", "traceparent"]
        .into_iter()
        .filter_map(|name| header_str(headers, name).map(|value| (name, value)))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request<()> {
        Request::builder()
            .method("POST")
            .uri("/pay?amount=5&access_token=abc")
            .header("host", "shop.example")
            .header("authorization", "Bearer x")
            .header("cookie", "session=1")
            .header("x-api-key", "k")
            .header("x-csrf-token", "c")
            .header("x-forwarded-for", "10.0.0.1")
            .header("accept", "text/html")
            .header("accept", "application/json")
            .body(())
            .unwrap()
    }

    #[test]
    fn sensitive_headers_and_parameters_are_left_out_without_pii() {
        let data = request_data(&request(), false);
        let names: Vec<_> = data.headers.keys().map(String::as_str).collect();
        assert_eq!(names, ["accept", "host"]);
        assert_eq!(data.headers["accept"], "text/html, application/json");
        assert_eq!(
            data.query_string.as_deref(),
            Some("amount=5&access_token=[Filtered]")
        );
        assert_eq!(data.cookies, None);
        assert_eq!(
            data.url.as_ref().map(Url::as_str),
            Some("http://shop.example/pay")
        );
        assert_eq!(data.method.as_deref(), Some("POST"));
    }

    #[test]
    fn everything_is_kept_with_pii() {
        let data = request_data(&request(), true);
        assert_eq!(data.headers.len(), 7);
        assert_eq!(data.cookies.as_deref(), Some("session=1"));
        assert_eq!(
            data.query_string.as_deref(),
            Some("amount=5&access_token=abc")
        );
    }

    #[test]
    fn the_transaction_is_named_after_the_path_without_a_route() {
        assert_eq!(transaction_name(&request()), "POST /pay");
    }
}
