//! Bisecting K-means: agreement with scikit-learn where the result does not depend on the
//! initial centers, invariants (proptest), thread-count independence, validation, serde.
//!
//! The deterministic part (given scikit-learn's splits, the leaf each strategy picks and the
//! final numbering) is checked by the unit test in `src/bisecting.rs`, which replays them.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use clusterlab_core::{Clusterer, Error, Model};
use clusterlab_kmeans::{
    Algorithm, BisectingKMeansModel, BisectingKMeansParams, Init, bisecting::BisectingStrategy,
};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let d = rows[0].len();
    Array2::from_shape_vec((rows.len(), d), rows.concat()).unwrap()
}

#[derive(Deserialize)]
struct Blobs {
    sklearn_version: String,
    x: Vec<Vec<f64>>,
    sample_weight: Vec<f64>,
    queries: Vec<Vec<f64>>,
    cases: Vec<BlobCase>,
}

#[derive(Deserialize)]
struct BlobCase {
    n_clusters: usize,
    bisecting_strategy: BisectingStrategy,
    algorithm: Algorithm,
    weighted: bool,
    labels: Vec<usize>,
    cluster_centers: Vec<Vec<f64>>,
    inertia: f64,
    predict: Vec<usize>,
}

/// The bijection from our labels to scikit-learn's, if the two labelings are the same
/// partition.
fn bijection(ours: &[usize], theirs: &[usize], k: usize) -> Option<Vec<usize>> {
    let mut map = vec![usize::MAX; k];
    let mut back = vec![usize::MAX; k];
    for (&a, &b) in ours.iter().zip(theirs) {
        if map[a] == usize::MAX && back[b] == usize::MAX {
            map[a] = b;
            back[b] = a;
        } else if map[a] != b {
            return None;
        }
    }
    Some(map)
}

/// On blobs where every split has one outcome whatever the initial centers (the fixture
/// script checks it on 40 scikit-learn fits per case), our fits give scikit-learn's partition,
/// centers, inertia and `predict`, up to the numbering of the leaves (left and right depend on
/// the initial centers).
#[test]
fn init_independent_blobs_match_sklearn() {
    let f: Blobs = serde_json::from_str(include_str!("fixtures/bisecting_blobs.json")).unwrap();
    assert_eq!(f.sklearn_version, "1.9.1");
    let x = matrix(&f.x);
    let q = matrix(&f.queries);
    assert_eq!(f.cases.len(), 20);
    let mut permuted = 0;
    for case in &f.cases {
        for (init, seed) in [
            (Init::Random, 0),
            (Init::Random, 1),
            (Init::KMeansPlusPlus, 2),
        ] {
            let what = format!(
                "k = {}, {}, {}, weighted {}, {init}, seed {seed}",
                case.n_clusters, case.bisecting_strategy, case.algorithm, case.weighted
            );
            let bk = BisectingKMeansParams {
                init,
                algorithm: case.algorithm,
                bisecting_strategy: case.bisecting_strategy,
                ..BisectingKMeansParams::new(case.n_clusters)
            }
            .build()
            .unwrap();
            let m = if case.weighted {
                bk.fit_weighted(x.view(), &f.sample_weight, seed).unwrap()
            } else {
                bk.fit(x.view(), seed).unwrap()
            };
            let map = bijection(m.labels(), &case.labels, case.n_clusters)
                .unwrap_or_else(|| panic!("{what}: another partition"));
            permuted += usize::from(map.iter().enumerate().any(|(a, &b)| a != b));
            let expected = matrix(&case.cluster_centers);
            for (a, &b) in map.iter().enumerate() {
                for (u, v) in m.centers().row(a).iter().zip(expected.row(b)) {
                    assert!(
                        (u - v).abs() <= 1e-9 * v.abs().max(1.0),
                        "{what}: {u} vs {v}"
                    );
                }
            }
            let rel = (m.inertia() - case.inertia).abs() / case.inertia;
            assert!(
                rel <= 1e-9,
                "{what}: inertia {} vs {}",
                m.inertia(),
                case.inertia
            );
            let predicted: Vec<usize> = m
                .predict(q.view())
                .unwrap()
                .iter()
                .map(|&l| map[l])
                .collect();
            assert_eq!(predicted, case.predict, "{what}: predict");
        }
    }
    // Not vacuous: some fits number the leaves unlike scikit-learn.
    assert!(permuted > 0);
}

