//! Building events from messages and errors.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::time::SystemTime;

use super::Client;
use crate::protocol::{Event, Exception, Level, Stacktrace, Uuid};
use crate::stacktrace::{self, Skip};

/// A message event at `level`, with the capturing thread's stack trace if the client's
/// `attach_stacktrace` asks for it.
pub(crate) fn event_from_message(message: &str, level: Level) -> Event<'static> {
    let mut event = Event {
        message: Some(message.to_owned()),
        ..blank_event(level)
    };
    attach_stacktrace(&mut event);
    event
}

/// Gives a message event the capturing thread's stack trace when `attach_stacktrace` is on.
pub(crate) fn attach_stacktrace(event: &mut Event<'static>) {
    if event.stacktrace.is_none() {
        event.stacktrace = stacktrace_here(|o| o.attach_stacktrace);
    }
}

/// The capturing thread's stack trace, the SDK's frames cut, when a client is installed and
/// `wanted` by its options. `None` inside a capture (whose own capture is a no-op anyway).
fn stacktrace_here(
    wanted: impl FnOnce(&crate::options::ClientOptions) -> bool,
) -> Option<Stacktrace> {
    if crate::context::thread::in_capture() {
        return None;
    }
    let client = Client::current()?;
    let options = client.options();
    wanted(options).then(|| stacktrace::capture(Skip::Sdk, options))?
}

/// A message event with the `Display` text of `value` (a placeholder if that panics).
pub(crate) fn event_from_display<T: fmt::Display + ?Sized>(
    value: &T,
    level: Level,
) -> Event<'static> {
    event_from_message(&contained("Display", || value.to_string()), level)
}

/// A message event with the `Debug` text of `value` (a placeholder if that panics).
pub(crate) fn event_from_debug<T: fmt::Debug + ?Sized>(value: &T, level: Level) -> Event<'static> {
    event_from_message(&contained("Debug", || format!("{value:?}")), level)
}

/// Runs a user formatting impl; a panic gives a placeholder naming `what` instead of escaping
/// to the caller. The capture flag is held meanwhile, so the panic hook does not report the
/// panic as a crash of its own.
fn contained(what: &str, format: impl FnOnce() -> String) -> String {
    let _quiet = crate::context::thread::enter_capture();
    crate::debug::call_user(what, format).unwrap_or_else(|| format!("<the {what} impl panicked>"))
}

/// Exceptions recorded per error chain at most (a `source` may return itself).
const MAX_CHAIN: usize = 100;

static DEFAULT_FINGERPRINT: &[Cow<'static, str>] = &[Cow::Borrowed("{{ default }}")];

/// What `Event::default()` gives, with the id from the OS generator behind `Uuid::new_v4`.
///
/// `Event::default()` draws its id from `rand`'s thread-local generator, which panics once it
/// is destroyed; a capture from a value dropped during thread-local teardown must not panic.
fn blank_event(level: Level) -> Event<'static> {
    Event {
        event_id: Uuid::new_v4(),
        level,
        fingerprint: Cow::Borrowed(DEFAULT_FINGERPRINT),
        culprit: None,
        transaction: None,
        message: None,
        logentry: None,
        logger: None,
        modules: Default::default(),
        platform: Cow::Borrowed("other"),
        timestamp: SystemTime::now(),
        server_name: None,
        release: None,
        dist: None,
        environment: None,
        user: None,
        request: None,
        contexts: Default::default(),
        breadcrumbs: Default::default(),
        exception: Default::default(),
        stacktrace: None,
        template: None,
        threads: Default::default(),
        tags: Default::default(),
        extra: Default::default(),
        debug_meta: Default::default(),
        sdk: None,
    }
}

