//! Within- and between-cluster scatter from one pass of per-cluster sufficient statistics, and
//! the indices read from them: the within sum of squares `W`, Ball-Hall and Ratkowsky-Lance.
//!
//! The indices follow NbClust 3.0 (Charrad, Ghazzali, Boiteau and Niknafs, 2014), whose code is
//! the reference the fixtures were made from (`tests/fixtures/make_nbclust_fixtures.R`). Where
//! NbClust's code and the published formula of an index disagree, the documentation of the
//! index says which one is followed.
//!
//! # The kernel
//!
//! Every index here needs, per cluster `c` and feature `j`, the count `n_c`, the mean `m_cj`
//! and the centred sum of squares `S_cj = sum_{i in c} (x_ij - m_cj)^2`. These are gathered in
//! one pass over the samples, without an `n x k` matrix:
//!
//! - the rows are cut into leaves of a size set by the shape alone ([`leaf_rows`]); a leaf's
//!   statistics are computed in two sweeps over its rows (sums, then squares around the leaf's
//!   own means), while the leaf sits in cache;
//! - leaves are merged pairwise along a fixed binary tree (halving the range of leaves), with
//!   the update of Chan, Golub and LeVeque (1979): `S = S_a + S_b + delta^2 n_a n_b / n`.
//!   Subtrees run in parallel with `rayon::join`, but the tree, and so every rounding, depends
//!   on the shape only: 1 and N threads give the same bits.
//!
//! Centred sums are used instead of raw sums of squares (`sum x^2 - n m^2`) because the raw form
//! cancels catastrophically when a cluster's spread is small next to its distance from the
//! origin (coordinates near `1e6` with a spread near `1e-2` keep no correct digit).

use clusterlab_core::{
    Error, Result,
    par::chunk_rows,
    validate::{check_labels_len, check_samples},
};
use ndarray::{Array2, ArrayView2};

use crate::labels::Encoded;

/// Per-cluster sufficient statistics of one partition: sizes, means, and the centred sums of
/// squares of every feature, from which `W`, Ball-Hall and Ratkowsky-Lance are read.
///
/// Clusters are numbered as everywhere in this crate: cluster `c` is the `c`-th smallest
/// distinct label.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::ClusterScatter;
///
/// let x = array![[0.0, 0.0], [2.0, 0.0], [10.0, 1.0], [10.0, 3.0]];
/// let s = ClusterScatter::new(x.view(), &[5, 5, 9, 9])?;
/// assert_eq!(s.counts(), &[2, 2]);
/// assert_eq!(s.within_ss(), 4.0); // 1 + 1 around (1, 0), 1 + 1 around (10, 2)
/// assert_eq!(s.ball_hall(), 2.0); // W / K
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterScatter {
    /// Size of every cluster.
    counts: Vec<usize>,
    /// Mean of every cluster, `k x d`.
    means: Array2<f64>,
    /// Centred sum of squares of every cluster and feature, `k x d`.
    within: Array2<f64>,
}

