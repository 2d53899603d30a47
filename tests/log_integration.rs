//! The `log` integration (issue 13): records become breadcrumbs and events as a filter
//! decides, and still reach the application's own logger.

use std::sync::{Arc, Mutex, PoisonError};

use log::{Level as LogLevel, LevelFilter, Log, Metadata, Record};
use sentry_scopes::integrations::log::{LogAction, SentryLogger, default_filter};
use sentry_scopes::test::{with_captured_events, with_captured_events_options};
use sentry_scopes::{Breadcrumb, ClientOptions, Level, capture_message};

/// An inner logger that keeps `LEVEL: text` of every record at `Info` or above.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Log for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= LogLevel::Info
    }

    fn log(&self, record: &Record<'_>) {
        let line = format!("{}: {}", record.level(), record.args());
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn flush(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push("flushed".into());
    }
}

/// Sends one record at `level` with `target` and `text` through `logger`.
fn log_to(logger: &impl Log, level: LogLevel, target: &str, text: &str) {
    logger.log(
        &Record::builder()
            .level(level)
            .target(target)
            .args(format_args!("{text}"))
            .build(),
    );
}

fn crumb_messages(event: &sentry_scopes::Event<'static>) -> Vec<String> {
    let crumbs = event.breadcrumbs.values.iter();
    crumbs.filter_map(|b| b.message.clone()).collect()
}

#[test]
fn by_default_errors_are_events_warnings_and_infos_breadcrumbs_and_the_rest_ignored() {
    let logger = SentryLogger::new();
    let events = with_captured_events(|| {
        log_to(&logger, LogLevel::Trace, "app", "trace");
        log_to(&logger, LogLevel::Debug, "app", "debug");
        log_to(&logger, LogLevel::Info, "cart", "info");
        log_to(&logger, LogLevel::Warn, "db", "warn");
        log_to(&logger, LogLevel::Error, "payment", "card declined");
    });
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.level, Level::Error);
    assert_eq!(event.message.as_deref(), Some("card declined"));
    assert_eq!(event.logger.as_deref(), Some("payment"));
    assert_eq!(crumb_messages(event), ["info", "warn"]);
    let crumbs = &event.breadcrumbs.values;
    assert_eq!(crumbs[0].category.as_deref(), Some("cart"));
    assert_eq!(crumbs[0].level, Level::Info);
    assert_eq!(crumbs[1].level, Level::Warning);
}

#[test]
fn a_filter_chooses_per_record_and_can_fall_back_to_the_default() {
    let logger = SentryLogger::new().filter(|m| match m.target() {
        "noisy" => LogAction::Ignore,
        "audit" => LogAction::Event,
        _ => default_filter(m),
    });
    let events = with_captured_events(|| {
        log_to(&logger, LogLevel::Error, "noisy", "ignored error");
        log_to(&logger, LogLevel::Debug, "audit", "role granted");
        log_to(&logger, LogLevel::Info, "app", "kept as breadcrumb");
        capture_message("end", Level::Info);
    });
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].message.as_deref(), Some("role granted"));
    assert_eq!(events[0].level, Level::Debug);
    assert_eq!(events[0].logger.as_deref(), Some("audit"));
    assert_eq!(crumb_messages(&events[1]), ["kept as breadcrumb"]);
}

#[test]
fn the_inner_logger_gets_what_it_enables_whatever_sentry_makes_of_it() {
    let inner = Recorder::default();
    let logger = SentryLogger::forwarding_to(inner.clone()).filter(|_| LogAction::Ignore);
    let events = with_captured_events(|| {
        log_to(&logger, LogLevel::Error, "app", "boom");
        log_to(&logger, LogLevel::Info, "app", "hello");
        log_to(
            &logger,
            LogLevel::Debug,
            "app",
            "too verbose for the inner logger",
        );
        logger.flush();
    });
    assert!(events.is_empty());
    assert_eq!(inner.lines(), ["ERROR: boom", "INFO: hello", "flushed"]);

    let debug = Metadata::builder().level(LogLevel::Debug).build();
    assert!(!logger.enabled(&debug), "neither side wants debug records");
    let everything = SentryLogger::forwarding_to(Recorder::default()).filter(|_| LogAction::Event);
    assert!(everything.enabled(&debug), "the filter wants them");
}

