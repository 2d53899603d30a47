//! The transport thread: a bounded queue that `capture_*` only pushes to, and one thread that
//! sends.
//!
//! The queue is a `Mutex<VecDeque>` with two condition variables rather than an
//! `mpsc::sync_channel`: a flush must be able to wait even when the queue is full (a channel
//! would need a free slot for the flush message), and the thread must wake both for new work
//! and when the back-off of the offline cache ends. The lock is only ever held for a push or a
//! pop, never during I/O, so an app thread never waits on the network.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cache::Cache;
use super::envelope::EncodedEnvelope;
use super::worker::{Log, Worker};
use super::{DiscardReason, Discards, Transport};

/// The shared half: queue and flush bookkeeping.
struct Shared {
    state: Mutex<State>,
    /// Wakes the thread: new envelope, flush request, shutdown.
    work: Condvar,
    /// Wakes flushers and `shutdown`: a flush finished, the thread exited.
    progress: Condvar,
}

struct State {
    queue: VecDeque<EncodedEnvelope>,
    capacity: usize,
    flush_requested: u64,
    flush_done: u64,
    shutdown: bool,
    exited: bool,
}

impl Shared {
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

/// A [`Transport`] that hands envelopes to a [`Worker`] on its own thread.
pub(crate) struct ThreadTransport {
    shared: Arc<Shared>,
    handle: Mutex<Option<JoinHandle<()>>>,
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
    /// Starts the thread. `make_sender` runs on it, so what it builds (an async runtime, say)
    /// lives and dies there.
    pub(crate) fn spawn<F>(config: ThreadConfig, make_sender: F) -> std::io::Result<Self>
    where
        F: FnOnce() -> Box<dyn super::worker::Sender> + Send + 'static,
    {
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
                exited: false,
            }),
            work: Condvar::new(),
            progress: Condvar::new(),
        });
        let thread_shared = shared.clone();
        let (thread_discards, thread_log) = (discards.clone(), log.clone());
        let handle = std::thread::Builder::new()
            .name("sentry-scopes-transport".into())
            .spawn(move || {
                let _exit = ExitGuard(thread_shared.clone());
                let worker = Worker::new(make_sender(), cache, thread_discards, thread_log);
                run(&thread_shared, worker);
            })?;
        Ok(Self {
            shared,
            handle: Mutex::new(Some(handle)),
            discards,
            spill,
            log,
        })
    }

    /// Waits until flush number `ticket` is done or `deadline` passes.
    fn wait_flushed(&self, ticket: u64, deadline: Option<Instant>) -> bool {
        let state = self
            .shared
            .wait_until(deadline, |s| s.flush_done >= ticket || s.exited);
        state.flush_done >= ticket
    }
}

/// Marks the thread as gone however it ends (a bug that panics included), so that nobody
/// waits for it.
struct ExitGuard(Arc<Shared>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        self.0.lock().exited = true;
        self.0.progress.notify_all();
    }
}

/// The thread's loop: queue first, then flush requests, then the offline cache.
fn run(shared: &Shared, mut worker: Worker) {
    enum Job {
        Send(EncodedEnvelope),
        Flush(u64),
        Cache,
        Exit,
    }
    loop {
        let job = {
            let mut state = shared.lock();
            loop {
                if let Some(envelope) = state.queue.pop_front() {
                    break Job::Send(envelope);
                }
                if state.flush_requested > state.flush_done {
                    break Job::Flush(state.flush_requested);
                }
                if state.shutdown {
                    break Job::Exit;
                }
                let now = Instant::now();
                state = match worker.cache_retry_at(now) {
                    Some(at) if at <= now => break Job::Cache,
                    Some(at) => {
                        shared
                            .work
                            .wait_timeout(state, at - now)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                    None => shared
                        .work
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner),
                };
            }
        };
        match job {
            Job::Send(envelope) => worker.send_queued(envelope),
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
        drop(state);
        self.shared.work.notify_one();
    }

    fn flush(&self, timeout: Duration) -> bool {
        let deadline = deadline_after(timeout);
        let ticket = {
            let mut state = self.shared.lock();
            if state.exited {
                return state.queue.is_empty();
            }
            state.flush_requested += 1;
            state.flush_requested
        };
        self.shared.work.notify_one();
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
        self.shared.work.notify_one();
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
        // Join only a thread that is exiting; one stuck in a request is left behind.
        let exited = self.shared.wait_until(deadline, |s| s.exited).exited;
        let handle = self
            .handle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if exited && let Some(handle) = handle {
            let _ = handle.join();
        } else if !exited {
            self.log.line(|| {
                "the transport thread is still busy with a request; not waiting for it".to_owned()
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
        // Stop the thread if `shutdown` was never called (a transport dropped without a guard).
        self.shared.lock().shutdown = true;
        self.shared.work.notify_one();
    }
}
