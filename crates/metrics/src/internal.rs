//! Internal metrics: how good a partition looks from the data alone.
//!
//! Silhouette, Calinski-Harabasz and Davies-Bouldin, as scikit-learn 1.5 defines them,
//! including its degenerate cases: all three need `2 <= n_labels <= n_samples - 1` and return
//! an error naming the rule otherwise; a sample alone in its cluster has silhouette 0; a sample
//! whose mean distances to its own and to the nearest cluster are both 0 (duplicates) also has 0.
//!
//! # The silhouette kernel
//!
//! The exact silhouette needs every pairwise distance: `O(n^2)` time. It keeps `O(n)` memory
//! by never building the distance matrix, and computes each distance once. Samples are first
//! reordered by cluster and cut into blocks of at most [`chunk_rows`] rows of one cluster. The
//! task of block `p` measures it against every block `q >= p`; the distances of a row of `p`
//! go to its sum for `q`'s cluster and, since `d(i, j) = d(j, i)`, to the sums of `q`'s rows
//! for `p`'s cluster. With few features (the usual case, the direct form of
//! [`clusterlab_core::distance`]) the fused kernel of [`crate::pairwise`] computes distances,
//! roots and sums in registers; with many ([`prefer_gemm`]) a tile of distances comes from one
//! matrix product and its roots are summed by rows and columns. Tasks run in parallel in
//! fixed batches and their sums are added to the totals in block order, so every total is
//! summed in an order set by the data alone: the result has the same bits on any number of
//! threads.
//!
//! # Pruning: only the clusters that can be the nearest
//!
//! A sample's silhouette needs its mean distance to its own cluster and to the *nearest* other
//! cluster only. Two bounds from each cluster's mean `c` and mean squared distance to it `v`
//! rule most clusters out before any pairwise distance: the mean distance from `x` to the
//! members of a cluster is at least `||x - c||` (the norm is convex) and at most
//! `sqrt(||x - c||^2 + v)` (the root is concave, and the mean squared distance is exactly
//! `||x - c||^2 + v`). A cluster whose lower bound exceeds the smallest upper bound of the
//! others cannot be the nearest ([`nearest_candidates`], with margins for the rounding of the
//! bounds, so that the pruning is exact). Within a cluster, samples are ordered by the set of
//! clusters they may be nearest to, so that a block's rows mostly share one set; the pair of
//! blocks `p` and `q` is skipped when neither block has the other's cluster in its set
//! ([`Sorted::needed`]). On four 2-D blobs at K = 4 this skips about a third of the pairs, and
//! more as K grows. The skipped clusters' sums are left incomplete and never read.

use clusterlab_core::{
    Error, Result,
    distance::{prefer_gemm, row_sq_norms, sq_distances_gemm_into, sq_euclidean},
    par::chunk_rows,
    validate::{check_labels_len, check_samples},
};
use ndarray::{Array2, ArrayView2, Axis, CowArray, Ix2, Slice};
use rand::seq::index::sample as sample_indices;
use rayon::prelude::*;

use crate::{
    labels::{Encoded, check_number_of_labels},
    pairwise,
    scatter::ClusterScatter,
};

/// Most rows of one block (and so columns of one distance tile); blocks are otherwise
/// [`chunk_rows`] rows of one cluster.
pub(crate) const TILE_COLS: usize = 512;
/// Rows of one distance tile: with [`TILE_COLS`], 128 KiB of distances, which stay in L2.
pub(crate) const TILE_ROWS: usize = 32;

/// A seeded random subset on which to compute the silhouette, as scikit-learn's
/// `silhouette_score(..., sample_size, random_state)`.
///
/// The subset is drawn without replacement from the [`clusterlab_core::seed::rng`] stream of
/// `seed`; the same seed gives the same subset (but not the subset NumPy would draw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilhouetteSample {
    /// Number of samples to draw; at least the number of samples means "all" (exact).
    pub size: usize,
    /// Seed of the draw.
    pub seed: u64,
}

impl SilhouetteSample {
    /// The samples drawn from `n`, in increasing order: `size` of them, or all when `size`
    /// is at least `n`. The one place the draw is made, so that a plot of the sampled
    /// silhouettes shows the very samples the score used.
    ///
    /// ```
    /// use clusterlab_metrics::SilhouetteSample;
    /// let s = SilhouetteSample { size: 3, seed: 7 };
    /// let idx = s.indices(10);
    /// assert_eq!(idx.len(), 3);
    /// assert!(idx.windows(2).all(|w| w[0] < w[1]));
    /// assert_eq!(idx, s.indices(10), "the seed fixes the draw");
    /// assert_eq!(SilhouetteSample { size: 20, seed: 7 }.indices(4), [0, 1, 2, 3]);
    /// ```
    pub fn indices(&self, n: usize) -> Vec<usize> {
        if self.size >= n {
            return (0..n).collect();
        }
        let mut idx =
            sample_indices(&mut clusterlab_core::seed::rng(self.seed), n, self.size).into_vec();
        idx.sort_unstable();
        idx
    }
}

