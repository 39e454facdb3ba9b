//! G-means (Hamerly & Elkan, 2003): K-means that splits a cluster in two when its samples do
//! not look Gaussian along the axis of the split.
//!
//! Starting from K-means with `k_min` clusters, every round splits every cluster in two by
//! 2-means on its own samples, projects the samples on the vector `v = c₁ − c₂` joining the
//! two children's centers (`yᵢ = ⟨xᵢ, v⟩`), standardises the projections, and applies the
//! Anderson-Darling normality test; the split is kept when the test rejects normality at
//! significance `alpha`. All centers are then refined by K-means. It stops when no split is
//! kept, or at `k_max` clusters (the loop is shared with X-means and described in
//! [`SplitModel`]).
//!
//! # The test
//!
//! With `z₁ <= .. <= zₙ` the sorted projections standardised by their mean and sample standard
//! deviation (`n − 1` in the denominator, as `scipy.stats.anderson`), and `Φ` the standard
//! normal distribution function:
//!
//! ```text
//! A² = −n − (1/n) Σᵢ (2i − 1) [ln Φ(zᵢ) + ln(1 − Φ(z₍ₙ₊₁₋ᵢ₎))]
//! A*² = A² (1 + 4/n − 25/n²)
//! ```
//!
//! The split is kept when `A*² >` the critical value of `alpha` ([`CRITICAL_VALUES`]): Stephens
//! (1974, "EDF statistics for goodness of fit and some comparisons", JASA 69, case 3: mean and
//! variance estimated, with this small-sample correction) for `alpha` = 0.15, 0.1, 0.05, 0.025
//! and 0.01, and Hamerly & Elkan's 1.8692 for their `alpha` = 0.0001 (the default). Older
//! releases of `scipy.stats.anderson` used the same table and correction; scipy 1.17 uses
//! D'Agostino & Stephens (1986) instead (`A²(1 + 0.75/n + 2.25/n²)` against 0.561 .. 1.035),
//! which is not mixed in here because the paper's 1.8692 belongs to the first scale.
//! Other values of `alpha` are refused rather than interpolated. A cluster needs at least 8
//! samples to be tested (the table's range; R's `nortest::ad.test` refuses fewer too); a
//! cluster whose projections are all equal is never split.
//!
//! # Examples
//!
//! ```
//! use clusterlab_kmeans::gmeans::{anderson_darling, critical_value};
//!
//! // Evenly spread normal quantiles look normal; two separated lumps do not.
//! let normal = [-1.53, -0.89, -0.49, -0.16, 0.16, 0.49, 0.89, 1.53];
//! let a2 = anderson_darling(&normal).unwrap();
//! assert!(a2 < 0.2);
//! let lumps = [0.0, 0.01, 0.02, 0.03, 10.0, 10.01, 10.02, 10.03];
//! let n = 8.0;
//! let a2_star = anderson_darling(&lumps).unwrap() * (1.0 + 4.0 / n - 25.0 / (n * n));
//! assert!(a2_star > critical_value(0.05).unwrap());
//! ```

use std::f64::consts::{LN_2, PI, SQRT_2};

use clusterlab_core::{Clusterer, Error, Model, Result, distance::dot, layout::contiguous};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::{
    model::KMeansModel,
    params::NInit,
    split::{self, Growth, SplitModel},
};

/// The critical values of `A*²` by significance `alpha`, as `(alpha, critical value)`: the
/// split is kept when `A*²` exceeds it (see the [module documentation](self) for the sources).
///
/// ```
/// use clusterlab_kmeans::gmeans::CRITICAL_VALUES;
/// assert!(CRITICAL_VALUES.windows(2).all(|w| w[0].0 > w[1].0 && w[0].1 < w[1].1));
/// ```
pub const CRITICAL_VALUES: [(f64, f64); 6] = [
    (0.15, 0.576),
    (0.1, 0.656),
    (0.05, 0.787),
    (0.025, 0.918),
    (0.01, 1.092),
    (0.0001, 1.8692),
];

/// The critical value of `A*²` at significance `alpha`, if [`CRITICAL_VALUES`] holds it.
///
/// ```
/// use clusterlab_kmeans::gmeans::critical_value;
/// assert_eq!(critical_value(0.0001), Some(1.8692));
/// assert_eq!(critical_value(1e-4), Some(1.8692));
/// assert_eq!(critical_value(0.02), None);
/// ```
pub fn critical_value(alpha: f64) -> Option<f64> {
    CRITICAL_VALUES
        .iter()
        .find(|(a, _)| (alpha - a).abs() <= 1e-12 * a)
        .map(|&(_, c)| c)
}

