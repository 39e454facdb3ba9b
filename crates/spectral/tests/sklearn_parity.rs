//! Agreement with scikit-learn 1.9.1 on committed fixtures (`tests/fixtures/
//! make_spectral_fixtures.py` wrote them):
//!
//! - on noisy moons, noisy circles and blobs, for both affinities and every `assign_labels`,
//!   clusterlab's adjusted Rand index against the truth, averaged over seeds 0 to 4, is at
//!   least scikit-learn's averaged over `random_state` 0 to 4; the deterministic `cluster_qr`
//!   gives scikit-learn's labels up to a permutation; the graphs have as many components;
//! - on connected graphs with well-apart eigenvalues, the embedding is scikit-learn's within
//!   1e-6 (up to each column's sign), the eigenvalues within 1e-10, and `cluster_qr`'s labels
//!   are scikit-learn's up to a permutation.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use std::path::Path;

use clusterlab_metrics::adjusted_rand_score;
use clusterlab_spectral::{Affinity, AssignLabels, SpectralClusteringParams};
use ndarray::Array2;
use serde::Deserialize;

#[derive(Deserialize)]
struct Run {
    affinity: String,
    gamma: f64,
    n_neighbors: usize,
    assign_labels: String,
    connected_components: usize,
    labels: Vec<usize>,
    ari: Vec<f64>,
}

#[derive(Deserialize)]
struct ClusteringFixture {
    name: String,
    sklearn_version: String,
    n_clusters: usize,
    x: Vec<Vec<f64>>,
    y: Vec<usize>,
    results: Vec<Run>,
}

#[derive(Deserialize)]
struct EmbeddingCase {
    name: String,
    n_clusters: usize,
    affinity: String,
    gamma: f64,
    n_neighbors: usize,
    x: Vec<Vec<f64>>,
    eigenvalues: Vec<f64>,
    next_eigenvalue: f64,
    embedding: Vec<Vec<f64>>,
    cluster_qr_labels: Vec<usize>,
}

#[derive(Deserialize)]
struct EmbeddingFixture {
    sklearn_version: String,
    cases: Vec<EmbeddingCase>,
}

const SEEDS: u64 = 5;

fn read<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let d = rows[0].len();
    Array2::from_shape_vec((rows.len(), d), rows.concat()).unwrap()
}

fn params(
    n_clusters: usize,
    affinity: &str,
    gamma: f64,
    n_neighbors: usize,
    assign: &str,
) -> SpectralClusteringParams {
    SpectralClusteringParams {
        affinity: affinity.parse::<Affinity>().unwrap(),
        gamma,
        n_neighbors,
        assign_labels: assign.parse::<AssignLabels>().unwrap(),
        ..SpectralClusteringParams::new(n_clusters)
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn check_clustering(name: &str) {
    let f: ClusteringFixture = read(&format!("spectral_{name}"));
    assert_eq!(f.name, name);
    assert_eq!(f.sklearn_version, "1.9.1");
    let x = matrix(&f.x);
    assert!(!f.results.is_empty());
    for run in &f.results {
        let what = format!(
            "{name} / {} (gamma {}, n_neighbors {}) / {}",
            run.affinity, run.gamma, run.n_neighbors, run.assign_labels
        );
        let sc = params(
            f.n_clusters,
            &run.affinity,
            run.gamma,
            run.n_neighbors,
            &run.assign_labels,
        )
        .build()
        .unwrap();
        let mut ours = Vec::new();
        for seed in 0..SEEDS {
            let m = sc.fit(x.view(), seed).unwrap();
            assert_eq!(
                m.n_connected_components(),
                run.connected_components,
                "{what}"
            );
            assert_eq!(
                m.warnings()
                    .iter()
                    .any(|w| w.contains("not fully connected")),
                run.connected_components > 1,
                "{what}: {:?}",
                m.warnings()
            );
            ours.push(adjusted_rand_score(&f.y, m.labels()).unwrap());
            if run.assign_labels == "cluster_qr" {
                let agreement = adjusted_rand_score(&run.labels, m.labels()).unwrap();
                assert_eq!(
                    agreement, 1.0,
                    "{what}: cluster_qr labels differ from sklearn's"
                );
            }
        }
        eprintln!(
            "ARI {what}: clusterlab {:.4} (seeds {:?}), scikit-learn {:.4} ({:?})",
            mean(&ours),
            ours.iter()
                .map(|a| (a * 1e4).round() / 1e4)
                .collect::<Vec<_>>(),
            mean(&run.ari),
            run.ari
                .iter()
                .map(|a| (a * 1e4).round() / 1e4)
                .collect::<Vec<_>>(),
        );
        assert!(
            mean(&ours) >= mean(&run.ari) - 1e-12,
            "{what}: mean ARI {} below scikit-learn's {}",
            mean(&ours),
            mean(&run.ari)
        );
    }
}

#[test]
fn noisy_moons_ari_at_least_sklearns() {
    check_clustering("moons");
}

#[test]
fn noisy_circles_ari_at_least_sklearns() {
    check_clustering("circles");
}

#[test]
fn blobs_ari_at_least_sklearns() {
    check_clustering("blobs");
}

#[test]
fn embedding_matches_sklearn_on_connected_graphs() {
    let f: EmbeddingFixture = read("spectral_embedding");
    assert_eq!(f.sklearn_version, "1.9.1");
    assert_eq!(f.cases.len(), 4);
    for case in &f.cases {
        let x = matrix(&case.x);
        let want = matrix(&case.embedding);
        let k = case.n_clusters;
        assert_eq!(want.dim(), (x.nrows(), k));
        let m = params(
            k,
            &case.affinity,
            case.gamma,
            case.n_neighbors,
            "cluster_qr",
        )
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
        let what = &case.name;
        assert_eq!(m.n_connected_components(), 1, "{what}");
        assert!(m.warnings().is_empty(), "{what}: {:?}", m.warnings());
        // Large cases run the block iteration, small ones the dense eigendecomposition.
        assert_eq!(m.eigen_n_iter() > 0, x.nrows() > 300, "{what}");
        for (j, (a, b)) in m.eigenvalues().iter().zip(&case.eigenvalues).enumerate() {
            assert!((a - b).abs() < 1e-10, "{what}: eigenvalue {j}: {a} vs {b}");
        }
        assert!(case.next_eigenvalue - case.eigenvalues[k - 1] > 1e-3);
        let got = m.embedding();
        let mut worst: f64 = 0.0;
        for j in 0..k {
            let same: f64 = (0..x.nrows())
                .map(|i| (got[[i, j]] - want[[i, j]]).abs())
                .fold(0.0, f64::max);
            let flipped: f64 = (0..x.nrows())
                .map(|i| (got[[i, j]] + want[[i, j]]).abs())
                .fold(0.0, f64::max);
            // The sign flip is deterministic: it should agree with scikit-learn's sign too.
            assert!(same <= flipped, "{what}: column {j} has the other sign");
            worst = worst.max(same.min(flipped));
        }
        eprintln!("{what}: largest embedding difference {worst:.2e}");
        assert!(worst < 1e-6, "{what}: embedding differs by {worst}");
        let agreement = adjusted_rand_score(&case.cluster_qr_labels, m.labels()).unwrap();
        assert_eq!(agreement, 1.0, "{what}: cluster_qr labels");
    }
}