/// Points where descending the tree and the nearest final center disagree exist in the
/// fixture: `predict` is not the nearest center.
#[test]
fn predict_descends_the_tree_not_the_nearest_center() {
    let f: Blobs = serde_json::from_str(include_str!("fixtures/bisecting_blobs.json")).unwrap();
    let x = matrix(&f.x);
    let q = matrix(&f.queries);
    let m = BisectingKMeansParams::new(8)
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
    let tree = m.predict(q.view()).unwrap();
    let c = m.centers();
    let nearest: Vec<usize> = q
        .rows()
        .into_iter()
        .map(|r| {
            (0..c.nrows())
                .min_by(|&a, &b| {
                    let da: f64 = r.iter().zip(c.row(a)).map(|(u, v)| (u - v).powi(2)).sum();
                    let db: f64 = r.iter().zip(c.row(b)).map(|(u, v)| (u - v).powi(2)).sum();
                    da.total_cmp(&db)
                })
                .unwrap()
        })
        .collect();
    assert_ne!(tree, nearest);
}

/// `n` samples of `d` uniform features in [-10, 10), with a generator the test owns.
fn uniform(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, d), |_| rng.random_range(-10.0..10.0))
}

fn params(
    k: usize,
    init: Init,
    algorithm: Algorithm,
    strategy: BisectingStrategy,
) -> BisectingKMeansParams {
    BisectingKMeansParams {
        init,
        algorithm,
        bisecting_strategy: strategy,
        ..BisectingKMeansParams::new(k)
    }
}

fn check_invariants(m: &BisectingKMeansModel, x: &Array2<f64>, k: usize, weights: Option<&[f64]>) {
    let n = x.nrows();
    assert_eq!(m.n_clusters(), k);
    assert_eq!(m.labels().len(), n);
    assert!(m.labels().iter().all(|&l| l < k));
    let tree = m.tree();
    assert_eq!(tree.len(), 2 * k - 1);
    assert_eq!(tree[0].n_samples(), n);
    // Leaves in node order carry the labels 0..k, each with its samples and center.
    let mut counts = vec![0usize; k];
    for &l in m.labels() {
        counts[l] += 1;
    }
    let mut leaf_inertia = 0.0;
    let mut seen = vec![false; k];
    for node in tree {
        match (node.children(), node.label()) {
            (Some([a, b]), None) => {
                assert_eq!(tree[a].n_samples() + tree[b].n_samples(), node.n_samples());
            }
            (None, Some(l)) => {
                assert!(!seen[l]);
                seen[l] = true;
                assert_eq!(node.n_samples(), counts[l]);
                assert_eq!(node.center(), m.centers().row(l).to_vec());
                leaf_inertia += node.inertia();
            }
            other => panic!("node with {other:?}"),
        }
    }
    assert!(seen.iter().all(|&s| s));
    // The inertia is the sum of the leaves' inertias, and of each sample's to its center.
    let direct: f64 = x
        .rows()
        .into_iter()
        .zip(m.labels())
        .enumerate()
        .map(|(i, (r, &l))| {
            let w = weights.map_or(1.0, |w| w[i]);
            w * r
                .iter()
                .zip(m.centers().row(l))
                .map(|(u, v)| (u - v).powi(2))
                .sum::<f64>()
        })
        .sum();
    let tol = 1e-9 * m.inertia().max(1e-12);
    assert!(
        (m.inertia() - leaf_inertia).abs() <= tol,
        "{} vs {leaf_inertia}",
        m.inertia()
    );
    assert!(
        (m.inertia() - direct).abs() <= tol,
        "{} vs {direct}",
        m.inertia()
    );
    assert_eq!(m.inertia_trace().len(), k);
    assert!((m.inertia_trace()[k - 1] - m.inertia()).abs() <= tol);
    // Predicting the training data descends the tree along the splits it was made by.
    assert_eq!(m.predict(x.view()).unwrap(), m.labels());
}

fn strategy() -> impl Strategy<Value = BisectingStrategy> {
    prop_oneof![
        Just(BisectingStrategy::BiggestInertia),
        Just(BisectingStrategy::LargestCluster)
    ]
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(Algorithm::Lloyd), Just(Algorithm::Elkan)]
}

