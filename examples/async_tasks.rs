//! Many concurrent tokio tasks, each with its own scope data, on a multi-threaded runtime:
//! the scope of a `#[with_scope]` / `#[isolation_scope]` async fn travels with its future
//! across `.await` and worker threads, and `scope!` changes survive `.await` too.
//!
//! Run with `cargo run --example async_tasks`. Without `SENTRY_DSN`, events are printed to
//! stdout instead of being sent.

use std::time::Duration;

use sentry_scopes::{
    ClientOptions, Level, capture_message, isolation_scope, scope, set_tag, with_scope,
};

#[derive(Debug)]
struct JobError {
    job: u32,
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "job {} failed", self.job)
    }
}

impl std::error::Error for JobError {}

/// One job: a unit of work of its own, so it gets its own isolation scope. A failure is
/// captured, with the job's data, by `err`.
#[isolation_scope(tag("job", n), extra(attempts = 3), err)]
async fn job(n: u32) -> Result<u32, JobError> {
    set_tag("worker", "importer"); // this job's isolation scope only
    for step in 1..=3 {
        fetch(n, step).await;
    }
    if n.is_multiple_of(3) {
        return Err(JobError { job: n });
    }
    capture_message("job done", Level::Info);
    Ok(n * 10)
}

/// A step inside a job: its own current-scope fork, so `step` does not outlive it.
#[with_scope(tag("step", step))]
async fn fetch(n: u32, step: u32) {
    scope!(extra(started = true));
    // Sleeping and yielding let the task resume on another worker thread: the scope follows.
    tokio::time::sleep(Duration::from_millis(u64::from(n % 4) * 5)).await;
    tokio::task::yield_now().await;
    if step == 2 && n % 2 == 1 {
        capture_message("slow fetch", Level::Warning);
    }
}

fn main() {
    let _guard = sentry_scopes::init(ClientOptions::new().release("importer@0.4.0"))
        .expect("valid client options");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let handles: Vec<_> = (1..=6).map(|n| tokio::spawn(job(n))).collect();
        for (n, handle) in (1..).zip(handles) {
            match handle.await.expect("the job did not panic") {
                Ok(value) => println!("job {n}: {value}"),
                Err(e) => println!("job {n}: {e}"),
            }
        }
    });
    // No job's data is left behind on this thread.
    capture_message("all jobs finished", Level::Info);
}
