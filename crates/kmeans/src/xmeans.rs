//! X-means (Pelleg & Moore, 2000): K-means that splits a cluster in two when the Bayesian
//! information criterion of the split is better.
//!
//! Starting from K-means with `k_min` clusters, every round tries to split every cluster in
//! two by 2-means on its own samples, and keeps a split when the BIC of the two-cluster model
//! of those samples is higher than the BIC of the one-cluster model; all centers are then
//! refined by K-means. It stops when no split is kept, or at `k_max` clusters (the loop is
//! shared with G-means and described in [`SplitModel`]).
//!
//! # The BIC
//!
//! Both models are mixtures of spherical Gaussians with one pooled variance, as in Pelleg &
//! Moore's section 3.2. For `R` samples of `M` features in `K` clusters of `R_1 .. R_K` samples
//! each, with `W` the sum of the squared distances of the samples to their cluster's center:
//!
//! ```text
//! σ² = W / (M (R − K))                                  (pooled, unbiased, per feature)
//! ln L = Σ_n R_n ln(R_n / R) − (R M / 2) ln(2π σ²) − M (R − K) / 2
//! p = (K − 1) + K M + 1                                 (mixing weights, centers, variance)
//! BIC = ln L − (p / 2) ln R                             (higher is better)
//! ```
//!
//! `ln L` is the log-likelihood of the samples at that variance, each sample in its own
//! cluster (the last term is `−W / (2σ²)`). The paper prints the same model with two slips that
//! later implementations copied differently: `σ²` is not divided by `M` while the likelihood
//! treats it as a per-feature variance, and the last term appears as `−(R_n − K)/2` per cluster.
//! The version above is the likelihood of the model the paper describes. `W = 0` gives
//! `BIC = +∞` (the split explains every sample exactly), so a split of a cluster whose samples
//! are not all equal into two groups of equal samples is kept; a cluster of equal samples is
//! never split.
//!
//! The one-cluster model's center is the mean of the cluster's samples; the two-cluster
//! model's are the 2-means centers (the means of their samples). A cluster needs at least 3
//! samples (`R > K`) to be tried.
//!
//! # Limits
//!
//! Splitting `R` samples in two halves costs `R ln 2` in the mixing weights, and the pooled
//! spherical variance must pay it back: by a factor 4 in 1-D, 2 in 2-D, `4^(1/M)` in `M`
//! dimensions. A cluster made of several sub-clusters whose first 2-means split leaves
//! elongated children may therefore stay whole: from `k_min = 1`, four 2-D blobs at the corners
//! of a square stay one cluster (the split halves the variance, no more), while G-means, or
//! X-means from `k_min = 2`, finds the four. The tests pin this.
//!
//! # Examples
//!
//! ```
//! use clusterlab_kmeans::xmeans::bic;
//!
//! // Two clusters of two samples, 1 feature, W = 2: σ² = 2 / (1 · 2) = 1.
//! let b = bic(&[2, 2], 2.0, 1).unwrap();
//! let ln_l = 4.0 * 0.5f64.ln() - 2.0 * (2.0 * std::f64::consts::PI).ln() - 1.0;
//! assert!((b - (ln_l - 2.0 * 4.0f64.ln())).abs() < 1e-12);
//! ```

use clusterlab_core::{Clusterer, Model, Result, distance::sq_euclidean, layout::contiguous};
use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::{
    model::KMeansModel,
    params::NInit,
    split::{self, Growth, SplitModel},
};