/// Mean silhouette coefficient of all samples (scikit-learn's `silhouette_score`, Euclidean).
///
/// With `sample`, the mean over a seeded random subset of `sample.size` samples, the silhouettes
/// being computed within that subset (as scikit-learn does). Time is `O(n^2 d)` in the number of
/// samples used, memory `O(n (d + k))` for `k` clusters.
///
/// # Errors
///
/// Empty or non-finite data, one label per sample missing, `sample.size == 0`, or fewer than
/// 2 or more than `n - 1` distinct labels (among the drawn samples, with `sample`).
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::silhouette_score;
///
/// let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
/// let s = silhouette_score(x.view(), &[0, 0, 1, 1], None)?;
/// assert!((s - 0.9).abs() < 0.01);
///
/// // A single cluster has no silhouette.
/// assert!(silhouette_score(x.view(), &[3, 3, 3, 3], None).is_err());
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn silhouette_score(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample: Option<SilhouetteSample>,
) -> Result<f64> {
    check_samples(x)?;
    check_labels_len(labels, x.nrows())?;
    mean_silhouette(x, labels, sample)
}

/// [`silhouette_score`] of validated samples and labels.
pub(crate) fn mean_silhouette(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample: Option<SilhouetteSample>,
) -> Result<f64> {
    let s = on_sample(x, labels, sample, |x, labels| {
        let enc = Encoded::new(labels);
        check_number_of_labels("the silhouette", enc.n_labels(), labels.len())?;
        Ok(silhouette_kernel(x, &enc))
    })?;
    Ok(accurate_sum(&s) / s.len() as f64)
}

/// Runs `f` on the seeded subset `sample` of `x` and `labels` (the silhouette's subset: the
/// same size and seed draw the same samples for every metric that uses this), or on all of
/// them without a subset or with one at least as large as the data.
///
/// The subset's rows keep their order in `x`, so that they are read in memory order.
///
/// # Errors
///
/// `sample.size == 0`, or what `f` returns.
pub(crate) fn on_sample<R>(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample: Option<SilhouetteSample>,
    f: impl FnOnce(ArrayView2<'_, f64>, &[usize]) -> Result<R>,
) -> Result<R> {
    let n = x.nrows();
    match sample {
        Some(smp) if smp.size == 0 => Err(Error::invalid(
            "silhouette_sample_size",
            0,
            "must be at least 1 (or none for the exact value)",
        )),
        Some(smp) if smp.size < n => {
            let idx = smp.indices(n);
            let sub = x.select(Axis(0), &idx);
            let sub_labels: Vec<usize> = idx.iter().map(|&i| labels[i]).collect();
            f(sub.view(), &sub_labels)
        }
        _ => f(x, labels),
    }
}

/// Silhouette coefficient of every sample, in sample order (scikit-learn's
/// `silhouette_samples`, Euclidean).
///
/// For sample `i` with mean distance `a` to the other members of its cluster and `b` to the
/// members of the nearest other cluster, `s = (b - a) / max(a, b)`; 0 for a sample alone in its
/// cluster.
///
/// # Errors
///
/// As [`silhouette_score`] without a subset.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::silhouette_samples;
///
/// let x = array![[0.0], [1.0], [5.0]];
/// let s = silhouette_samples(x.view(), &[0, 0, 1])?;
/// // Sample 0: a = 1, b = 5. Sample 2 is alone in its cluster.
/// assert_eq!(s, vec![0.8, 0.75, 0.0]);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn silhouette_samples(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<Vec<f64>> {
    check_samples(x)?;
    check_labels_len(labels, x.nrows())?;
    let enc = Encoded::new(labels);
    check_number_of_labels("the silhouette", enc.n_labels(), x.nrows())?;
    Ok(silhouette_kernel(x, &enc))
}

/// The samples reordered by cluster, cut into blocks of one cluster each: what the pairwise
/// kernels (the silhouette's and Dunn's) walk over, tile by tile.
pub(crate) struct Sorted {
    /// Samples, cluster by cluster (contiguous, row-major).
    pub x: Array2<f64>,
    /// How distances are computed, with what that form needs.
    pub form: Form,
    /// Blocks of rows `start..end`, all of cluster `code`, in row order.
    pub blocks: Vec<Block>,
    /// Whether the blocks' `near` sets are to be used (see [`Sorted::needed`]).
    pub pruned: bool,
    /// Size of each cluster.
    pub counts: Vec<usize>,
    /// The sample (index into the caller's rows) at every sorted position.
    pub order: Vec<usize>,
}

impl Sorted {
    /// Sorts the samples by cluster and cuts every cluster into blocks of at most
    /// [`chunk_rows`] and [`TILE_COLS`] rows; the distance form is chosen from the shape alone.
    ///
    /// With `near`, every sample's set of clusters that may be nearest to it (a bit per
    /// cluster, from [`nearest_candidates`]), the samples of a cluster are ordered by that set
    /// (stably) and each block records the union of its rows' sets; without, they keep their
    /// order and no block pair is skipped.
    pub fn new(x: ArrayView2<'_, f64>, enc: &Encoded, near: Option<&[u64]>) -> Self {
        let (n, d) = x.dim();
        let k = enc.n_labels();
        let mut starts = Vec::with_capacity(k + 1);
        let mut acc = 0;
        starts.push(0);
        for &c in &enc.counts {
            acc += c;
            starts.push(acc);
        }
        // Stable counting sort: the sample at every position of the cluster-by-cluster order.
        let mut next = starts.clone();
        let mut order = vec![0usize; n];
        for (i, &c) in enc.codes.iter().enumerate() {
            order[next[c]] = i;
            next[c] += 1;
        }
        if let Some(near) = near {
            for code in 0..k {
                order[starts[code]..starts[code + 1]].sort_by_key(|&i| near[i]);
            }
        }
        let xs = x.select(Axis(0), &order);
        let block_rows = chunk_rows(d).min(TILE_COLS);
        let mut blocks = Vec::new();
        for code in 0..k {
            let (cs, ce) = (starts[code], starts[code + 1]);
            for start in (cs..ce).step_by(block_rows) {
                let end = (start + block_rows).min(ce);
                let near = near.map_or(u64::MAX, |near| {
                    order[start..end].iter().fold(0, |acc, &i| acc | near[i])
                });
                blocks.push(Block {
                    start,
                    end,
                    code,
                    near,
                });
            }
        }
        let form = if prefer_gemm(d, block_rows) {
            Form::Product {
                norms: row_sq_norms(xs.view()),
            }
        } else {
            Form::Direct {
                xt: pairwise::feature_major(xs.view()),
            }
        };
        Sorted {
            x: xs,
            form,
            blocks,
            pruned: near.is_some(),
            counts: enc.counts.clone(),
            order,
        }
    }
}

