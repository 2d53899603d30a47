//! The generator of the randomised tests that compare the direct JSON writers with the serde
//! path: small and deterministic, so the cases are the same on every run.

/// An xorshift generator; seed it with an odd number.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// A number below `n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    /// True once in `one_in` draws, on average.
    pub(crate) fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}
