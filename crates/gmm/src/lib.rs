//! Gaussian mixtures fitted by EM, with scikit-learn's `full`, `tied`, `diag` and `spherical`
//! covariances, its parameters and defaults, and its results.
//!
//! A scikit-learn user should recognise everything: [`GaussianMixtureParams`] has
//! `GaussianMixture`'s names and defaults, the fitted [`GaussianMixtureModel`] has its
//! attributes in the same shapes, and EM follows the same order of operations (initial
//! responsibilities, then E-step, M-step and the lower-bound test each iteration, a final
//! E-step for the labels). From the same initial weights, means and precisions it gives the
//! same lower bound, iterations, parameters and labels, to rounding; committed fixtures made by
//! scikit-learn 1.5.2 check it (`tests/fixtures`).
//!
//! Why it is faster than scikit-learn while doing the same arithmetic:
//!
//! - the E-step and the M-step's sufficient statistics are computed in one pass over chunks of
//!   samples ([`kernels`]), in parallel, so the data is read once per iteration and no
//!   `n x k` (let alone `n x k x d`) temporary exists;
//! - `x^T x` for `tied` is computed once per fit, not once per iteration;
//! - per-chunk statistics are added in chunk order, so one thread and many give the same bits.
//!
//! Numerics are scikit-learn's: Cholesky factors of the precisions (faer's Cholesky and
//! triangular solve), log-densities as `|x U - mu U|^2` plus the log-determinant read off the
//! factor's diagonal, log-sum-exp responsibilities; never an explicit inverse or determinant.
//! A covariance that is not positive definite after `reg_covar` is an error naming the
//! component ([`clusterlab_core::Error::NotPositiveDefinite`]), never a panic or a NaN.
//!
//! The seed is an argument of [`GaussianMixture::fit`]: restart `r` of `n_init` uses
//! `clusterlab_core::seed::derive(seed, r)`.
//!
//! # Examples
//!
//! ```
//! use clusterlab_gmm::{CovarianceType, GaussianMixtureParams, InitParams};
//! use ndarray::array;
//!
//! let x = array![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [10.0, 2.0], [10.0, 4.0], [10.0, 0.0]];
//! let params = GaussianMixtureParams {
//!     covariance_type: CovarianceType::Diag,
//!     init_params: InitParams::KMeansPlusPlus,
//!     ..GaussianMixtureParams::new(2)
//! };
//! let model = params.build()?.fit(x.view(), 42)?;
//! assert!(model.converged());
//! let mut firsts: Vec<f64> = model.means().column(0).to_vec();
//! firsts.sort_by(f64::total_cmp);
//! assert!((firsts[0] - 1.0).abs() < 1e-9 && (firsts[1] - 10.0).abs() < 1e-9);
//! # Ok::<(), clusterlab_core::Error>(())
//! ```
#![deny(missing_docs)]

mod arrays;
mod bayesian;
mod em;
pub mod kernels;
mod linalg;
mod model;
mod params;

pub use arrays::{CovarianceArray, CovarianceType, NestedArray, Precisions};
pub use bayesian::{
    BayesianGaussianMixture, BayesianGaussianMixtureModel, BayesianGaussianMixtureParams,
    CovariancePrior, DEFAULT_WEIGHT_THRESHOLD, WeightConcentration, WeightConcentrationPriorType,
};
pub use model::GaussianMixtureModel;
pub use params::{GaussianMixture, GaussianMixtureParams, InitParams};
