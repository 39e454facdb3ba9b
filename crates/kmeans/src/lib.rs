//! K-means clustering (Lloyd and Elkan) that agrees with scikit-learn's `KMeans`.
//!
//! A scikit-learn user should trust it at once, so it keeps scikit-learn's parameter names and
//! defaults ([`KMeansParams`]), its greedy k-means++ seeding, and its exact order of operations
//! in one run: strict convergence on unchanged labels, the `tol` check on the center shift
//! after the update, the final E-step so labels and inertia belong to the returned centers,
//! empty clusters given the farthest samples. From the same initial centers it gives the same
//! labels, iterations and (to rounding) centers and inertia; committed fixtures computed by
//! scikit-learn 1.5.2 check it (`tests/fixtures`).
//!
//! It is also built to be faster:
//!
//! - assignment runs over fixed chunks of samples in parallel, with one small scratch buffer per
//!   block instead of an `n x k` distance matrix, picking the direct or matrix-product distance
//!   kernel of [`clusterlab_core::distance`] by shape;
//! - partial sums are combined in a fixed order, so the same seed gives the same bits on one
//!   thread and on many;
//! - Elkan's lower bounds are stored as `f32` rounded down (still valid bounds, half the memory),
//!   and their update after each step is folded into the next pass.
//!
//! The seed is an argument of [`KMeans::fit`], not a parameter: one configuration times many
//! seeds is many calls. Restart `r` uses `clusterlab_core::seed::derive(seed, r)`.
//!
//! Two baselines that choose K themselves grow on top of it, by splitting clusters in two:
//! [`xmeans`] (kind `"xmeans"`: a split is kept when it raises the BIC) and [`gmeans`] (kind
//! `"gmeans"`: when the cluster does not look Gaussian along the split's axis). They share one
//! loop and return one model type, [`SplitModel`].
//!
//! [`bisecting`] is scikit-learn's `BisectingKMeans` (kind `"bisecting_kmeans"`): K clusters
//! made by splitting, again and again, the leaf with the largest inertia (or the most samples)
//! in two by 2-means, keeping the tree of splits.
//!
//! # Examples
//!
//! ```
//! use clusterlab_kmeans::{Algorithm, KMeansParams};
//! use ndarray::array;
//!
//! let x = array![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [10.0, 2.0], [10.0, 4.0], [10.0, 0.0]];
//! let params = KMeansParams { algorithm: Algorithm::Elkan, ..KMeansParams::new(2) };
//! let model = params.build()?.fit(x.view(), 0)?;
//! assert_eq!(model.inertia(), 16.0);
//! let mut xs: Vec<f64> = model.centers().column(0).to_vec();
//! xs.sort_by(f64::total_cmp);
//! assert_eq!(xs, [1.0, 10.0]);
//! # Ok::<(), clusterlab_core::Error>(())
//! ```
#![deny(missing_docs)]

pub mod bisecting;
mod fit;
pub mod gmeans;
mod init;
mod kernels;
mod matrix;
mod model;
mod params;
mod split;
mod tile;
pub mod xmeans;

pub use bisecting::{BisectingKMeans, BisectingKMeansModel, BisectingKMeansParams};
pub use gmeans::{GMeans, GMeansParams};
pub use init::kmeans_plusplus;
pub use model::KMeansModel;
pub use params::{Algorithm, Init, KMeans, KMeansParams, NInit};
pub use split::SplitModel;
pub use xmeans::{XMeans, XMeansParams};
