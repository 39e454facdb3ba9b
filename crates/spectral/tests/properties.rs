//! Invariants under seeded randomness, thread-count independence, and the errors a user meets.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use clusterlab_core::{Clusterer, Error, Model};
use clusterlab_spectral::{
    Affinity, AssignLabels, EigenTol, MAX_DENSE_SAMPLES, SpectralClusteringParams, SpectralModel,
};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

/// `n` points around `centers` blobs in `d` dimensions (spread 0.5, centers 3 apart).
fn blobs(n: usize, d: usize, centers: usize, seed: u64) -> Array2<f64> {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let c: Vec<Vec<f64>> = (0..centers)
        .map(|_| {
            (0..d)
                .map(|_| r.random_range(-3.0..3.0) * centers as f64)
                .collect()
        })
        .collect();
    Array2::from_shape_fn((n, d), |(i, j)| {
        c[i % centers][j] + 0.5 * (r.random_range(-1.0..1.0) + r.random_range(-1.0..1.0))
    })
}

fn params(k: usize, affinity: Affinity, assign: AssignLabels) -> SpectralClusteringParams {
    SpectralClusteringParams {
        affinity,
        assign_labels: assign,
        gamma: 0.5,
        n_neighbors: 8,
        n_init: 3,
        ..SpectralClusteringParams::new(k)
    }
}

fn fit(p: &SpectralClusteringParams, x: &Array2<f64>, seed: u64) -> SpectralModel {
    p.build().unwrap().fit(x.view(), seed).unwrap()
}

fn affinities() -> impl Strategy<Value = Affinity> {
    prop_oneof![Just(Affinity::Rbf), Just(Affinity::NearestNeighbors)]
}

fn assigns() -> impl Strategy<Value = AssignLabels> {
    prop_oneof![
        Just(AssignLabels::Kmeans),
        Just(AssignLabels::Discretize),
        Just(AssignLabels::ClusterQr)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Labels in range, one per sample; eigenvalues of a normalized Laplacian, nondecreasing,
    /// a zero for each connected component (and maybe more: far-apart blobs joined only by
    /// affinities of 1e-100 have several eigenvalues of 1e-17); the eigensolver met its tolerance; the same seed
    /// gives the same model.
    #[test]
    fn fits_are_well_formed_and_reproducible(
        n in 20usize..420,
        d in 1usize..4,
        centers in 1usize..5,
        k in 1usize..5,
        affinity in affinities(),
        assign in assigns(),
        seed in 0u64..1000,
    ) {
        let x = blobs(n, d, centers, seed);
        let p = params(k, affinity, assign);
        let m = fit(&p, &x, seed);
        prop_assert_eq!(m.labels().len(), n);
        prop_assert!(m.labels().iter().all(|&l| l < k));
        let ev = m.eigenvalues();
        prop_assert_eq!(ev.len(), k);
        prop_assert!(ev.windows(2).all(|w| w[0] <= w[1] + 1e-12), "{:?}", ev);
        prop_assert!(ev.iter().all(|&v| (-1e-10..=2.0 + 1e-10).contains(&v)), "{:?}", ev);
        let zeros = ev.iter().filter(|v| v.abs() < 1e-9).count();
        prop_assert!(zeros >= m.n_connected_components().min(k), "{:?}", ev);
        prop_assert!(zeros >= 1, "{:?}", ev);
        prop_assert!(m.summary().converged, "residual {}", m.eigen_residual());
        prop_assert!(m.eigen_residual() <= EigenTol::Auto.residual(n));
        prop_assert_eq!(m.embedding().dim(), (n, k));
        // Every column's largest entry is positive (the deterministic sign flip).
        for col in m.embedding().columns() {
            let top = col.iter().copied().fold(0.0f64, |a, v| if v.abs() > a.abs() { v } else { a });
            prop_assert!(top > 0.0);
        }
        prop_assert_eq!(fit(&p, &x, seed), m);
    }
}

#[test]
fn thread_count_changes_no_bit() {
    // 700 samples: the block iteration (not the dense eigendecomposition) runs.
    let x = blobs(700, 3, 4, 11);
    let pool = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
    };
    for affinity in [Affinity::Rbf, Affinity::NearestNeighbors] {
        for assign in [
            AssignLabels::Kmeans,
            AssignLabels::Discretize,
            AssignLabels::ClusterQr,
        ] {
            let p = params(4, affinity, assign);
            let one = pool(1).install(|| fit(&p, &x, 5));
            let two = pool(2).install(|| fit(&p, &x, 5));
            assert!(one.eigen_n_iter() > 0);
            assert_eq!(one, two, "{affinity} / {assign}");
            assert_eq!(one.embedding(), two.embedding(), "{affinity} / {assign}");
        }
    }
}

