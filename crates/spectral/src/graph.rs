//! The affinity graph of the samples and its normalized Laplacian, as scikit-learn builds them.
//!
//! - `rbf`: `A[i, j] = exp(-gamma ||x_i - x_j||²)`, dense (`pairwise_kernels(X, metric="rbf")`).
//! - `nearest_neighbors`: `C = kneighbors_graph(X, n_neighbors, include_self=True)` (a 1 for
//!   each of the `n_neighbors` nearest samples of every sample, itself included), made
//!   symmetric as `0.5 (C + Cᵀ)`: 1 where two samples are each other's neighbours, 0.5 where
//!   only one is. Sparse.
//!
//! The Laplacian is scipy's `laplacian(A, normed=True)` with the diagonal set to 1, as
//! scikit-learn's ARPACK path does (`_set_diag`): the diagonal of `A` (self-similarity) is
//! ignored, `d_i = sum_{j != i} A[i, j]`, `dd_i = sqrt(d_i)` (1 for an isolated sample) and
//! `L = I - D^{-1/2} A D^{-1/2}` off the diagonal.
//!
//! Both graphs are built in parallel over fixed chunks of rows; every entry and every degree is
//! computed by one task in a fixed order, so the thread count changes no bit. The neighbours
//! come from [`crate::neighbors`].

use clusterlab_core::distance::sq_euclidean;
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

/// Rows per parallel task when building a graph (fixed: results never depend on threads).
const ROWS_PER_TASK: usize = 64;

/// A symmetric sparse matrix in compressed-row form, column indices sorted in every row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Csr {
    pub n: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<usize>,
    pub values: Vec<f64>,
}

impl Csr {
    /// The entries of row `i`: column indices and values.
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
}

/// The row-major rbf affinity `exp(-gamma ||x_i - x_j||²)` (diagonal 1). Each pair is
/// computed once, for `j > i`, and mirrored: the matrix is exactly symmetric.
pub(crate) fn rbf_affinity(x: ArrayView2<'_, f64>, gamma: f64) -> Array2<f64> {
    let (n, d) = x.dim();
    let x = x.as_standard_layout();
    let flat = x
        .as_slice()
        .expect("a standard-layout matrix is contiguous");
    let mut a = Array2::<f64>::zeros((n, n));
    a.axis_chunks_iter_mut(Axis(0), ROWS_PER_TASK)
        .into_par_iter()
        .enumerate()
        .for_each(|(c, mut block)| {
            for (r, mut row) in block.rows_mut().into_iter().enumerate() {
                let i = c * ROWS_PER_TASK + r;
                let xi = &flat[i * d..(i + 1) * d];
                let row = row
                    .as_slice_mut()
                    .expect("rows of a new matrix are contiguous");
                row[i] = 1.0;
                for (v, xj) in row[i + 1..]
                    .iter_mut()
                    .zip(flat[(i + 1) * d..].chunks_exact(d))
                {
                    *v = (-gamma * sq_euclidean(xi, xj)).exp();
                }
            }
        });
    // The lower triangle from the upper one, by square tiles (cache-friendly both ways).
    const TILE: usize = 64;
    let flat = a.as_slice_mut().expect("a new matrix is contiguous");
    for i0 in (0..n).step_by(TILE) {
        for j0 in (0..=i0).step_by(TILE) {
            for i in i0..(i0 + TILE).min(n) {
                for j in j0..(j0 + TILE).min(i) {
                    flat[i * n + j] = flat[j * n + i];
                }
            }
        }
    }
    a
}

/// `0.5 (C + Cᵀ)` of the connectivity `C` of `neighbors` (one list per sample), with the
/// diagonal left out (the Laplacian ignores it).
pub(crate) fn symmetric_connectivity(neighbors: &[Vec<usize>]) -> Csr {
    let n = neighbors.len();
    let mut entries: Vec<(usize, usize)> =
        Vec::with_capacity(2 * neighbors.iter().map(Vec::len).sum::<usize>());
    for (i, list) in neighbors.iter().enumerate() {
        for &j in list.iter().filter(|&&j| j != i) {
            entries.push((i, j));
            entries.push((j, i));
        }
    }
    entries.sort_unstable();
    let mut indptr = vec![0usize; n + 1];
    let mut indices = Vec::with_capacity(entries.len());
    let mut values: Vec<f64> = Vec::with_capacity(entries.len());
    let mut last: Option<(usize, usize)> = None;
    for &(i, j) in &entries {
        if last == Some((i, j)) {
            // Both directions: 0.5 + 0.5.
            *values
                .last_mut()
                .expect("a repeated entry follows its first copy") += 0.5;
        } else {
            indices.push(j);
            values.push(0.5);
            indptr[i + 1] += 1;
            last = Some((i, j));
        }
    }
    for i in 0..n {
        indptr[i + 1] += indptr[i];
    }
    Csr {
        n,
        indptr,
        indices,
        values,
    }
}

/// `dd_i = sqrt(sum_{j != i} a_ij)`, or 1 for an isolated sample (scipy's `laplacian(...,
/// normed=True, return_diag=True)`).
fn sqrt_degree(degree: f64) -> f64 {
    if degree == 0.0 { 1.0 } else { degree.sqrt() }
}