impl ClusterScatter {
    /// Gathers the statistics of `labels` on `x` in one parallel pass (see the module
    /// documentation). Any number of clusters from 1 to `n` is accepted.
    ///
    /// # Errors
    ///
    /// Empty or non-finite data, or not one label per sample.
    ///
    /// # Examples
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    ///
    /// let x = array![[1.0], [3.0], [8.0]];
    /// // One cluster: W is the total sum of squares around the mean 4.
    /// assert_eq!(ClusterScatter::new(x.view(), &[0, 0, 0])?.within_ss(), 26.0);
    /// assert!(ClusterScatter::new(x.view(), &[0, 0]).is_err());
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn new(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<Self> {
        check_samples(x)?;
        check_labels_len(labels, x.nrows())?;
        let x = x.as_standard_layout();
        let xs = x.as_slice().ok_or_else(|| {
            Error::Numerical("internal: a standard-layout matrix was not contiguous".into())
        })?;
        ClusterScatter::from_encoded(xs, x.ncols(), &Encoded::new(labels))
    }

    /// [`ClusterScatter::new`] of validated samples (`xs` row-major, `d` values a row) whose
    /// labels are encoded.
    pub(crate) fn from_encoded(xs: &[f64], d: usize, enc: &Encoded) -> Result<Self> {
        let n = enc.codes.len();
        let k = enc.n_labels();
        let leaf = leaf_rows(d, k);
        let leaves = n.div_ceil(leaf);
        let p = reduce(
            &Rows {
                xs,
                codes: &enc.codes,
                d,
                k,
                leaf,
            },
            0,
            leaves,
        );
        let means = Array2::from_shape_vec((k, d), p.mean)
            .map_err(|e| Error::Numerical(format!("internal: cluster means: {e}")))?;
        let within = Array2::from_shape_vec((k, d), p.m2)
            .map_err(|e| Error::Numerical(format!("internal: cluster scatter: {e}")))?;
        Ok(ClusterScatter {
            counts: p.counts,
            means,
            within,
        })
    }

    /// Number of clusters `K`.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [1.0], [2.0]];
    /// assert_eq!(ClusterScatter::new(x.view(), &[4, 0, 4])?.n_clusters(), 2);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn n_clusters(&self) -> usize {
        self.counts.len()
    }

