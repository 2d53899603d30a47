//! Cutting an event over the 1 MiB a server accepts down to size, instead of losing it.
//!
//! What goes first is what matters least for the issue, and each step removes only as much
//! as is needed: breadcrumbs (oldest first), extra values, tags and contexts (largest first;
//! the `trace` context stays), request and user data, the source lines and variables of stack
//! frames, then frames from the middle of each stack trace (the outermost and innermost calls
//! stay), then the module list and debug images, and as a last resort the user, all but the
//! outermost exceptions, log parameters and a custom fingerprint. With the cuts of `limits.rs`
//! applied first, what remains always fits.

use std::io;

use crate::protocol::{Event, Map};
use serde::Serialize;

/// Frames each end of a stack trace keeps when frames must go.
const KEEP_FRAMES: usize = 10;
/// Exceptions (the outermost) an event keeps as a last resort.
const KEEP_EXCEPTIONS: usize = 10;

/// Makes `event` fit in `max_bytes` of JSON; returns whether it fits now.
pub(crate) fn fit_event(event: &mut Event<'static>, max_bytes: usize) -> bool {
    type Step = fn(&mut Event<'static>, usize);
    const STEPS: &[Step] = &[
        |e, need| {
            let crumbs = &mut e.breadcrumbs.values;
            let (mut n, mut freed) = (0, 0);
            while n < crumbs.len() && freed < need {
                freed += json_len(&crumbs[n]) + 1;
                n += 1;
            }
            crumbs.drain(..n);
        },
        |e, need| shed_largest(&mut e.extra, need, |_| true),
        |e, need| shed_largest(&mut e.tags, need, |_| true),
        |e, need| shed_largest(&mut e.contexts, need, |k| k != "trace"),
        |e, _| {
            e.request = None;
            if let Some(user) = &mut e.user {
                user.other.clear();
            }
        },
        |e, _| {
            for frame in frames(e) {
                frame.pre_context.clear();
                frame.context_line = None;
                frame.post_context.clear();
                frame.vars.clear();
            }
        },
        |e, _| {
            for trace in stacktraces(e) {
                let n = trace.frames.len();
                if n > 2 * KEEP_FRAMES {
                    trace.frames.drain(KEEP_FRAMES..n - KEEP_FRAMES);
                    trace.frames_omitted = Some((KEEP_FRAMES as u64, (n - KEEP_FRAMES) as u64));
                }
            }
        },
        |e, _| {
            e.modules.clear();
            e.debug_meta.to_mut().images.clear();
        },
        // What is left is bounded by `limits.rs` but for these: the user, the middle of a long
        // exception chain, log parameters and the fingerprint.
        |e, _| {
            e.user = None;
            let exceptions = &mut e.exception.values;
            let extra = exceptions.len().saturating_sub(KEEP_EXCEPTIONS);
            exceptions.drain(..extra);
            if let Some(entry) = &mut e.logentry {
                entry.params.clear();
            }
            e.fingerprint = Event::default().fingerprint;
        },
    ];
    let mut size = json_len(&*event);
    for step in STEPS {
        if size <= max_bytes {
            return true;
        }
        step(event, size - max_bytes);
        size = json_len(&*event);
    }
    size <= max_bytes
}

/// Removes the largest entries of `map` that `may_go` allows, until about `need` bytes are
/// freed.
fn shed_largest<V: Serialize>(
    map: &mut Map<String, V>,
    need: usize,
    may_go: impl Fn(&str) -> bool,
) {
    let mut sizes: Vec<(usize, String)> = map
        .iter()
        .filter(|(k, _)| may_go(k))
        .map(|(k, v)| (json_len(k) + json_len(v) + 2, k.clone()))
        .collect();
    sizes.sort_unstable_by_key(|s| std::cmp::Reverse(s.0));
    let mut freed = 0;
    for (len, key) in sizes {
        if freed >= need {
            break;
        }
        map.remove(&key);
        freed += len;
    }
}

fn stacktraces<'a>(
    e: &'a mut Event<'static>,
) -> impl Iterator<Item = &'a mut sentry_types::protocol::v7::Stacktrace> {
    let exceptions = e
        .exception
        .values
        .iter_mut()
        .filter_map(|x| x.stacktrace.as_mut());
    let threads = e
        .threads
        .values
        .iter_mut()
        .filter_map(|t| t.stacktrace.as_mut());
    exceptions.chain(threads).chain(e.stacktrace.as_mut())
}

