//! The traits the runner uses to run any algorithm without knowing it.
//!
//! An algorithm crate exposes a parameter struct with a typed `fit(&self, x, seed)` returning
//! its own concrete model (that is what library users call), and implements [`Clusterer`] for
//! the same struct, returning the model boxed as [`dyn Model`](Model). Parameters are validated
//! when they are built, so a `Clusterer` in hand is a valid configuration; the seed is an
//! argument of `fit`, not a field, so one configuration times many seeds is many calls.
//!
//! A model reports its scores by name ([`FitSummary::scores`]): the runner does not know
//! which scores exist; each algorithm's registry entry declares the ones it reports, with
//! which way is better.

use std::{collections::BTreeMap, fmt::Debug};

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::Result;

/// A validated configuration of a clustering algorithm: it fits data into a [`Model`].
///
/// The trait is object-safe; the runner holds `Box<dyn Clusterer>`.
pub trait Clusterer: Send + Sync + Debug {
    /// The algorithm's short name, as used in grid files and CSV columns (`"kmeans"`, `"gmm"`).
    fn kind(&self) -> &'static str;

    /// The number of clusters or components this configuration asks for; `None` for an
    /// algorithm that finds K itself.
    fn n_clusters(&self) -> Option<usize>;

    /// Fits the configuration to `x` (one sample per row) with the random stream of `seed`.
    ///
    /// Implementations validate `x` first ([`crate::validate::check_samples`] and
    /// [`crate::validate::check_n_clusters`]) and return an error, never panic, on bad input.
    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>>;

    /// The number of free parameters this configuration fits on data of `n_features`
    /// features, for models whose count is fixed by the configuration (mixtures); `None`
    /// otherwise. A model with more parameters than the data has samples is degenerate (and
    /// slow): the runner warns before fitting it.
    fn n_parameters(&self, n_features: usize) -> Option<usize> {
        let _ = n_features;
        None
    }

    /// A rough estimate of the work of one fit on `n_samples` x `n_features` data, in
    /// multiply-adds of one pass over the data times the passes of every restart. Only ratios
    /// between configurations matter: the runner balances the shards of a grid with it (a
    /// full-covariance mixture with ten restarts weighs more than one K-means run). The default
    /// is one pass of `n x d x K` distances.
    ///
    /// ```
    /// use clusterlab_core::Clusterer;
    /// # fn check(c: &dyn Clusterer) {
    /// let small = c.work_estimate(1_000, 2);
    /// let large = c.work_estimate(1_000_000, 2);
    /// assert!(large > small);
    /// # }
    /// ```
    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        n_samples as f64 * n_features as f64 * self.n_clusters().unwrap_or(1) as f64
    }

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

    /// Cluster centers (K-means) or component means (mixtures), one per row; `None` for
    /// models that have none (a hierarchy, a graph partition).
    fn centers(&self) -> Option<ArrayView2<'_, f64>> {
        None
    }

    /// Each component's full `d x d` covariance matrix, for models that have them (mixtures);
    /// `None` otherwise. Used to draw covariance ellipses.
    fn covariances(&self) -> Option<Vec<Array2<f64>>> {
        None
    }

    /// The objective at every iteration of the fit (of its best restart), for convergence
    /// plots; `None` for models that record none.
    fn trace(&self) -> Option<Trace<'_>> {
        None
    }

    /// The scores the runner records for this fit.
    fn summary(&self) -> FitSummary;

    /// The whole model as JSON, in the shapes scikit-learn uses, so that it can be saved,
    /// inspected and loaded back by the algorithm crate.
    fn to_json(&self) -> serde_json::Value;
}

/// The objective a fit reached at each of its iterations: K-means' inertia, a mixture's lower
/// bound. It is what a convergence plot draws.
///
/// ```
/// use clusterlab_core::Trace;
/// let t = Trace { objective: "inertia", values: &[9.0, 4.5, 4.0] };
/// assert_eq!(t.values.last(), Some(&4.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trace<'a> {
    /// The objective's name, a score name of the model's registry entry (`inertia`,
    /// `lower_bound`).
    pub objective: &'static str,
    /// Its value after each iteration, the first iteration first.
    pub values: &'a [f64],
}

/// What a fit reports besides its labels: its scores by name, and how it ended.
///
/// A score that does not apply to a model is absent. Names are the model's registry entry's
/// score names (`inertia`, `log_likelihood`, `bic`, ...), which become result columns.
///
/// ```
/// use clusterlab_core::FitSummary;
/// let s = FitSummary::new(3, true).with_score("inertia", 12.5);
/// assert_eq!(s.score("inertia"), Some(12.5));
/// assert_eq!(s.score("bic"), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// The scores, by name.
    pub scores: BTreeMap<String, f64>,
    /// Iterations run by the best restart.
    pub n_iter: usize,
    /// Whether the best restart met its convergence criterion before `max_iter`.
    pub converged: bool,
    /// Things a user should know that are not errors (fewer distinct points than clusters, ...).
    pub warnings: Vec<String>,
}

impl FitSummary {
    /// A summary with no score and no warning.
    pub fn new(n_iter: usize, converged: bool) -> Self {
        FitSummary {
            n_iter,
            converged,
            ..Default::default()
        }
    }

    /// Adds (or replaces) a score.
    #[must_use]
    pub fn with_score(mut self, name: &str, value: f64) -> Self {
        self.scores.insert(name.to_owned(), value);
        self
    }

    /// Adds warnings.
    #[must_use]
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings.extend(warnings);
        self
    }

    /// A score by name, if the model reports it.
    pub fn score(&self, name: &str) -> Option<f64> {
        self.scores.get(name).copied()
    }
}
