//! The fitted model.

use clusterlab_core::{Error, FitSummary, Model, Result, Trace, validate};
use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use serde::{Deserialize, Serialize};

use crate::{
    kernels::{self, Samples},
    params::Algorithm,
};

/// A fitted K-means model: centers, training labels and the scores of the best run.
///
/// It serializes (serde) with the centers as a list of rows, so a model saved as JSON can be
/// read by a person, by Python, and loaded back.
///
/// ```
/// use clusterlab_kmeans::{KMeansModel, KMeansParams};
/// use ndarray::array;
///
/// let x = array![[0.0], [1.0], [10.0], [11.0]];
/// let model = KMeansParams::new(2).build()?.fit(x.view(), 0)?;
/// assert_eq!(model.predict(array![[0.2], [10.4]].view())?, vec![model.labels()[0], model.labels()[2]]);
/// assert_eq!(model.score(x.view())?, -model.inertia());
///
/// let saved = serde_json::to_string(&model).unwrap();
/// let loaded: KMeansModel = serde_json::from_str(&saved).unwrap();
/// assert_eq!(loaded, model);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KMeansModel {
    #[serde(with = "crate::matrix")]
    pub(crate) centers: Array2<f64>,
    pub(crate) labels: Vec<usize>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    pub(crate) algorithm: Algorithm,
    #[serde(default)]
    pub(crate) warnings: Vec<String>,
    #[serde(default)]
    pub(crate) inertia_trace: Vec<f64>,
}

impl KMeansModel {
    /// The cluster centers, `n_clusters x n_features`.
    pub fn centers(&self) -> ArrayView2<'_, f64> {
        self.centers.view()
    }

    /// The label (in `0..n_clusters`) of every training sample, with respect to
    /// [`centers`](Self::centers).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Sum of the (weighted) squared distances of the training samples to their center.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Iterations run by the best restart.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the best restart stopped on its own (labels unchanged, or center shift within
    /// tolerance) before `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The algorithm that ran (`elkan` with one cluster runs `lloyd`, as in scikit-learn).
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// What a user should know that is not an error: fewer distinct clusters than asked,
    /// parameters that were overridden.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Lloyd only (empty for Elkan): at each iteration of the best restart, the inertia of the
    /// new labels with respect to the centers they were assigned to. K-means guarantees that
    /// it never increases (up to rounding); the tests check it.
    pub fn inertia_trace(&self) -> &[f64] {
        &self.inertia_trace
    }

    fn samples<'a>(&self, x: &'a CowArray<'a, f64, Ix2>) -> Result<Samples<'a>> {
        Samples::new(x.view())
            .ok_or_else(|| Error::Numerical("samples are not contiguous after copying".into()))
    }

    fn check(&self, x: ArrayView2<'_, f64>) -> Result<()> {
        validate::check_matrix("x", x, None, self.centers.ncols())
    }

    /// The nearest center of every row of `x` (ties to the lowest index).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        self.check(x)?;
        let owned = x.as_standard_layout();
        Ok(kernels::assign(self.samples(&owned)?, self.centers.view()))
    }

    /// The Euclidean distance of every row of `x` to every center, `n x n_clusters`.
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.check(x)?;
        let owned = x.as_standard_layout();
        let mut d = kernels::all_sq_distances(self.samples(&owned)?, self.centers.view());
        d.mapv_inplace(f64::sqrt);
        Ok(d)
    }

    /// Minus the inertia of `x` with respect to the centers (higher is better), as
    /// scikit-learn's `KMeans.score`.
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        self.check(x)?;
        let owned = x.as_standard_layout();
        let data = self.samples(&owned)?;
        let labels = kernels::assign(data, self.centers.view());
        let centers = self.centers.as_standard_layout();
        let flat = centers
            .as_slice()
            .ok_or_else(|| Error::Numerical("centers are not contiguous".into()))?;
        let layout = kernels::Layout::new(data.n(), data.d);
        Ok(-kernels::inertia(
            data,
            kernels::Weights::Unit,
            flat,
            &labels,
            layout,
        ))
    }
}

impl Model for KMeansModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        KMeansModel::predict(self, x)
    }

    fn centers(&self) -> Option<ArrayView2<'_, f64>> {
        Some(self.centers.view())
    }

    /// Lloyd's inertia per iteration; Elkan records none.
    fn trace(&self) -> Option<Trace<'_>> {
        (!self.inertia_trace.is_empty()).then_some(Trace {
            objective: "inertia",
            values: &self.inertia_trace,
        })
    }

    fn summary(&self) -> FitSummary {
        FitSummary::new(self.n_iter, self.converged)
            .with_score("inertia", self.inertia)
            .with_warnings(self.warnings.clone())
    }

    fn to_json(&self) -> serde_json::Value {
        // Every field is a number, a string or a list of them: serialization cannot fail
        // (non-finite floats become null, which a fitted model does not hold anyway).
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
