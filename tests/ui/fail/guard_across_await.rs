// The guard a sync expansion holds is `!Send`, so holding it across an `.await` (which would
// attribute other tasks' events to this one) cannot compile in a `Send` future.
fn assert_send<T: Send>(_: T) {}

async fn held_across_await() {
    let _guard = sentry_scopes::__private::fork_current().enter();
    std::future::ready(()).await;
}

fn main() {
    assert_send(held_across_await());
}
