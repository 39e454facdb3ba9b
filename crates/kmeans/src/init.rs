//! Initial centers: greedy k-means++ and random samples, as scikit-learn draws them (with our
//! ChaCha stream instead of NumPy's, so the same procedure, not the same numbers).

use clusterlab_core::{
    Error, Result,
    distance::sq_euclidean,
    par::ordered_sum,
    seed::{self, ChaCha8Rng},
    validate,
};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, seq::index};
use rayon::prelude::*;

use crate::kernels::{Layout, Samples, Weights};

/// Draws an index with probability proportional to `weight(i)`; `total` is their sum.
fn weighted_index(n: usize, w: Weights<'_>, total: f64, rng: &mut ChaCha8Rng) -> usize {
    match w {
        Weights::Unit => rng.random_range(0..n),
        Weights::Given(ws) => {
            let r = rng.random::<f64>() * total;
            let mut acc = 0.0;
            for (i, &v) in ws.iter().enumerate() {
                acc += v;
                if acc > r && v > 0.0 {
                    return i;
                }
            }
            // Rounding can leave r just above the last partial sum: take the last weighted one.
            ws.iter().rposition(|&v| v > 0.0).unwrap_or(n - 1)
        }
    }
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): the first center is a sample drawn by
/// weight; each next one is the best, by resulting potential, of `2 + floor(ln k)` candidates
/// drawn with probability proportional to `weight x squared distance to the closest center`.
///
/// Distances, potentials and the candidates' search run over the fixed blocks of [`Layout`], in
/// parallel, with block sums combined in order.
///
/// Returns the centers and the indices of the samples they were taken from.
pub(crate) fn greedy_plusplus(
    data: Samples<'_>,
    w: Weights<'_>,
    k: usize,
    rng: &mut ChaCha8Rng,
) -> (Array2<f64>, Vec<usize>) {
    let (n, d) = (data.n(), data.d);
    let layout = Layout::new(n, d);
    let trials = 2 + (k as f64).ln().floor() as usize;
    let total_w = match w {
        Weights::Unit => n as f64,
        Weights::Given(ws) => ws.iter().sum(),
    };
    let mut centers = Array2::zeros((k, d));
    let first = weighted_index(n, w, total_w, rng);
    centers.row_mut(0).assign(&data.x.row(first));
    let mut indices = Vec::with_capacity(k);
    indices.push(first);

    let mut closest = vec![0.0; n];
    // Weighted potential of every block.
    let mut block_pot = update_closest(data, w, data.row(first), &mut closest, layout, true);
    let mut candidates = vec![0usize; trials];
    for c in 1..k {
        let pot = ordered_sum(&block_pot);
        for cand in candidates.iter_mut() {
            let r = rng.random::<f64>() * pot;
            *cand = search(&closest, w, &block_pot, r, layout);
        }
        // Potential each candidate would leave, per block, then summed in block order.
        let parts: Vec<Vec<f64>> = closest
            .par_chunks(layout.block)
            .enumerate()
            .map(|(b, cl)| {
                let start = b * layout.block;
                let mut acc = vec![0.0; trials];
                for (i, &ci) in cl.iter().enumerate() {
                    let x = data.row(start + i);
                    let wi = w.get(start + i);
                    for (a, &cand) in acc.iter_mut().zip(&candidates) {
                        *a += wi * ci.min(sq_euclidean(x, data.row(cand)));
                    }
                }
                acc
            })
            .collect();
        let mut best = 0;
        let mut best_pot = f64::INFINITY;
        for t in 0..trials {
            let p = ordered_sum(&parts.iter().map(|v| v[t]).collect::<Vec<_>>());
            if p < best_pot {
                best_pot = p;
                best = t;
            }
        }
        let chosen = candidates[best];
        centers.row_mut(c).assign(&data.x.row(chosen));
        indices.push(chosen);
        if c + 1 < k {
            block_pot = update_closest(data, w, data.row(chosen), &mut closest, layout, false);
        }
    }
    (centers, indices)
}

