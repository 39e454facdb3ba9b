//! Squared-Euclidean distance kernels: the one distance loop of clusterlab.
//!
//! K-means assignment, k-means++ seeding, mixture initialisation and the metrics all measure
//! squared Euclidean distances; they all call this module, so there is a single loop to
//! vectorise, test and benchmark.
//!
//! # Conventions
//!
//! - Samples and centers are rows of row-major matrices; every row is a contiguous slice.
//! - Kernels never allocate: they write into a buffer the caller allocated once (`out`, row-major
//!   `n_rows x n_centers`), so a caller working over chunks of samples reuses one small buffer
//!   per chunk instead of building an `n x k` matrix for the whole data.
//! - Sums run in a fixed order (four interleaved partial sums, then a fixed combination), so a
//!   result never depends on threads or on which kernel variant was picked for a given shape.
//!   The direct and the matrix-product forms differ by rounding, so a caller must choose one by
//!   shape alone (see [`prefer_gemm`]), never by anything that varies between runs.

use ndarray::{ArrayView2, ArrayViewMut2, linalg::general_mat_mul};

/// Dot product of two equal-length slices, in a fixed summation order.
///
/// ```
/// use clusterlab_core::distance::dot;
/// assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
/// ```
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f64; 4];
    let (ca, ra) = a.as_chunks::<4>();
    let (cb, rb) = b.as_chunks::<4>();
    for (x, y) in ca.iter().zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Squared Euclidean distance `||a - b||^2` between two equal-length slices.
///
/// ```
/// use clusterlab_core::distance::sq_euclidean;
/// assert_eq!(sq_euclidean(&[0.0, 0.0], &[3.0, 4.0]), 25.0);
/// ```
#[inline]
pub fn sq_euclidean(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f64; 4];
    let (ca, ra) = a.as_chunks::<4>();
    let (cb, rb) = b.as_chunks::<4>();
    for (x, y) in ca.iter().zip(cb) {
        for l in 0..4 {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        let t = x - y;
        s += t * t;
    }
    s
}

/// Squared norm of every row, written into `out` (one value per row).
///
/// ```
/// use clusterlab_core::{distance::row_sq_norms_into, ndarray::array};
/// let mut out = [0.0; 2];
/// row_sq_norms_into(array![[3.0, 4.0], [1.0, 0.0]].view(), &mut out);
/// assert_eq!(out, [25.0, 1.0]);
/// ```
pub fn row_sq_norms_into(x: ArrayView2<'_, f64>, out: &mut [f64]) {
    assert_eq!(out.len(), x.nrows(), "one norm per row");
    for (o, row) in out.iter_mut().zip(x.rows()) {
        *o = match row.as_slice() {
            Some(s) => dot(s, s),
            None => row.dot(&row),
        };
    }
}

/// Squared norm of every row, as a new vector.
///
/// ```
/// use clusterlab_core::{distance::row_sq_norms, ndarray::array};
/// assert_eq!(row_sq_norms(array![[3.0, 4.0]].view()), vec![25.0]);
/// ```
pub fn row_sq_norms(x: ArrayView2<'_, f64>) -> Vec<f64> {
    let mut out = vec![0.0; x.nrows()];
    row_sq_norms_into(x, &mut out);
    out
}

/// Index and squared distance of the center nearest to `sample`; ties go to the lowest index
/// (as in scikit-learn).
///
/// ```
/// use clusterlab_core::{distance::nearest, ndarray::array};
/// let centers = array![[0.0, 0.0], [10.0, 10.0]];
/// assert_eq!(nearest(&[9.0, 9.0], centers.view()), (1, 2.0));
/// ```
#[inline]
pub fn nearest(sample: &[f64], centers: ArrayView2<'_, f64>) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centers.rows().into_iter().enumerate() {
        let d = match c.as_slice() {
            Some(c) => sq_euclidean(sample, c),
            None => c.iter().zip(sample).map(|(a, b)| (a - b) * (a - b)).sum(),
        };
        if d < best.1 {
            best = (j, d);
        }
    }
    best
}

