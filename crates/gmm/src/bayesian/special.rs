//! `ln Γ`, `ψ` (digamma) and `ln B` for positive arguments: what the variational bound and its
//! expectations need (scikit-learn calls SciPy's `gammaln`, `digamma` and `betaln`).
//!
//! The standard library has no stable `lgamma`, and no crate of the workspace has these. Each
//! function shifts small arguments up with the recurrence (`Γ(x + 1) = x Γ(x)`,
//! `ψ(x + 1) = ψ(x) + 1/x`) until they reach [`ASYMPTOTIC_FROM`], then sums Stirling's series,
//! whose first omitted term is below `2e-18` there. `ln B(a, b)` with a large argument never
//! subtracts two large `ln Γ`: the difference is taken inside the series (as in TOMS 708's
//! `algdiv`), with `ln(1 + b/a)` from [`f64::ln_1p`].
//!
//! The unit tests compare with `tests/fixtures/bayesian_special.json` to `1e-14` relative
//! (absolute near the roots, where the value itself is near 0): SciPy 1.17's `gammaln` and
//! `digamma`, and for `ln B` SciPy's `betaln` while both arguments are below 10, 50-digit
//! decimal arithmetic above (SciPy's `betaln(100001, 0.0625)` is off by `2.3e-11`, ours by
//! `1e-16`).

/// From this argument on, the asymptotic series are summed directly.
const ASYMPTOTIC_FROM: f64 = 10.0;

/// `ln(2 pi) / 2`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// Stirling's correction `w(x) = ln Γ(x) - [(x - 1/2) ln x - x + ln(2 pi)/2]`
/// `= sum_k B_2k / (2k (2k - 1) x^(2k - 1))`, eight terms, for `x >= 10`.
fn stirling_correction(x: f64) -> f64 {
    const C: [f64; 8] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
        -3617.0 / 122_400.0,
    ];
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Horner from the smallest term.
    let mut s = C[7];
    for c in C[..7].iter().rev() {
        s = s * inv2 + c;
    }
    s * inv
}

/// `ln Γ(x)` for `x >= 10`.
fn ln_gamma_large(x: f64) -> f64 {
    (x - 0.5) * x.ln() - x + HALF_LN_2PI + stirling_correction(x)
}

/// `ln Γ(x)` for `x > 0` (NaN for `x <= 0` or NaN; `+inf` for `+inf`).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x >= ASYMPTOTIC_FROM {
        return ln_gamma_large(x);
    }
    // Γ(x) = Γ(x + m) / (x (x + 1) ... (x + m - 1)); every factor is below 10, so the product
    // neither overflows nor loses more than a few roundings.
    let mut prod = 1.0;
    let mut m = 0.0;
    while x + m < ASYMPTOTIC_FROM {
        prod *= x + m;
        m += 1.0;
    }
    ln_gamma_large(x + m) - prod.ln()
}