    /// Size of every cluster.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [1.0], [2.0]];
    /// assert_eq!(ClusterScatter::new(x.view(), &[4, 0, 4])?.counts(), &[1, 2]);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// Mean of every cluster, one row per cluster (`K x d`).
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [1.0], [2.0]];
    /// let s = ClusterScatter::new(x.view(), &[4, 0, 4])?;
    /// assert_eq!(s.means(), array![[1.0], [1.0]].view());
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn means(&self) -> ArrayView2<'_, f64> {
        self.means.view()
    }

    /// Within-cluster sum of squares of every cluster and feature (`K x d`): the diagonal of
    /// each cluster's scatter matrix.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0, 0.0], [2.0, 4.0], [7.0, 7.0]];
    /// let s = ClusterScatter::new(x.view(), &[0, 0, 1])?;
    /// assert_eq!(s.within_per_feature(), array![[2.0, 8.0], [0.0, 0.0]].view());
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn within_per_feature(&self) -> ArrayView2<'_, f64> {
        self.within.view()
    }

    /// The pooled within-cluster sum of squares `W = sum_c sum_{i in c} ||x_i - m_c||^2`, the
    /// trace of the pooled within-cluster scatter matrix (NbClust's `wgss`, scikit-learn's
    /// inertia around the cluster means). Summed feature by feature within a cluster, then
    /// cluster by cluster.
    ///
    /// Hartigan's and Krzanowski-Lai's indices are read from `W` at consecutive `K`
    /// ([`crate::select::hartigan_values`], [`crate::select::krzanowski_lai_values`]).
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [2.0], [10.0], [10.0]];
    /// assert_eq!(ClusterScatter::new(x.view(), &[0, 0, 1, 1])?.within_ss(), 2.0);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn within_ss(&self) -> f64 {
        self.within
            .rows()
            .into_iter()
            .map(|r| r.iter().fold(0.0, |a, b| a + b))
            .fold(0.0, |a, b| a + b)
    }

    /// The Ball-Hall index as NbClust computes it: `W / K` (`indice.ball`:
    /// `wgss / max(cl)`), the pooled within sum of squares per cluster.
    ///
    /// Ball and Hall (1965), and clusterCrit, define it instead as the mean over clusters of
    /// each cluster's mean dispersion, `(1/K) sum_c W_c / n_c`; that is
    /// [`ClusterScatter::mean_cluster_dispersion`]. The two agree when all clusters have the
    /// same size, up to the factor `n / K`. NbClust's decision rule
    /// ([`crate::select::ball_hall_pick`]) was designed with `W / K`, so this is the one
    /// reported as `ball_hall`.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [2.0], [10.0], [10.0], [10.0]];
    /// let s = ClusterScatter::new(x.view(), &[0, 0, 1, 1, 1])?;
    /// assert_eq!(s.ball_hall(), 1.0); // W = 2, K = 2
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn ball_hall(&self) -> f64 {
        self.within_ss() / self.n_clusters() as f64
    }

    /// Ball and Hall's original index (and clusterCrit's `Ball_Hall`): the mean over clusters
    /// of `W_c / n_c`, each cluster's mean squared distance to its mean.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [2.0], [10.0], [10.0], [10.0]];
    /// let s = ClusterScatter::new(x.view(), &[0, 0, 1, 1, 1])?;
    /// assert_eq!(s.mean_cluster_dispersion(), 0.5); // (2 / 2 + 0 / 3) / 2
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn mean_cluster_dispersion(&self) -> f64 {
        let total = self
            .within
            .rows()
            .into_iter()
            .zip(&self.counts)
            .map(|(r, &c)| r.iter().fold(0.0, |a, b| a + b) / c as f64)
            .fold(0.0, |a, b| a + b);
        total / self.n_clusters() as f64
    }

    /// Between-cluster sum of squares of every feature, `BGSS_j = sum_c n_c (m_cj - m_j)^2`
    /// (`m_j` the overall mean), and the total `TSS_j = WGSS_j + BGSS_j`: NbClust's `vargss`
    /// (`varbgss`, `vartss`).
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0, 1.0], [2.0, 1.0], [10.0, 1.0], [10.0, 1.0]];
    /// let (between, total) = ClusterScatter::new(x.view(), &[0, 0, 1, 1])?.between_and_total();
    /// assert_eq!(between, vec![81.0, 0.0]); // 2 * 4.5^2 * 2 around the mean 5.5
    /// assert_eq!(total, vec![83.0, 0.0]);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn between_and_total(&self) -> (Vec<f64>, Vec<f64>) {
        let d = self.means.ncols();
        let n: usize = self.counts.iter().sum();
        let mut grand = vec![0.0f64; d];
        for (m, &c) in self.means.rows().into_iter().zip(&self.counts) {
            for (g, v) in grand.iter_mut().zip(m) {
                *g += c as f64 * v;
            }
        }
        for g in &mut grand {
            *g /= n as f64;
        }
        let mut between = vec![0.0f64; d];
        let mut within = vec![0.0f64; d];
        for ((m, w), &c) in self
            .means
            .rows()
            .into_iter()
            .zip(self.within.rows())
            .zip(&self.counts)
        {
            for j in 0..d {
                let t = m[j] - grand[j];
                between[j] += c as f64 * t * t;
                within[j] += w[j];
            }
        }
        let total = between.iter().zip(&within).map(|(b, w)| b + w).collect();
        (between, total)
    }

    /// The Calinski-Harabasz index from these statistics: the between-cluster sum of squares
    /// `sum_j BGSS_j` over the within `W`, times `(n - K) / (K - 1)`; 1.0 when `W = 0`. This is
    /// what [`crate::calinski_harabasz_score`] returns, without its check that
    /// `2 <= K <= n - 1`.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0], [2.0], [10.0], [12.0]];
    /// // Between: 2 * 25 + 2 * 25 = 100, within: 4; (100 / 4) * (4 - 2) / (2 - 1) = 50.
    /// assert_eq!(ClusterScatter::new(x.view(), &[0, 0, 1, 1])?.calinski_harabasz(), 50.0);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn calinski_harabasz(&self) -> f64 {
        let n: usize = self.counts.iter().sum();
        let k = self.n_clusters();
        let (between, _) = self.between_and_total();
        let extra = between.iter().fold(0.0, |a, b| a + b);
        let intra = self.within_ss();
        if intra == 0.0 {
            1.0
        } else {
            extra * (n as f64 - k as f64) / (intra * (k as f64 - 1.0))
        }
    }

    /// The Ratkowsky-Lance index as NbClust computes it (`indice.ratkowsky`):
    /// `mean_j sqrt(BGSS_j / TSS_j) / sqrt(K)`, the square root taken per feature before the
    /// mean over features (clusterCrit takes it after, `sqrt(mean_j(BGSS_j / TSS_j) / K)`).
    /// Higher is better; NbClust picks the K of the largest value.
    ///
    /// A constant feature (`TSS_j = 0`) has no ratio, where NbClust would return NaN: it is left
    /// out of the mean, so that adding constant columns changes nothing.
    ///
    /// # Errors
    ///
    /// Fewer than 2 clusters (NbClust leaves the index undefined at `K = 1`), or every feature
    /// constant.
    ///
    /// ```
    /// use clusterlab_core::ndarray::array;
    /// use clusterlab_metrics::ClusterScatter;
    /// let x = array![[0.0, 1.0], [2.0, 1.0], [10.0, 1.0], [10.0, 1.0]];
    /// let s = ClusterScatter::new(x.view(), &[0, 0, 1, 1])?;
    /// // Feature 0: sqrt(81 / 83); feature 1 is constant. K = 2.
    /// let want = (81.0f64 / 83.0).sqrt() / 2.0f64.sqrt();
    /// assert!((s.ratkowsky_lance()? - want).abs() < 1e-15);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn ratkowsky_lance(&self) -> Result<f64> {
        let k = self.n_clusters();
        if k < 2 {
            return Err(Error::invalid(
                "labels",
                format!("{k} distinct labels"),
                "the Ratkowsky-Lance index needs at least 2 clusters: a single cluster has no \
                 between-cluster scatter",
            ));
        }
        let (between, total) = self.between_and_total();
        let (mut sum, mut used) = (0.0f64, 0usize);
        for (b, t) in between.iter().zip(&total) {
            if *t > 0.0 {
                // Rounding can lift BGSS a hair above TSS (never below 0): clamp the ratio.
                sum += (b / t).min(1.0).sqrt();
                used += 1;
            }
        }
        if used == 0 {
            return Err(Error::invalid(
                "x",
                "every feature constant",
                "the Ratkowsky-Lance index divides by each feature's total sum of squares",
            ));
        }
        Ok(sum / used as f64 / (k as f64).sqrt())
    }
}