/// The BIC (higher is better) of a spherical-Gaussian mixture with pooled variance, as in the
/// [module documentation](self): `counts` holds the samples of each cluster, `within_ss` the
/// sum of squared distances to their centers, `n_features` the dimension.
///
/// `None` when it is not defined: no cluster, an empty cluster, no feature, or no more samples
/// than clusters. `Some(+∞)` when `within_ss` is 0.
///
/// ```
/// use clusterlab_kmeans::xmeans::bic;
/// assert_eq!(bic(&[3], 0.0, 2), Some(f64::INFINITY));
/// assert_eq!(bic(&[1, 1], 1.0, 2), None);
/// // Splitting 100 samples in 1-D in two halves costs 100 ln 2 in the mixing weights: a tenfold
/// // drop of the scatter is worth it, halving it or a 10% gain is not.
/// assert!(bic(&[50, 50], 10.0, 1) > bic(&[100], 100.0, 1));
/// assert!(bic(&[50, 50], 50.0, 1) < bic(&[100], 100.0, 1));
/// assert!(bic(&[50, 50], 90.0, 1) < bic(&[100], 100.0, 1));
/// ```
pub fn bic(counts: &[usize], within_ss: f64, n_features: usize) -> Option<f64> {
    let k = counts.len();
    let r: usize = counts.iter().sum();
    if k == 0
        || n_features == 0
        || r <= k
        || counts.contains(&0)
        || within_ss.is_nan()
        || within_ss < 0.0
    {
        return None;
    }
    if within_ss == 0.0 {
        return Some(f64::INFINITY);
    }
    let (rf, kf, m) = (r as f64, k as f64, n_features as f64);
    let sigma2 = within_ss / (m * (rf - kf));
    let weights: f64 = counts
        .iter()
        .map(|&c| c as f64 * (c as f64 / rf).ln())
        .sum();
    let ln_l =
        weights - rf * m / 2.0 * (2.0 * std::f64::consts::PI * sigma2).ln() - m * (rf - kf) / 2.0;
    let p = (kf - 1.0) + kf * m + 1.0;
    Some(ln_l - p / 2.0 * rf.ln())
}

/// X-means parameters.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `k_min` | 1 | clusters of the first K-means |
/// | `k_max` | 20 | the most clusters it may find |
/// | `max_iter` | 300 | iterations of each inner K-means run |
/// | `n_init` | `"auto"` (1) | k-means++ restarts of the first K-means and of each 2-means split |
/// | `tol` | 1e-4 | the inner K-means' relative tolerance (as [`KMeansParams::tol`](crate::KMeansParams::tol)) |
///
/// ```
/// use clusterlab_kmeans::XMeansParams;
///
/// let p: XMeansParams = toml::from_str("k_max = 8").unwrap();
/// assert_eq!(p, XMeansParams { k_max: 8, ..XMeansParams::default() });
/// assert!(toml::from_str::<XMeansParams>("kmax = 8").is_err());
/// assert!(p.build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XMeansParams {
    /// Number of clusters to start from (default 1; at least 1, at most the number of samples).
    #[serde(default = "crate::split::default_k_min")]
    pub k_min: usize,
    /// Largest number of clusters (default 20; at least `k_min`).
    #[serde(default = "crate::split::default_k_max")]
    pub k_max: usize,
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

impl Default for XMeansParams {
    fn default() -> Self {
        XMeansParams {
            k_min: crate::split::default_k_min(),
            k_max: crate::split::default_k_max(),
            max_iter: crate::split::default_max_iter(),
            n_init: NInit::default(),
            tol: crate::split::default_tol(),
        }
    }
}

impl XMeansParams {
    /// Checks what does not need the data: `k_min >= 1`, `k_max >= k_min`, `max_iter >= 1`,
    /// `n_init >= 1`, `tol` finite and `>= 0`. `k_min <= n_samples` is checked at fit, before
    /// any work.
    ///
    /// ```
    /// use clusterlab_kmeans::XMeansParams;
    /// let err = XMeansParams { k_min: 5, k_max: 3, ..XMeansParams::default() }.build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `k_max` = 3: must be at least k_min = 5");
    /// ```
    pub fn build(&self) -> Result<XMeans> {
        split::check_common(self.k_min, self.k_max, self.n_init, self.max_iter, self.tol)?;
        Ok(XMeans {
            params: self.clone(),
        })
    }
}

