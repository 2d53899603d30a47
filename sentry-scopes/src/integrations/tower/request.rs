//! What the layer reads from an HTTP request: the protocol `Request`, the transaction name and
//! the incoming trace.

use http::header::{COOKIE, HOST};
use http::{HeaderMap, HeaderName, Method, Request, Uri};
use sentry_types::protocol::v7::{Request as RequestData, Url};

use crate::scope::RequestSource;

/// What the layer keeps of a request for its events: a copy of the method, the URI and the
/// headers (cheap: their bytes are shared), turned into the protocol `Request` only when an
/// event or transaction of the request is sent.
pub(super) fn request_source<B>(req: &Request<B>) -> RequestSource {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    RequestSource::new(move || request_data(&method, &uri, &headers))
}

/// The request as events report it: method, URL without the query, the query string, the
/// cookies and the headers, unfiltered (the outgoing filter removes credentials, cookies and
/// client addresses unless `send_default_pii`).
fn request_data(method: &Method, uri: &Uri, headers: &HeaderMap) -> RequestData {
    let host = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| header_str(headers, HOST.as_str()).map(str::to_owned));
    let url = host.and_then(|host| {
        let scheme = uri.scheme_str().unwrap_or("http");
        Url::parse(&format!("{scheme}://{host}{}", uri.path())).ok()
    });
    let mut fields = sentry_types::protocol::v7::Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if !values.is_empty() {
            fields.insert(name.as_str().to_owned(), values.join(", "));
        }
    }
    RequestData {
        url,
        method: Some(method.as_str().to_owned()),
        query_string: uri.query().map(str::to_owned),
        cookies: header_str(headers, COOKIE.as_str()).map(str::to_owned),
        headers: fields,
        ..RequestData::default()
    }
}

/// `METHOD route`: axum's matched route (`/users/{id}`) when known, else the URI path.
pub(super) fn transaction_name<B>(req: &Request<B>) -> String {
    #[cfg(feature = "axum")]
    if let Some(route) = req.extensions().get::<axum::extract::MatchedPath>() {
        return joined(req.method(), route.as_str());
    }
    joined(req.method(), req.uri().path())
}

/// `method path`, in one allocation (no formatting machinery: this runs for every request).
fn joined(method: &Method, path: &str) -> String {
    let method = method.as_str();
    let mut name = String::with_capacity(method.len() + 1 + path.len());
    name.push_str(method);
    name.push(' ');
    name.push_str(path);
    name
}

/// The headers an incoming trace is continued from, those of them the request has.
pub(super) fn trace_headers(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    // Looked up by pre-built names: a `&str` name is parsed and checked on every lookup.
    static NAMES: [(HeaderName, &str); 3] = [
        (HeaderName::from_static("sentry-trace"), "sentry-trace"),
        (HeaderName::from_static("baggage"), "baggage"),
        (HeaderName::from_static("traceparent"), "traceparent"),
    ];
    NAMES.iter().filter_map(|(name, text)| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|value| (*text, value))
    })
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

    fn data(send_pii: bool) -> RequestData {
        let mut event = crate::protocol::Event {
            request: Some(request_source(&request()).build()),
            ..Default::default()
        };
        crate::client::finish::finish_event(&mut event, send_pii);
        event.request.unwrap()
    }

    #[test]
    fn sensitive_headers_and_parameters_are_left_out_without_pii() {
        let data = data(false);
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
        let data = data(true);
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