/// The pooled within-cluster sum of squares `W` of `labels` on `x` (any number of clusters);
/// see [`ClusterScatter::within_ss`].
///
/// # Errors
///
/// Empty or non-finite data, or not one label per sample.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::within_ss;
/// let x = array![[0.0, 0.0], [0.0, 2.0], [5.0, 5.0]];
/// assert_eq!(within_ss(x.view(), &[1, 1, 2])?, 2.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn within_ss(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    Ok(ClusterScatter::new(x, labels)?.within_ss())
}

/// NbClust's Ball-Hall index `W / K` of `labels` on `x`; see [`ClusterScatter::ball_hall`].
///
/// # Errors
///
/// Empty or non-finite data, or not one label per sample.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::ball_hall_score;
/// let x = array![[0.0, 0.0], [0.0, 2.0], [5.0, 5.0]];
/// assert_eq!(ball_hall_score(x.view(), &[1, 1, 2])?, 1.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn ball_hall_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    Ok(ClusterScatter::new(x, labels)?.ball_hall())
}

/// NbClust's Ratkowsky-Lance index of `labels` on `x`; see
/// [`ClusterScatter::ratkowsky_lance`].
///
/// # Errors
///
/// Empty or non-finite data, not one label per sample, a single cluster, or every feature
/// constant.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::ratkowsky_lance_score;
/// // Perfectly separated on the only feature: sqrt(1) / sqrt(2).
/// let x = array![[0.0], [0.0], [4.0], [4.0]];
/// let r = ratkowsky_lance_score(x.view(), &[0, 0, 1, 1])?;
/// assert!((r - 0.5f64.sqrt()).abs() < 1e-15);
/// assert!(ratkowsky_lance_score(x.view(), &[0, 0, 0, 0]).is_err());
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn ratkowsky_lance_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    ClusterScatter::new(x, labels)?.ratkowsky_lance()
}

