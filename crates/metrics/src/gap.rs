//! The gap statistic (Tibshirani, Walther and Hastie, 2001).
//!
//! For each K, the log of the pooled within-cluster dispersion `W_K` of the data is compared
//! with its mean over `B` reference data sets drawn uniformly over the data's bounding box:
//! `Gap(K) = mean_b log W*_Kb - log W_K`, with standard error `s_K = sd_K sqrt(1 + 1/B)`. The
//! suggested K is the smallest with `Gap(K) >= Gap(K+1) - s_{K+1}` ([`gap_pick`]).
//!
//! The clustering is a caller-supplied function, so the statistic works with any algorithm.
//! Reference set `b` (from 0) is drawn from the stream `seed::derive(seed, b)`; the data is
//! clustered with `seed` and reference set `b` with `seed::derive(seed::derive(seed, b), k)`,
//! so that every number is fixed by `seed` whatever the thread count. The `(K, b)` fits run in
//! parallel and are collected in order.

use clusterlab_core::{
    Error, Result,
    seed::{derive, rng},
    validate::{check_n_clusters, check_positive_count, check_samples},
};
use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::internal::Clustered;

/// The clustering function of [`gap_statistic`]: data, K and seed to one label per sample.
pub type ClusterFn<'a> =
    dyn Fn(ArrayView2<'_, f64>, usize, u64) -> clusterlab_core::Result<Vec<usize>> + Sync + 'a;

/// The gap statistic at one K.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GapPoint {
    /// Number of clusters.
    pub k: usize,
    /// `Gap(K) = ref_log_w_mean - log_w`.
    pub gap: f64,
    /// Standard error `s_K = sd_K * sqrt(1 + 1/B)` (`sd_K` the population standard deviation of
    /// the reference `log W*`).
    pub s_k: f64,
    /// `log W_K` of the data.
    pub log_w: f64,
    /// Mean of `log W*_Kb` over the reference sets.
    pub ref_log_w_mean: f64,
}

/// Pooled within-cluster sum of squares `W = sum_r sum_{i in r} ||x_i - mean_r||^2`.
///
/// # Errors
///
/// Empty or non-finite data, or not one label per sample.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::gap::within_dispersion;
/// let x = array![[0.0], [2.0], [10.0], [10.0]];
/// assert_eq!(within_dispersion(x.view(), &[0, 0, 1, 1])?, 2.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn within_dispersion(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    Ok(Clustered::new(x, labels)?
        .sq_to_own_centroid()?
        .iter()
        .sum())
}

/// A reference data set: `n` samples uniform over the bounding box `lo..hi` of every feature.
fn reference(lo: &[f64], hi: &[f64], n: usize, seed: u64) -> Array2<f64> {
    let mut r = rng(seed);
    let d = lo.len();
    Array2::from_shape_fn((n, d), |(_, j)| lo[j] + (hi[j] - lo[j]) * r.random::<f64>())
}

/// `log W` of `x` clustered into `k` clusters, with an error if `W` is 0 (every cluster a single
/// repeated point), where the logarithm is undefined.
fn log_w(
    x: ArrayView2<'_, f64>,
    k: usize,
    seed: u64,
    cluster: &ClusterFn<'_>,
    what: &str,
) -> Result<f64> {
    let labels = cluster(x, k, seed)?;
    let w = within_dispersion(x, &labels)?;
    if w <= 0.0 || !w.is_finite() {
        return Err(Error::Numerical(format!(
            "gap statistic: the within-cluster dispersion of {what} at k = {k} is {w}, so its \
             logarithm is undefined (every cluster is one repeated point: use a smaller k)"
        )));
    }
    Ok(w.ln())
}