/// Turns the dense affinity `a` into the normalized Laplacian in place (diagonal 1) and
/// returns `dd`.
pub(crate) fn dense_laplacian_in_place(a: &mut Array2<f64>) -> Vec<f64> {
    let degrees: Vec<f64> = a
        .axis_iter(Axis(0))
        .into_par_iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .fold(0.0, |s, (_, v)| s + v)
        })
        .collect();
    let dd: Vec<f64> = degrees.into_iter().map(sqrt_degree).collect();
    a.axis_chunks_iter_mut(Axis(0), ROWS_PER_TASK)
        .into_par_iter()
        .enumerate()
        .for_each(|(c, mut block)| {
            for (r, mut row) in block.rows_mut().into_iter().enumerate() {
                let i = c * ROWS_PER_TASK + r;
                for (j, v) in row.iter_mut().enumerate() {
                    *v = if i == j { 1.0 } else { -(*v / dd[j]) / dd[i] };
                }
            }
        });
    dd
}

/// The off-diagonal part of the normalized Laplacian of the sparse affinity `a` (whose
/// diagonal is absent), and `dd`.
pub(crate) fn sparse_laplacian(a: &Csr) -> (Csr, Vec<f64>) {
    let dd: Vec<f64> = (0..a.n)
        .map(|i| sqrt_degree(a.row(i).1.iter().fold(0.0, |s, v| s + v)))
        .collect();
    let mut l = a.clone();
    for i in 0..a.n {
        let (lo, hi) = (l.indptr[i], l.indptr[i + 1]);
        for p in lo..hi {
            let j = l.indices[p];
            l.values[p] = -(l.values[p] / dd[j]) / dd[i];
        }
    }
    (l, dd)
}

/// The connected components of a graph: their sizes, largest first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Components {
    pub sizes: Vec<usize>,
}

impl Components {
    /// The components of the graph whose off-diagonal nonzeros are reported by `edges(i)` for
    /// every sample `i`.
    fn from_edges<F>(n: usize, mut edges: F) -> Components
    where
        F: FnMut(usize, &mut dyn FnMut(usize)),
    {
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for i in 0..n {
            edges(i, &mut |j| {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            });
        }
        let mut sizes = vec![0usize; n];
        for i in 0..n {
            let r = find(&mut parent, i);
            sizes[r] += 1;
        }
        let mut sizes: Vec<usize> = sizes.into_iter().filter(|&s| s > 0).collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        Components { sizes }
    }

    /// The components of a dense affinity (nonzero off-diagonal entries are edges).
    pub fn of_dense(a: &Array2<f64>) -> Components {
        Components::from_edges(a.nrows(), |i, edge| {
            for (j, &v) in a.row(i).iter().enumerate().skip(i + 1) {
                if v != 0.0 {
                    edge(j);
                }
            }
        })
    }

    /// The components of a sparse affinity.
    pub fn of_sparse(a: &Csr) -> Components {
        Components::from_edges(a.n, |i, edge| {
            let (cols, vals) = a.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                if j > i && v != 0.0 {
                    edge(j);
                }
            }
        })
    }

    /// The number of components.
    pub fn count(&self) -> usize {
        self.sizes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn connectivity_is_half_or_one_and_symmetric() {
        let nb = vec![vec![0, 1], vec![1, 0], vec![2, 0], vec![3, 2]];
        let c = symmetric_connectivity(&nb);
        let mut dense = Array2::<f64>::zeros((4, 4));
        for i in 0..4 {
            let (cols, vals) = c.row(i);
            assert!(cols.windows(2).all(|w| w[0] < w[1]));
            for (&j, &v) in cols.iter().zip(vals) {
                dense[[i, j]] = v;
            }
        }
        let want = array![
            [0.0, 1.0, 0.5, 0.0],
            [1.0, 0.0, 0.0, 0.0],
            [0.5, 0.0, 0.0, 0.5],
            [0.0, 0.0, 0.5, 0.0]
        ];
        assert_eq!(dense, want);
    }

    #[test]
    fn laplacians_ignore_the_diagonal_and_agree() {
        let nb = vec![vec![0, 1], vec![1, 0], vec![2, 0], vec![3, 2]];
        let c = symmetric_connectivity(&nb);
        let (l, dd) = sparse_laplacian(&c);
        let mut a = Array2::<f64>::from_elem((4, 4), 0.0);
        for i in 0..4 {
            a[[i, i]] = 7.0; // ignored
            let (cols, vals) = c.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                a[[i, j]] = v;
            }
        }
        let dd_dense = dense_laplacian_in_place(&mut a);
        assert_eq!(dd, dd_dense);
        assert_eq!(dd, vec![1.5f64.sqrt(), 1.0, 1.0, 0.5f64.sqrt()]);
        for i in 0..4 {
            assert_eq!(a[[i, i]], 1.0);
            let (cols, vals) = l.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                assert_eq!(a[[i, j]], v);
            }
        }
        assert!((a[[0, 2]] - (-0.5 / (1.5f64.sqrt()))).abs() < 1e-15);
    }

    #[test]
    fn rbf_is_symmetric_with_unit_diagonal() {
        let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]];
        let a = rbf_affinity(x.view(), 0.5);
        assert_eq!(a, a.t());
        assert_eq!(a[[0, 0]], 1.0);
        assert_eq!(a[[0, 1]], (-0.5f64).exp());
        assert_eq!(a[[1, 2]], (-2.5f64).exp());
    }

    #[test]
    fn components_are_counted_largest_first() {
        let nb = vec![vec![0, 1], vec![1, 0], vec![2, 3], vec![3, 2], vec![4, 3]];
        let c = Components::of_sparse(&symmetric_connectivity(&nb));
        assert_eq!(c.sizes, vec![3, 2]);
        let mut a = Array2::<f64>::eye(3);
        a[[0, 2]] = 0.1;
        a[[2, 0]] = 0.1;
        assert_eq!(Components::of_dense(&a).sizes, vec![2, 1]);
    }
}