impl Sorted {
    /// Whether cluster `code` may be the nearest other cluster of some row of `block`.
    pub fn may_be_nearest(&self, block: &Block, code: usize) -> bool {
        !self.pruned || (block.near >> code) & 1 == 1
    }

    /// Whether the distances between blocks `p` and `q` are needed: always within a cluster,
    /// and across clusters when either block's rows may have the other's cluster nearest.
    pub fn needed(&self, p: &Block, q: &Block) -> bool {
        p.code == q.code || self.may_be_nearest(p, q.code) || self.may_be_nearest(q, p.code)
    }
}

/// For every sample, the set of other clusters that may be its nearest (bit `c` for cluster
/// `c`), by the bounds of the module documentation; `None` when nothing can be pruned (fewer
/// than 3 clusters) or the sets do not fit a `u64` (more than 64 clusters).
///
/// The bounds are computed with a cluster mean and a mean squared distance that carry rounding
/// errors; margins cover them (the mean's error is at most about `n eps` times the largest
/// coordinate, the relative error of a norm about `d eps` and of the mean squared distance
/// `n eps`), so that a cluster is ruled out only when exact arithmetic would rule it out too.
/// An upper bound of infinity (overflow) rules nothing out.
pub(crate) fn nearest_candidates(x: ArrayView2<'_, f64>, enc: &Encoded) -> Option<Vec<u64>> {
    let (n, d) = x.dim();
    let k = enc.n_labels();
    if !(3..=64).contains(&k) {
        return None;
    }
    let x = x.as_standard_layout();
    let xs = x
        .as_slice()
        .expect("a standard-layout matrix is contiguous");
    let mut means = vec![0.0f64; k * d];
    for (row, &c) in xs.chunks_exact(d).zip(&enc.codes) {
        for (m, v) in means[c * d..(c + 1) * d].iter_mut().zip(row) {
            *m += v;
        }
    }
    for (m, &cnt) in means.chunks_exact_mut(d).zip(&enc.counts) {
        for v in m {
            *v /= cnt as f64;
        }
    }
    let mut spread = vec![0.0f64; k];
    for (row, &c) in xs.chunks_exact(d).zip(&enc.codes) {
        spread[c] += sq_euclidean(row, &means[c * d..(c + 1) * d]);
    }
    for (v, &cnt) in spread.iter_mut().zip(&enc.counts) {
        *v /= cnt as f64;
    }
    let largest = xs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    // How far a computed mean may be from the exact one, and the relative error of a norm.
    let mean_err = 2.0 * (n as f64 + 2.0) * f64::EPSILON * (d as f64).sqrt() * largest;
    let rel = 1e-12 + 4.0 * (n as f64 + d as f64 + 2.0) * f64::EPSILON;
    let mut near = vec![0u64; n];
    let mut dist = vec![0.0f64; k];
    for ((row, &own), set) in xs.chunks_exact(d).zip(&enc.codes).zip(&mut near) {
        for (c, dc) in dist.iter_mut().enumerate() {
            *dc = sq_euclidean(row, &means[c * d..(c + 1) * d]).sqrt();
        }
        let upper = (0..k)
            .filter(|&c| c != own)
            .map(|c| (dist[c] * dist[c] + spread[c]).sqrt())
            .fold(f64::INFINITY, f64::min);
        let upper = upper * (1.0 + rel) + mean_err;
        for (c, &dc) in dist.iter().enumerate() {
            let lower = dc * (1.0 - rel) - mean_err;
            // Kept unless surely above: a NaN bound keeps the cluster.
            if c != own && lower.partial_cmp(&upper) != Some(std::cmp::Ordering::Greater) {
                *set |= 1 << c;
            }
        }
    }
    Some(near)
}

/// How the pairwise kernels compute distances, chosen from the shape alone.
pub(crate) enum Form {
    /// Feature by feature, by the fused kernel of [`crate::pairwise`]: the samples also
    /// feature-major (`xt`, feature `f` of sorted row `j` at `f * n + j`).
    Direct {
        /// The sorted samples, feature-major.
        xt: Vec<f64>,
    },
    /// `||a||^2 + ||b||^2 - 2 a.b`, the products by one matrix product per tile.
    Product {
        /// Squared norms of the sorted rows.
        norms: Vec<f64>,
    },
}

/// Rows `start..end` of the sorted samples, all in cluster `code`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    pub start: usize,
    pub end: usize,
    pub code: usize,
    /// The clusters that may be nearest to one of its rows (a bit each; all bits when the
    /// samples were not pruned).
    pub near: u64,
}