/// scikit-learn's `sklearn.cluster.kmeans_plusplus`: greedy k-means++ seeding on its own, for
/// callers that want initial centers without a K-means fit (the Gaussian-mixture crate seeds
/// its `k-means++` initialisation with it). Returns the centers and the indices of the samples
/// they were taken from. The same procedure as scikit-learn on the ChaCha stream of `seed`, so
/// the same distribution, not the same numbers.
///
/// # Errors
///
/// Empty or non-finite samples, `n_clusters` outside `1..=n_samples`, or bad `sample_weight`.
///
/// # Examples
///
/// ```
/// use clusterlab_kmeans::kmeans_plusplus;
/// use ndarray::array;
///
/// let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.1, 10.0]];
/// let (centers, indices) = kmeans_plusplus(x.view(), 2, None, 7)?;
/// assert_eq!(centers.dim(), (2, 2));
/// // One center from each far-apart pair.
/// assert_eq!(indices.iter().filter(|&&i| i < 2).count(), 1);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn kmeans_plusplus(
    x: ArrayView2<'_, f64>,
    n_clusters: usize,
    sample_weight: Option<&[f64]>,
    seed: u64,
) -> Result<(Array2<f64>, Vec<usize>)> {
    validate::check_samples(x)?;
    validate::check_n_clusters("n_clusters", n_clusters, x.nrows())?;
    if let Some(w) = sample_weight {
        validate::check_sample_weight(w, x.nrows())?;
    }
    let owned = x.as_standard_layout();
    let data = Samples::new(owned.view())
        .ok_or_else(|| Error::Numerical("samples are not contiguous after copying".into()))?;
    let w = sample_weight.map_or(Weights::Unit, Weights::Given);
    Ok(greedy_plusplus(data, w, n_clusters, &mut seed::rng(seed)))
}

/// Lowers every sample's closest squared distance with `center`; returns the weighted
/// potential of each block.
fn update_closest(
    data: Samples<'_>,
    w: Weights<'_>,
    center: &[f64],
    closest: &mut [f64],
    layout: Layout,
    first: bool,
) -> Vec<f64> {
    closest
        .par_chunks_mut(layout.block)
        .enumerate()
        .map(|(b, cl)| {
            let start = b * layout.block;
            let mut pot = 0.0;
            for (i, ci) in cl.iter_mut().enumerate() {
                let dd = sq_euclidean(data.row(start + i), center);
                if first || dd < *ci {
                    *ci = dd;
                }
                pot += w.get(start + i) * *ci;
            }
            pot
        })
        .collect()
}

/// The first index whose cumulative weighted potential reaches `r` (NumPy's `searchsorted`,
/// side left, on the cumulative sum), clipped to the last sample.
fn search(closest: &[f64], w: Weights<'_>, block_pot: &[f64], r: f64, layout: Layout) -> usize {
    let mut acc = 0.0;
    for (b, &bp) in block_pot.iter().enumerate() {
        if acc + bp >= r {
            let start = b * layout.block;
            let end = (start + layout.block).min(closest.len());
            let mut run = acc;
            for (i, &ci) in closest[start..end].iter().enumerate() {
                run += w.get(start + i) * ci;
                if run >= r {
                    return start + i;
                }
            }
        }
        acc += bp;
    }
    closest.len() - 1
}

/// `k` distinct samples, drawn with probability proportional to their weights.
pub(crate) fn random(
    data: Samples<'_>,
    w: Weights<'_>,
    k: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Array2<f64>> {
    let n = data.n();
    let picked: Vec<usize> = match w {
        Weights::Unit => index::sample(rng, n, k).into_vec(),
        Weights::Given(ws) => {
            let positive = ws.iter().filter(|&&v| v > 0.0).count();
            if positive < k {
                return Err(Error::invalid(
                    "n_clusters",
                    k,
                    format!(
                        "init \"random\" needs at least n_clusters samples with a positive \
                         weight, and only {positive} have one"
                    ),
                ));
            }
            index::sample_weighted(rng, n, |i| ws[i], k)
                .map_err(|e| Error::Numerical(format!("weighted random init: {e}")))?
                .into_vec()
        }
    };
    let mut centers = Array2::zeros((k, data.d));
    for (mut row, &i) in centers.rows_mut().into_iter().zip(&picked) {
        row.assign(&data.x.row(i));
    }
    Ok(centers)
}
