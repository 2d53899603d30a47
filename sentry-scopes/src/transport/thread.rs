//! The transport threads: a bounded queue that `capture_*` only pushes to, and the threads that
//! send.
//!
//! The first thread does everything: envelopes in order, flushes, the offline cache. A second
//! one helps with a backlog (two or more envelopes waiting) while the server answers well (the
//! last answer was a success), so a burst is written, compressed and sent on both cores; when
//! the server fails, sending is one request at a time again. The threads share the decisions
//! that outlive a request (rate limits, back-off, cache) through one `Policy`.
//!
//! The queue is a `Mutex<VecDeque>` with condition variables rather than an
//! `mpsc::sync_channel`: a flush must be able to wait even when the queue is full (a channel
//! would need a free slot for the flush message), and the threads must wake both for new work
//! and when the back-off of the offline cache ends. The lock is only ever held for a push or a
//! pop, never during I/O, so an app thread never waits on the network.
//!
//! Each thread waits on a condition variable of its own, and says so in the state: a push wakes
//! the thread that must take it (the first thread for any envelope, the helper only for a
//! backlog), and only if that thread waits. One shared variable woke one waiter, either one,
//! and a helper woken for a lone envelope went back to sleep with it queued: it then waited for
//! the next capture or flush. A push while both threads are busy makes no system call. A
//! backlog queued before the server has answered well (at start, or after a failure) wakes the
//! helper only to find it may not help yet, so the first thread wakes it again after a success
//! while two or more envelopes wait: otherwise a backlog with no capture after it went out one
//! request at a time (100 envelopes queued at start, loopback server, on the 2-core machines the
//! benches run on: 6.2k a second on one thread, 15.4k on two).
//!
//! `spawn` (and so `init`) returns once both threads run, or after [`START_WAIT`]. A thread is
//! created runnable, not running: on those machines, with the app thread capturing at once and
//! keeping a core busy, the first thread started 0.1–3.2 ms after the first capture, and the
//! first envelopes waited with it. Waiting for the start costs `init` a context switch.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cache::Cache;
use super::envelope::EncodedEnvelope;
use super::policy::Policy;
use super::worker::{Log, Sender, Worker};
use super::{DiscardReason, Discards, Transport};
use crate::error::InitError;

/// The shared half: queue and flush bookkeeping.
struct Shared {
    state: Mutex<State>,
    /// Wakes thread `i` (0: the first, 1: the helper): new work, flush request, shutdown.
    wake: [Condvar; THREADS],
    /// Wakes flushers and `shutdown`: a flush finished, the thread exited.
    progress: Condvar,
}

struct State {
    queue: VecDeque<EncodedEnvelope>,
    capacity: usize,
    flush_requested: u64,
    flush_done: u64,
    shutdown: bool,
    /// Helper threads sending an envelope right now (a flush waits for them).
    helping: usize,
    /// Threads that have begun to run.
    started: usize,
    /// Threads that have ended.
    exited: usize,
    /// Whether thread `i` waits on `wake[i]` (set and cleared under the lock around the wait).
    waiting: [bool; THREADS],
}

/// Sending threads: the first, and one helper for backlogs.
const THREADS: usize = 2;

/// How long `spawn` waits for the threads to begin running. Far beyond a thread's start (tens
/// of microseconds, a few milliseconds on a saturated machine); past it `init` returns anyway,
/// and the threads take the queue when they run.
const START_WAIT: Duration = Duration::from_millis(200);

impl State {
    fn all_exited(&self) -> bool {
        self.exited >= THREADS
    }
}

impl Shared {
    /// Wakes both threads (shutdown, a thread gone).
    fn wake_all(&self) {
        for wake in &self.wake {
            wake.notify_one();
        }
    }

