//! Which proxy the HTTP transport sends through: the `http_proxy` / `https_proxy` option that
//! applies to the DSN's scheme, checked when `init` builds the transport, or else whatever the
//! environment names (reqwest reads `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`).

use crate::error::InitError;
use crate::options::ClientOptions;

/// How requests reach the server.
pub(crate) enum Route {
    /// No option applies: reqwest follows the environment.
    Environment,
    /// The option is empty: straight to the server, the environment ignored.
    Direct,
    /// Through `proxy`; `shown` is its URL without credentials, for the debug log.
    Proxy {
        proxy: Box<reqwest::Proxy>,
        shown: String,
    },
}

impl Route {
    /// The route for a DSN with an `https` (or else `http`) scheme: `https_proxy` for HTTPS
    /// when set, else `http_proxy`.
    pub(crate) fn for_dsn(options: &ClientOptions, https: bool) -> Result<Self, InitError> {
        let chosen = options
            .https_proxy
            .as_deref()
            .filter(|_| https)
            .map(|url| ("https_proxy", url))
            .or_else(|| options.http_proxy.as_deref().map(|url| ("http_proxy", url)));
        let Some((option, url)) = chosen else {
            return Ok(Route::Environment);
        };
        if url.is_empty() {
            return Ok(Route::Direct);
        }
        let invalid = |reason: String| InitError::InvalidProxy { option, reason };
        if !url.contains("://") {
            // `proxy.example:3128` parses as a URL whose scheme is `proxy.example`.
            return Err(invalid(
                "it has no `http://` or `https://` in front".to_owned(),
            ));
        }
        let parsed = reqwest::Url::parse(url).map_err(|e| invalid(format!("not a URL ({e})")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "its scheme `{}` is not supported (http and https are)",
                parsed.scheme()
            )));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it names no host".to_owned()));
        }
        let proxy = reqwest::Proxy::all(parsed.clone())
            .map_err(|_| invalid("the HTTP client cannot use it as a proxy".to_owned()))?;
        let mut shown = parsed;
        // Both only fail for URLs that cannot have credentials, which then have none to hide.
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        Ok(Route::Proxy {
            proxy: Box::new(proxy),
            shown: shown.to_string(),
        })
    }

    /// `builder` sending this way.
    pub(crate) fn apply(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        match self {
            Route::Environment => builder,
            Route::Direct => builder.no_proxy(),
            Route::Proxy { proxy, .. } => builder.proxy((**proxy).clone()),
        }
    }

    /// How the debug log names the route.
    pub(crate) fn describe(&self) -> String {
        match self {
            Route::Environment => "directly, or through the environment's proxy".to_owned(),
            Route::Direct => "directly".to_owned(),
            Route::Proxy { shown, .. } => format!("through the proxy {shown}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(http: Option<&'static str>, https: Option<&'static str>, dsn_https: bool) -> String {
        let mut options = ClientOptions::new();
        options.http_proxy = http.map(Into::into);
        options.https_proxy = https.map(Into::into);
        match Route::for_dsn(&options, dsn_https) {
            Ok(route) => route.describe(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn https_proxy_applies_to_https_dsns_and_http_proxy_to_the_rest() {
        let (http, https) = (Some("http://a.example:1"), Some("http://b.example:2"));
        assert_eq!(
            route(http, https, false),
            "through the proxy http://a.example:1/"
        );
        assert_eq!(
            route(http, https, true),
            "through the proxy http://b.example:2/"
        );
        assert_eq!(
            route(http, None, true),
            "through the proxy http://a.example:1/"
        );
        assert_eq!(route(None, https, false), Route::Environment.describe());
        assert_eq!(route(None, None, true), Route::Environment.describe());
    }

    #[test]
    fn an_empty_proxy_option_means_direct() {
        assert_eq!(route(Some(""), None, false), "directly");
        // An empty https_proxy overrides http_proxy for HTTPS only.
        assert_eq!(
            route(Some("http://a.example:1"), Some(""), true),
            "directly"
        );
    }

    #[test]
    fn the_log_shows_the_proxy_without_its_credentials() {
        let shown = route(Some("https://user:hunter2@proxy.example:3128"), None, false);
        assert_eq!(shown, "through the proxy https://proxy.example:3128/");
    }

    #[test]
    fn a_proxy_that_is_not_an_http_url_is_refused_without_echoing_it() {
        for (url, reason) in [
            ("proxy.example:3128", "no `http://` or `https://` in front"),
            ("ftp://proxy.example:21", "scheme `ftp` is not supported"),
            (
                "socks5://user:hunter2@proxy.example:1080",
                "scheme `socks5` is not supported",
            ),
            ("not a url", "no `http://` or `https://` in front"),
            ("http://user:hunter2@:3128", "not a URL"),
        ] {
            let message = route(None, Some(url), true);
            assert!(message.starts_with("invalid https_proxy: "), "{message}");
            assert!(message.contains(reason), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }
}