fn init() -> impl Strategy<Value = Init> {
    prop_oneof![Just(Init::Random), Just(Init::KMeansPlusPlus)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold(
        n in 2usize..150,
        d in 1usize..5,
        k_frac in 0.0f64..1.0,
        data_seed in any::<u64>(),
        seed in any::<u64>(),
        init in init(),
        algorithm in algorithm(),
        strategy in strategy(),
        n_init in 1usize..3,
    ) {
        let k = 1 + ((n.min(12) - 1) as f64 * k_frac) as usize;
        let x = uniform(n, d, data_seed);
        let p = BisectingKMeansParams { n_init, ..params(k, init, algorithm, strategy) };
        let m = p.build().unwrap().fit(x.view(), seed).unwrap();
        check_invariants(&m, &x, k, None);
    }

    #[test]
    fn weighted_invariants_hold(
        n in 4usize..120,
        d in 1usize..4,
        data_seed in any::<u64>(),
        seed in any::<u64>(),
        init in init(),
        strategy in strategy(),
    ) {
        let x = uniform(n, d, data_seed);
        let mut rng = ChaCha8Rng::seed_from_u64(data_seed ^ 1);
        let w: Vec<f64> = (0..n).map(|_| rng.random_range(0.1..3.0)).collect();
        let k = n.min(5);
        let m = params(k, init, Algorithm::Lloyd, strategy)
            .build()
            .unwrap()
            .fit_weighted(x.view(), &w, seed)
            .unwrap();
        check_invariants(&m, &x, k, Some(&w));
    }
}

#[test]
fn one_cluster_is_the_mean() {
    let x = uniform(50, 3, 4);
    let m = BisectingKMeansParams::new(1)
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
    assert!(m.labels().iter().all(|&l| l == 0));
    assert_eq!(m.tree().len(), 1);
    assert_eq!(m.tree()[0].label(), Some(0));
    let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
    for (a, b) in m.centers().row(0).iter().zip(&mean) {
        assert!((a - b).abs() < 1e-12);
    }
    assert_eq!(m.inertia_trace().len(), 1);
    let s = m.summary();
    assert!(s.converged);
    assert_eq!(s.n_iter, 0);
    assert_eq!(s.score("inertia"), Some(m.inertia()));
    check_invariants(&m, &x, 1, None);
}

/// scikit-learn's root center is the unweighted mean even with weights (it is the center with
/// one cluster); the inertia is weighted.
#[test]
fn one_weighted_cluster_keeps_sklearn_s_unweighted_center() {
    let x = ndarray::array![[0.0], [4.0]];
    let m = BisectingKMeansParams::new(1)
        .build()
        .unwrap()
        .fit_weighted(x.view(), &[3.0, 1.0], 0)
        .unwrap();
    assert_eq!(m.centers()[[0, 0]], 2.0);
    assert_eq!(m.inertia(), 3.0 * 4.0 + 4.0);
}

fn on_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

/// Data large enough for many blocks of samples: the same bits on 1 and 3 threads.
#[test]
fn thread_count_does_not_change_a_bit() {
    let x = uniform(20_000, 5, 9);
    let w: Vec<f64> = (0..x.nrows()).map(|i| 0.5 + (i % 7) as f64).collect();
    for (algorithm, strategy) in [
        (Algorithm::Lloyd, BisectingStrategy::BiggestInertia),
        (Algorithm::Elkan, BisectingStrategy::LargestCluster),
    ] {
        let bk = params(9, Init::KMeansPlusPlus, algorithm, strategy)
            .build()
            .unwrap();
        let one = on_threads(1, || bk.fit_weighted(x.view(), &w, 5).unwrap());
        let three = on_threads(3, || bk.fit_weighted(x.view(), &w, 5).unwrap());
        assert_eq!(one.inertia().to_bits(), three.inertia().to_bits());
        assert_eq!(one.labels(), three.labels());
        let bits = |m: &BisectingKMeansModel| -> Vec<u64> {
            m.tree()
                .iter()
                .flat_map(|n| {
                    n.center()
                        .iter()
                        .copied()
                        .chain([n.inertia()])
                        .map(f64::to_bits)
                })
                .collect()
        };
        assert_eq!(bits(&one), bits(&three));
        let q = uniform(3000, 5, 10);
        assert_eq!(
            on_threads(1, || one.predict(q.view()).unwrap()),
            on_threads(3, || one.predict(q.view()).unwrap())
        );
    }
}

#[test]
fn a_seed_determines_the_fit_and_seeds_differ() {
    let x = uniform(300, 2, 11);
    let bk = BisectingKMeansParams::new(6).build().unwrap();
    let a = bk.fit(x.view(), 1).unwrap();
    assert_eq!(a, bk.fit(x.view(), 1).unwrap());
    // Uniform data has many 2-means optima: some other seed finds another clustering.
    assert!((2..10).any(|s| bk.fit(x.view(), s).unwrap().labels() != a.labels()));
}

#[test]
fn duplicates_give_empty_clusters_with_a_warning() {
    let x = ndarray::array![[0.0], [0.0], [0.0], [1.0]];
    for strategy in [
        BisectingStrategy::BiggestInertia,
        BisectingStrategy::LargestCluster,
    ] {
        let m = params(4, Init::Random, Algorithm::Lloyd, strategy)
            .build()
            .unwrap()
            .fit(x.view(), 0)
            .unwrap();
        check_invariants(&m, &x, 4, None);
        assert_eq!(m.inertia(), 0.0);
        assert_eq!(m.warnings().len(), 1, "{:?}", m.warnings());
        assert!(
            m.warnings()[0].contains("distinct clusters (2)"),
            "{:?}",
            m.warnings()
        );
    }
}

#[test]
fn as_many_clusters_as_samples_isolates_every_sample() {
    let x = uniform(12, 2, 3);
    for strategy in [
        BisectingStrategy::BiggestInertia,
        BisectingStrategy::LargestCluster,
    ] {
        let m = params(12, Init::Random, Algorithm::Lloyd, strategy)
            .build()
            .unwrap()
            .fit(x.view(), 0)
            .unwrap();
        let mut l = m.labels().to_vec();
        l.sort_unstable();
        assert_eq!(l, (0..12).collect::<Vec<_>>());
        assert_eq!(m.inertia(), 0.0);
    }
}

fn fit_err(p: BisectingKMeansParams, x: &Array2<f64>, w: Option<&[f64]>) -> Error {
    let bk = p.build().unwrap();
    match w {
        None => bk.fit(x.view(), 0),
        Some(w) => bk.fit_weighted(x.view(), w, 0),
    }
    .unwrap_err()
}

#[test]
fn bad_input_is_a_clear_error() {
    let x = uniform(5, 2, 0);
    let e = fit_err(BisectingKMeansParams::new(6), &x, None);
    assert_eq!(
        e.to_string(),
        "invalid parameter `n_clusters` = 6: must be at most n_samples = 5"
    );
    let e = fit_err(
        BisectingKMeansParams::new(3),
        &x,
        Some(&[1.0, 1.0, 0.0, 0.0, 0.0]),
    );
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "n_clusters",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("positive weight (2)"), "{e}");
    let e = fit_err(BisectingKMeansParams::new(2), &x, Some(&[1.0; 4]));
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let e = fit_err(
        BisectingKMeansParams::new(2),
        &x,
        Some(&[1.0, 1.0, -1.0, 1.0, 1.0]),
    );
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                name: "sample_weight",
                ..
            }
        ),
        "{e}"
    );
    let mut bad = x.clone();
    bad[[3, 1]] = f64::NAN;
    let e = fit_err(BisectingKMeansParams::new(2), &bad, None);
    assert!(
        matches!(
            e,
            Error::NonFinite {
                row: 3,
                column: 1,
                ..
            }
        ),
        "{e}"
    );
    let e = fit_err(BisectingKMeansParams::new(2), &Array2::zeros((0, 2)), None);
    assert!(matches!(e, Error::EmptyData { .. }), "{e}");

    let m = BisectingKMeansParams::new(2)
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
    assert!(matches!(
        m.predict(Array2::zeros((3, 3)).view()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(
        m.predict(Array2::zeros((0, 2)).view()).unwrap(),
        Vec::<usize>::new()
    );

    let e = BisectingKMeansParams::new(0).build().unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid parameter `n_clusters` = 0: must be at least 1"
    );
    let e = BisectingKMeansParams {
        max_iter: 0,
        ..BisectingKMeansParams::new(2)
    }
    .build()
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid parameter `max_iter` = 0: must be at least 1"
    );
    let e = BisectingKMeansParams {
        tol: -1.0,
        ..BisectingKMeansParams::new(2)
    }
    .build()
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid parameter `tol` = -1: must be a finite number >= 0"
    );
}

