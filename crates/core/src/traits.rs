//! The traits the runner uses to run any algorithm without knowing it.
//!
//! An algorithm crate exposes a parameter struct with a typed `fit(&self, x, seed)` returning
//! its own concrete model (that is what library users call), and implements [`Clusterer`] for
//! the same struct, returning the model boxed as [`dyn Model`](Model). Parameters are validated
//! when they are built, so a `Clusterer` in hand is a valid configuration; the seed is an
//! argument of `fit`, not a field, so one configuration times many seeds is many calls.

use std::fmt::Debug;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::Result;

/// A validated configuration of a clustering algorithm: it fits data into a [`Model`].
///
/// The trait is object-safe; the runner holds `Box<dyn Clusterer>`.
pub trait Clusterer: Send + Sync + Debug {
    /// The algorithm's short name, as used in grid files and CSV columns (`"kmeans"`, `"gmm"`).
    fn kind(&self) -> &'static str;

    /// The number of clusters or components this configuration asks for.
    fn n_clusters(&self) -> usize;

    /// Fits the configuration to `x` (one sample per row) with the random stream of `seed`.
    ///
    /// Implementations validate `x` first ([`crate::validate::check_samples`] and
    /// [`crate::validate::check_n_clusters`]) and return an error, never panic, on bad input.
    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>>;

    /// Fits and returns the training labels.
    fn fit_predict_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Vec<usize>> {
        Ok(self.fit_dyn(x, seed)?.labels().to_vec())
    }
}

/// A fitted clustering model.
pub trait Model: Send + Sync + Debug {
    /// The label (in `0..n_clusters`) of every training sample.
    fn labels(&self) -> &[usize];

    /// The label of every row of `x`; `x` must have the training data's number of features.
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>>;

    /// Cluster centers (K-means) or component means (mixtures), one per row.
    fn centers(&self) -> ArrayView2<'_, f64>;

    /// Each component's full `d x d` covariance matrix, for models that have them (mixtures);
    /// `None` otherwise. Used to draw covariance ellipses.
    fn covariances(&self) -> Option<Vec<Array2<f64>>> {
        None
    }

    /// The scores the runner records for this fit.
    fn summary(&self) -> FitSummary;

    /// The whole model as JSON, in the shapes scikit-learn uses, so that it can be saved,
    /// inspected and loaded back by the algorithm crate.
    fn to_json(&self) -> serde_json::Value;
}

/// Scores of a fit, as recorded in a results table. A score that does not apply to a model is
/// `None` (an empty cell in CSV).
///
/// ```
/// use clusterlab_core::FitSummary;
/// let s = FitSummary { n_iter: 3, converged: true, inertia: Some(12.5), ..Default::default() };
/// assert!(s.bic.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// Sum of (weighted) squared distances of samples to their closest center.
    pub inertia: Option<f64>,
    /// Mean per-sample log-likelihood of the training data.
    pub log_likelihood: Option<f64>,
    /// The EM lower bound at the returned parameters (mixtures).
    pub lower_bound: Option<f64>,
    /// Bayesian information criterion (lower is better).
    pub bic: Option<f64>,
    /// Akaike information criterion (lower is better).
    pub aic: Option<f64>,
    /// Iterations run by the best restart.
    pub n_iter: usize,
    /// Whether the best restart met its convergence criterion before `max_iter`.
    pub converged: bool,
    /// Things a user should know that are not errors (fewer distinct points than clusters, ...).
    pub warnings: Vec<String>,
}