/// What the task of block `p` found: per-cluster distance sums of its own rows (`rows`,
/// `len x k`), and the sums of distances from its rows to every later row (`cols`, one per row
/// from the block's end to `n`), which belong to cluster `p.code` of those rows.
struct BlockSums {
    rows: Vec<f64>,
    cols: Vec<f64>,
}

/// Silhouettes of validated input, in sample order.
///
/// Every distance is computed once: the task of block `p` measures its rows against blocks
/// `q >= p`, adding each tile's row sums to its own rows and its column sums to the rows of `q`.
/// Tasks run in parallel in batches of [`BATCH_BLOCKS`]; their sums are added to the totals in
/// block order, so every total is summed in an order fixed by the data alone.
fn silhouette_kernel(x: ArrayView2<'_, f64>, enc: &Encoded) -> Vec<f64> {
    let n = x.nrows();
    let k = enc.n_labels();
    let near = nearest_candidates(x, enc);
    let sorted = Sorted::new(x, enc, near.as_deref());
    let order = &sorted.order;

    let m = sorted.blocks.len();
    let mut sums = vec![0.0f64; n * k];
    for first in (0..m).step_by(BATCH_BLOCKS) {
        let batch: Vec<BlockSums> = (first..(first + BATCH_BLOCKS).min(m))
            .into_par_iter()
            .map(|p| block_sums(&sorted, p))
            .collect();
        for (p, bs) in (first..).zip(batch) {
            let b = sorted.blocks[p];
            for (j, v) in (b.end..n).zip(&bs.cols) {
                sums[j * k + b.code] += v;
            }
            for (t, v) in sums[b.start * k..b.end * k].iter_mut().zip(&bs.rows) {
                *t += v;
            }
        }
    }

    let mut out = vec![0.0; n];
    for b in &sorted.blocks {
        for p in b.start..b.end {
            out[order[p]] = silhouette_of(&sums[p * k..(p + 1) * k], b.code, &sorted.counts, |c| {
                sorted.may_be_nearest(b, c)
            });
        }
    }
    out
}

/// Blocks whose sums are held at once: bounds memory to `BATCH_BLOCKS * n` values while giving
/// every thread work; a constant, so that the summation order never depends on threads.
const BATCH_BLOCKS: usize = 16;

/// The silhouette of a sample from its per-cluster distance sums, the nearest other cluster
/// sought among those `near` says it may be (the others' sums may be incomplete).
fn silhouette_of(row: &[f64], own: usize, counts: &[usize], near: impl Fn(usize) -> bool) -> f64 {
    if counts[own] < 2 {
        return 0.0;
    }
    let a = row[own] / (counts[own] - 1) as f64;
    let b = row
        .iter()
        .zip(counts)
        .enumerate()
        .filter(|&(c, _)| c != own && near(c))
        .map(|(_, (&sum, &cnt))| sum / cnt as f64)
        .fold(f64::INFINITY, f64::min);
    let m = a.max(b);
    // Both means 0 (duplicated points): 0/0, which scikit-learn turns into 0.
    if m > 0.0 { (b - a) / m } else { 0.0 }
}

/// The sums of block `p` against blocks `p, p + 1, ...` (see [`BlockSums`]).
fn block_sums(sorted: &Sorted, p: usize) -> BlockSums {
    match &sorted.form {
        Form::Direct { xt } => pairwise::vectorized(DirectBlock { sorted, xt, p }),
        Form::Product { norms } => product_block_sums(sorted, norms, p),
    }
}

/// [`block_sums`] by the fused kernel, as a [`pulp::WithSimd`] so that all of it is compiled
/// in the vectorized region.
struct DirectBlock<'a> {
    sorted: &'a Sorted,
    xt: &'a [f64],
    p: usize,
}

impl pulp::WithSimd for DirectBlock<'_> {
    type Output = BlockSums;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> BlockSums {
        let DirectBlock { sorted, xt, p } = self;
        let k = sorted.counts.len();
        let (n, d) = sorted.x.dim();
        let bp = sorted.blocks[p];
        let mut rows_acc = vec![0.0f64; (bp.end - bp.start) * k];
        let mut cols_acc = vec![0.0f64; n - bp.end];
        let xs = sorted
            .x
            .as_slice()
            .expect("the sorted samples are built contiguous, row-major");
        let rows = &xs[bp.start * d..bp.end * d];
        // Against its own block, in groups of rows: each group's square with row sums only,
        // then the rest of the block after it with row and column sums, so that every pair is
        // measured once but for the small squares.
        let len = bp.end - bp.start;
        let mut own_cols = vec![0.0f64; len];
        for g in (0..len).step_by(DIAGONAL_GROUP) {
            let ge = (g + DIAGONAL_GROUP).min(len);
            let (group, sums) = (&rows[g * d..ge * d], &mut rows_acc[g * k + bp.code..]);
            let start = bp.start + g;
            pairwise::distance_sums(group, d, xt, start..bp.start + ge, sums, k, None);
            let rest = Some(&mut own_cols[ge..]);
            pairwise::distance_sums(group, d, xt, bp.start + ge..bp.end, sums, k, rest);
        }
        for (t, v) in rows_acc[bp.code..].iter_mut().step_by(k).zip(&own_cols) {
            *t += v;
        }
        for bq in sorted.blocks[p + 1..]
            .iter()
            .filter(|bq| sorted.needed(&bp, bq))
        {
            let cols = Some(&mut cols_acc[bq.start - bp.end..bq.end - bp.end]);
            pairwise::distance_sums(
                rows,
                d,
                xt,
                bq.start..bq.end,
                &mut rows_acc[bq.code..],
                k,
                cols,
            );
        }
        BlockSums {
            rows: rows_acc,
            cols: cols_acc,
        }
    }
}

