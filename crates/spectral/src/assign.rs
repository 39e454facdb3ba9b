//! The three ways scikit-learn reads labels from a spectral embedding (`assign_labels`).
//!
//! - `kmeans`: clusterlab's K-means (k-means++, `n_init` restarts) on the rows of the
//!   embedding, as scikit-learn's `k_means(maps, n_clusters, n_init=n_init)`.
//! - `discretize`: a port of scikit-learn's `discretize` (Yu and Shi, 2003), with its random
//!   choice of the first rotation row drawn from the seed.
//! - `cluster_qr`: a port of scikit-learn's `cluster_qr` (Damle, Minden and Ying, 2019): QR with
//!   column pivoting of the embedding's transpose picks one sample per cluster, and the
//!   orthogonal polar factor of those rows rotates the embedding; deterministic.

use clusterlab_core::{Error, Result, seed};
use clusterlab_kmeans::{KMeansParams, NInit};
use faer::Mat;
use ndarray::{Array2, ArrayView1, ArrayView2};
use rand::Rng;

use crate::simd_state::clean_upper_state;

/// scikit-learn's `max_svd_restarts` of `discretize`.
const MAX_SVD_RESTARTS: usize = 30;

/// scikit-learn's `n_iter_max` of `discretize`.
const N_ITER_MAX: usize = 20;

/// Labels by K-means on the rows of `embedding`, and K-means' warnings.
pub(crate) fn kmeans(
    embedding: ArrayView2<'_, f64>,
    n_clusters: usize,
    n_init: usize,
    seed: u64,
) -> Result<(Vec<usize>, Vec<String>)> {
    let params = KMeansParams {
        n_init: NInit::Count(n_init),
        ..KMeansParams::new(n_clusters)
    };
    let model = params.build()?.fit(embedding, seed)?;
    Ok((model.labels().to_vec(), model.warnings().to_vec()))
}

/// The index of the first largest value (NumPy's `argmax`).
fn argmax(row: impl IntoIterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (j, v) in row.into_iter().enumerate() {
        if v > best.1 {
            best = (j, v);
        }
    }
    best.0
}

fn dot(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).fold(0.0, |s, (x, y)| s + x * y)
}

/// scikit-learn's `discretize(vectors, random_state=seed)`.
pub(crate) fn discretize(vectors: ArrayView2<'_, f64>, seed: u64) -> Result<Vec<usize>> {
    let (n, k) = vectors.dim();
    let mut v = vectors.to_owned();
    // Columns to the length of a vector of ones, pointing away from the first sample.
    let norm_ones = (n as f64).sqrt();
    for mut col in v.columns_mut() {
        let norm = dot(col.view(), col.view()).sqrt();
        if norm > 0.0 {
            col.mapv_inplace(|a| a / norm * norm_ones);
        }
        if col[0] != 0.0 {
            let s = col[0].signum();
            col.mapv_inplace(|a| -a * s);
        }
    }
    // Rows onto the unit sphere.
    for mut row in v.rows_mut() {
        let norm = dot(row.view(), row.view()).sqrt();
        if norm > 0.0 {
            row.mapv_inplace(|a| a / norm);
        }
    }
    let mut rng = seed::rng(seed);
    'restart: for _ in 0..MAX_SVD_RESTARTS {
        // The first column from a random sample; each next one from the sample least aligned
        // with the columns so far.
        let mut rotation = Array2::<f64>::zeros((k, k));
        rotation
            .column_mut(0)
            .assign(&v.row(rng.random_range(0..n)));
        let mut c = vec![0.0; n];
        for j in 1..k {
            let prev = rotation.column(j - 1).to_owned();
            for (ci, row) in c.iter_mut().zip(v.rows()) {
                *ci += dot(row, prev.view()).abs();
            }
            let arg_min = argmax(c.iter().map(|&x| -x));
            rotation.column_mut(j).assign(&v.row(arg_min));
        }
        let mut last_objective = 0.0;
        let mut n_iter = 0;
        loop {
            n_iter += 1;
            let t = v.dot(&rotation);
            let labels: Vec<usize> = t
                .rows()
                .into_iter()
                .map(|r| argmax(r.iter().copied()))
                .collect();
            // vectors_discreteᵀ vectors: the sum of the rows of each label.
            let mut t_svd = Mat::<f64>::zeros(k, k);
            for (row, &l) in v.rows().into_iter().zip(&labels) {
                for (j, &a) in row.iter().enumerate() {
                    t_svd[(l, j)] += a;
                }
            }
            let svd = t_svd.svd();
            clean_upper_state();
            let Ok(svd) = svd else {
                continue 'restart;
            };
            let s = svd.S().column_vector();
            let s_sum = (0..k).fold(0.0, |acc, i| acc + s[i]);
            let ncut = 2.0 * (n as f64 - s_sum);
            if (ncut - last_objective).abs() < f64::EPSILON || n_iter > N_ITER_MAX {
                return Ok(labels);
            }
            last_objective = ncut;
            // rotation = Vh.T @ U.T = V Uᵀ
            let (u, vv) = (svd.U(), svd.V());
            rotation = Array2::from_shape_fn((k, k), |(i, j)| {
                (0..k).fold(0.0, |acc, l| acc + vv[(i, l)] * u[(j, l)])
            });
        }
    }
    Err(Error::Numerical(format!(
        "discretize: the SVD did not converge in {MAX_SVD_RESTARTS} random restarts"
    )))
}

