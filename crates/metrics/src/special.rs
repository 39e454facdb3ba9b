//! `ln(m!)` for the expected mutual information, accurate to a few ulps.
//!
//! The standard library has no stable `lgamma`, and the expected mutual information subtracts
//! sums of log-factorials of size `n ln n`, so their absolute error must stay near `eps * n ln n`
//! (as scipy's `gammaln` does). Small arguments use a compensated sum of logarithms; large ones
//! Stirling's series, whose first omitted term is below `1e-17` there.

/// Below this, `ln(m!)` is a compensated sum of `ln i`; from it on, Stirling's series.
const STIRLING_FROM: usize = 64;

/// `ln(m!)` = `lgamma(m + 1)`.
pub(crate) fn ln_factorial(m: usize) -> f64 {
    if m < STIRLING_FROM {
        // Neumaier's compensated sum: the error stays one rounding of the total.
        let (mut s, mut comp) = (0.0f64, 0.0f64);
        for i in 2..=m {
            let v = (i as f64).ln();
            let t = s + v;
            comp += if s.abs() >= v.abs() {
                (s - t) + v
            } else {
                (v - t) + s
            };
            s = t;
        }
        s + comp
    } else {
        let x = (m + 1) as f64;
        let inv = 1.0 / x;
        let inv2 = inv * inv;
        // Stirling: lnG(x) = (x - 1/2) ln x - x + ln(2 pi)/2 + 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7)
        let series =
            inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
        const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
        (x - 0.5) * x.ln() - x + HALF_LN_2PI + series
    }
}

/// `ln(m!)` for every `m` in `0..=max`.
pub(crate) fn ln_factorial_table(max: usize) -> Vec<f64> {
    (0..=max).map(ln_factorial).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_factorials_are_exact_logs() {
        let mut f = 1.0f64;
        for m in 0..25usize {
            if m > 0 {
                f *= m as f64;
            }
            let want = f.ln();
            assert!(
                (ln_factorial(m) - want).abs() <= 4.0 * f64::EPSILON * want.abs().max(1.0),
                "m = {m}"
            );
        }
    }

    #[test]
    fn both_sides_of_the_switch_agree() {
        // ln(64!) = ln(63!) + ln 64, across the change of method.
        let below = ln_factorial(STIRLING_FROM - 1);
        let above = ln_factorial(STIRLING_FROM);
        let want = below + (STIRLING_FROM as f64).ln();
        assert!((above - want).abs() <= 8.0 * f64::EPSILON * want);
    }

    #[test]
    fn large_values_match_the_recurrence() {
        for m in [100usize, 1000, 123_456, 10_000_000] {
            let want = ln_factorial(m) + ((m + 1) as f64).ln();
            let got = ln_factorial(m + 1);
            assert!((got - want).abs() <= 8.0 * f64::EPSILON * want, "m = {m}");
        }
        // A reference value: ln(100!) = 363.73937555556347...
        assert!((ln_factorial(100) - 363.739_375_555_563_47).abs() < 1e-12);
    }
}