/// Rows of a group of a block against its own block (see [`DirectBlock`]): the squares of
/// this size are measured both ways, the rest of the block once.
const DIAGONAL_GROUP: usize = 32;

/// [`block_sums`] in the product form: tiles of squared distances from one matrix product,
/// their roots summed by rows and by columns.
fn product_block_sums(sorted: &Sorted, norms: &[f64], p: usize) -> BlockSums {
    let k = sorted.counts.len();
    let xs = sorted.x.view();
    let n = xs.nrows();
    let bp = sorted.blocks[p];
    let mut rows_acc = vec![0.0f64; (bp.end - bp.start) * k];
    let mut cols_acc = vec![0.0f64; n - bp.end];
    let mut tile = Array2::<f64>::zeros((TILE_ROWS.min(bp.end - bp.start), TILE_COLS));
    for bq in sorted.blocks[p..]
        .iter()
        .filter(|bq| sorted.needed(&bp, bq))
    {
        let cols = xs.slice_axis(Axis(0), Slice::from(bq.start..bq.end));
        let diagonal = bq.start == bp.start;
        for rb in (bp.start..bp.end).step_by(TILE_ROWS) {
            let re = (rb + TILE_ROWS).min(bp.end);
            let rows = xs.slice_axis(Axis(0), Slice::from(rb..re));
            let mut t = tile.view_mut();
            t.slice_axis_inplace(Axis(0), Slice::from(..re - rb));
            t.slice_axis_inplace(Axis(1), Slice::from(..bq.end - bq.start));
            sq_distances_gemm_into(
                rows,
                &norms[rb..re],
                cols,
                &norms[bq.start..bq.end],
                t.view_mut(),
            );
            if diagonal {
                // The product form leaves rounding noise where a sample meets itself;
                // scikit-learn zeroes that diagonal too.
                for i in rb..re {
                    t[[i - rb, i - bq.start]] = 0.0;
                }
            }
            for (r, mut trow) in t.rows_mut().into_iter().enumerate() {
                let Some(trow) = trow.as_slice_mut() else {
                    continue;
                };
                rows_acc[(rb - bp.start + r) * k + bq.code] += sqrt_in_place_sum(trow);
                if !diagonal {
                    let dst = &mut cols_acc[bq.start - bp.end..bq.end - bp.end];
                    for (c, v) in dst.iter_mut().zip(trow.iter()) {
                        *c += v;
                    }
                }
            }
        }
    }
    BlockSums {
        rows: rows_acc,
        cols: cols_acc,
    }
}

/// Replaces every value by its square root and returns their sum, in a fixed order (eight
/// interleaved partial sums), so that the loop vectorises and its rounding never depends on
/// the caller.
#[inline]
fn sqrt_in_place_sum(v: &mut [f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (chunks, rest) = v.as_chunks_mut::<8>();
    for c in chunks {
        for l in 0..8 {
            c[l] = c[l].sqrt();
            acc[l] += c[l];
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for r in rest {
        *r = r.sqrt();
        s += *r;
    }
    s
}

/// Neumaier's compensated sum, first to last: the mean of many silhouettes without the drift
/// of a plain running sum.
pub(crate) fn accurate_sum(v: &[f64]) -> f64 {
    let (mut s, mut comp) = (0.0f64, 0.0f64);
    for &x in v {
        let t = s + x;
        comp += if s.abs() >= x.abs() {
            (s - t) + x
        } else {
            (x - t) + s
        };
        s = t;
    }
    s + comp
}

/// Validated data with its labels encoded and its cluster means: what the gap statistic's
/// dispersion starts from.
pub(crate) struct Clustered<'a> {
    /// The samples, contiguous row-major (a copy only if the caller's view was not).
    x: CowArray<'a, f64, Ix2>,
    /// The labels as codes.
    pub enc: Encoded,
    /// Mean of every cluster, one row per code.
    pub centroids: Array2<f64>,
}

impl<'a> Clustered<'a> {
    /// Checks `x` and `labels` and computes the cluster means.
    pub fn new(x: ArrayView2<'a, f64>, labels: &[usize]) -> Result<Self> {
        check_samples(x)?;
        check_labels_len(labels, x.nrows())?;
        let enc = Encoded::new(labels);
        let x: CowArray<'a, f64, Ix2> = if x.is_standard_layout() {
            CowArray::from(x)
        } else {
            CowArray::from(x.as_standard_layout().into_owned())
        };
        let mut centroids = Array2::<f64>::zeros((enc.n_labels(), x.ncols()));
        for (row, &code) in x.rows().into_iter().zip(&enc.codes) {
            let mut cr = centroids.row_mut(code);
            cr += &row;
        }
        for (mut cr, &cnt) in centroids.rows_mut().into_iter().zip(&enc.counts) {
            cr /= cnt as f64;
        }
        Ok(Clustered { x, enc, centroids })
    }

    /// Squared distance of every sample to its cluster's mean, in sample order.
    pub fn sq_to_own_centroid(&self) -> Result<Vec<f64>> {
        let d = self.x.ncols();
        let (Some(xs), Some(cs)) = (self.x.as_slice(), self.centroids.as_slice()) else {
            return Err(Error::Numerical(
                "internal: a standard-layout matrix was not contiguous".into(),
            ));
        };
        Ok(xs
            .chunks_exact(d)
            .zip(&self.enc.codes)
            .map(|(row, &c)| sq_euclidean(row, &cs[c * d..(c + 1) * d]))
            .collect())
    }
}

/// Calinski-Harabasz index (variance ratio criterion), as scikit-learn's
/// `calinski_harabasz_score`: between-cluster dispersion over within-cluster dispersion, scaled
/// by `(n - k) / (k - 1)`. Higher is better; 1.0 when every cluster is a single repeated point.
///
/// # Errors
///
/// Empty or non-finite data, a label count that differs from the sample count, or fewer than
/// 2 or more than `n - 1` distinct labels.
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::calinski_harabasz_score;
///
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// // Between: 2 * 25 + 2 * 25 = 100, within: 4; (100 / 4) * (4 - 2) / (2 - 1) = 50.
/// assert_eq!(calinski_harabasz_score(x.view(), &[0, 0, 1, 1])?, 50.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn calinski_harabasz_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let scatter = ClusterScatter::new(x, labels)?;
    check_number_of_labels(
        "the Calinski-Harabasz index",
        scatter.n_clusters(),
        x.nrows(),
    )?;
    Ok(scatter.calinski_harabasz())
}