/// scikit-learn's `cluster_qr(vectors)`.
pub(crate) fn cluster_qr(vectors: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
    let (n, k) = vectors.dim();
    let vt = Mat::<f64>::from_fn(k, n, |i, j| vectors[[j, i]]);
    let qr = vt.col_piv_qr();
    let piv = qr.P().arrays().0;
    // vectors[piv[:k], :].T
    let a = Mat::<f64>::from_fn(k, k, |i, j| vectors[[piv[j], i]]);
    let svd = a.svd();
    clean_upper_state();
    let svd = svd.map_err(|e| Error::Numerical(format!("cluster_qr: the SVD failed: {e:?}")))?;
    let (u, v) = (svd.U(), svd.V());
    // ut @ vh = U Vᵀ
    let r = Array2::from_shape_fn((k, k), |(i, j)| {
        (0..k).fold(0.0, |acc, l| acc + u[(i, l)] * v[(j, l)])
    });
    let rotated = vectors.dot(&r);
    Ok(rotated
        .rows()
        .into_iter()
        .map(|row| argmax(row.iter().map(|x| x.abs())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// An embedding whose rows are three well-apart directions, slightly perturbed.
    fn three_directions() -> (Array2<f64>, Vec<usize>) {
        let dirs = [[1.0, 0.2, 0.1], [0.1, -1.0, 0.3], [0.2, 0.3, 1.0]];
        let truth: Vec<usize> = (0..30).map(|i| i % 3).collect();
        let x = Array2::from_shape_fn((30, 3), |(i, j)| {
            dirs[truth[i]][j] * (1.0 + 0.01 * (i as f64)) + 0.001 * ((i * 7 + j) % 5) as f64
        });
        (x, truth)
    }

    fn same_partition(a: &[usize], b: &[usize]) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| a.iter().zip(b).all(|(p, q)| (x == p) == (y == q)))
    }

    #[test]
    fn every_method_recovers_separate_directions() {
        let (x, truth) = three_directions();
        assert!(same_partition(&cluster_qr(x.view()).unwrap(), &truth));
        for seed in 0..5 {
            assert!(same_partition(&discretize(x.view(), seed).unwrap(), &truth));
            let (labels, _) = kmeans(x.view(), 3, 4, seed).unwrap();
            assert!(same_partition(&labels, &truth));
        }
    }

    #[test]
    fn argmax_takes_the_first_of_equals() {
        assert_eq!(argmax([1.0, 3.0, 3.0]), 1);
        assert_eq!(argmax([-1.0]), 0);
    }

    #[test]
    fn cluster_qr_is_invariant_to_a_rotation_of_the_embedding() {
        let (x, _) = three_directions();
        let (c, s) = (0.6f64, 0.8f64);
        let q = array![[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]];
        assert_eq!(
            cluster_qr(x.view()).unwrap(),
            cluster_qr(x.dot(&q).view()).unwrap()
        );
    }
}