/// `ψ(x) = d ln Γ(x) / dx` for `x > 0` (NaN for `x <= 0` or NaN).
pub(crate) fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    let mut acc = 0.0;
    let mut m = 0.0;
    while x + m < ASYMPTOTIC_FROM {
        acc -= 1.0 / (x + m);
        m += 1.0;
    }
    let y = x + m;
    // ψ(y) = ln y - 1/(2y) - sum_k B_2k / (2k y^2k), eight terms.
    const C: [f64; 8] = [
        1.0 / 12.0,
        -1.0 / 120.0,
        1.0 / 252.0,
        -1.0 / 240.0,
        1.0 / 132.0,
        -691.0 / 32_760.0,
        1.0 / 12.0,
        -3617.0 / 8160.0,
    ];
    let inv2 = 1.0 / (y * y);
    let mut s = C[7];
    for c in C[..7].iter().rev() {
        s = s * inv2 + c;
    }
    y.ln() - 0.5 / y - s * inv2 + acc
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b)` for `a, b > 0`, without the cancellation
/// of large `ln Γ` values (SciPy's `betaln`).
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a <= 0.0 || b <= 0.0 {
        return f64::NAN;
    }
    let (p, q) = if a <= b { (a, b) } else { (b, a) };
    if q < ASYMPTOTIC_FROM {
        return ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
    }
    let w = stirling_correction(q) - stirling_correction(p + q);
    if p >= ASYMPTOTIC_FROM {
        // Both large: the leading terms of the three series combined,
        // -(p - 1/2) ln(1 + q/p) - q ln(1 + p/q) - ln(q)/2 + ln(2 pi)/2.
        -(p - 0.5) * (q / p).ln_1p() - q * (p / q).ln_1p() - 0.5 * q.ln()
            + HALF_LN_2PI
            + stirling_correction(p)
            + w
    } else {
        // ln Γ(q) - ln Γ(q + p) = -(q - 1/2) ln(1 + p/q) - p ln(q + p) + p + w(q) - w(q + p).
        ln_gamma(p) - (q - 0.5) * (p / q).ln_1p() - p * (q + p).ln() + p + w
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Reference values (`make_bayesian_fixtures.py`).
    fn reference() -> Value {
        serde_json::from_str(include_str!("../../tests/fixtures/bayesian_special.json"))
            .expect("the committed fixture is valid JSON")
    }

    fn pairs(v: &Value) -> Vec<(Vec<f64>, f64)> {
        v.as_array()
            .expect("a list of [args, value]")
            .iter()
            .map(|p| {
                let args = p[0]
                    .as_array()
                    .expect("args")
                    .iter()
                    .map(|a| a.as_f64().expect("a number"))
                    .collect();
                (args, p[1].as_f64().expect("a number"))
            })
            .collect()
    }

    fn check(name: &str, f: impl Fn(&[f64]) -> f64, cases: &[(Vec<f64>, f64)]) {
        assert!(cases.len() >= 20, "{name}: too few reference values");
        let mut worst: f64 = 0.0;
        for (args, want) in cases {
            let got = f(args);
            let err = (got - want).abs() / want.abs().max(1.0);
            worst = worst.max(err);
            assert!(
                err <= 1e-14,
                "{name}{args:?} = {got:e}, SciPy {want:e} (error {err:e})"
            );
        }
        eprintln!(
            "{name}: worst relative error {worst:e} over {} values",
            cases.len()
        );
    }

    #[test]
    fn ln_gamma_matches_scipy() {
        check(
            "gammaln",
            |a| ln_gamma(a[0]),
            &pairs(&reference()["gammaln"]),
        );
    }

    #[test]
    fn digamma_matches_scipy() {
        check(
            "digamma",
            |a| digamma(a[0]),
            &pairs(&reference()["digamma"]),
        );
    }

    #[test]
    fn ln_beta_matches_scipy() {
        check(
            "betaln",
            |a| ln_beta(a[0], a[1]),
            &pairs(&reference()["betaln"]),
        );
    }

    #[test]
    fn exact_values_and_identities() {
        assert!(ln_gamma(1.0).abs() < 1e-14);
        assert!(ln_gamma(2.0).abs() < 1e-14);
        assert!((ln_gamma(0.5) - 0.5 * std::f64::consts::PI.ln()).abs() < 1e-14);
        // ψ(1) = -γ, ψ(1/2) = -γ - 2 ln 2.
        const EULER: f64 = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + EULER).abs() < 1e-15);
        assert!((digamma(0.5) + EULER + 2.0 * 2f64.ln()).abs() < 1e-15);
        // The recurrences across the switch to the series.
        for x in [9.5, 9.999_999, 10.0, 12.25] {
            assert!((ln_gamma(x + 1.0) - ln_gamma(x) - x.ln()).abs() < 1e-14);
            assert!((digamma(x + 1.0) - digamma(x) - 1.0 / x).abs() < 1e-15);
        }
        // B(a, b) = B(b, a); B(1, b) = 1/b.
        for (a, b) in [(0.3, 40.0), (15.0, 2000.0), (1.0, 7.5)] {
            assert_eq!(ln_beta(a, b), ln_beta(b, a));
        }
        assert!((ln_beta(1.0, 50.0) + 50f64.ln()).abs() < 1e-14);
        for bad in [0.0, -1.0, f64::NAN] {
            assert!(ln_gamma(bad).is_nan() && digamma(bad).is_nan() && ln_beta(bad, 1.0).is_nan());
        }
    }
}