/// Davies-Bouldin index, as scikit-learn's `davies_bouldin_score`: the mean over clusters of
/// the worst ratio `(s_i + s_j) / d(c_i, c_j)`, where `s` is a cluster's mean distance to its
/// centroid. Lower is better; 0.0 when all clusters are points or all centroids coincide
/// (scikit-learn's `allclose(..., 0)` test, absolute tolerance `1e-8`).
///
/// The distances between centroids are computed in the matrix-product form, as scikit-learn's
/// `pairwise_distances` does: when centroids are close together but far from the origin, that
/// form loses digits, and agreeing with scikit-learn means losing the same ones.
///
/// # Errors
///
/// As [`calinski_harabasz_score`].
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::davies_bouldin_score;
///
/// let x = array![[0.0], [2.0], [10.0], [12.0]];
/// // s = 1 for both clusters, centroids 10 apart: (1 + 1) / 10.
/// assert!((davies_bouldin_score(x.view(), &[0, 0, 1, 1])? - 0.2).abs() < 1e-15);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn davies_bouldin_score(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    check_samples(x)?;
    check_labels_len(labels, x.nrows())?;
    let enc = Encoded::new(labels);
    check_number_of_labels("the Davies-Bouldin index", enc.n_labels(), x.nrows())?;
    let x = x.as_standard_layout();
    let xs = x
        .as_slice()
        .expect("a standard-layout matrix is contiguous");
    let d = x.ncols();
    let scatter = ClusterScatter::from_encoded(xs, d, &enc)?;
    Ok(davies_bouldin_from(xs, d, &enc, scatter.means()))
}