#[test]
fn toml_names_and_typos() {
    let p: BisectingKMeansParams = toml::from_str(
        r#"
        n_clusters = 5
        init = "k-means++"
        n_init = 3
        max_iter = 50
        tol = 0.0
        copy_x = false
        algorithm = "elkan"
        bisecting_strategy = "largest_cluster"
        "#,
    )
    .unwrap();
    assert_eq!(
        p,
        BisectingKMeansParams {
            n_clusters: 5,
            init: Init::KMeansPlusPlus,
            n_init: 3,
            max_iter: 50,
            tol: 0.0,
            copy_x: false,
            algorithm: Algorithm::Elkan,
            bisecting_strategy: BisectingStrategy::LargestCluster,
        }
    );
    for bad in [
        "bisecting_strategy = \"largest\"",
        "n_init = \"auto\"",
        "init = \"kmeans++\"",
        "n_clusterz = 3",
    ] {
        assert!(
            toml::from_str::<BisectingKMeansParams>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn the_clusterer_and_model_traits() {
    let x = uniform(200, 3, 2);
    let c: Box<dyn Clusterer> = Box::new(BisectingKMeansParams::new(4).build().unwrap());
    assert_eq!(c.kind(), "bisecting_kmeans");
    assert_eq!(c.n_clusters(), Some(4));
    assert!(c.work_estimate(1000, 3) > c.work_estimate(100, 3));
    let m = c.fit_dyn(x.view(), 3).unwrap();
    let s = m.summary();
    assert_eq!(s.scores.keys().collect::<Vec<_>>(), ["inertia"]);
    assert!(
        s.n_iter >= 3,
        "three 2-means runs of at least one iteration"
    );
    assert_eq!(m.centers().unwrap().dim(), (4, 3));
    let t = m.trace().unwrap();
    assert_eq!(t.objective, "inertia");
    assert_eq!(t.values.len(), 4);
    assert!(t.values.windows(2).all(|w| w[1] <= w[0]), "{:?}", t.values);
    let j = m.to_json();
    for key in ["cluster_centers_", "labels_", "inertia_", "bisecting_tree_"] {
        assert!(j.get(key).is_some(), "{key}");
    }
    assert_eq!(
        j["bisecting_tree_"][0]["split"]["children"],
        serde_json::json!([1, 2])
    );
}

#[test]
fn serde_round_trip_and_corrupt_trees_are_refused() {
    let x = uniform(100, 2, 6);
    let m = BisectingKMeansParams::new(5)
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
    let json = m.to_json();
    let back: BisectingKMeansModel = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.predict(x.view()).unwrap(), m.labels());

    let corrupt = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut j = json.clone();
        f(&mut j);
        serde_json::from_value::<BisectingKMeansModel>(j)
            .unwrap_err()
            .to_string()
    };
    let e = corrupt(&|j| j["bisecting_tree_"][0]["split"]["children"] = serde_json::json!([1, 7]));
    assert!(e.contains("children"), "{e}");
    let e = corrupt(&|j| j["bisecting_tree_"][0]["split"]["children"] = serde_json::json!([0, 1]));
    assert!(e.contains("children"), "{e}");
    let e = corrupt(&|j| {
        j["bisecting_tree_"].as_array_mut().unwrap().pop();
    });
    assert!(e.contains("nodes"), "{e}");
    let e = corrupt(&|j| j["labels_"][0] = serde_json::json!(5));
    assert!(e.contains("labels_"), "{e}");
    let e = corrupt(&|j| j["cluster_centers_"][0][0] = serde_json::json!(1e6));
    assert!(e.contains("cluster_centers_"), "{e}");
    let e = corrupt(&|j| j["bisecting_tree_"][0]["label"] = serde_json::json!(0));
    assert!(e.contains("not both"), "{e}");
    let e = corrupt(&|j| j["extra"] = serde_json::json!(0));
    assert!(e.contains("extra"), "{e}");
}
