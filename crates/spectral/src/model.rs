//! The fitted model.

use clusterlab_core::{Error, FitSummary, Model, Result};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::params::{Affinity, AssignLabels};

/// A fitted spectral clustering: the training labels, the embedding they were read from and
/// what the fit found on the way (the Laplacian's eigenvalues, the graph's components).
///
/// It serializes with scikit-learn's attribute names (`labels_`) beside the affinity's
/// parameters and the embedding's eigenvalues (`eigenvalues_`, which scikit-learn does not
/// keep); the embedding itself (`n x n_components`) is not serialized.
///
/// There is no `predict`, as in scikit-learn: the embedding exists only for the training
/// samples ([`Model::predict`] returns an error that says so).
///
/// ```
/// use clusterlab_core::Model;
/// use clusterlab_spectral::SpectralClusteringParams;
/// use ndarray::array;
///
/// let x = array![[0.0, 0.0], [0.0, 0.3], [0.3, 0.0], [3.0, 3.0], [3.0, 3.3], [3.3, 3.0]];
/// let model = SpectralClusteringParams::new(2).build()?.fit(x.view(), 0)?;
/// assert_eq!(model.embedding().dim(), (6, 2));
/// assert!(model.eigenvalues()[0].abs() < 1e-12); // connected graph: one zero eigenvalue
/// assert!(Model::predict(&model, x.view()).is_err());
/// let json = model.to_json();
/// assert_eq!(json["labels_"].as_array().map(|a| a.len()), Some(6));
/// assert_eq!(json["affinity"], "rbf");
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpectralModel {
    #[serde(rename = "labels_")]
    pub(crate) labels: Vec<usize>,
    pub(crate) n_clusters: usize,
    pub(crate) affinity: Affinity,
    pub(crate) gamma: f64,
    pub(crate) n_neighbors: usize,
    pub(crate) assign_labels: AssignLabels,
    pub(crate) n_components: usize,
    /// The `n_components` smallest eigenvalues of the normalized Laplacian, nondecreasing.
    #[serde(rename = "eigenvalues_")]
    pub(crate) eigenvalues: Vec<f64>,
    #[serde(rename = "n_connected_components_")]
    pub(crate) n_connected_components: usize,
    pub(crate) eigen_n_iter: usize,
    pub(crate) eigen_converged: bool,
    pub(crate) eigen_residual: f64,
    #[serde(default)]
    pub(crate) warnings: Vec<String>,
    #[serde(skip)]
    pub(crate) embedding: Array2<f64>,
}

impl SpectralModel {
    /// The label (in `0..n_clusters`) of every training sample.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The spectral embedding the labels were read from, `n_samples x n_components`: the
    /// eigenvectors of the smallest eigenvalues of the normalized Laplacian divided by the
    /// square roots of the degrees, each with its largest entry (in magnitude) positive, as
    /// scikit-learn's `spectral_embedding(..., drop_first=False)`. Empty for a model loaded
    /// from JSON.
    pub fn embedding(&self) -> ArrayView2<'_, f64> {
        self.embedding.view()
    }

    /// The `n_components` smallest eigenvalues of the normalized Laplacian, nondecreasing
    /// (as many zeros as the graph has connected components).
    pub fn eigenvalues(&self) -> &[f64] {
        &self.eigenvalues
    }

    /// The number of connected components of the affinity graph (1 when it is connected).
    pub fn n_connected_components(&self) -> usize {
        self.n_connected_components
    }

    /// Block iterations of the eigensolver (0 when the Laplacian was small enough to be
    /// decomposed densely).
    pub fn eigen_n_iter(&self) -> usize {
        self.eigen_n_iter
    }

    /// The largest residual `||L v - λ v||` of the embedding's eigenpairs.
    pub fn eigen_residual(&self) -> f64 {
        self.eigen_residual
    }

    /// What a user should know that is not an error: a graph that is not connected, an
    /// eigensolver that stopped before its tolerance, K-means' own warnings.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

impl Model for SpectralModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Always an error: spectral clustering has no `predict` (nor has scikit-learn's).
    fn predict(&self, _x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        Err(Error::invalid(
            "x",
            "new samples",
            "spectral clustering has no predict (neither has scikit-learn's \
             SpectralClustering): the embedding exists only for the training samples; use the \
             training labels, or fit on the new data",
        ))
    }

    fn summary(&self) -> FitSummary {
        FitSummary::new(self.eigen_n_iter, self.eigen_converged)
            .with_warnings(self.warnings.clone())
    }

    fn to_json(&self) -> serde_json::Value {
        // Numbers, strings and lists of them: serialization cannot fail (a non-finite float
        // would become null, which a fitted model does not hold).
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
