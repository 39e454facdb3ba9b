//! Spectral clustering that agrees with scikit-learn's `SpectralClustering`.
//!
//! K-means and Gaussian mixtures look for compact, convex clusters; two interleaved moons or
//! two concentric circles defeat them. Spectral clustering looks at the *graph* of the
//! samples instead: it embeds them with the eigenvectors of the smallest eigenvalues of the
//! graph's normalized Laplacian, where the shapes become separate clouds, and clusters there.
//! It keeps scikit-learn's parameter names, defaults and steps ([`SpectralClusteringParams`]),
//! so a scikit-learn user can trust it at once:
//!
//! 1. **Affinity**: `rbf` (`exp(-gamma ||x - y||²)`, dense) or `nearest_neighbors` (the
//!    `n_neighbors`-nearest-neighbour connectivity, itself included, made symmetric as
//!    `0.5 (A + Aᵀ)`, sparse).
//! 2. **Embedding**: scikit-learn's `spectral_embedding(norm_laplacian=True,
//!    drop_first=False)`: the `n_components` eigenvectors of the smallest eigenvalues of the
//!    normalized Laplacian (diagonal 1, as for ARPACK), divided by the square roots of the
//!    degrees, each signed so that its largest entry is positive. A graph that is not
//!    connected gets scikit-learn's warning in the model's summary, with what would connect
//!    it (more neighbours, a smaller gamma).
//! 3. **Labels** (`assign_labels`): K-means with `n_init` restarts (clusterlab's K-means),
//!    Yu and Shi's `discretize`, or the deterministic `cluster_qr`.
//!
//! # The eigensolver
//!
//! scikit-learn asks ARPACK for the eigenvalues nearest to `-1e-5` (shift and invert). This
//! crate does the same shift-invert with a block method (`2 n_components + 8` vectors; each
//! step solves with `L + 1e-5 I` and takes the smallest Ritz pairs of `L` on the old and new
//! vectors, LOBPCG's locally optimal step) and a Cholesky factorization of `L + 1e-5 I` from
//! faer: dense for `rbf`, sparse (approximate-minimum-degree ordering) for
//! `nearest_neighbors`. The eigenvalues are the same, and the embedding agrees with
//! scikit-learn's to within `1e-6` wherever its eigenvalues are apart (a committed fixture
//! checks it); where eigenvalues repeat (one zero per connected component) any basis of their
//! eigenspace is an answer, and clusterlab's may differ from ARPACK's by a rotation, which
//! neither K-means' result nor `cluster_qr`'s depend on. `eigen_solver = "arpack"` and
//! `"lobpcg"` both run it; `"amg"` (pyamg) is refused. Problems of at most 300 samples are
//! decomposed densely.
//!
//! Limits: the `rbf` affinity is a dense `n x n` matrix, and with the Laplacian's Cholesky
//! factor it needs `16 n²` bytes; fits above [`MAX_DENSE_SAMPLES`] samples (400 MB) are
//! refused with the memory they would need. The `nearest_neighbors` graph is sparse and has
//! no such limit but the size of its Cholesky factor ([`MAX_FACTOR_NONZEROS`]); its
//! neighbours come from a k-d tree up to 16 features (by brute force, `O(n² d)`, above).
//!
//! The seed is an argument of [`SpectralClustering::fit`], not a parameter. Every parallel
//! loop computes each value in one task in a fixed order, and faer runs sequentially, so the
//! same seed gives the same bits on any number of threads.
//!
//! # Examples
//!
//! ```
//! use clusterlab_spectral::{Affinity, AssignLabels, SpectralClusteringParams};
//! use ndarray::Array2;
//!
//! // Two concentric rings: K-means cuts them in half, spectral clustering separates them.
//! let x = Array2::from_shape_fn((120, 2), |(i, j)| {
//!     let r = if i % 2 == 0 { 1.0 } else { 3.0 };
//!     let t = i as f64 * 0.37;
//!     if j == 0 { r * t.cos() } else { r * t.sin() }
//! });
//! let params = SpectralClusteringParams {
//!     affinity: Affinity::NearestNeighbors,
//!     assign_labels: AssignLabels::ClusterQr,
//!     ..SpectralClusteringParams::new(2)
//! };
//! let model = params.build()?.fit(x.view(), 0)?;
//! let inner = model.labels()[0];
//! for (i, &l) in model.labels().iter().enumerate() {
//!     assert_eq!(l == inner, i % 2 == 0);
//! }
//! # Ok::<(), clusterlab_core::Error>(())
//! ```
#![deny(missing_docs)]

mod assign;
mod eigen;
mod fit;
mod graph;
mod model;
mod neighbors;
mod params;
mod simd_state;

pub use model::SpectralModel;
pub use params::{
    Affinity, AssignLabels, EigenSolver, EigenTol, MAX_DENSE_SAMPLES, MAX_FACTOR_NONZEROS,
    SpectralClustering, SpectralClusteringParams,
};
