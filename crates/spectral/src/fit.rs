//! The fit: affinity graph, normalized Laplacian, embedding, labels.

use clusterlab_core::{Clusterer, Error, Model, Result, seed::derive, validate};
use ndarray::{Array2, ArrayView2};

use crate::{
    assign,
    eigen::{self, DenseLaplacian, Laplacian, SparseLaplacian},
    graph::{self, Components},
    model::SpectralModel,
    neighbors,
    params::{Affinity, AssignLabels, MAX_DENSE_SAMPLES, SpectralClustering},
    simd_state,
};

/// Streams derived from the fit's seed, by index: one per random step.
const STREAM_EIGEN: u64 = 0;
const STREAM_KMEANS: u64 = 1;
const STREAM_DISCRETIZE: u64 = 2;

/// Typical block iterations of the eigensolver, for the work estimate.
const TYPICAL_ITERATIONS: f64 = 15.0;

impl SpectralClustering {
    /// Fits the configuration to `x` (one sample per row) with the random streams of `seed`
    /// (scikit-learn's `random_state`): the eigensolver's starting block, K-means' restarts
    /// or the discretization's random rotation each draw from their own stream derived from
    /// it ([`clusterlab_core::seed::derive`]).
    ///
    /// The data and the parameters that depend on it are checked before any work: at least 2
    /// samples, `n_clusters` and `n_components` at most `n_samples`, `n_neighbors` below
    /// `n_samples`, and at most [`MAX_DENSE_SAMPLES`] samples for the dense `rbf` affinity.
    ///
    /// ```
    /// use clusterlab_spectral::{Affinity, SpectralClusteringParams};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((20, 2), |(i, j)| (i * (j + 1)) as f64);
    /// let p = SpectralClusteringParams {
    ///     affinity: Affinity::NearestNeighbors,
    ///     n_neighbors: 20,
    ///     ..SpectralClusteringParams::new(2)
    /// };
    /// let err = p.build()?.fit(x.view(), 0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid parameter `n_neighbors` = 20: must be less than n_samples = 20"
    /// );
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<SpectralModel> {
        let p = &self.params;
        validate::check_samples(x)?;
        let n = x.nrows();
        if n < 2 {
            return Err(Error::ShapeMismatch {
                what: "samples for spectral clustering".into(),
                expected: "at least 2 samples".into(),
                found: format!("{n} sample"),
            });
        }
        validate::check_n_clusters("n_clusters", p.n_clusters, n)?;
        let n_components = self.n_components();
        validate::check_n_clusters("n_components", n_components, n)?;
        match p.affinity {
            Affinity::NearestNeighbors if p.n_neighbors >= n => {
                return Err(Error::invalid(
                    "n_neighbors",
                    p.n_neighbors,
                    format!("must be less than n_samples = {n}"),
                ));
            }
            Affinity::Rbf if n > MAX_DENSE_SAMPLES => {
                return Err(Error::invalid(
                    "affinity",
                    "rbf",
                    format!(
                        "the rbf affinity is a dense n x n matrix: {n} samples would need {:.1} \
                         GB for it and the Cholesky factor of the Laplacian (16 n² bytes); at \
                         most {MAX_DENSE_SAMPLES} samples ({:.1} GB): use affinity = \
                         \"nearest_neighbors\" (sparse) or fewer samples",
                        16.0 * (n as f64).powi(2) * 1e-9,
                        16.0 * (MAX_DENSE_SAMPLES as f64).powi(2) * 1e-9,
                    ),
                ));
            }
            _ => {}
        }
        let (op, dd, components): (Box<dyn Laplacian>, Vec<f64>, Components) = match p.affinity {
            Affinity::Rbf => {
                let mut a = graph::rbf_affinity(x, p.gamma);
                let components = Components::of_dense(&a);
                let dd = graph::dense_laplacian_in_place(&mut a);
                (Box::new(DenseLaplacian { l: a }), dd, components)
            }
            Affinity::NearestNeighbors => {
                let neighbors = neighbors::nearest_neighbors(x, p.n_neighbors);
                let a = graph::symmetric_connectivity(&neighbors);
                let components = Components::of_sparse(&a);
                let (off, dd) = graph::sparse_laplacian(&a);
                (Box::new(SparseLaplacian { off }), dd, components)
            }
        };
        let tol = p.eigen_tol.residual(n);
        let eig = eigen::smallest(
            op.as_ref(),
            n_components,
            tol,
            derive(seed, STREAM_EIGEN),
            &dd,
        )?;
        drop(op);

        let mut warnings = Vec::new();
        if components.count() > 1 {
            warnings.push(disconnected_warning(p.affinity, &components));
        }
        if !eig.converged {
            warnings.push(format!(
                "the eigensolver stopped after {} block steps with a residual of {:.1e}, above \
                 eigen_tol = {tol:.1e} (it stops after {} steps, or {} without progress): the \
                 embedding may be inaccurate",
                eig.n_iter,
                eig.residual,
                eigen::MAX_ITER,
                eigen::STALL_STEPS,
            ));
        }

        let mut embedding =
            Array2::from_shape_fn((n, n_components), |(i, j)| eig.vectors[(i, j)] / dd[i]);
        deterministic_sign_flip(&mut embedding);

        let labels = match p.assign_labels {
            AssignLabels::Kmeans => {
                let (labels, kmeans_warnings) = assign::kmeans(
                    embedding.view(),
                    p.n_clusters,
                    p.n_init,
                    derive(seed, STREAM_KMEANS),
                )?;
                warnings.extend(
                    kmeans_warnings
                        .into_iter()
                        .map(|w| format!("k-means on the embedding: {w}")),
                );
                labels
            }
            AssignLabels::Discretize => {
                assign::discretize(embedding.view(), derive(seed, STREAM_DISCRETIZE))?
            }
            AssignLabels::ClusterQr => assign::cluster_qr(embedding.view())?,
        };
        // Whatever ran last, the caller's thread gets clean vector registers back.
        simd_state::clean_upper_state();

        Ok(SpectralModel {
            labels,
            n_clusters: p.n_clusters,
            affinity: p.affinity,
            gamma: p.gamma,
            n_neighbors: p.n_neighbors,
            assign_labels: p.assign_labels,
            n_components,
            eigenvalues: eig.values,
            n_connected_components: components.count(),
            eigen_n_iter: eig.n_iter,
            eigen_converged: eig.converged,
            eigen_residual: eig.residual,
            warnings,
            embedding,
        })
    }
}

