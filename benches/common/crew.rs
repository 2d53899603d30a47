//! Threads for the scaling benchmarks that live for a whole benchmark and spin between its
//! samples, so that every sample starts with each thread already running on its own CPU.
//!
//! Threads spawned per sample and released by a barrier are placed by the scheduler when they
//! wake; on a 2-CPU machine it often puts both on the waker's CPU and moves one away only at
//! the next balancing tick. Each thread of such a sample then shows wall time minus CPU time
//! of exactly 4 ms (one tick at 250 Hz) in a third to a half of the samples, which is the
//! scheduler, not the code under test. Spinning threads have no wake-up to place.
//!
//! A sample either gives every thread the same share ([`Split::Equal`]: the wall time is the
//! slower thread's) or lets the threads take chunks of about 1/256 of the total from a shared
//! count until it is done ([`Split::Shared`], as a worker pool takes requests: the wall time is
//! the process's throughput). On virtual CPUs whose speed drifts over time, the same
//! loop on two threads often runs 1.5× slower on one of them than on the other;
//! with equal shares the faster thread then idles, with shared work it does more chunks.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;

/// What the threads of one sample report.
#[derive(Default)]
struct Done {
    threads: usize,
    cpu: Duration,
    last_end: Option<Instant>,
}

/// The shared state of `threads` workers; see [`Crew::run`].
pub struct Crew {
    threads: usize,
    /// The sample number; a worker starts a sample when it changes.
    epoch: AtomicU64,
    iters: AtomicU64,
    /// The chunk of a shared sample, 0 for equal shares.
    chunk: AtomicU64,
    /// Iterations handed out so far in a shared sample.
    taken: AtomicU64,
    stop: AtomicBool,
    /// Workers that have set up and are waiting for samples.
    ready: AtomicUsize,
    done: Mutex<Done>,
    finished: Condvar,
}

/// How a sample's iterations are divided between the threads.
#[derive(Clone, Copy, Debug)]
pub enum Split {
    /// `iters` on every thread.
    Equal,
    /// `iters` × threads in all, taken in chunks by whichever thread is free.
    Shared,
}

/// One sample's wall time (from the common start until the last thread is done) and the
/// threads' CPU time divided by their number.
pub struct Sample {
    pub wall: Duration,
    pub mean_cpu: Duration,
}

impl Crew {
    /// Runs `worker` on `threads` scoped threads while `bench` drives samples through the crew;
    /// stops the workers when `bench` returns or panics. A worker sets up its own state and then
    /// calls [`Crew::serve`].
    pub fn run<R>(threads: usize, worker: fn(&Crew), bench: impl FnOnce(&Crew) -> R) -> R {
        let crew = Crew {
            threads,
            epoch: AtomicU64::new(0),
            iters: AtomicU64::new(0),
            chunk: AtomicU64::new(0),
            taken: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            ready: AtomicUsize::new(0),
            done: Mutex::new(Done::default()),
            finished: Condvar::new(),
        };
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| worker(&crew));
            }
            struct StopOnDrop<'a>(&'a AtomicBool);
            impl Drop for StopOnDrop<'_> {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::Release);
                }
            }
            let _stop = StopOnDrop(&crew.stop);
            // Give the scheduler a few ticks to spread the spinning workers over the CPUs.
            while crew.ready.load(Ordering::Acquire) < threads {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(20));
            bench(&crew)
        })
    }

    /// Runs `iters` iterations per thread, split as `split` says, started together, and waits
    /// for all of them.
    pub fn sample(&self, iters: u64, split: Split) -> Sample {
        let mut done = self.lock();
        *done = Done::default();
        let total = iters * self.threads as u64;
        let chunk = match split {
            Split::Equal => 0,
            Split::Shared => (total / 256).max(1),
        };
        self.iters.store(iters, Ordering::Relaxed);
        self.chunk.store(chunk, Ordering::Relaxed);
        self.taken.store(0, Ordering::Relaxed);
        let start = Instant::now();
        self.epoch.fetch_add(1, Ordering::Release);
        // Blocking here (not spinning) leaves both CPUs to the workers.
        while done.threads < self.threads {
            done = self
                .finished
                .wait(done)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let threads = u32::try_from(self.threads).expect("few threads");
        Sample {
            wall: done.last_end.map_or(Duration::ZERO, |end| end - start),
            mean_cpu: done.cpu / threads,
        }
    }

    /// A worker's loop: spins until a sample starts, calls `body` with each run of iterations
    /// it gets, and reports; returns when the benchmark is over.
    pub fn serve(&self, mut body: impl FnMut(u64)) {
        let mut seen = 0;
        self.ready.fetch_add(1, Ordering::Release);
        loop {
            let epoch = loop {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                let epoch = self.epoch.load(Ordering::Acquire);
                if epoch != seen {
                    break epoch;
                }
                std::hint::spin_loop();
            };
            seen = epoch;
            let iters = self.iters.load(Ordering::Relaxed);
            let chunk = self.chunk.load(Ordering::Relaxed);
            let cpu = ThreadTime::now();
            if chunk == 0 {
                body(iters);
            } else {
                let total = iters * self.threads as u64;
                loop {
                    let first = self.taken.fetch_add(chunk, Ordering::Relaxed);
                    if first >= total {
                        break;
                    }
                    body(chunk.min(total - first));
                }
            }
            let cpu = cpu.elapsed();
            let end = Instant::now();
            let mut done = self.lock();
            done.threads += 1;
            done.cpu += cpu;
            done.last_end = Some(done.last_end.map_or(end, |e| e.max(end)));
            self.finished.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Done> {
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
