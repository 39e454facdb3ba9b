//! Variational Bayesian Gaussian mixtures, as scikit-learn's `BayesianGaussianMixture`: an
//! automatic-K baseline beside the BIC.
//!
//! A mixture of up to `n_components` components with priors on the weights (a Dirichlet
//! process or a Dirichlet distribution), the means (Gaussian) and the precisions (Wishart),
//! fitted by variational inference (Bishop, *Pattern Recognition and Machine Learning*, 2006,
//! chapter 10; Blei and Jordan, 2006, for the Dirichlet process). Components the data do not
//! need end with weights near zero; the fitted model counts the others as
//! [`effective_n_components`](BayesianGaussianMixtureModel::effective_n_components), the
//! weights above a threshold ([`BayesianGaussianMixtureParams::weight_threshold`],
//! clusterlab's parameter, 0.01 by default: see [`DEFAULT_WEIGHT_THRESHOLD`] for why).
//!
//! Everything else is scikit-learn's: the parameters' names and defaults, the priors derived
//! from the data when they are not given, the initial responsibilities (made exactly as
//! [`GaussianMixture`](crate::GaussianMixture) makes them), the order of the E-step, M-step
//! and lower bound (with its log-Wishart and log-Beta or log-Dirichlet normalisations and
//! without its constants), the convergence test on the change of the lower bound, the best
//! of `n_init` restarts by lower bound, and the final E-step for the labels. From the same
//! initial responsibilities
//! ([`fit_from_responsibilities`](BayesianGaussianMixture::fit_from_responsibilities)) it
//! gives scikit-learn 1.9's lower bound, iterations, parameters and labels, to rounding:
//! committed fixtures check it (`tests/fixtures/make_bayesian_fixtures.py`).
//!
//! The E-step and the M-step's sufficient statistics run through the Gaussian mixture's
//! kernels (one pass over chunks of samples, in parallel, combined in chunk order so that the
//! thread count never changes a bit): the variational expectations of the log-weights and
//! log-precisions are one constant per component, added where EM adds its log-weights. Only
//! `ln Γ`, digamma and `ln B` are this module's own (SciPy has them; Rust's standard library
//! does not).
//!
//! # Examples
//!
//! ```
//! use clusterlab_core::{Model, seed::rng};
//! use clusterlab_gmm::{BayesianGaussianMixtureParams, WeightConcentrationPriorType};
//! use ndarray::Array2;
//! use rand_distr::{Distribution, StandardNormal};
//!
//! // Three groups of 50 points around (0, 0), (10, 0) and (0, 10); up to 8 components.
//! let mut r = rng(1);
//! let x = Array2::from_shape_fn((150, 2), |(i, j)| {
//!     let center = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]][i % 3][j];
//!     center + <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut r)
//! });
//! let params = BayesianGaussianMixtureParams {
//!     weight_concentration_prior_type: WeightConcentrationPriorType::DirichletProcess,
//!     weight_concentration_prior: Some(0.01),
//!     max_iter: 500,
//!     ..BayesianGaussianMixtureParams::new(8)
//! };
//! let model = params.build()?.fit(x.view(), 0)?;
//! assert_eq!(model.effective_n_components(), 3);
//! let summary = model.summary();
//! assert_eq!(summary.score("effective_n_components"), Some(3.0));
//! assert_eq!(summary.score("elbo"), Some(model.lower_bound()));
//! # Ok::<(), clusterlab_core::Error>(())
//! ```

mod model;
mod params;
mod special;
mod vb;

pub use model::{BayesianGaussianMixtureModel, WeightConcentration};
pub use params::{
    BayesianGaussianMixture, BayesianGaussianMixtureParams, CovariancePrior,
    DEFAULT_WEIGHT_THRESHOLD, WeightConcentrationPriorType,
};