/// Whether the matrix-product form ([`sq_distances_gemm_into`]) beats the direct loop
/// ([`sq_distances_direct_into`]) for `n_features` features and `n_centers` centers.
///
/// The rule depends on shape only, so the choice (and therefore every rounding) is the same on
/// every run and thread count. The threshold was set by measurement (`cargo bench -p
/// clusterlab-core`): the product form wins once each sample meets enough center coordinates to
/// amortise the product's packing.
pub fn prefer_gemm(n_features: usize, n_centers: usize) -> bool {
    n_features >= 16 && n_features * n_centers >= 256
}

/// Squared distances from every row of `x` to every row of `centers`, by direct loops.
///
/// `out` is row-major `x.nrows() x centers.nrows()`.
///
/// ```
/// use clusterlab_core::{distance::sq_distances_direct_into, ndarray::{array, Array2}};
/// let x = array![[0.0, 0.0], [1.0, 1.0]];
/// let c = array![[0.0, 1.0]];
/// let mut out = Array2::zeros((2, 1));
/// sq_distances_direct_into(x.view(), c.view(), out.view_mut());
/// assert_eq!(out, array![[1.0], [1.0]]);
/// ```
pub fn sq_distances_direct_into(
    x: ArrayView2<'_, f64>,
    centers: ArrayView2<'_, f64>,
    mut out: ArrayViewMut2<'_, f64>,
) {
    assert_eq!(
        out.dim(),
        (x.nrows(), centers.nrows()),
        "out must be n_rows x n_centers"
    );
    let k = centers.nrows();
    // The common case, every matrix contiguous and row-major, runs over plain slices: ndarray's
    // row iterators cost more than the distances themselves when `d` is small.
    if let (Some(xs), Some(cs), Some(os)) = (x.as_slice(), centers.as_slice(), out.as_slice_mut()) {
        let d = centers.ncols();
        if d > 0 && k > 0 {
            for (sample, row) in xs.chunks_exact(d).zip(os.chunks_exact_mut(k)) {
                for (o, c) in row.iter_mut().zip(cs.chunks_exact(d)) {
                    *o = sq_euclidean(sample, c);
                }
            }
            return;
        }
    }
    for (sample, mut row) in x.rows().into_iter().zip(out.rows_mut()) {
        for (o, c) in row.iter_mut().zip(centers.rows()) {
            *o = match (sample.as_slice(), c.as_slice()) {
                (Some(a), Some(b)) => sq_euclidean(a, b),
                _ => sample
                    .iter()
                    .zip(c.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum(),
            };
        }
    }
}

/// Centers transposed for [`sq_distances_across_into`]: `d x k`, row-major (feature `f` of
/// center `j` at `f * k + j`).
///
/// ```
/// use clusterlab_core::{distance::transpose_centers, ndarray::array};
/// assert_eq!(transpose_centers(array![[1.0, 2.0], [3.0, 4.0]].view()), vec![1.0, 3.0, 2.0, 4.0]);
/// ```
pub fn transpose_centers(centers: ArrayView2<'_, f64>) -> Vec<f64> {
    centers.t().iter().copied().collect()
}

/// Squared distances from every row of `x` (row-major, `n x d`, one slice) to `k` centers
/// given transposed ([`transpose_centers`]), into `out` (row-major `n x k`).
///
/// The loop runs over features outside and centers inside, so the sums of eight centers are
/// independent accumulators the compiler keeps in vector registers, with no horizontal
/// reduction per pair: for small `d` this is several times faster than one
/// [`sq_euclidean`] per pair. Each distance is summed feature by feature, first to last (a
/// different rounding from [`sq_euclidean`], the same on every run).
///
/// ```
/// use clusterlab_core::distance::{sq_distances_across_into, transpose_centers};
/// use clusterlab_core::ndarray::array;
/// let c = transpose_centers(array![[0.0, 1.0], [3.0, 4.0]].view());
/// let mut out = [0.0; 2];
/// sq_distances_across_into(&[0.0, 0.0], 2, &c, &mut out);
/// assert_eq!(out, [1.0, 25.0]);
/// ```
pub fn sq_distances_across_into(x: &[f64], d: usize, centers_t: &[f64], out: &mut [f64]) {
    if d == 0 {
        out.fill(0.0);
        return;
    }
    let k = centers_t.len() / d;
    assert_eq!(centers_t.len(), k * d, "centers_t must be d x k");
    assert_eq!(out.len(), x.len() / d * k, "out must be n_rows x n_centers");
    if k == 0 {
        return;
    }
    const B: usize = 8;
    for (sample, row) in x.chunks_exact(d).zip(out.chunks_exact_mut(k)) {
        let mut j0 = 0;
        while j0 + B <= k {
            let mut acc = [0.0f64; B];
            for (f, &xf) in sample.iter().enumerate() {
                let c = &centers_t[f * k + j0..f * k + j0 + B];
                for l in 0..B {
                    let t = xf - c[l];
                    acc[l] += t * t;
                }
            }
            row[j0..j0 + B].copy_from_slice(&acc);
            j0 += B;
        }
        for (j, o) in row.iter_mut().enumerate().skip(j0) {
            let mut acc = 0.0;
            for (f, &xf) in sample.iter().enumerate() {
                let t = xf - centers_t[f * k + j];
                acc += t * t;
            }
            *o = acc;
        }
    }
}

/// Squared distances through `||x||^2 - 2 x.c + ||c||^2`, with the cross term as one matrix
/// product; results are clamped at 0 (rounding can make them slightly negative).
///
/// `x_norms` and `c_norms` are the squared row norms of `x` and `centers`
/// ([`row_sq_norms_into`]); the caller computes them once and reuses them.
///
/// ```
/// use clusterlab_core::distance::{row_sq_norms, sq_distances_gemm_into};
/// use clusterlab_core::ndarray::{array, Array2};
/// let x = array![[0.0, 0.0], [3.0, 4.0]];
/// let c = array![[0.0, 0.0]];
/// let mut out = Array2::zeros((2, 1));
/// sq_distances_gemm_into(x.view(), &row_sq_norms(x.view()), c.view(), &row_sq_norms(c.view()), out.view_mut());
/// assert_eq!(out, array![[0.0], [25.0]]);
/// ```
pub fn sq_distances_gemm_into(
    x: ArrayView2<'_, f64>,
    x_norms: &[f64],
    centers: ArrayView2<'_, f64>,
    c_norms: &[f64],
    mut out: ArrayViewMut2<'_, f64>,
) {
    assert_eq!(
        out.dim(),
        (x.nrows(), centers.nrows()),
        "out must be n_rows x n_centers"
    );
    assert_eq!(x_norms.len(), x.nrows());
    assert_eq!(c_norms.len(), centers.nrows());
    general_mat_mul(-2.0, &x, &centers.t(), 0.0, &mut out);
    for (mut row, &xn) in out.rows_mut().into_iter().zip(x_norms) {
        for (o, &cn) in row.iter_mut().zip(c_norms) {
            *o = (*o + xn + cn).max(0.0);
        }
    }
}

/// Nearest-center scores through one matrix product: `out[i, j] = bias[j] - 2 x_i . c_j`.
///
/// With `bias[j] = ||c_j||^2` the score is the squared distance minus `||x_i||^2`, which is
/// all an argmin needs: no pass for the samples' norms, no copy of the samples. A caller that
/// shifts the centers by a vector `m` (to avoid cancellation on data far from the origin)
/// passes `c_j - m` and `bias[j] = ||c_j - m||^2 + 2 m . (c_j - m)`; then adding `||x_i - m||^2`
/// gives the squared distance.
///
/// ```
/// use clusterlab_core::distance::gemm_scores_into;
/// use clusterlab_core::ndarray::{array, Array2};
/// let x = array![[1.0, 0.0]];
/// let c = array![[0.0, 0.0], [3.0, 0.0]];
/// let mut out = Array2::zeros((1, 2));
/// gemm_scores_into(x.view(), c.view(), &[0.0, 9.0], out.view_mut());
/// assert_eq!(out, array![[0.0, 3.0]]); // distances 1 and 4, minus ||x||^2 = 1
/// ```
pub fn gemm_scores_into(
    x: ArrayView2<'_, f64>,
    centers: ArrayView2<'_, f64>,
    bias: &[f64],
    mut out: ArrayViewMut2<'_, f64>,
) {
    assert_eq!(
        out.dim(),
        (x.nrows(), centers.nrows()),
        "out must be n_rows x n_centers"
    );
    assert_eq!(bias.len(), centers.nrows());
    match out.as_slice_mut() {
        Some(os) if !bias.is_empty() => {
            for row in os.chunks_exact_mut(bias.len()) {
                row.copy_from_slice(bias);
            }
        }
        _ => {
            for mut row in out.rows_mut() {
                for (o, &b) in row.iter_mut().zip(bias) {
                    *o = b;
                }
            }
        }
    }
    general_mat_mul(-2.0, &x, &centers.t(), 1.0, &mut out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use proptest::prelude::*;

    fn naive(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
    }

    #[test]
    fn lengths_not_multiple_of_four() {
        for d in 0..11 {
            let a: Vec<f64> = (0..d).map(|i| i as f64).collect();
            let b: Vec<f64> = (0..d).map(|i| (i * i) as f64 * 0.5).collect();
            assert!((sq_euclidean(&a, &b) - naive(&a, &b)).abs() < 1e-9);
            let naive_dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive_dot).abs() < 1e-9);
        }
    }

    #[test]
    fn nearest_breaks_ties_to_lowest_index() {
        let c = ndarray::array![[1.0], [-1.0]];
        assert_eq!(nearest(&[0.0], c.view()), (0, 1.0));
    }

    #[test]
    fn across_matches_direct_for_every_remainder() {
        for k in 1..20 {
            for d in 1..6 {
                let x = Array2::from_shape_fn((3, d), |(i, f)| (i * 7 + f) as f64 * 0.37 - 1.0);
                let c = Array2::from_shape_fn((k, d), |(j, f)| (j * 3 + f * 5) as f64 * 0.11);
                let mut a = Array2::zeros((3, k));
                sq_distances_direct_into(x.view(), c.view(), a.view_mut());
                let mut b = vec![0.0; 3 * k];
                sq_distances_across_into(
                    x.as_slice().unwrap(),
                    d,
                    &transpose_centers(c.view()),
                    &mut b,
                );
                for (p, q) in a.iter().zip(&b) {
                    assert!(
                        (p - q).abs() <= 1e-12 * (1.0 + p.abs()),
                        "k={k} d={d}: {p} vs {q}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn gemm_and_direct_agree(n in 1usize..20, k in 1usize..9, d in 1usize..20, seed in 0u64..1000) {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let x = Array2::from_shape_fn((n, d), |_| rng.random_range(-10.0..10.0));
            let c = Array2::from_shape_fn((k, d), |_| rng.random_range(-10.0..10.0));
            let mut a = Array2::zeros((n, k));
            let mut b = Array2::zeros((n, k));
            sq_distances_direct_into(x.view(), c.view(), a.view_mut());
            sq_distances_gemm_into(x.view(), &row_sq_norms(x.view()), c.view(), &row_sq_norms(c.view()), b.view_mut());
            for (p, q) in a.iter().zip(b.iter()) {
                prop_assert!(*p >= 0.0 && *q >= 0.0);
                prop_assert!((p - q).abs() <= 1e-9 * (1.0 + p.abs()));
            }
        }
    }
}