fn frames<'a>(
    e: &'a mut Event<'static>,
) -> impl Iterator<Item = &'a mut sentry_types::protocol::v7::Frame> {
    stacktraces(e).flat_map(|t| t.frames.iter_mut())
}

/// The length of `value` as JSON, counted without building it.
pub(crate) fn json_len(value: &impl Serialize) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).map_or(usize::MAX, |()| count.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Breadcrumb, Exception, Value};
    use sentry_types::protocol::v7::{Frame, Stacktrace};

    const MIB: usize = 1024 * 1024;

    #[test]
    fn big_events_lose_breadcrumbs_first_then_extras() {
        let mut event = Event::default();
        for i in 0..150 {
            event.breadcrumbs.values.push(Breadcrumb {
                message: Some(format!("{i}:{}", "b".repeat(10_000))),
                ..Breadcrumb::default()
            });
        }
        event.extra.insert("small".into(), "s".into());
        assert!(json_len(&event) > MIB);
        assert!(fit_event(&mut event, MIB));
        let kept = &event.breadcrumbs.values;
        assert!(!kept.is_empty() && kept.len() < 150);
        let newest = kept.last().and_then(|c| c.message.as_deref()).unwrap();
        assert!(newest.starts_with("149:"), "the newest stay");
        assert!(event.extra.contains_key("small"));

        event.breadcrumbs.values.truncate(1);
        event
            .extra
            .insert("huge".into(), Value::from("x".repeat(2 * MIB)));
        assert!(fit_event(&mut event, MIB));
        assert!(event.breadcrumbs.values.is_empty());
        assert!(!event.extra.contains_key("huge"));
        assert!(event.extra.contains_key("small"));
    }

    #[test]
    fn a_hundred_thousand_tags_are_cut_to_fit_and_the_event_is_kept() {
        let mut event = Event {
            message: Some("kept".into()),
            ..Event::default()
        };
        for i in 0..100_000 {
            event.tags.insert(format!("tag{i:06}"), "v".repeat(20));
        }
        assert!(json_len(&event) > MIB);
        assert!(fit_event(&mut event, MIB));
        assert!(json_len(&event) <= MIB);
        assert!(
            event.tags.len() > 10_000,
            "only as many as needed go: {}",
            event.tags.len()
        );
        assert_eq!(event.message.as_deref(), Some("kept"));
    }

    #[test]
    fn deep_stack_traces_lose_frames_from_the_middle() {
        let frame = |i: usize| Frame {
            function: Some(format!("f{i}")),
            module: Some("m".repeat(1000)),
            pre_context: vec!["x".repeat(1000); 5],
            ..Frame::default()
        };
        let mut event = Event::default();
        event.exception.values.push(Exception {
            ty: "E".into(),
            stacktrace: Some(Stacktrace {
                frames: (0..2000).map(frame).collect(),
                ..Stacktrace::default()
            }),
            ..Exception::default()
        });
        let mut big = event.clone();
        big.contexts
            .insert("trace".into(), crate::protocol::Context::Other(Map::new()));
        assert!(fit_event(&mut big, MIB));
        let frames = &big.exception.values[0].stacktrace.as_ref().unwrap().frames;
        assert_eq!(
            frames.len(),
            2 * KEEP_FRAMES,
            "2000 frames are too large even bare"
        );
        assert!(frames[0].pre_context.is_empty(), "source lines went first");
        assert_eq!(frames[0].function.as_deref(), Some("f0"));
        assert_eq!(frames.last().unwrap().function.as_deref(), Some("f1999"));
        assert!(big.contexts.contains_key("trace"));
    }

    #[test]
    fn an_event_cut_to_relays_limits_always_fits() {
        let mut event = Event {
            message: Some("m".repeat(2 * MIB)),
            user: Some(crate::protocol::User {
                id: Some("u".repeat(2 * MIB)),
                ..crate::protocol::User::default()
            }),
            ..Event::default()
        };
        for i in 0..200 {
            event.exception.values.push(Exception {
                ty: format!("E{i}"),
                value: Some("ü".repeat(9000)),
                ..Exception::default()
            });
        }
        super::super::limits::trim_event(&mut event);
        assert!(fit_event(&mut event, MIB));
        assert!(json_len(&event) <= MIB);
        let last = event.exception.values.last().unwrap();
        assert_eq!(last.ty, "E199", "the outermost exception stays");
    }

    #[test]
    fn json_len_counts_what_serde_writes() {
        let v = serde_json::json!({"a": [1, "é", null]});
        assert_eq!(json_len(&v), serde_json::to_vec(&v).unwrap().len());
    }
}