    /// Waits for the worker's progress until `done` holds or `deadline` passes; returns the
    /// locked state either way, for the caller to read what was reached.
    /// `deadline` `None` waits without a time limit (a timeout too large for an `Instant`).
    fn wait_until(
        &self,
        deadline: Option<Instant>,
        done: impl Fn(&State) -> bool,
    ) -> MutexGuard<'_, State> {
        let mut state = self.lock();
        while !done(&state) {
            state = match deadline {
                None => self
                    .progress
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    self.progress
                        .wait_timeout(state, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
        state
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A [`Transport`] that hands envelopes to [`Worker`]s on threads of their own.
pub(crate) struct ThreadTransport {
    shared: Arc<Shared>,
    handles: Mutex<Vec<JoinHandle<()>>>,
    discards: Arc<Discards>,
    /// Where envelopes still queued at a timed-out shutdown are written, if caching is on.
    spill: Option<Cache>,
    log: Log,
}

/// How the transport thread is set up.
pub(crate) struct ThreadConfig {
    pub(crate) capacity: usize,
    pub(crate) cache: Option<Cache>,
    pub(crate) discards: Arc<Discards>,
    pub(crate) log: Log,
}

impl ThreadTransport {
    /// Starts the threads, each with a sender of its own from `make_sender` (called here, on
    /// the caller's thread). Senders are never shared: an HTTP sender's pooled connections are
    /// driven by the runtime of the thread that opened them, so a connection handed to another
    /// thread would stall while its owner sleeps.
    pub(crate) fn spawn(
        config: ThreadConfig,
        mut make_sender: impl FnMut() -> Result<Box<dyn Sender>, InitError>,
    ) -> Result<Self, InitError> {
        let ThreadConfig {
            capacity,
            cache,
            discards,
            log,
        } = config;
        let spill = cache.clone();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::with_capacity(capacity.min(1024)),
                capacity: capacity.max(1),
                flush_requested: 0,
                flush_done: 0,
                shutdown: false,
                helping: 0,
                started: 0,
                exited: 0,
                waiting: [false; THREADS],
            }),
            wake: [Condvar::new(), Condvar::new()],
            progress: Condvar::new(),
        });
        let policy = Arc::new(Mutex::new(Policy::new(
            cache,
            discards.clone(),
            log.clone(),
        )));
        let mut handles = Vec::with_capacity(THREADS);
        for index in 0..THREADS {
            let sender = make_sender()?;
            let worker = Worker::new(policy.clone(), sender, discards.clone(), log.clone());
            let thread_shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("sentry-scopes-transport-{index}"))
                .spawn(move || {
                    let _exit = ExitGuard(thread_shared.clone());
                    thread_shared.lock().started += 1;
                    thread_shared.progress.notify_all();
                    run(&thread_shared, worker, index == 0);
                });
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) if index == 0 => {
                    return Err(InitError::Transport(format!(
                        "cannot start the transport thread: {e}"
                    )));
                }
                // Without a helper the first thread still does everything.
                Err(_) => {
                    shared.lock().exited += THREADS - index;
                    break;
                }
            }
        }
        drop(shared.wait_until(Some(Instant::now() + START_WAIT), |s| {
            s.started + s.exited >= THREADS
        }));
        Ok(Self {
            shared,
            handles: Mutex::new(handles),
            discards,
            spill,
            log,
        })
    }

    /// Waits until flush number `ticket` is done or `deadline` passes.
    fn wait_flushed(&self, ticket: u64, deadline: Option<Instant>) -> bool {
        let state = self
            .shared
            .wait_until(deadline, |s| s.flush_done >= ticket || s.all_exited());
        state.flush_done >= ticket
    }
}

/// Marks the thread as gone however it ends (a bug that panics included), so that nobody
/// waits for it.
struct ExitGuard(Arc<Shared>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        self.0.lock().exited += 1;
        self.0.progress.notify_all();
        self.0.wake_all();
    }
}