/// The Davies-Bouldin index of validated samples (`xs` row-major, `d` values a row) with
/// encoded labels and their cluster means (from [`ClusterScatter`], which [`crate::evaluate`]
/// computes once for several metrics).
pub(crate) fn davies_bouldin_from(
    xs: &[f64],
    d: usize,
    enc: &Encoded,
    means: ArrayView2<'_, f64>,
) -> f64 {
    let k = enc.n_labels();
    let c = means.as_standard_layout();
    let cs = c
        .as_slice()
        .expect("a standard-layout matrix is contiguous");
    // The roots in parallel (rayon's indexed collect keeps sample order), their sums in
    // sample order: the same bits on any number of threads.
    let dist: Vec<f64> = xs
        .par_chunks_exact(d)
        .zip(enc.codes.par_iter())
        .with_min_len(chunk_rows(d))
        .map(|(row, &code)| sq_euclidean(row, &cs[code * d..(code + 1) * d]).sqrt())
        .collect();
    let mut intra = vec![0.0f64; k];
    for (v, &code) in dist.iter().zip(&enc.codes) {
        intra[code] += v;
    }
    for (s, &cnt) in intra.iter_mut().zip(&enc.counts) {
        *s /= cnt as f64;
    }
    let c = c.view();
    let norms = row_sq_norms(c);
    let mut between = Array2::<f64>::zeros((k, k));
    sq_distances_gemm_into(c, &norms, c, &norms, between.view_mut());
    for i in 0..k {
        between[[i, i]] = 0.0;
    }
    between.mapv_inplace(f64::sqrt);
    const ALLCLOSE_ATOL: f64 = 1e-8;
    if intra.iter().all(|s| s.abs() <= ALLCLOSE_ATOL)
        || between.iter().all(|d| d.abs() <= ALLCLOSE_ATOL)
    {
        return 0.0;
    }
    let mut total = 0.0;
    for i in 0..k {
        let worst = (0..k)
            .map(|j| {
                let d = between[[i, j]];
                // Coinciding centroids (and a cluster with itself) never count, as
                // scikit-learn's distance of infinity makes them.
                if d == 0.0 {
                    0.0
                } else {
                    (intra[i] + intra[j]) / d
                }
            })
            .fold(f64::NEG_INFINITY, f64::max);
        total += worst;
    }
    total / k as f64
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ndarray::array;

    fn brute_silhouette(x: ArrayView2<'_, f64>, labels: &[usize]) -> Vec<f64> {
        let n = x.nrows();
        let k = labels.iter().max().unwrap() + 1;
        (0..n)
            .map(|i| {
                let mut sum = vec![0.0; k];
                let mut cnt = vec![0usize; k];
                for j in 0..n {
                    let d: f64 = x
                        .row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>()
                        .sqrt();
                    sum[labels[j]] += d;
                    cnt[labels[j]] += 1;
                }
                let own = labels[i];
                if cnt[own] == 1 {
                    return 0.0;
                }
                let a = sum[own] / (cnt[own] - 1) as f64;
                let b = (0..k)
                    .filter(|&c| c != own && cnt[c] > 0)
                    .map(|c| sum[c] / cnt[c] as f64)
                    .fold(f64::INFINITY, f64::min);
                if a.max(b) > 0.0 {
                    (b - a) / a.max(b)
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// Deterministic test data in `[0, 10)^d`, without a random number crate.
    pub(crate) fn lcg_data(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        Array2::from_shape_fn((n, d), |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 * 10.0
        })
    }

    #[test]
    fn silhouette_matches_brute_force_across_tiles_and_both_kernels() {
        // 1300 rows, one cluster of about 900: several blocks per cluster and tiles cut at
        // block ends. d = 3 uses the direct kernel, d = 20 the product form.
        for d in [3usize, 20] {
            let x = lcg_data(1300, d, d as u64);
            let labels: Vec<usize> = (0..1300)
                .map(|i| {
                    if i % 10 < 7 {
                        0
                    } else {
                        1 + (i * 7 + i / 13) % 3
                    }
                })
                .collect();
            let got = silhouette_samples(x.view(), &labels).unwrap();
            let want = brute_silhouette(x.view(), &labels);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-12, "d = {d}: {g} vs {w}");
            }
        }
    }

    /// `k` blobs of `per` samples in `d` dimensions around centers `spacing` apart on a line
    /// (so that far clusters can be ruled out and near ones cannot), shifted by `offset`, plus
    /// a singleton cluster and a few duplicated samples.
    fn line_blobs(
        k: usize,
        per: usize,
        d: usize,
        spacing: f64,
        offset: f64,
    ) -> (Array2<f64>, Vec<usize>) {
        let noise = lcg_data(k * per + 1, d, (k * 31 + d) as u64);
        let mut labels: Vec<usize> = (0..k * per).map(|i| (i * 7 + i / 5) % k).collect();
        labels.push(k);
        let mut x = Array2::from_shape_fn((k * per + 1, d), |(i, f)| {
            let center = if f == 0 {
                labels[i] as f64 * spacing
            } else {
                0.0
            };
            offset + center + noise[[i, f]] / 10.0 - 0.5
        });
        // Duplicates: ties between pairs, and zero distances.
        for i in 0..4 {
            let src = x.row(i).to_owned();
            x.row_mut(i + 4 * k).assign(&src);
        }
        (x, labels)
    }

    #[test]
    fn pruned_silhouette_matches_brute_force() {
        // From overlapping (spacing 0.5: nothing pruned) to well apart (most pairs pruned), at
        // the origin and far from it, with the direct and the product forms.
        for (k, d, spacing, offset) in [
            (3, 2, 0.5, 0.0),
            (4, 2, 3.0, 0.0),
            (6, 3, 2.0, 0.0),
            (6, 2, 2.0, 1e6),
            (9, 1, 1.5, -3.0),
            (5, 20, 4.0, 0.0),
        ] {
            let (x, labels) = line_blobs(k, 90, d, spacing, offset);
            let enc = Encoded::new(&labels);
            let near = nearest_candidates(x.view(), &enc).unwrap();
            let sorted = Sorted::new(x.view(), &enc, Some(&near));
            let skipped = sorted
                .blocks
                .iter()
                .enumerate()
                .flat_map(|(p, bp)| sorted.blocks[p..].iter().map(move |bq| (bp, bq)))
                .filter(|(bp, bq)| !sorted.needed(bp, bq))
                .count();
            if spacing >= 1.5 && offset == 0.0 {
                assert!(skipped > 0, "k = {k}: nothing pruned");
            }
            let got = silhouette_samples(x.view(), &labels).unwrap();
            let want = brute_silhouette(x.view(), &labels);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() < 1e-12,
                    "k = {k}, d = {d}, sample {i}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn the_nearest_cluster_is_never_ruled_out() {
        for (k, spacing) in [(3usize, 1.0), (5, 2.0), (7, 8.0)] {
            let (x, labels) = line_blobs(k, 40, 2, spacing, 0.0);
            let enc = Encoded::new(&labels);
            let near = nearest_candidates(x.view(), &enc).unwrap();
            let n = x.nrows();
            for (i, (&own, &set)) in enc.codes.iter().zip(&near).enumerate() {
                let mut mean = vec![0.0f64; enc.n_labels()];
                for j in 0..n {
                    let dist = (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt();
                    mean[enc.codes[j]] += dist / enc.counts[enc.codes[j]] as f64;
                }
                let best = (0..enc.n_labels())
                    .filter(|&c| c != own)
                    .map(|c| mean[c])
                    .fold(f64::INFINITY, f64::min);
                for c in (0..enc.n_labels()).filter(|&c| c != own && mean[c] <= best) {
                    assert!(set >> c & 1 == 1, "k = {k}, sample {i}, cluster {c}");
                }
                assert!(set >> own & 1 == 0);
            }
        }
    }

    #[test]
    fn tied_nearest_clusters_are_both_kept() {
        // The two samples at 0 are exactly 5.5 on average from clusters 0 and 2; cluster 3 is
        // far enough to be ruled out.
        let x = array![[-6.0], [-5.0], [0.0], [0.0], [5.0], [6.0], [100.0], [101.0]];
        let labels = [0, 0, 1, 1, 2, 2, 3, 3];
        let enc = Encoded::new(&labels);
        let near = nearest_candidates(x.view(), &enc).unwrap();
        assert_eq!(near[2], 0b0101);
        assert_eq!(near[3], 0b0101);
        let got = silhouette_samples(x.view(), &labels).unwrap();
        assert_eq!(got[2], 1.0); // a = 0, b = 5.5
        for (g, w) in got.iter().zip(brute_silhouette(x.view(), &labels)) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
    }

    #[test]
    fn nothing_is_pruned_with_two_or_many_clusters() {
        let x = lcg_data(200, 2, 4);
        for k in [2usize, 65, 100] {
            let labels: Vec<usize> = (0..200).map(|i| i % k).collect();
            assert!(nearest_candidates(x.view(), &Encoded::new(&labels)).is_none());
        }
        // 65 clusters: the unpruned path still matches brute force.
        let labels: Vec<usize> = (0..200).map(|i| i % 65).collect();
        let got = silhouette_samples(x.view(), &labels).unwrap();
        for (g, w) in got.iter().zip(brute_silhouette(x.view(), &labels)) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
    }

    #[test]
    fn pruned_silhouette_has_the_same_bits_on_any_thread_count() {
        // 2,400 samples in blocks of 512 rows: several batches' worth of block pairs.
        let (x, labels) = line_blobs(6, 400, 2, 2.0, 0.0);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| silhouette_samples(x.view(), &labels).unwrap())
        };
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let one = bits(&run(1));
        assert_eq!(one, bits(&run(2)));
        assert_eq!(one, bits(&run(3)));
    }

    #[test]
    fn many_batches_of_blocks_match_brute_force_on_any_thread_count() {
        // With 600 features, blocks hold 16 rows: 400 rows make more blocks than one batch.
        let x = lcg_data(400, 600, 5);
        let labels: Vec<usize> = (0..400).map(|i| (i * 3 + i / 7) % 4).collect();
        let want = brute_silhouette(x.view(), &labels);
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| silhouette_samples(x.view(), &labels).unwrap())
        };
        let one = run(1);
        for (g, w) in one.iter().zip(&want) {
            assert!((g - w).abs() < 1e-12, "{g} vs {w}");
        }
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&run(2)));
        assert_eq!(bits(&one), bits(&run(3)));
    }

    #[test]
    fn singleton_cluster_has_silhouette_zero() {
        let x = array![[0.0], [1.0], [2.0], [9.0]];
        let s = silhouette_samples(x.view(), &[0, 0, 0, 1]).unwrap();
        assert_eq!(s[3], 0.0);
    }

    #[test]
    fn duplicate_points_give_zero_not_nan() {
        let x = array![[1.0], [1.0], [1.0], [1.0]];
        let s = silhouette_samples(x.view(), &[0, 0, 1, 1]).unwrap();
        assert_eq!(s, vec![0.0; 4]);
    }

    #[test]
    fn every_point_its_own_cluster_is_an_error() {
        let x = array![[0.0], [1.0], [2.0]];
        for f in [
            silhouette_score(x.view(), &[0, 1, 2], None),
            calinski_harabasz_score(x.view(), &[0, 1, 2]),
            davies_bouldin_score(x.view(), &[0, 1, 2]),
        ] {
            let e = f.unwrap_err().to_string();
            assert!(e.contains("n_samples - 1 = 2"), "{e}");
        }
    }

    #[test]
    fn label_count_must_match_samples() {
        let x = array![[0.0], [1.0], [2.0]];
        assert!(silhouette_score(x.view(), &[0, 1], None).is_err());
        assert!(calinski_harabasz_score(x.view(), &[0, 1]).is_err());
    }

    #[test]
    fn subset_of_everything_is_exact() {
        let x = lcg_data(50, 2, 1);
        let labels: Vec<usize> = (0..50).map(|i| i % 3).collect();
        let exact = silhouette_score(x.view(), &labels, None).unwrap();
        let all = silhouette_score(
            x.view(),
            &labels,
            Some(SilhouetteSample { size: 50, seed: 3 }),
        )
        .unwrap();
        assert_eq!(exact, all);
        let some = silhouette_score(
            x.view(),
            &labels,
            Some(SilhouetteSample { size: 20, seed: 3 }),
        )
        .unwrap();
        let again = silhouette_score(
            x.view(),
            &labels,
            Some(SilhouetteSample { size: 20, seed: 3 }),
        )
        .unwrap();
        assert_eq!(some, again);
        assert_ne!(some, exact);
        assert!(
            silhouette_score(
                x.view(),
                &labels,
                Some(SilhouetteSample { size: 0, seed: 3 })
            )
            .is_err()
        );
    }

    #[test]
    fn davies_bouldin_of_coinciding_centroids_is_zero() {
        let x = array![[0.0], [2.0], [1.0], [1.0]];
        // Both centroids are at 1.
        assert_eq!(davies_bouldin_score(x.view(), &[0, 0, 1, 1]).unwrap(), 0.0);
    }

    #[test]
    fn calinski_harabasz_of_point_clusters_is_one() {
        let x = array![[0.0], [0.0], [1.0], [1.0]];
        assert_eq!(
            calinski_harabasz_score(x.view(), &[0, 0, 1, 1]).unwrap(),
            1.0
        );
    }
}
