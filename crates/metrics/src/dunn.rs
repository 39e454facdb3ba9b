//! Dunn's index: the closest pair of points in different clusters over the widest cluster.
//!
//! `D = min_{i, j in different clusters} d(i, j) / max_{i, j in the same cluster} d(i, j)`, with
//! Euclidean `d`: NbClust's `Index.dunn` and `fpc::cluster.stats(...)$dunn`. Higher is better;
//! NbClust picks the K of the largest value ([`crate::select::dunn_pick`]).
//!
//! # The kernel
//!
//! Every pair is needed, so time is `O(n^2 d)`; memory stays `O(n d)`. The samples are sorted
//! by cluster and cut into blocks of one cluster, as for the silhouette
//! ([`crate::internal::Sorted`]); the task of block `p` measures it against every block
//! `q >= p`, and keeps the smallest squared distance to other clusters and the largest within
//! its own. With few features the fused kernel of [`crate::pairwise`] does it in registers,
//! without roots: several times faster than the silhouette's pass over the same pairs. Minimum and maximum are exact operations, so combining the tasks'
//! results in any order gives the same bits on any number of threads.
//!
//! When the shape calls for the matrix-product form of the distances (many features), a tile
//! only nominates each row's closest (or farthest) partner, whose distance is then recomputed
//! directly: the product form loses digits on close pairs, exactly the ones the numerator is
//! made of. Both reported distances are therefore direct distances between two real samples.

use clusterlab_core::{
    Error, Result,
    distance::{sq_distances_gemm_into, sq_euclidean},
    validate::{check_labels_len, check_samples},
};
use ndarray::{Array2, ArrayView2, Axis, Slice};
use rayon::prelude::*;

use crate::{
    internal::{Form, SilhouetteSample, Sorted, TILE_COLS, TILE_ROWS, on_sample},
    labels::Encoded,
    pairwise,
};

/// Dunn's index of `labels` on `x` (Euclidean): the smallest distance between two samples of
/// different clusters divided by the largest distance between two samples of one cluster.
///
/// With `sample`, it is computed on the same seeded subset the silhouette would use
/// ([`crate::silhouette_score`]), since every pair of samples is visited: time is `O(m^2 d)`
/// for the `m` samples used, memory `O(m d)`. [`crate::evaluate`] samples above
/// [`crate::DEFAULT_SILHOUETTE_EXACT_LIMIT`] samples, as for the silhouette (a sample of
/// [`crate::DEFAULT_SILHOUETTE_SAMPLE`]).
///
/// # Errors
///
/// Empty or non-finite data, not one label per sample, `sample.size == 0`, fewer than 2
/// clusters (among the drawn samples, with `sample`), or every cluster a single repeated point
/// (a largest diameter of 0, where NbClust returns infinity).
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::dunn_score;
///
/// let x = array![[0.0], [1.0], [4.0], [6.0]];
/// // Closest pair across clusters: 1 and 4 (distance 3); widest cluster: {4, 6} (distance 2).
/// assert_eq!(dunn_score(x.view(), &[0, 0, 1, 1], None)?, 1.5);
/// assert!(dunn_score(x.view(), &[0, 0, 0, 0], None).is_err());
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn dunn_score(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample: Option<SilhouetteSample>,
) -> Result<f64> {
    check_samples(x)?;
    check_labels_len(labels, x.nrows())?;
    dunn_of_validated(x, labels, sample)
}

/// [`dunn_score`] of validated samples and labels.
pub(crate) fn dunn_of_validated(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    sample: Option<SilhouetteSample>,
) -> Result<f64> {
    on_sample(x, labels, sample, |x, labels| {
        let enc = Encoded::new(labels);
        if enc.n_labels() < 2 {
            return Err(Error::invalid(
                "labels",
                format!("{} distinct labels", enc.n_labels()),
                "Dunn's index needs at least 2 clusters: a single cluster has no other cluster \
                 to be separated from",
            ));
        }
        let (sep, diam) = extremes(x, &enc);
        if diam == 0.0 {
            return Err(Error::invalid(
                "labels",
                format!("{} distinct labels", enc.n_labels()),
                "Dunn's index is undefined when every cluster is a single repeated point (the \
                 largest diameter is 0)",
            ));
        }
        Ok(sep.sqrt() / diam.sqrt())
    })
}