/// scikit-learn's warning, with the sizes of the components and what connects them.
fn disconnected_warning(affinity: Affinity, components: &Components) -> String {
    const SHOWN: usize = 8;
    let mut sizes: Vec<String> = components
        .sizes
        .iter()
        .take(SHOWN)
        .map(usize::to_string)
        .collect();
    if components.count() > SHOWN {
        sizes.push("...".into());
    }
    let advice = match affinity {
        Affinity::NearestNeighbors => "more neighbours (a larger n_neighbors) would connect it",
        Affinity::Rbf => "a smaller gamma (a wider kernel) would connect it",
    };
    format!(
        "graph is not fully connected, spectral embedding may not work as expected: the {} \
         affinity has {} connected components (of {} samples); {advice}",
        affinity,
        components.count(),
        sizes.join(", "),
    )
}

/// scikit-learn's `_deterministic_vector_sign_flip`: every column's largest entry in
/// magnitude (the first of equals) becomes positive.
pub(crate) fn deterministic_sign_flip(embedding: &mut Array2<f64>) {
    for mut col in embedding.columns_mut() {
        let mut best = (0usize, 0.0f64);
        for (i, &v) in col.iter().enumerate() {
            if v.abs() > best.1 {
                best = (i, v.abs());
            }
        }
        if col[best.0] < 0.0 {
            col.mapv_inplace(|v| -v);
        }
    }
}

impl Clusterer for SpectralClustering {
    fn kind(&self) -> &'static str {
        "spectral"
    }

    fn n_clusters(&self) -> Option<usize> {
        Some(self.params.n_clusters)
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }

    /// The graph (`n² d` distances), the eigensolver (for `rbf` the dense Cholesky `n³ / 3`
    /// and dense products, for `nearest_neighbors` sparse solves and products over about 15
    /// block iterations) and the labels (`n_init` K-means runs of about 20 iterations).
    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        let p = &self.params;
        let n = n_samples as f64;
        let d = n_features as f64;
        let k = self.n_components() as f64;
        let b = eigen::block_size(n_samples, self.n_components()) as f64;
        let graph = n * n * d;
        let eigen = match p.affinity {
            Affinity::Rbf => n * n * n / 3.0 + TYPICAL_ITERATIONS * 4.0 * n * n * b,
            Affinity::NearestNeighbors => {
                TYPICAL_ITERATIONS * b * n * (8.0 * p.n_neighbors as f64 + 2.0 * b)
            }
        };
        let labels = match p.assign_labels {
            AssignLabels::Kmeans => p.n_init as f64 * 20.0 * n * k * p.n_clusters as f64,
            AssignLabels::Discretize => 20.0 * n * k * k,
            AssignLabels::ClusterQr => 4.0 * n * k * k,
        };
        graph + eigen + labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn sign_flip_makes_the_largest_entry_positive() {
        let mut e = array![[1.0, -3.0], [-2.0, 3.0], [0.5, 1.0]];
        deterministic_sign_flip(&mut e);
        assert_eq!(e, array![[-1.0, 3.0], [2.0, -3.0], [-0.5, -1.0]]);
    }
}