/// A validated X-means configuration (kind `"xmeans"`): fit it to data with a seed.
///
/// Made by [`XMeansParams::build`].
///
/// ```
/// use clusterlab_core::Clusterer;
/// use clusterlab_kmeans::XMeansParams;
/// use ndarray::Array2;
///
/// // Three groups of 9 samples (3 x 3 grids of step 0.1) in the plane, one of them far from
/// // the other two.
/// let centers = [[0.0, 0.0], [0.0, 5.0], [50.0, 0.0]];
/// let x = Array2::from_shape_fn((27, 2), |(i, j)| {
///     let m = i / 3;
///     centers[i % 3][j] + 0.1 * if j == 0 { m % 3 } else { m / 3 } as f64
/// });
/// let xmeans = XMeansParams::default().build()?;
/// assert_eq!(xmeans.kind(), "xmeans");
/// assert_eq!(xmeans.n_clusters(), None);
/// let model = xmeans.fit(x.view(), 7)?;
/// assert_eq!(model.n_clusters(), 3);
/// assert_eq!(model.k_trace(), &[1, 2, 3]);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct XMeans {
    params: XMeansParams,
}

impl XMeans {
    /// The validated parameters.
    pub fn params(&self) -> &XMeansParams {
        &self.params
    }

    fn growth(&self) -> Growth {
        let p = &self.params;
        Growth {
            kind: "xmeans",
            k_min: p.k_min,
            k_max: p.k_max,
            n_init: p.n_init,
            max_iter: p.max_iter,
            tol: p.tol,
            min_split_size: 3,
        }
    }

    /// Fits to `x` (one sample per row) with the random stream of `seed`.
    ///
    /// The first K-means is [`KMeans::fit`](crate::KMeans::fit) with `k_min` clusters and
    /// `seed`; the 2-means split of cluster `j` in round `r` uses
    /// `derive(derive(seed, r), j)` ([`clusterlab_core::seed::derive`]). Errors, before any
    /// work, if `x` is empty or holds a non-finite value, or if `k_min > n_samples`.
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<SplitModel> {
        self.growth().fit(x, seed, keep_split)
    }
}

/// The X-means test: the split is kept when the children's BIC beats the parent's, scored by
/// the gain.
fn keep_split(samples: ArrayView2<'_, f64>, children: &KMeansModel) -> Option<f64> {
    let (n, d) = samples.dim();
    let mean = samples.mean_axis(Axis(0))?;
    let mean = contiguous(&mean);
    let parent_ss: f64 = samples
        .rows()
        .into_iter()
        .map(|row| sq_euclidean(contiguous(&row), mean))
        .sum();
    if parent_ss == 0.0 {
        return None;
    }
    let mut counts = [0usize; 2];
    for &l in children.labels() {
        counts[l] += 1;
    }
    let parent = bic(&[n], parent_ss, d)?;
    let split = bic(&counts, children.inertia(), d)?;
    (split > parent).then_some(split - parent)
}

impl Clusterer for XMeans {
    fn kind(&self) -> &'static str {
        "xmeans"
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

    /// Checked by hand: one cluster of 4 samples in 2-D with W = 6: σ² = 6 / (2 · 3) = 1,
    /// ln L = 0 − 4 ln(2π) − 3, p = 3, BIC = ln L − 1.5 ln 4.
    #[test]
    fn bic_one_cluster_by_hand() {
        let expected = -4.0 * (2.0 * std::f64::consts::PI).ln() - 3.0 - 1.5 * 4.0f64.ln();
        let b = bic(&[4], 6.0, 2).unwrap();
        assert!((b - expected).abs() < 1e-12, "{b} vs {expected}");
    }

    #[test]
    fn bic_undefined_cases() {
        assert_eq!(bic(&[], 1.0, 1), None);
        assert_eq!(bic(&[3, 0], 1.0, 1), None);
        assert_eq!(bic(&[3], 1.0, 0), None);
        assert_eq!(bic(&[3], f64::NAN, 1), None);
        assert_eq!(bic(&[3], -1.0, 1), None);
    }

    #[test]
    fn equal_samples_never_split() {
        let x = ndarray::Array2::from_elem((10, 2), 3.0);
        let m = XMeansParams::default()
            .build()
            .unwrap()
            .fit(x.view(), 0)
            .unwrap();
        assert_eq!(m.n_clusters(), 1);
        assert!(m.converged());
    }
}
