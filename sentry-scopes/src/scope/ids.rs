//! Random ids for traces and spans.
//!
//! A span id is drawn for every span and a trace id for every transaction, so they must be
//! cheap: a per-thread generator (wyrand, 64-bit state) seeded once from the OS generator
//! behind `Uuid::new_v4`. Ids only need to be unique with high probability, not
//! unpredictable. During thread-local teardown, when the
//! generator is gone, ids come from the OS generator directly: a span may be started from a
//! value dropped then, and this never panics.

use std::cell::Cell;

use crate::protocol::{SpanId, TraceId, Uuid};

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

/// The next 64 random bits of this thread's generator.
fn next() -> u64 {
    STATE
        .try_with(|state| {
            let mut s = state.get();
            if s == 0 {
                let (hi, lo) = Uuid::new_v4().as_u64_pair();
                s = (hi ^ lo) | 1;
            }
            s = s.wrapping_add(0xa076_1d64_78bd_642f);
            state.set(s);
            let m = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
            ((m >> 64) as u64) ^ (m as u64)
        })
        .unwrap_or_else(|_| {
            let (hi, lo) = Uuid::new_v4().as_u64_pair();
            hi ^ lo
        })
}

/// A random span id (never all zeros, which the protocol reads as "none").
pub(crate) fn span_id() -> SpanId {
    SpanId::from(next().max(1).to_be_bytes())
}

/// A random trace id: 128 bits from this thread's generator (one per transaction, so no
/// system call each time).
pub(crate) fn trace_id() -> TraceId {
    let bits = (u128::from(next()) << 64) | u128::from(next());
    TraceId::from(bits.to_be_bytes())
}

/// A random number in `[0, 1)`, for sampling decisions.
pub(crate) fn unit() -> f64 {
    #[expect(
        clippy::cast_precision_loss,
        reason = "53 bits fit an f64 mantissa exactly"
    )]
    let r = (next() >> 11) as f64 / (1u64 << 53) as f64;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_and_units_lie_in_range() {
        let a: std::collections::HashSet<_> = (0..10_000).map(|_| span_id()).collect();
        assert_eq!(a.len(), 10_000);
        assert_ne!(trace_id(), trace_id());
        for _ in 0..10_000 {
            let u = unit();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
    }
}