/// The Anderson-Darling statistic `A²` of `values` against the normal distribution whose mean
/// and variance are estimated from them (uncorrected, as `scipy.stats.anderson(values).statistic`;
/// G-means multiplies it by `1 + 4/n − 25/n²`).
///
/// `None` when it is not defined: fewer than 2 values, or all equal, or not all finite.
///
/// ```
/// use clusterlab_kmeans::gmeans::anderson_darling;
/// // scipy.stats.anderson(range(1, 11)).statistic == 0.14110924785979329 (scipy 1.17.1)
/// let a2 = anderson_darling(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
/// assert!((a2 - 0.14110924785979329).abs() < 1e-13);
/// assert_eq!(anderson_darling(&[3.0, 3.0, 3.0]), None);
/// ```
pub fn anderson_darling(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (nf - 1.0);
    let sd = var.sqrt();
    if !sd.is_finite() || sd <= 0.0 {
        return None;
    }
    let mut z: Vec<f64> = values.iter().map(|v| (v - mean) / sd).collect();
    z.sort_by(f64::total_cmp);
    let s: f64 = (0..n)
        .map(|i| (2 * i + 1) as f64 * (norm_log_cdf(z[i]) + norm_log_cdf(-z[n - 1 - i])))
        .sum();
    Some(-nf - s / nf)
}

/// `ln Φ(z)` for the standard normal distribution function, accurate to about 1e-15 relative
/// in both tails (no library special function: an `erf` series near 0, Laplace's continued
/// fraction for `erfc` in the tails, combined in logarithms so that nothing underflows).
fn norm_log_cdf(z: f64) -> f64 {
    // Φ(z) = erfc(t) / 2 with t = −z / √2.
    let t = -z / SQRT_2;
    if t < 0.0 {
        // Φ(z) = 1 − erfc(−t) / 2, close to 1.
        (-0.5 * erfc(-t)).ln_1p()
    } else if t < 2.0 {
        (0.5 * (1.0 - erf_series(t))).ln()
    } else {
        scaled_erfc(t).ln() - t * t - LN_2
    }
}

/// `erfc(t)` for `t >= 0`.
fn erfc(t: f64) -> f64 {
    if t < 2.0 {
        1.0 - erf_series(t)
    } else {
        scaled_erfc(t) * (-t * t).exp()
    }
}

/// `erf(t)` for small `t >= 0` by `2/√π e^{−t²} Σₖ 2ᵏ t^{2k+1} / (1·3···(2k+1))`: every term is
/// positive, so nothing cancels.
fn erf_series(t: f64) -> f64 {
    let mut term = t;
    let mut sum = t;
    for k in 1..200 {
        term *= 2.0 * t * t / (2 * k + 1) as f64;
        sum += term;
        if term <= sum * 1e-17 {
            break;
        }
    }
    2.0 / PI.sqrt() * (-t * t).exp() * sum
}