#[test]
fn seeds_only_change_what_is_random() {
    let x = blobs(400, 2, 3, 2);
    let qr = params(3, Affinity::NearestNeighbors, AssignLabels::ClusterQr);
    let (a, b) = (fit(&qr, &x, 0), fit(&qr, &x, 1));
    // The eigensolver's start is random, its result is not (beyond rounding).
    for (u, v) in a.eigenvalues().iter().zip(b.eigenvalues()) {
        assert!((u - v).abs() < 1e-12);
    }
    assert_eq!(a.labels(), b.labels());
}

#[test]
fn disconnected_graphs_are_reported_with_what_connects_them() {
    // Two groups 100 apart.
    let x = Array2::from_shape_fn((40, 2), |(i, j)| {
        (if i < 20 { 0.0 } else { 100.0 }) + ((i * 7 + j * 3) % 10) as f64 * 0.1
    });
    let knn = fit(
        &params(2, Affinity::NearestNeighbors, AssignLabels::Kmeans),
        &x,
        0,
    );
    assert_eq!(knn.n_connected_components(), 2);
    let w = knn.summary().warnings.join("\n");
    assert!(w.contains("not fully connected"), "{w}");
    assert!(w.contains("n_neighbors"), "{w}");
    assert!(w.contains("20, 20"), "{w}");
    let rbf = fit(&params(2, Affinity::Rbf, AssignLabels::Kmeans), &x, 0);
    assert_eq!(rbf.n_connected_components(), 2);
    let w = rbf.summary().warnings.join("\n");
    assert!(w.contains("smaller gamma"), "{w}");
    // Both find the two groups.
    for m in [&knn, &rbf] {
        let l = m.labels();
        assert!(l[..20].iter().all(|&v| v == l[0]) && l[20..].iter().all(|&v| v == l[20]));
        assert_ne!(l[0], l[20]);
    }
    let connected = fit(
        &params(2, Affinity::Rbf, AssignLabels::Kmeans),
        &blobs(60, 2, 2, 0),
        0,
    );
    assert_eq!(connected.n_connected_components(), 1);
    assert!(connected.summary().warnings.is_empty());
}

#[test]
fn an_unreachable_tolerance_is_a_warning_not_an_error() {
    let x = blobs(320, 2, 3, 4);
    let p = SpectralClusteringParams {
        eigen_tol: EigenTol::Value(1e-300),
        ..params(3, Affinity::NearestNeighbors, AssignLabels::ClusterQr)
    };
    let m = fit(&p, &x, 0);
    assert!(!m.summary().converged);
    let w = m.summary().warnings.join("\n");
    assert!(w.contains("eigensolver stopped"), "{w}");
    // At the rounding floor it stops for want of progress, long before its 1000 steps.
    assert!(m.eigen_n_iter() < 50, "{}", m.eigen_n_iter());
    // The embedding is still the right one (up to a rotation inside the eigenspace of the
    // three components' zero eigenvalues, which may renumber the clusters).
    let good = fit(
        &params(3, Affinity::NearestNeighbors, AssignLabels::ClusterQr),
        &x,
        0,
    );
    assert_eq!(good.n_connected_components(), 3);
    assert!(same_partition(m.labels(), good.labels()));
}

fn same_partition(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| a.iter().zip(b).all(|(p, q)| (x == p) == (y == q)))
}