/// A thread's loop: queue first, then flush requests, then the offline cache. A helper
/// (`first == false`) only takes envelopes from a backlog while the server answers well.
fn run(shared: &Shared, mut worker: Worker, first: bool) {
    let me = usize::from(!first);
    enum Job {
        Send(EncodedEnvelope, usize),
        Flush(u64),
        Cache,
        Exit,
    }
    loop {
        let job = {
            let mut state = shared.lock();
            loop {
                let takes = first || (state.queue.len() >= 2 && worker.healthy());
                if takes && let Some(envelope) = state.queue.pop_front() {
                    if !first {
                        state.helping += 1;
                    }
                    break Job::Send(envelope, state.queue.len());
                }
                if first && state.flush_requested > state.flush_done && state.helping == 0 {
                    break Job::Flush(state.flush_requested);
                }
                if state.shutdown && (state.queue.is_empty() || !first) {
                    break Job::Exit;
                }
                let now = Instant::now();
                let retry = if first {
                    worker.cache_retry_at(now)
                } else {
                    None
                };
                if retry.is_some_and(|at| at <= now) {
                    break Job::Cache;
                }
                state.waiting[me] = true;
                state = match retry {
                    Some(at) => {
                        shared.wake[me]
                            .wait_timeout(state, at - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                    None => shared.wake[me]
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner),
                };
                state.waiting[me] = false;
            }
        };
        match job {
            Job::Send(envelope, backlog) => {
                worker.send_queued(envelope, backlog);
                if first {
                    if backlog >= 2 {
                        wake_helper_for_backlog(shared, &worker);
                    }
                } else {
                    let mut state = shared.lock();
                    state.helping -= 1;
                    // The first thread may be waiting to flush.
                    let waiting = state.waiting[0];
                    drop(state);
                    if waiting {
                        shared.wake[0].notify_one();
                    }
                }
            }
            Job::Flush(ticket) => {
                worker.send_report();
                shared.lock().flush_done = ticket;
                shared.progress.notify_all();
            }
            Job::Cache => worker.send_cached(),
            Job::Exit => return,
        }
    }
}

/// Wakes a waiting helper when two or more envelopes wait and the server answers well: a
/// backlog queued before the first answer (at start, or after a failure) woke the helper when
/// it could not help yet, and no later push may come to wake it again.
fn wake_helper_for_backlog(shared: &Shared, worker: &Worker) {
    let state = shared.lock();
    let wake = state.waiting[1] && state.queue.len() >= 2 && worker.healthy();
    drop(state);
    if wake {
        shared.wake[1].notify_one();
    }
}

impl Transport for ThreadTransport {
    fn send_envelope(&self, envelope: EncodedEnvelope) {
        let mut state = self.shared.lock();
        if state.shutdown || state.queue.len() >= state.capacity {
            let reason = if state.shutdown {
                "the transport is shut down"
            } else {
                "the queue is full"
            };
            drop(state);
            self.discards
                .record_envelope(&envelope, DiscardReason::QueueOverflow);
            self.log.line(|| format!("envelope dropped: {reason}"));
            return;
        }
        state.queue.push_back(envelope);
        let first = state.waiting[0];
        let helper = state.waiting[1] && state.queue.len() >= 2;
        drop(state);
        if first {
            self.shared.wake[0].notify_one();
        }
        if helper {
            self.shared.wake[1].notify_one();
        }
    }

    fn flush(&self, timeout: Duration) -> bool {
        let deadline = deadline_after(timeout);
        let ticket = {
            let mut state = self.shared.lock();
            if state.all_exited() {
                return state.queue.is_empty();
            }
            state.flush_requested += 1;
            state.flush_requested
        };
        self.shared.wake[0].notify_one();
        self.wait_flushed(ticket, deadline)
    }

    fn shutdown(&self, timeout: Duration) -> bool {
        let deadline = deadline_after(timeout);
        let flushed = self.flush(timeout);
        let left_over: Vec<EncodedEnvelope> = {
            let mut state = self.shared.lock();
            state.shutdown = true;
            state.queue.drain(..).collect()
        };
        self.shared.wake_all();
        // Whatever the thread did not get to: into the cache for the next start, or lost.
        for envelope in left_over {
            let stored = self.spill.as_ref().is_some_and(|cache| {
                cache
                    .store(&envelope.stamped(std::time::SystemTime::now()))
                    .is_ok()
            });
            if !stored {
                self.discards
                    .record_envelope(&envelope, DiscardReason::NetworkError);
            }
        }
        if let Some(cache) = &self.spill {
            cache.release();
        }
        // Join only threads that are exiting; one stuck in a request is left behind.
        let exited = self
            .shared
            .wait_until(deadline, State::all_exited)
            .all_exited();
        let handles =
            std::mem::take(&mut *self.handles.lock().unwrap_or_else(PoisonError::into_inner));
        if exited {
            for handle in handles {
                let _ = handle.join();
            }
        } else {
            self.log.line(|| {
                "a transport thread is still busy with a request; not waiting for it".to_owned()
            });
        }
        flushed
    }
}

/// `timeout` from now, or `None` (no limit) when that lies beyond what an `Instant` can hold:
/// `Duration::MAX` means "wait as long as it takes", never an overflow panic.
fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

impl Drop for ThreadTransport {
    fn drop(&mut self) {
        // Stop the threads if `shutdown` was never called (a transport dropped without a guard).
        self.shared.lock().shutdown = true;
        self.shared.wake_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::worker::Reply;

    /// Answers every request `200`.
    struct Accepts;

    impl Sender for Accepts {
        fn send(&mut self, _body: &[u8], _backlog: usize) -> Reply {
            Reply::Http {
                status: 200,
                rate_limits: None,
                retry_after: None,
                body: String::new(),
            }
        }
    }

    #[test]
    fn spawn_returns_once_both_threads_run() {
        for _ in 0..20 {
            let config = ThreadConfig {
                capacity: 10,
                cache: None,
                discards: Arc::default(),
                log: Log {
                    enabled: false,
                    secrets: Vec::new(),
                },
            };
            let transport =
                ThreadTransport::spawn(config, || Ok(Box::new(Accepts))).expect("threads start");
            assert_eq!(transport.shared.lock().started, THREADS);
            assert!(transport.shutdown(Duration::from_secs(5)));
        }
    }
}
