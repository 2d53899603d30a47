//! A worker pool where every job runs in its own isolation scope and its own trace: tags,
//! user and breadcrumbs written by one job never show up on another job's events, and
//! whatever the submitter set before queueing the job comes along with it.
//!
//! ```sh
//! cargo run --example background_jobs
//! ```
//!
//! Without `SENTRY_DSN`, events are printed to stdout as JSON.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use sentry_scopes::{
    Breadcrumb, ClientOptions, Level, PropagationContext, add_breadcrumb, bind_fn, capture_message,
    get_isolation_scope, isolation_scope, set_tag,
};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug)]
struct ResizeError(u32);

impl std::fmt::Display for ResizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "image {} is not a valid PNG", self.0)
    }
}

impl std::error::Error for ResizeError {}

/// One job, in an isolation scope of its own: the tag and user below are on it before the body
/// runs, and an `Err` it returns is captured inside that scope before it is handed back.
#[isolation_scope(tag("job", image_id), user(username = owner), err)]
fn resize_image(image_id: u32, owner: &str) -> Result<(), ResizeError> {
    // A job is a unit of work of its own: a new trace, not the submitter's.
    get_isolation_scope().set_propagation_context(PropagationContext::new());
    add_breadcrumb(Breadcrumb {
        category: Some("job".into()),
        message: Some(format!("resizing image {image_id}")),
        ..Breadcrumb::default()
    });
    if image_id.is_multiple_of(3) {
        return Err(ResizeError(image_id));
    }
    capture_message(&format!("image {image_id} resized"), Level::Info);
    Ok(())
}

/// A fixed-size pool of OS threads taking jobs from a channel.
struct Pool {
    sender: Option<mpsc::Sender<Job>>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Pool {
    fn new(size: usize) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..size)
            .map(|i| {
                let receiver = receiver.clone();
                std::thread::Builder::new()
                    .name(format!("worker-{i}"))
                    .spawn(move || {
                        loop {
                            let job = receiver
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .recv();
                            match job {
                                Ok(job) => job(),
                                Err(_) => break, // the pool was dropped
                            }
                        }
                    })
                    .expect("thread spawned")
            })
            .collect();
        Self {
            sender: Some(sender),
            workers,
        }
    }

    /// Queues `job`, bound to forks of the submitter's scopes taken now.
    fn submit(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(Box::new(bind_fn(job)));
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.sender.take();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn main() {
    let _guard = sentry_scopes::init(ClientOptions::new().release("jobs-example@1.0"))
        .expect("valid client options");
    sentry_scopes::get_global_scope().set_tag("service", "image-worker");

    let pool = Pool::new(3);
    for (batch, owner) in [("morning", "ann"), ("evening", "bob")] {
        set_tag("batch", batch); // the submitter's isolation scope: carried into each job
        for image_id in 1..=3 {
            pool.submit(move || {
                let _ = resize_image(image_id, owner);
            });
        }
    }
    drop(pool); // waits for every job
    capture_message("all batches queued and done", Level::Info); // no job's tags or user
}