/// The smallest squared distance between clusters and the largest within one.
fn extremes(x: ArrayView2<'_, f64>, enc: &Encoded) -> (f64, f64) {
    let sorted = Sorted::new(x, enc, None);
    (0..sorted.blocks.len())
        .into_par_iter()
        .map(|p| block_extremes(&sorted, p))
        .reduce(|| (f64::INFINITY, 0.0), |a, b| (a.0.min(b.0), a.1.max(b.1)))
}

/// The extremes over the pairs of block `p` with blocks `p, p + 1, ...`.
fn block_extremes(sorted: &Sorted, p: usize) -> (f64, f64) {
    match &sorted.form {
        Form::Direct { xt } => pairwise::vectorized(DirectBlock { sorted, xt, p }),
        Form::Product { norms } => product_block_extremes(sorted, norms, p),
    }
}

/// [`block_extremes`] by the fused kernel, as a [`pulp::WithSimd`] so that all of it is
/// compiled in the vectorized region.
struct DirectBlock<'a> {
    sorted: &'a Sorted,
    xt: &'a [f64],
    p: usize,
}

impl pulp::WithSimd for DirectBlock<'_> {
    type Output = (f64, f64);

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> (f64, f64) {
        let DirectBlock { sorted, xt, p } = self;
        let d = sorted.x.ncols();
        let xs = sorted
            .x
            .as_slice()
            .expect("the sorted samples are built contiguous, row-major");
        let bp = sorted.blocks[p];
        let rows = &xs[bp.start * d..bp.end * d];
        let (mut sep, mut diam) = (f64::INFINITY, 0.0f64);
        for bq in &sorted.blocks[p..] {
            let cols = bq.start..bq.end;
            if bq.code == bp.code {
                diam = diam.max(pairwise::extreme_sq_distance::<true>(rows, d, xt, cols));
            } else {
                sep = sep.min(pairwise::extreme_sq_distance::<false>(rows, d, xt, cols));
            }
        }
        (sep, diam)
    }
}