/// The gap statistic at every K of `ks`, with `n_refs` uniform reference sets.
///
/// `cluster(x, k, seed)` must return one label per sample of `x`; it is called once per K on
/// the data and `n_refs` times per K on reference sets, in parallel.
///
/// # Errors
///
/// Empty or non-finite data; `ks` empty or a K outside `1..=n_samples`; `n_refs == 0`; an
/// error of `cluster`; a dispersion of zero (see [`within_dispersion`]).
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::{Array2, ArrayView2};
/// use clusterlab_metrics::gap::{gap_pick, gap_statistic};
///
/// // Two tight groups on a line; "cluster" by cutting at the k - 1 largest gaps.
/// let x = Array2::from_shape_fn((40, 1), |(i, _)| if i < 20 { i as f64 * 0.01 } else { 5.0 + i as f64 * 0.01 });
/// let cut = |x: ArrayView2<'_, f64>, k: usize, _seed: u64| {
///     let v: Vec<f64> = x.column(0).to_vec();
///     let mut order: Vec<usize> = (0..v.len()).collect();
///     order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
///     let mut jumps: Vec<(f64, usize)> = order.windows(2).enumerate().map(|(p, w)| (v[w[1]] - v[w[0]], p)).collect();
///     jumps.sort_by(|a, b| b.0.total_cmp(&a.0));
///     let mut cuts: Vec<usize> = jumps[..k - 1].iter().map(|j| j.1).collect();
///     cuts.sort();
///     let mut labels = vec![0; v.len()];
///     for (p, &i) in order.iter().enumerate() {
///         labels[i] = cuts.iter().filter(|&&c| c < p).count();
///     }
///     Ok(labels)
/// };
/// let points = gap_statistic(x.view(), &[1, 2, 3, 4], 10, 7, &cut)?;
/// assert_eq!(gap_pick(&points), Some(2));
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn gap_statistic(
    x: ArrayView2<'_, f64>,
    ks: &[usize],
    n_refs: usize,
    seed: u64,
    cluster: &ClusterFn<'_>,
) -> Result<Vec<GapPoint>> {
    check_samples(x)?;
    check_positive_count("n_refs", n_refs)?;
    if ks.is_empty() {
        return Err(Error::invalid("ks", "[]", "at least one k is needed"));
    }
    let n = x.nrows();
    for &k in ks {
        check_n_clusters("k", k, n)?;
    }
    let lo: Vec<f64> = x
        .fold_axis(Axis(0), f64::INFINITY, |a, b| a.min(*b))
        .to_vec();
    let hi: Vec<f64> = x
        .fold_axis(Axis(0), f64::NEG_INFINITY, |a, b| a.max(*b))
        .to_vec();

    // Every (k, reference) fit is independent; collected in index order.
    let data_logs: Vec<f64> = ks
        .par_iter()
        .map(|&k| log_w(x, k, seed, cluster, "the data"))
        .collect::<Result<_>>()?;
    let ref_logs: Vec<f64> = (0..n_refs * ks.len())
        .into_par_iter()
        .map(|idx| {
            let (ki, b) = (idx / n_refs, idx % n_refs);
            let k = ks[ki];
            let ref_seed = derive(seed, b as u64);
            let r = reference(&lo, &hi, n, ref_seed);
            log_w(
                r.view(),
                k,
                derive(ref_seed, k as u64),
                cluster,
                &format!("reference set {b}"),
            )
        })
        .collect::<Result<_>>()?;

    let bf = n_refs as f64;
    Ok(ks
        .iter()
        .zip(&data_logs)
        .zip(ref_logs.chunks(n_refs))
        .map(|((&k, &lw), refs)| {
            let mean = refs.iter().sum::<f64>() / bf;
            let var = refs.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / bf;
            GapPoint {
                k,
                gap: mean - lw,
                s_k: var.sqrt() * (1.0 + 1.0 / bf).sqrt(),
                log_w: lw,
                ref_log_w_mean: mean,
            }
        })
        .collect())
}

/// Tibshirani's rule: the smallest K with `Gap(K) >= Gap(K') - s_{K'}`, `K'` the next K in
/// increasing order among `points` (not necessarily `K + 1`). `None` when no K qualifies (the
/// gap keeps rising faster than its error: more clusters than tried) or `points` is empty.
///
/// ```
/// use clusterlab_metrics::gap::{GapPoint, gap_pick};
/// let p = |k, gap, s_k| GapPoint { k, gap, s_k, log_w: 0.0, ref_log_w_mean: 0.0 };
/// assert_eq!(gap_pick(&[p(1, 0.1, 0.05), p(2, 0.5, 0.05), p(3, 0.52, 0.05)]), Some(2));
/// assert_eq!(gap_pick(&[p(1, 0.1, 0.01), p(2, 0.5, 0.01)]), None);
/// ```
pub fn gap_pick(points: &[GapPoint]) -> Option<usize> {
    let mut sorted: Vec<&GapPoint> = points
        .iter()
        .filter(|p| p.gap.is_finite() && p.s_k.is_finite())
        .collect();
    sorted.sort_by_key(|p| p.k);
    sorted
        .windows(2)
        .find(|w| w[0].gap >= w[1].gap - w[1].s_k)
        .map(|w| w[0].k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_threshold(x: ArrayView2<'_, f64>, k: usize, _seed: u64) -> Result<Vec<usize>> {
        // Equal-width bins of the first feature: deterministic and good enough for the checks.
        let lo = x.column(0).iter().copied().fold(f64::INFINITY, f64::min);
        let hi = x
            .column(0)
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let w = (hi - lo).max(1e-300) / k as f64;
        Ok(x.column(0)
            .iter()
            .map(|v| (((v - lo) / w) as usize).min(k - 1))
            .collect())
    }

    #[test]
    fn same_seed_same_points_and_thread_count_does_not_matter() {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| ((i * 37 + j * 11) % 17) as f64);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| gap_statistic(x.view(), &[1, 2, 3], 5, 9, &by_threshold).unwrap())
        };
        assert_eq!(run(1), run(2));
        let p = run(1);
        assert_eq!(p.len(), 3);
        assert!(p.iter().all(|g| g.gap.is_finite() && g.s_k >= 0.0));
    }

    #[test]
    fn bad_arguments_are_named() {
        let x = Array2::from_shape_fn((5, 1), |(i, _)| i as f64);
        let e = gap_statistic(x.view(), &[6], 3, 0, &by_threshold).unwrap_err();
        assert!(e.to_string().contains("`k` = 6"), "{e}");
        let e = gap_statistic(x.view(), &[2], 0, 0, &by_threshold).unwrap_err();
        assert!(e.to_string().contains("n_refs"), "{e}");
        assert!(gap_statistic(x.view(), &[], 3, 0, &by_threshold).is_err());
    }

    #[test]
    fn zero_dispersion_is_an_error_not_minus_infinity() {
        let x = Array2::from_shape_fn((4, 1), |(i, _)| i as f64);
        let e = gap_statistic(x.view(), &[4], 2, 0, &by_threshold).unwrap_err();
        assert!(e.to_string().contains("k = 4"), "{e}");
    }
}
