//! A random stream identical to NumPy's legacy `numpy.random.RandomState`.
//!
//! scikit-learn turns an integer `random_state` into `RandomState(seed)`, and every tutorial's
//! dataset comes from that stream. [`NumpyRng`] reproduces it draw for draw, so that
//! `make_blobs(..., random_state=170)` in a notebook and [`RngKind::Numpy`](crate::RngKind) with
//! seed 170 here give the same points, bit for bit.
//!
//! The Mersenne Twister itself is [`rand_mt::Mt`] (MT19937 seeded by the reference
//! `init_genrand`, exactly as `RandomState(int)` seeds it); this module adds only NumPy's legacy
//! layer on top:
//!
//! - doubles from two 32-bit outputs, `((a >> 5) * 2^26 + (b >> 6)) / 2^53` ([`random_sample`]);
//! - `uniform(low, high) = low + (high - low) * u` ([`uniform`]);
//! - the legacy Gaussian: Marsaglia's polar method, returning `f * x2` and keeping `f * x1` for
//!   the next call, across calls ([`standard_normal`]); `normal(loc, scale) = loc + scale * g`;
//! - bounded integers by masked rejection, and the Fisher–Yates `shuffle` from the last index
//!   down ([`shuffle`]).
//!
//! Exactness: everything above is IEEE arithmetic except the `ln` of the polar method, which
//! both NumPy and Rust take from the platform's C math library. On Linux (glibc) the bits match
//! NumPy's; on another platform a Gaussian could differ from NumPy's in its last bit.
//!
//! [`random_sample`]: NumpyRng::random_sample
//! [`uniform`]: NumpyRng::uniform
//! [`standard_normal`]: NumpyRng::standard_normal
//! [`shuffle`]: NumpyRng::shuffle

use rand_mt::Mt;

/// NumPy's legacy `RandomState`: MT19937 plus the legacy samplers and the cached Gaussian.
///
/// # Examples
///
/// ```
/// use clusterlab_data::numpy::NumpyRng;
/// // numpy.random.RandomState(0).random_sample() == 0.5488135039273248
/// let mut rng = NumpyRng::new(0);
/// assert_eq!(rng.random_sample(), 0.5488135039273248);
/// ```
#[derive(Clone)]
pub struct NumpyRng {
    mt: Mt,
    gauss: Option<f64>,
}

impl std::fmt::Debug for NumpyRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRng")
            .field("cached_gauss", &self.gauss)
            .finish_non_exhaustive()
    }
}

impl NumpyRng {
    /// The stream of `numpy.random.RandomState(seed)`.
    pub fn new(seed: u32) -> Self {
        NumpyRng {
            mt: Mt::new(seed),
            gauss: None,
        }
    }

    /// The stream of `RandomState(seed)` for a `u64` seed, or `None` if NumPy would refuse it
    /// (seeds must lie in `0..2^32`).
    pub fn from_u64(seed: u64) -> Option<Self> {
        u32::try_from(seed).ok().map(Self::new)
    }

    /// The next raw 32-bit output of MT19937.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    /// `RandomState.random_sample()`: a double in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn random_sample(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// `RandomState.uniform(low, high)`: `low + (high - low) * random_sample()`.
    #[inline]
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `RandomState.standard_normal()`: the legacy polar-method Gaussian with its cached second
    /// value.
    #[inline]
    pub fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `RandomState.normal(loc, scale)`: `loc + scale * standard_normal()`.
    #[inline]
    pub fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }

    /// NumPy's `random_interval(max)`: an integer uniform in `0..=max`, by masking to the
    /// smallest all-ones pattern covering `max` and rejecting values above it.
    pub fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        if let Ok(max32) = u32::try_from(max) {
            // Narrowing is exact: mask < 2^32 when max does.
            let mask32 = u32::try_from(mask).unwrap_or(u32::MAX);
            loop {
                let v = self.next_u32() & mask32;
                if v <= max32 {
                    return u64::from(v);
                }
            }
        }
        loop {
            let v = self.mt.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// `RandomState.shuffle(x)` for a one-dimensional array: Fisher–Yates from the last index
    /// down, each partner drawn by [`interval`](Self::interval).
    pub fn shuffle<T>(&mut self, x: &mut [T]) {
        for i in (1..x.len()).rev() {
            // An index of a slice fits in u64, and the draw is at most i.
            let j = usize::try_from(self.interval(i as u64)).unwrap_or(i);
            x.swap(i, j);
        }
    }

    /// `RandomState.permutation(n)`: `0..n` shuffled.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by NumPy 2.4 (`RandomState(seed)` methods), pinned here so that the
    /// stream is checked even without the fixture files.
    #[test]
    fn matches_numpy_first_values() {
        let mut r = NumpyRng::new(0);
        assert_eq!(r.random_sample(), 0.5488135039273248);
        assert_eq!(r.random_sample(), 0.7151893663724195);
        let mut r = NumpyRng::new(42);
        assert_eq!(r.next_u32(), 1608637542);
    }

    #[test]
    fn gaussian_cache_survives_between_calls() {
        let mut a = NumpyRng::new(5);
        let mut b = NumpyRng::new(5);
        let first = a.standard_normal();
        let second = a.standard_normal();
        assert_eq!(b.normal(0.0, 1.0), first);
        assert_eq!(b.normal(1.0, 2.0), 1.0 + 2.0 * second);
    }

    #[test]
    fn interval_stays_in_range_and_shuffle_permutes() {
        let mut r = NumpyRng::new(1);
        for max in [0u64, 1, 2, 3, 7, 8, 1000, u64::from(u32::MAX) + 5] {
            for _ in 0..50 {
                assert!(r.interval(max) <= max);
            }
        }
        let mut p = r.permutation(100);
        p.sort_unstable();
        assert_eq!(p, (0..100).collect::<Vec<_>>());
    }
}