/// `e^{t²} erfc(t)` for `t >= 2` by the continued fraction
/// `1/√π · 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + ..))))`, evaluated by Lentz's method.
fn scaled_erfc(t: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut f = t;
    let mut c = t;
    let mut d = 0.0;
    for i in 1..1000 {
        let a = i as f64 / 2.0;
        d = t + a * d;
        if d == 0.0 {
            d = TINY;
        }
        c = t + a / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    1.0 / (PI.sqrt() * f)
}

fn default_alpha() -> f64 {
    0.0001
}

/// G-means parameters.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `k_min` | 1 | clusters of the first K-means |
/// | `k_max` | 20 | the most clusters it may find |
/// | `alpha` | 0.0001 | significance of the normality test (one of [`CRITICAL_VALUES`]) |
/// | `max_iter` | 300 | iterations of each inner K-means run |
/// | `n_init` | `"auto"` (1) | k-means++ restarts of the first K-means and of each 2-means split |
/// | `tol` | 1e-4 | the inner K-means' relative tolerance (as [`KMeansParams::tol`](crate::KMeansParams::tol)) |
///
/// ```
/// use clusterlab_kmeans::GMeansParams;
///
/// let p: GMeansParams = toml::from_str("alpha = 0.01\nk_max = 8").unwrap();
/// assert_eq!(p, GMeansParams { alpha: 0.01, k_max: 8, ..GMeansParams::default() });
/// assert!(toml::from_str::<GMeansParams>("aplha = 0.01").is_err());
/// assert!(p.build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GMeansParams {
    /// Number of clusters to start from (default 1; at least 1, at most the number of samples).
    #[serde(default = "crate::split::default_k_min")]
    pub k_min: usize,
    /// Largest number of clusters (default 20; at least `k_min`).
    #[serde(default = "crate::split::default_k_max")]
    pub k_max: usize,
    /// Significance level of the Anderson-Darling test (default 0.0001, as Hamerly & Elkan):
    /// one of 0.15, 0.1, 0.05, 0.025, 0.01, 0.0001. Smaller splits less.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Maximum number of iterations of each inner K-means run (default 300).
    #[serde(default = "crate::split::default_max_iter")]
    pub max_iter: usize,
    /// Restarts of the inner K-means runs (default `"auto"`: one, as k-means++ in
    /// scikit-learn). The refinements start from the split centers and run once.
    #[serde(default)]
    pub n_init: NInit,
    /// Relative tolerance of the inner K-means runs (default 1e-4).
    #[serde(default = "crate::split::default_tol")]
    pub tol: f64,
}

impl Default for GMeansParams {
    fn default() -> Self {
        GMeansParams {
            k_min: crate::split::default_k_min(),
            k_max: crate::split::default_k_max(),
            alpha: default_alpha(),
            max_iter: crate::split::default_max_iter(),
            n_init: NInit::default(),
            tol: crate::split::default_tol(),
        }
    }
}

impl GMeansParams {
    /// Checks what does not need the data: `k_min >= 1`, `k_max >= k_min`, `max_iter >= 1`,
    /// `n_init >= 1`, `tol` finite and `>= 0`, `alpha` one of the tabulated levels.
    /// `k_min <= n_samples` is checked at fit, before any work.
    ///
    /// ```
    /// use clusterlab_kmeans::GMeansParams;
    /// let err = GMeansParams { alpha: 0.02, ..GMeansParams::default() }.build().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid parameter `alpha` = 0.02: no critical value is tabulated for it; \
    ///      use one of 0.15, 0.1, 0.05, 0.025, 0.01, 0.0001"
    /// );
    /// ```
    pub fn build(&self) -> Result<GMeans> {
        split::check_common(self.k_min, self.k_max, self.n_init, self.max_iter, self.tol)?;
        let critical = critical_value(self.alpha).ok_or_else(|| {
            let allowed: Vec<String> = CRITICAL_VALUES.iter().map(|(a, _)| a.to_string()).collect();
            Error::invalid(
                "alpha",
                self.alpha,
                format!(
                    "no critical value is tabulated for it; use one of {}",
                    allowed.join(", ")
                ),
            )
        })?;
        Ok(GMeans {
            params: self.clone(),
            critical,
        })
    }
}

/// A validated G-means configuration (kind `"gmeans"`): fit it to data with a seed.
///
/// Made by [`GMeansParams::build`].
///
/// ```
/// use clusterlab_core::Clusterer;
/// use clusterlab_kmeans::GMeansParams;
/// use ndarray::Array2;
///
/// // Three tight groups of 10 samples on a line.
/// let x = Array2::from_shape_fn((30, 1), |(i, _)| (i % 3) as f64 * 10.0 + (i / 3) as f64 * 0.01);
/// let gmeans = GMeansParams::default().build()?;
/// assert_eq!(gmeans.kind(), "gmeans");
/// assert_eq!(gmeans.n_clusters(), None);
/// let model = gmeans.fit(x.view(), 7)?;
/// assert_eq!(model.n_clusters(), 3);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GMeans {
    params: GMeansParams,
    critical: f64,
}

impl GMeans {
    /// The validated parameters.
    pub fn params(&self) -> &GMeansParams {
        &self.params
    }

    /// The critical value of `A*²` that `alpha` resolves to.
    pub fn critical_value(&self) -> f64 {
        self.critical
    }

    fn growth(&self) -> Growth {
        let p = &self.params;
        Growth {
            kind: "gmeans",
            k_min: p.k_min,
            k_max: p.k_max,
            n_init: p.n_init,
            max_iter: p.max_iter,
            tol: p.tol,
            min_split_size: 8,
        }
    }