/// Rows of one leaf of the reduction: at least [`chunk_rows`] (so a leaf's data fills about
/// [`clusterlab_core::par::CHUNK_BYTES`]) and at least `k`, so that merging two leaves'
/// `k x d` statistics never costs more than reading their rows. Depends on the shape only.
pub(crate) fn leaf_rows(d: usize, k: usize) -> usize {
    chunk_rows(d).max(k)
}

/// The samples, row-major, with their cluster codes and the leaf size.
struct Rows<'a> {
    xs: &'a [f64],
    codes: &'a [usize],
    d: usize,
    k: usize,
    leaf: usize,
}

/// Statistics of a range of rows: size, mean and centred sum of squares per cluster and
/// feature (clusters absent from the range have count 0 and zeros).
struct Partial {
    counts: Vec<usize>,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

/// Statistics of leaves `first..last`, merged along the halving tree (see the module doc).
fn reduce(r: &Rows<'_>, first: usize, last: usize) -> Partial {
    if last - first <= 1 {
        return leaf(r, first);
    }
    let mid = first + (last - first) / 2;
    let (a, b) = rayon::join(|| reduce(r, first, mid), || reduce(r, mid, last));
    merge(a, b, r.d)
}

/// Statistics of one leaf: sums, means, then squares around the leaf's means.
fn leaf(r: &Rows<'_>, index: usize) -> Partial {
    let (d, k) = (r.d, r.k);
    let n = r.codes.len();
    let lo = (index * r.leaf).min(n);
    let hi = ((index + 1) * r.leaf).min(n);
    let xs = &r.xs[lo * d..hi * d];
    let codes = &r.codes[lo..hi];
    let mut counts = vec![0usize; k];
    let mut mean = vec![0.0f64; k * d];
    for (row, &c) in xs.chunks_exact(d).zip(codes) {
        counts[c] += 1;
        for (m, v) in mean[c * d..(c + 1) * d].iter_mut().zip(row) {
            *m += v;
        }
    }
    for (m, &c) in mean.chunks_exact_mut(d).zip(&counts) {
        if c > 0 {
            let inv = c as f64;
            for v in m {
                *v /= inv;
            }
        }
    }
    let mut m2 = vec![0.0f64; k * d];
    for (row, &c) in xs.chunks_exact(d).zip(codes) {
        let m = &mean[c * d..(c + 1) * d];
        for ((s, v), mu) in m2[c * d..(c + 1) * d].iter_mut().zip(row).zip(m) {
            let t = v - mu;
            *s += t * t;
        }
    }
    Partial { counts, mean, m2 }
}

/// Chan, Golub and LeVeque's pairwise update, cluster by cluster.
fn merge(mut a: Partial, b: Partial, d: usize) -> Partial {
    for (c, &nb) in b.counts.iter().enumerate() {
        if nb == 0 {
            continue;
        }
        let na = a.counts[c];
        let span = c * d..(c + 1) * d;
        if na == 0 {
            a.counts[c] = nb;
            a.mean[span.clone()].copy_from_slice(&b.mean[span.clone()]);
            a.m2[span.clone()].copy_from_slice(&b.m2[span]);
            continue;
        }
        let n = (na + nb) as f64;
        let wb = nb as f64 / n;
        let cross = na as f64 * nb as f64 / n;
        for j in span {
            let delta = b.mean[j] - a.mean[j];
            a.mean[j] += delta * wb;
            a.m2[j] += b.m2[j] + delta * delta * cross;
        }
        a.counts[c] = na + nb;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn brute(x: ArrayView2<'_, f64>, labels: &[usize]) -> (f64, Vec<f64>, Vec<f64>) {
        let enc = Encoded::new(labels);
        let (k, d) = (enc.n_labels(), x.ncols());
        let mut means = vec![vec![0.0; d]; k];
        for (row, &c) in x.rows().into_iter().zip(&enc.codes) {
            for j in 0..d {
                means[c][j] += row[j] / enc.counts[c] as f64;
            }
        }
        let mut grand = vec![0.0; d];
        for row in x.rows() {
            for j in 0..d {
                grand[j] += row[j] / x.nrows() as f64;
            }
        }
        let (mut w, mut wj, mut tj) = (0.0, vec![0.0; d], vec![0.0; d]);
        for (row, &c) in x.rows().into_iter().zip(&enc.codes) {
            for j in 0..d {
                let t = row[j] - means[c][j];
                w += t * t;
                wj[j] += t * t;
                tj[j] += (row[j] - grand[j]) * (row[j] - grand[j]);
            }
        }
        (w, wj, tj)
    }

    fn lcg(n: usize, d: usize, seed: u64, offset: f64) -> Array2<f64> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        Array2::from_shape_fn((n, d), |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            offset + (s >> 11) as f64 / (1u64 << 53) as f64
        })
    }