/// [`block_extremes`] in the product form: each tile nominates every row's closest (or
/// farthest) partner, whose distance is recomputed directly.
fn product_block_extremes(sorted: &Sorted, norms: &[f64], p: usize) -> (f64, f64) {
    let xs = sorted.x.view();
    let flat = sorted.x.as_slice();
    let d = xs.ncols();
    let bp = sorted.blocks[p];
    let (mut sep, mut diam) = (f64::INFINITY, 0.0f64);
    let mut tile = Array2::<f64>::zeros((TILE_ROWS.min(bp.end - bp.start), TILE_COLS));
    for bq in &sorted.blocks[p..] {
        let same = bq.code == bp.code;
        let cols = xs.slice_axis(Axis(0), Slice::from(bq.start..bq.end));
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
            for (r, trow) in t.rows().into_iter().enumerate() {
                // The nominee of this row: farthest partner within a cluster, closest across.
                let pick = trow
                    .iter()
                    .enumerate()
                    .fold(None, |best, (c, &v)| match best {
                        Some((_, bv)) if (same && bv >= v) || (!same && bv <= v) => best,
                        _ => Some((c, v)),
                    });
                let Some((c, _)) = pick else { continue };
                // Recompute the nominee directly (see the module documentation).
                let (i, j) = (rb + r, bq.start + c);
                let v = match flat {
                    Some(f) => sq_euclidean(&f[i * d..(i + 1) * d], &f[j * d..(j + 1) * d]),
                    None => xs
                        .row(i)
                        .iter()
                        .zip(xs.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum(),
                };
                if same {
                    diam = diam.max(v);
                } else {
                    sep = sep.min(v);
                }
            }
        }
    }
    (sep, diam)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internal::tests::lcg_data;
    use ndarray::array;

    fn brute(x: ArrayView2<'_, f64>, labels: &[usize]) -> f64 {
        let n = x.nrows();
        let (mut sep, mut diam) = (f64::INFINITY, 0.0f64);
        for i in 0..n {
            for j in 0..n {
                let dist: f64 = x
                    .row(i)
                    .iter()
                    .zip(x.row(j))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                if labels[i] == labels[j] {
                    diam = diam.max(dist);
                } else {
                    sep = sep.min(dist);
                }
            }
        }
        sep / diam
    }

    #[test]
    fn matches_brute_force_with_both_distance_forms() {
        // d = 3: the direct kernel; d = 40: the product form with direct recomputation. 700 rows
        // in uneven clusters: several blocks per cluster and tiles cut at block ends.
        for d in [3usize, 40] {
            let x = lcg_data(700, d, d as u64);
            let labels: Vec<usize> = (0..700)
                .map(|i| if i % 10 < 6 { 0 } else { 1 + (i * 7) % 3 })
                .collect();
            let got = dunn_score(x.view(), &labels, None).unwrap();
            let want = brute(x.view(), &labels);
            assert!(
                (got - want).abs() <= 1e-14 * want,
                "d = {d}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn same_bits_on_any_thread_count() {
        let x = lcg_data(900, 20, 9);
        let labels: Vec<usize> = (0..900).map(|i| (i * 3 + i / 7) % 4).collect();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| dunn_score(x.view(), &labels, None).unwrap())
        };
        let one = run(1);
        assert_eq!(one.to_bits(), run(2).to_bits());
        assert_eq!(one.to_bits(), run(3).to_bits());
    }

    #[test]
    fn duplicates_across_clusters_give_zero() {
        let x = array![[0.0], [1.0], [1.0], [3.0]];
        assert_eq!(dunn_score(x.view(), &[0, 0, 1, 1], None).unwrap(), 0.0);
    }

    #[test]
    fn point_clusters_are_an_error() {
        let x = array![[0.0], [0.0], [5.0], [5.0]];
        let e = dunn_score(x.view(), &[0, 0, 1, 1], None).unwrap_err();
        assert!(e.to_string().contains("diameter is 0"), "{e}");
        // Singletons beside a real cluster are fine: their diameter is 0.
        let x = array![[0.0], [1.0], [5.0]];
        assert_eq!(dunn_score(x.view(), &[0, 0, 1], None).unwrap(), 4.0);
    }

    #[test]
    fn sample_uses_the_silhouettes_subset() {
        let x = lcg_data(300, 2, 4);
        let labels: Vec<usize> = (0..300).map(|i| i % 3).collect();
        let smp = SilhouetteSample { size: 100, seed: 7 };
        let got = dunn_score(x.view(), &labels, Some(smp)).unwrap();
        // The subset, drawn as the silhouette draws it.
        let (sub, sub_labels) = on_sample(x.view(), &labels, Some(smp), |x, l| {
            Ok((x.to_owned(), l.to_vec()))
        })
        .unwrap();
        assert_eq!(sub.nrows(), 100);
        let want = brute(sub.view(), &sub_labels);
        assert!((got - want).abs() <= 1e-14 * want, "{got} vs {want}");
        let all = dunn_score(
            x.view(),
            &labels,
            Some(SilhouetteSample { size: 300, seed: 7 }),
        );
        assert_eq!(all.unwrap(), dunn_score(x.view(), &labels, None).unwrap());
        assert!(
            dunn_score(
                x.view(),
                &labels,
                Some(SilhouetteSample { size: 0, seed: 7 })
            )
            .is_err()
        );
    }
}