/// An exception event for `err` and its whole `source()` chain, root cause first (Sentry lists
/// the outermost exception last), the outermost carrying the capturing thread's stack trace.
pub(crate) fn event_from_error<E: Error + ?Sized>(err: &E) -> Event<'static> {
    let mut values = vec![Exception {
        ty: type_name_of::<E>().unwrap_or_else(|| type_from_debug(err)),
        value: Some(contained("Display", || err.to_string())),
        ..Exception::default()
    }];
    let mut source = contained_source(err);
    while let Some(e) = source.filter(|_| values.len() < MAX_CHAIN) {
        values.push(Exception {
            ty: type_from_debug(e),
            value: Some(contained("Display", || e.to_string())),
            ..Exception::default()
        });
        source = contained_source(e);
    }
    values.reverse();
    if let Some(outermost) = values.last_mut() {
        outermost.stacktrace = stacktrace_here(|_| true);
    }
    Event {
        exception: values.into(),
        ..blank_event(Level::Error)
    }
}

/// `err.source()`, `None` if that panics. The chain is cut at 100 links: a `source` that
/// returns itself would otherwise loop forever.
fn contained_source<E: Error + ?Sized>(err: &E) -> Option<&(dyn Error + 'static)> {
    let _quiet = crate::context::thread::enter_capture();
    crate::debug::call_user("Error::source", || err.source()).flatten()
}

/// The last path segment of `E`'s type name, without generics; `None` for trait objects.
fn type_name_of<E: ?Sized>() -> Option<String> {
    let full = std::any::type_name::<E>();
    if full.starts_with("dyn ") || full.starts_with('&') {
        return None;
    }
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().map(str::to_owned)
}

/// A type name guessed from the `Debug` output (`NotFound { .. }` → `NotFound`), for errors
/// only known as `dyn Error`.
fn type_from_debug(err: &(impl Error + ?Sized)) -> String {
    let debug = contained("Debug", || format!("{err:?}"));
    let name: String = debug
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let name = name.rsplit("::").next().unwrap_or("");
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        "Error".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("could not load config")
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn error_chain_is_recorded_root_cause_first() {
        let err = Outer(std::io::Error::new(std::io::ErrorKind::NotFound, "no file"));
        let event = event_from_error(&err);
        let types: Vec<_> = event
            .exception
            .values
            .iter()
            .map(|e| e.ty.as_str())
            .collect();
        assert_eq!(types, ["Custom", "Outer"]);
        assert_eq!(
            event.exception.values[1].value.as_deref(),
            Some("could not load config")
        );
        assert_eq!(event.level, Level::Error);
    }

    #[test]
    fn blank_event_matches_the_protocol_default() {
        let blank = blank_event(Level::Error);
        let default = Event::default();
        assert!(!blank.event_id.is_nil());
        let same = Event {
            event_id: default.event_id,
            timestamp: default.timestamp,
            ..blank
        };
        assert_eq!(same, default);
    }

    /// An error whose every formatting impl panics, and whose source is itself.
    struct Hostile;
    impl fmt::Debug for Hostile {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("Debug is broken")
        }
    }
    impl fmt::Display for Hostile {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("Display is broken")
        }
    }
    impl Error for Hostile {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&Hostile)
        }
    }

    #[test]
    fn panicking_formatting_gives_placeholders_and_a_cyclic_chain_ends() {
        let event = event_from_error(&Hostile);
        let values = &event.exception.values;
        assert_eq!(values.len(), MAX_CHAIN);
        assert_eq!(
            values[0].value.as_deref(),
            Some("<the Display impl panicked>")
        );
        assert_eq!(values[0].ty, "Error", "the Debug name fell back too");
        assert_eq!(values[MAX_CHAIN - 1].ty, "Hostile");
        let event = event_from_debug(&Hostile, Level::Info);
        assert_eq!(event.message.as_deref(), Some("<the Debug impl panicked>"));
        let event = event_from_display(&Hostile, Level::Info);
        assert_eq!(
            event.message.as_deref(),
            Some("<the Display impl panicked>")
        );
    }

    #[test]
    fn trait_objects_fall_back_to_the_debug_name() {
        let err: Box<dyn Error> = Box::new(Outer(std::io::Error::other("x")));
        let event = event_from_error(&*err);
        assert_eq!(
            event.exception.values.last().map(|e| e.ty.as_str()),
            Some("Outer")
        );
    }
}
