//! An application's own transport that panics: the panic never reaches the thread that
//! captured, flushed or dropped the guard (where, during unwinding, it would abort the
//! process), and what it lost is counted.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use sentry_scopes::protocol::Category;
use sentry_scopes::{
    Attachment, ClientInitGuard, ClientOptions, DiscardReason, Discards, EncodedEnvelope, Level,
    Transport, TransportContext, capture_message, flush, init,
};

/// Which method panics.
#[derive(Clone, Copy, PartialEq)]
enum Panics {
    Send,
    Flush,
    Shutdown,
    Install,
}

/// A transport that panics in one method, keeping the client's discard counters.
struct Panicky {
    panics: Panics,
    discards: OnceLock<Arc<Discards>>,
}

impl Panicky {
    fn new(panics: Panics) -> Arc<Self> {
        Arc::new(Self {
            panics,
            discards: OnceLock::new(),
        })
    }

    fn lost(&self, category: Category) -> u64 {
        self.discards
            .get()
            .map_or(0, |d| d.count(DiscardReason::InternalSdkError, category))
    }
}

impl Transport for Panicky {
    fn send_envelope(&self, _envelope: EncodedEnvelope) {
        assert!(self.panics != Panics::Send, "send_envelope panics");
    }

    fn flush(&self, _timeout: Duration) -> bool {
        assert!(self.panics != Panics::Flush, "flush panics");
        true
    }

    fn install(&self, ctx: &TransportContext<'_>) {
        assert!(self.panics != Panics::Install, "install panics");
        let _ = self.discards.set(ctx.discards.clone());
    }

    fn shutdown(&self, _timeout: Duration) -> bool {
        assert!(self.panics != Panics::Shutdown, "shutdown panics");
        true
    }
}

/// One client at a time in this binary: the tests share the process-wide client.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    ONE.lock().unwrap_or_else(PoisonError::into_inner)
}

fn options(transport: &Arc<Panicky>) -> ClientOptions {
    ClientOptions::new()
        .transport(transport.clone())
        .panic_hook(false)
}

/// A client installed with a transport that panics in `panics`, alone in this binary.
fn installed(panics: Panics) -> (MutexGuard<'static, ()>, Arc<Panicky>, ClientInitGuard) {
    let one = one_at_a_time();
    let transport = Panicky::new(panics);
    let guard = init(options(&transport)).expect("valid options");
    (one, transport, guard)
}

#[test]
fn a_send_envelope_that_panics_never_reaches_the_capture_and_its_event_is_counted_lost() {
    let (_one, transport, guard) = installed(Panics::Send);
    let id = capture_message("the transport panics", Level::Error);
    assert!(id.is_some(), "the capture did not go through the pipeline");
    capture_message("and again", Level::Error);
    assert_eq!(transport.lost(Category::Error), 2);
    drop(guard);
}

#[test]
fn every_item_of_an_envelope_the_transport_panicked_on_is_counted_lost() {
    let (_one, transport, guard) = installed(Panics::Send);
    // An event and two attachments: three losses, past the two kept on the stack.
    sentry_scopes::with_scope(|scope| {
        for (name, bytes) in [("a.txt", 3), ("b.txt", 4)] {
            scope.add_attachment(Attachment {
                buffer: vec![b'x'; bytes],
                filename: name.to_owned(),
                ..Attachment::default()
            });
        }
        capture_message("with attachments", Level::Error);
    });
    assert_eq!(transport.lost(Category::Error), 1);
    assert_eq!(
        transport.lost(Category::Attachment),
        7,
        "attachments count their bytes"
    );
    drop(guard);
}

#[test]
fn a_flush_that_panics_returns_false() {
    let (_one, _transport, guard) = installed(Panics::Flush);
    assert!(!flush(Duration::from_secs(1)));
    drop(guard);
}

#[test]
fn a_shutdown_that_panics_lets_the_guard_drop_even_while_the_app_unwinds() {
    let (_one, transport, guard) = installed(Panics::Shutdown);
    drop(guard);
    // Dropped during the application's own panic: a second panic there would abort the whole
    // test binary.
    let guard = init(options(&transport)).expect("valid options");
    let unwound = catch_unwind(AssertUnwindSafe(move || {
        let _guard = guard;
        panic!("the application panics");
    }));
    assert!(unwound.is_err());
}

#[test]
fn a_transport_factory_or_install_that_panics_makes_init_fail_with_the_message() {
    let _one = one_at_a_time();
    let err = init(options(&Panicky::new(Panics::Install))).expect_err("install panicked");
    assert!(
        err.to_string()
            .contains("the transport factory panicked: install panics"),
        "{err}"
    );
    let factory = |_: &TransportContext<'_>| -> Arc<dyn Transport> { panic!("no transport today") };
    let err = init(ClientOptions::new().transport(factory)).expect_err("the factory panicked");
    assert!(err.to_string().contains("no transport today"), "{err}");
    assert_eq!(capture_message("nothing installed", Level::Info), None);
}