    /// Fits to `x` (one sample per row) with the random stream of `seed`.
    ///
    /// The first K-means is [`KMeans::fit`](crate::KMeans::fit) with `k_min` clusters and
    /// `seed`; the 2-means split of cluster `j` in round `r` uses
    /// `derive(derive(seed, r), j)` ([`clusterlab_core::seed::derive`]). Errors, before any
    /// work, if `x` is empty or holds a non-finite value, or if `k_min > n_samples`.
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<SplitModel> {
        let critical = self.critical;
        self.growth().fit(x, seed, |samples, children| {
            keep_split(samples, children, critical)
        })
    }
}

/// The G-means test: the split is kept when `A*²` of the projections exceeds `critical`, scored
/// by `A*²`.
fn keep_split(samples: ArrayView2<'_, f64>, children: &KMeansModel, critical: f64) -> Option<f64> {
    let c = children.centers();
    let v: Vec<f64> = c.row(0).iter().zip(c.row(1)).map(|(a, b)| a - b).collect();
    if v.iter().all(|&x| x == 0.0) {
        return None;
    }
    let y: Vec<f64> = samples
        .rows()
        .into_iter()
        .map(|row| dot(contiguous(&row), &v))
        .collect();
    let n = y.len() as f64;
    let a2_star = anderson_darling(&y)? * (1.0 + 4.0 / n - 25.0 / (n * n));
    (a2_star > critical).then_some(a2_star)
}

impl Clusterer for GMeans {
    fn kind(&self) -> &'static str {
        "gmeans"
    }

    fn n_clusters(&self) -> Option<usize> {
        None
    }

    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        self.growth().work_estimate(n_samples, n_features)
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pnorm(z, log.p = TRUE)` in R 4 (`print(pnorm(c(-40, -8, -3, -1, 0, 0.5, 2.9, 8), log.p = TRUE), digits = 17)`).
    #[test]
    fn log_cdf_matches_r() {
        let cases = [
            (-40.0, R_LOG_CDF[0]),
            (-8.0, R_LOG_CDF[1]),
            (-3.0, R_LOG_CDF[2]),
            (-1.0, R_LOG_CDF[3]),
            (0.0, R_LOG_CDF[4]),
            (0.5, R_LOG_CDF[5]),
            (2.9, R_LOG_CDF[6]),
            (8.0, R_LOG_CDF[7]),
        ];
        for (z, want) in cases {
            let got = norm_log_cdf(z);
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1e-300),
                "z = {z}: {got} vs {want}"
            );
        }
    }

    // R's printed digits, kept as printed (one of them is ln 1/2).
    #[allow(clippy::excessive_precision, clippy::approx_constant)]
    const R_LOG_CDF: [f64; 8] = [
        -8.0460844201375380e+02,
        -3.5013437159914552e+01,
        -6.6077262215103492e+00,
        -1.8410216450092636e+00,
        -6.9314718055994529e-01,
        -3.6894641528865652e-01,
        -1.8675560981809215e-03,
        -6.2209605742717868e-16,
    ];

    /// Both ways of computing `erfc` agree where they meet: 1 − the series, and the continued
    /// fraction (erfc(2) = 0.004677734981047265837...). Above the switch the series loses
    /// digits to the subtraction, which is why it is not used there.
    #[test]
    fn erfc_methods_agree_around_the_switch() {
        for t in [1.5, 1.8, 2.0] {
            let series = 1.0 - erf_series(t);
            let fraction = scaled_erfc(t) * (-t * t).exp();
            assert!(
                (series - fraction).abs() <= 1e-12 * fraction,
                "t = {t}: {series} vs {fraction}"
            );
        }
        assert!((erfc(2.0) - 0.004_677_734_981_047_266).abs() <= 1e-17);
    }

    #[test]
    fn tabulated_alphas_build_and_others_are_refused() {
        for (a, c) in CRITICAL_VALUES {
            let g = GMeansParams {
                alpha: a,
                ..GMeansParams::default()
            }
            .build()
            .unwrap();
            assert_eq!(g.critical_value(), c);
        }
        for a in [0.0, 0.001, 0.5, -0.05, f64::NAN] {
            let err = GMeansParams {
                alpha: a,
                ..GMeansParams::default()
            }
            .build()
            .unwrap_err();
            assert!(
                matches!(err, Error::InvalidParameter { name: "alpha", .. }),
                "{err}"
            );
        }
    }
}