    #[test]
    fn many_leaves_match_brute_force() {
        // 9000 rows of 3 features: leaves of 2730 rows, so a four-leaf tree with absent
        // clusters in some leaves.
        let x = lcg(9000, 3, 7, 0.0);
        let labels: Vec<usize> = (0..9000).map(|i| (i * 7 + i / 100) % 5 * 3).collect();
        let s = ClusterScatter::new(x.view(), &labels).unwrap();
        let (w, _, tj) = brute(x.view(), &labels);
        assert!(
            (s.within_ss() - w).abs() < 1e-10 * w,
            "{} vs {w}",
            s.within_ss()
        );
        let (_, total) = s.between_and_total();
        for (a, b) in total.iter().zip(&tj) {
            assert!((a - b).abs() < 1e-10 * b);
        }
    }

    #[test]
    fn centred_sums_survive_a_large_offset() {
        // Spread near 1 around 1e7: raw sums of squares would keep no digit of W.
        let x = lcg(5000, 2, 3, 1e7);
        let labels: Vec<usize> = (0..5000).map(|i| i % 3).collect();
        let s = ClusterScatter::new(x.view(), &labels).unwrap();
        let (w, wj, _) = brute(x.view(), &labels);
        assert!(
            (s.within_ss() - w).abs() < 1e-9 * w,
            "{} vs {w}",
            s.within_ss()
        );
        let per: Vec<f64> = (0..2)
            .map(|j| s.within_per_feature().column(j).sum())
            .collect();
        for (a, b) in per.iter().zip(&wj) {
            assert!((a - b).abs() < 1e-9 * b);
        }
    }

    #[test]
    fn one_cluster_and_singletons() {
        let x = array![[1.0, 0.0], [3.0, 0.0], [8.0, 0.0]];
        let one = ClusterScatter::new(x.view(), &[2, 2, 2]).unwrap();
        assert_eq!(one.within_ss(), 26.0);
        assert_eq!(one.ball_hall(), 26.0);
        assert!(one.ratkowsky_lance().is_err());
        let each = ClusterScatter::new(x.view(), &[0, 1, 2]).unwrap();
        assert_eq!(each.within_ss(), 0.0);
        // Every sample its own cluster: all scatter is between clusters.
        let r = each.ratkowsky_lance().unwrap();
        assert!((r - 1.0 / 3.0f64.sqrt()).abs() < 1e-15, "{r}");
    }

    #[test]
    fn all_constant_features_have_no_ratkowsky_lance() {
        let x = array![[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]];
        let s = ClusterScatter::new(x.view(), &[0, 0, 1]).unwrap();
        let e = s.ratkowsky_lance().unwrap_err().to_string();
        assert!(e.contains("constant"), "{e}");
    }

    #[test]
    fn strided_views_are_accepted() {
        let x = lcg(50, 4, 1, 0.0);
        let labels: Vec<usize> = (0..50).map(|i| i % 4).collect();
        let t = x.t().to_owned();
        let a = ClusterScatter::new(x.view(), &labels).unwrap();
        let b = ClusterScatter::new(t.t(), &labels).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn leaves_hold_at_least_k_rows() {
        assert_eq!(leaf_rows(2, 3), 4096);
        assert_eq!(leaf_rows(1000, 3), 16);
        assert_eq!(leaf_rows(1000, 300), 300);
    }
}