#[test]
fn records_logged_on_the_sdks_own_threads_are_forwarded_but_never_sent() {
    let inner = Recorder::default();
    let logger = SentryLogger::forwarding_to(inner.clone()).filter(|_| LogAction::Event);
    let events = with_captured_events(|| {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("sentry-scopes-transport".into())
                .spawn_scoped(s, || log_to(&logger, LogLevel::Error, "hyper", "reset"))
                .expect("a thread")
                .join()
                .expect("no panic");
        });
        log_to(&logger, LogLevel::Error, "app", "from the application");
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message.as_deref(), Some("from the application"));
    assert_eq!(
        inner.lines(),
        ["ERROR: reset", "ERROR: from the application"]
    );
}

/// The only test that installs the process-wide logger (`log` allows it once).
#[test]
fn installed_as_the_logger_the_log_macros_report_through_it() {
    let inner = Recorder::default();
    log::set_boxed_logger(Box::new(SentryLogger::forwarding_to(inner.clone())))
        .expect("no other test installs a logger");
    log::set_max_level(LevelFilter::Info);
    let events = with_captured_events(|| {
        log::info!(target: "cart", "3 items");
        log::error!(target: "payment", "card declined: {}", 402);
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message.as_deref(), Some("card declined: 402"));
    assert_eq!(crumb_messages(&events[0]), ["3 items"]);
    assert_eq!(
        inner.lines(),
        ["INFO: 3 items", "ERROR: card declined: 402"]
    );
}

#[test]
fn before_breadcrumb_sees_a_log_records_breadcrumb_and_what_it_returns_is_stored() {
    let logger = SentryLogger::new();
    let options = ClientOptions::new().before_breadcrumb(|mut crumb: Breadcrumb| {
        assert_eq!(crumb.category.as_deref(), Some("cart"));
        assert_eq!(crumb.message.as_deref(), Some("3 items"));
        crumb.message = Some("seen".into());
        Some(crumb)
    });
    let events = with_captured_events_options(options, || {
        let items = 3;
        logger.log(
            &Record::builder()
                .level(LogLevel::Info)
                .target("cart")
                .args(format_args!("{items} items"))
                .build(),
        );
        log_to(&logger, LogLevel::Error, "payment", "card declined");
    });
    assert_eq!(crumb_messages(&events[0]), ["seen"]);
}

/// Writes `part`, then fails, as a broken `Display` may.
struct Failing;

impl std::fmt::Display for Failing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("part")?;
        Err(std::fmt::Error)
    }
}

#[test]
fn a_record_whose_display_fails_is_sent_with_what_it_wrote_and_never_panics() {
    let logger = SentryLogger::new();
    let hooked = ClientOptions::new().before_breadcrumb(Some);
    for options in [ClientOptions::new(), hooked] {
        let events = with_captured_events_options(options, || {
            for level in [LogLevel::Info, LogLevel::Error] {
                logger.log(
                    &Record::builder()
                        .level(level)
                        .target("app")
                        .args(format_args!("{Failing}"))
                        .build(),
                );
            }
        });
        assert_eq!(events[0].message.as_deref(), Some("part"));
        assert_eq!(crumb_messages(&events[0]), ["part"]);
    }
}

#[test]
fn a_filter_that_panics_sends_nothing_for_the_record_and_the_inner_logger_still_gets_it() {
    let inner = Recorder::default();
    let logger = SentryLogger::forwarding_to(inner.clone()).filter(|m| {
        assert!(m.target() != "cursed", "the filter panics");
        LogAction::Event
    });
    let events = with_captured_events(|| {
        log_to(&logger, LogLevel::Error, "cursed", "lost to the filter");
        log_to(&logger, LogLevel::Error, "app", "sent");
    });
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message.as_deref(), Some("sent"));
    assert_eq!(inner.lines(), ["ERROR: lost to the filter", "ERROR: sent"]);
    let cursed = Metadata::builder()
        .level(LogLevel::Debug)
        .target("cursed")
        .build();
    assert!(!logger.enabled(&cursed));
}
