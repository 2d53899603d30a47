use super::*;

#[test]
fn the_names_the_issue_found_leaking_are_sensitive() {
    for name in [
        "x-original-forwarded-for",
        "x-cluster-client-ip",
        "fastly-client-ip",
        "x-envoy-external-address",
        "x-forwarded",
        "forwarded-for",
        "x-access-key",
        "email",
        "code",
        "key",
        "sig",
        "ssn",
    ] {
        assert!(is_sensitive(name), "{name}");
    }
}

#[test]
fn sentry_pythons_denylists_are_the_floor() {
    for name in [
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
        "PHPSESSID",
        "_session",
        "symfony",
        "user_session",
        "_xsrf",
        "XSRF-TOKEN",
        "x_forwarded_for",
        "x_real_ip",
        "ip_address",
        "remote_addr",
    ] {
        assert!(is_sensitive(name), "{name}");
    }
}

#[test]
fn ordinary_names_are_not() {
    for name in [
        "accept",
        "content-type",
        "user-agent",
        "host",
        "page",
        "q",
        "monkey",
        "zip",
    ] {
        assert!(!is_sensitive(name), "{name}");
    }
}

#[test]
fn queries_keep_their_shape_with_sensitive_values_filtered() {
    assert_eq!(
        filter_query("page=2&email=a@b.c&sig=x&code&access_token=t"),
        "page=2&email=[Filtered]&sig=[Filtered]&[Filtered]&access_token=[Filtered]"
    );
}

#[test]
fn strips_inferred_ip_cookies_auth_headers_url_credentials_and_sensitive_values() {
    let mut event = Event {
        user: Some(User {
            id: Some("42".into()),
            ip_address: Some(IpAddress::Auto),
            other: [("email".to_owned(), Value::from("a@b.c"))].into(),
            ..User::default()
        }),
        request: Some(Request {
            url: "https://bob:secret@example.com/path?q=1&token=t"
                .parse()
                .ok(),
            cookies: Some("session=abc".into()),
            query_string: Some("q=1&key=k".into()),
            headers: [
                ("Authorization", "Bearer x"),
                ("Cookie", "a=b"),
                ("X-Forwarded-For", "1.2.3.4"),
                ("X-Access-Key", "k"),
                ("Fastly-Client-IP", "1.2.3.4"),
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
        }),
        ..Event::default()
    };
    event.extra.insert("password".into(), "hunter2".into());
    event.extra.insert("order".into(), 7.into());
    strip_event(&mut event);
    let user = event.user.unwrap();
    assert_eq!(user.ip_address, None);
    assert_eq!(user.id.as_deref(), Some("42"));
    assert_eq!(user.other["email"], FILTERED);
    let request = event.request.unwrap();
    assert_eq!(request.cookies, None);
    assert_eq!(request.headers.keys().collect::<Vec<_>>(), ["Accept"]);
    assert_eq!(request.env.keys().collect::<Vec<_>>(), ["SERVER_NAME"]);
    assert_eq!(request.query_string.as_deref(), Some("q=1&key=[Filtered]"));
    assert_eq!(
        request.url.unwrap().as_str(),
        "https://example.com/path?q=1&token=[Filtered]"
    );
    assert_eq!(event.extra["password"], FILTERED);
    assert_eq!(event.extra["order"], 7);

    // An address the application set itself stays.
    let exact = "203.0.113.9".parse().ok().map(IpAddress::Exact);
    let mut event = Event {
        user: Some(User {
            ip_address: exact,
            ..User::default()
        }),
        ..Event::default()
    };
    strip_event(&mut event);
    assert_eq!(event.user.unwrap().ip_address, exact);
}

#[test]
fn long_and_non_ascii_names_are_judged_the_same_way() {
    let long = format!("{}_password", "x".repeat(80));
    assert!(is_sensitive(&long));
    assert!(!is_sensitive(&"x".repeat(80)));
    assert!(is_sensitive("Bénéficiaire-Email"));
    assert!(!is_sensitive("café"));
}

/// The rule of the module docs, written the plain way, against which the fast name check is compared.
fn sensitive_by_the_rule(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    SENSITIVE_NAMES.contains(&name.as_str())
        || SENSITIVE_WORDS.iter().any(|w| name.contains(w))
        || name
            .split(['_', '.'])
            .any(|part| SENSITIVE_PARTS.contains(&part))
}

#[test]
fn the_fast_name_check_decides_exactly_as_the_rule_reads() {
    let lists = SENSITIVE_NAMES
        .iter()
        .chain(SENSITIVE_WORDS)
        .chain(SENSITIVE_PARTS);
    let mut names: Vec<String> = Vec::new();
    for entry in lists {
        // The entry, with text around it, cut short, and as a part or a prefix of a name.
        names.extend([
            (*entry).to_owned(),
            entry.to_uppercase().replace('_', "-"),
            format!("x_{entry}"),
            format!("{entry}_id"),
            format!("my{entry}s"),
            format!("{entry}.field"),
            entry[..entry.len() - 1].to_owned(),
            entry[1..].to_owned(),
        ]);
    }
    names.extend(
        [
            "", "_", ".", "count", "user_id", "route", "é_key", "ipad", "zip", "ip.",
        ]
        .map(String::from),
    );
    names.push("k".repeat(100) + "_token");
    for name in &names {
        assert_eq!(is_sensitive(name), sensitive_by_the_rule(name), "{name:?}");
    }
}