fn invalid_name(p: SpectralClusteringParams, x: &Array2<f64>) -> &'static str {
    match p.build().unwrap().fit(x.view(), 0) {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn parameters_that_need_the_data_are_checked_before_work() {
    let x = blobs(10, 2, 2, 0);
    assert_eq!(
        invalid_name(SpectralClusteringParams::new(11), &x),
        "n_clusters"
    );
    let p = SpectralClusteringParams {
        n_components: Some(11),
        ..SpectralClusteringParams::new(2)
    };
    assert_eq!(invalid_name(p, &x), "n_components");
    for n_neighbors in [10, 11] {
        let p = SpectralClusteringParams {
            affinity: Affinity::NearestNeighbors,
            n_neighbors,
            ..SpectralClusteringParams::new(2)
        };
        assert_eq!(invalid_name(p, &x), "n_neighbors");
    }
    // The rbf size limit names the memory and the way out, without allocating anything.
    let big = Array2::<f64>::zeros((MAX_DENSE_SAMPLES + 1, 1));
    let err = SpectralClusteringParams::new(2)
        .build()
        .unwrap()
        .fit(big.view(), 0)
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`affinity` = rbf"), "{msg}");
    assert!(msg.contains("5001 samples") && msg.contains("GB"), "{msg}");
    assert!(msg.contains("nearest_neighbors"), "{msg}");
    // One sample, a NaN.
    let one = Array2::<f64>::zeros((1, 2));
    assert!(matches!(
        SpectralClusteringParams::new(1)
            .build()
            .unwrap()
            .fit(one.view(), 0),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = blobs(10, 2, 2, 0);
    nan[[3, 1]] = f64::NAN;
    assert!(matches!(
        SpectralClusteringParams::new(2)
            .build()
            .unwrap()
            .fit(nan.view(), 0),
        Err(Error::NonFinite {
            row: 3,
            column: 1,
            ..
        })
    ));
}

#[test]
fn predict_is_refused_and_the_model_reports_through_the_traits() {
    let x = blobs(50, 2, 2, 1);
    let sc = params(2, Affinity::Rbf, AssignLabels::Kmeans)
        .build()
        .unwrap();
    assert_eq!(sc.kind(), "spectral");
    assert_eq!(Clusterer::n_clusters(&sc), Some(2));
    assert!(sc.work_estimate(1000, 2) > sc.work_estimate(100, 2));
    let m = sc.fit_dyn(x.view(), 0).unwrap();
    let err = m.predict(x.view()).unwrap_err();
    assert!(err.to_string().contains("no predict"), "{err}");
    assert!(m.summary().scores.is_empty());
    let json = m.to_json();
    assert_eq!(json["labels_"].as_array().unwrap().len(), 50);
    assert_eq!(json["eigenvalues_"].as_array().unwrap().len(), 2);
    assert_eq!(json["affinity"], "rbf");
    assert_eq!(json["gamma"], 0.5);
    assert_eq!(json["assign_labels"], "kmeans");
    let back: SpectralModel = serde_json::from_value(json).unwrap();
    assert_eq!(back.labels(), m.labels());
    assert_eq!(sc.fit_predict_dyn(x.view(), 0).unwrap(), m.labels());
}

#[test]
fn more_eigenvectors_than_clusters_with_kmeans_and_both_solver_names() {
    let x = blobs(400, 2, 2, 3);
    let p = SpectralClusteringParams {
        n_components: Some(4),
        ..params(2, Affinity::NearestNeighbors, AssignLabels::Kmeans)
    };
    let m = fit(&p, &x, 0);
    assert_eq!(m.embedding().dim(), (400, 4));
    assert_eq!(m.eigenvalues().len(), 4);
    assert!(m.labels().iter().all(|&l| l < 2));
    assert!(m.labels().contains(&1));
    // scikit-learn's two solver names run the same solver here.
    let lobpcg = SpectralClusteringParams {
        eigen_solver: clusterlab_spectral::EigenSolver::Lobpcg,
        ..p
    };
    assert_eq!(fit(&lobpcg, &x, 0), m);
}

#[test]
fn degenerate_inputs_give_a_result_not_a_panic() {
    let same = Array2::<f64>::from_elem((30, 2), 1.5);
    let spread = blobs(12, 3, 2, 9);
    let two = ndarray::array![[0.0, 0.0], [1.0, 1.0]];
    let cases: Vec<(SpectralClusteringParams, &Array2<f64>)> = vec![
        // Identical points: a complete graph (rbf) and ties everywhere (neighbours).
        (params(3, Affinity::Rbf, AssignLabels::Kmeans), &same),
        (
            params(3, Affinity::NearestNeighbors, AssignLabels::ClusterQr),
            &same,
        ),
        (
            params(3, Affinity::NearestNeighbors, AssignLabels::Discretize),
            &same,
        ),
        // Every affinity underflows to 0: no edges, every sample isolated.
        (
            SpectralClusteringParams {
                gamma: 1e300,
                ..params(2, Affinity::Rbf, AssignLabels::Discretize)
            },
            &spread,
        ),
        // As many clusters as samples; two samples.
        (params(12, Affinity::Rbf, AssignLabels::ClusterQr), &spread),
        (params(12, Affinity::Rbf, AssignLabels::Kmeans), &spread),
        (
            SpectralClusteringParams {
                n_neighbors: 1,
                ..params(2, Affinity::NearestNeighbors, AssignLabels::Kmeans)
            },
            &two,
        ),
    ];
    for (p, x) in cases {
        let m = fit(&p, x, 0);
        assert_eq!(m.labels().len(), x.nrows());
        assert!(m.labels().iter().all(|&l| l < p.n_clusters), "{p:?}");
        assert!(m.eigenvalues().iter().all(|v| v.is_finite()), "{p:?}");
    }
}
