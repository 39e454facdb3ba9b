//! Invariants under seeded randomness, over several shapes.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use clusterlab_core::{Clusterer, Error};
use clusterlab_kmeans::{Algorithm, Init, KMeansModel, KMeansParams, NInit};
use ndarray::{Array2, array};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n x d` points around `centers` random centers (spread 1, centers in [-10, 10]).
fn blobs(n: usize, d: usize, centers: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let c = Array2::from_shape_fn((centers, d), |_| rng.random_range(-10.0..10.0));
    Array2::from_shape_fn((n, d), |(i, j)| {
        c[[i % centers, j]] + rng.random_range(-1.0..1.0) + rng.random_range(-1.0..1.0)
    })
}

fn params(k: usize, algorithm: Algorithm) -> KMeansParams {
    KMeansParams {
        algorithm,
        ..KMeansParams::new(k)
    }
}

fn on_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

fn algorithms() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(Algorithm::Lloyd), Just(Algorithm::Elkan)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// `d` and `k` reach the shapes of the fused tile kernel (`d >= 16`, `d k >= 256`), with
    /// every remainder of its 8-sample tiles and 6-center groups.
    #[test]
    fn inertia_never_increases_over_lloyd_steps(
        n in 20usize..400, d in 1usize..40, k in 1usize..30, seed in 0u64..1000
    ) {
        let k = k.min(n);
        let x = blobs(n, d, 5, seed);
        let p = KMeansParams { tol: 0.0, init: Init::Random, n_init: NInit::Count(1), ..KMeansParams::new(k) };
        let m = p.build().unwrap().fit(x.view(), seed).unwrap();
        let trace = m.inertia_trace();
        prop_assert_eq!(trace.len(), m.n_iter());
        for w in trace.windows(2) {
            prop_assert!(w[1] <= w[0] * (1.0 + 1e-12) + 1e-12, "trace {:?}", trace);
        }
        // The final inertia belongs to the final centers, at most the last assignment's.
        let last = *trace.last().unwrap();
        prop_assert!(m.inertia() <= last * (1.0 + 1e-12) + 1e-12);
    }

    #[test]
    fn labels_in_range_and_predict_on_train_is_labels(
        n in 10usize..300, d in 1usize..24, k in 1usize..10, seed in 0u64..1000,
        algorithm in algorithms()
    ) {
        let k = k.min(n);
        let x = blobs(n, d, 4, seed);
        let m = params(k, algorithm).build().unwrap().fit(x.view(), seed).unwrap();
        prop_assert_eq!(m.labels().len(), n);
        prop_assert!(m.labels().iter().all(|&l| l < k));
        prop_assert_eq!(m.predict(x.view()).unwrap(), m.labels().to_vec());
        let t = m.transform(x.view()).unwrap();
        prop_assert_eq!(t.dim(), (n, k));
        let inertia: f64 = m.labels().iter().enumerate().map(|(i, &l)| t[[i, l]] * t[[i, l]]).sum();
        prop_assert!((inertia - m.inertia()).abs() <= 1e-8 * (1.0 + m.inertia()));
        prop_assert!((m.score(x.view()).unwrap() + m.inertia()).abs() <= 1e-9 * (1.0 + m.inertia()));
    }

    #[test]
    fn lloyd_and_elkan_agree_from_the_same_centers(
        n in 10usize..300, d in 1usize..20, k in 2usize..8, seed in 0u64..1000
    ) {
        let k = k.min(n);
        let x = blobs(n, d, 3, seed);
        let init = Init::Centers(x.slice_axis(ndarray::Axis(0), (0..k).into()).to_owned());
        let fit = |algorithm| KMeansParams { init: init.clone(), algorithm, ..KMeansParams::new(k) }
            .build().unwrap().fit(x.view(), 0).unwrap();
        let (a, b) = (fit(Algorithm::Lloyd), fit(Algorithm::Elkan));
        prop_assert_eq!(a.labels(), b.labels());
        prop_assert_eq!(a.n_iter(), b.n_iter());
        prop_assert!((a.inertia() - b.inertia()).abs() <= 1e-9 * a.inertia().max(1e-12));
    }
}

/// Elkan visits its candidate centers 64 at a time: more than 64 centers (and a label that
/// moves between the runs) must still give Lloyd's labels.
#[test]
fn lloyd_and_elkan_agree_with_more_than_64_centers() {
    let (n, k) = (4_000, 100);
    let x = blobs(n, 3, 40, 5);
    let init = Init::Centers(x.slice_axis(ndarray::Axis(0), (0..k).into()).to_owned());
    let fit = |algorithm| {
        KMeansParams {
            init: init.clone(),
            algorithm,
            max_iter: 30,
            ..KMeansParams::new(k)
        }
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap()
    };
    let (a, b) = (fit(Algorithm::Lloyd), fit(Algorithm::Elkan));
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.n_iter(), b.n_iter());
    assert!((a.inertia() - b.inertia()).abs() <= 1e-9 * a.inertia());
}

fn same_bits(a: &KMeansModel, b: &KMeansModel) {
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.inertia().to_bits(), b.inertia().to_bits());
    assert_eq!(a.n_iter(), b.n_iter());
    for (p, q) in a.centers().iter().zip(b.centers().iter()) {
        assert_eq!(p.to_bits(), q.to_bits());
    }
}

/// Shapes large enough for many chunks and blocks, on both distance kernels.
#[test]
fn one_and_two_threads_give_identical_bits() {
    for (n, d, k) in [(20_000, 2, 5), (3_000, 20, 16)] {
        let x = blobs(n, d, k, 7);
        let w: Vec<f64> = (0..n).map(|i| 0.5 + (i % 7) as f64 * 0.25).collect();
        for algorithm in [Algorithm::Lloyd, Algorithm::Elkan] {
            for init in [Init::KMeansPlusPlus, Init::Random] {
                let km = KMeansParams {
                    init: init.clone(),
                    n_init: NInit::Count(2),
                    ..params(k, algorithm)
                }
                .build()
                .unwrap();
                let one = on_threads(1, || km.fit(x.view(), 11).unwrap());
                let two = on_threads(2, || km.fit(x.view(), 11).unwrap());
                same_bits(&one, &two);
                let one = on_threads(1, || km.fit_weighted(x.view(), &w, 3).unwrap());
                let two = on_threads(2, || km.fit_weighted(x.view(), &w, 3).unwrap());
                same_bits(&one, &two);
            }
        }
    }
}

#[test]
fn same_seed_same_model_and_more_restarts_never_worse() {
    let x = blobs(600, 3, 6, 1);
    let km = |n_init| {
        KMeansParams {
            init: Init::Random,
            n_init: NInit::Count(n_init),
            ..KMeansParams::new(6)
        }
        .build()
        .unwrap()
    };
    let a = km(1).fit(x.view(), 5).unwrap();
    assert_eq!(a, km(1).fit(x.view(), 5).unwrap());
    // Restart 0 is the same run in both, so the best of 5 is at least as good.
    let b = km(5).fit(x.view(), 5).unwrap();
    assert!(b.inertia() <= a.inertia());
}

#[test]
fn kmeans_plusplus_picks_distinct_samples() {
    let x = blobs(200, 2, 4, 9);
    let m = KMeansParams {
        max_iter: 1,
        ..KMeansParams::new(8)
    }
    .build()
    .unwrap()
    .fit(x.view(), 0)
    .unwrap();
    // With max_iter 1 every cluster keeps at least its own seed sample, so none is empty.
    let mut counts = [0usize; 8];
    for &l in m.labels() {
        counts[l] += 1;
    }
    assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
}

#[test]
fn too_many_clusters_is_an_error_before_fitting() {
    let err = KMeansParams::new(3)
        .build()
        .unwrap()
        .fit(array![[0.0], [1.0]].view(), 0)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid parameter `n_clusters` = 3: must be at most n_samples = 2"
    );
}

#[test]
fn explicit_centers_of_wrong_width_are_an_error() {
    let p = KMeansParams {
        init: Init::Centers(array![[0.0], [1.0]]),
        ..KMeansParams::new(2)
    };
    let err = p
        .build()
        .unwrap()
        .fit(array![[0.0, 0.0], [1.0, 1.0]].view(), 0)
        .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
}

#[test]
fn nan_in_data_is_an_error_with_its_position() {
    let err = KMeansParams::new(1)
        .build()
        .unwrap()
        .fit(array![[0.0], [f64::NAN]].view(), 0)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 1,
                column: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn weights_of_wrong_length_are_an_error() {
    let km = KMeansParams::new(1).build().unwrap();
    assert!(
        km.fit_weighted(array![[0.0], [1.0]].view(), &[1.0], 0)
            .is_err()
    );
}

#[test]
fn fewer_distinct_points_than_clusters_is_a_warning() {
    let x = array![[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]];
    for algorithm in [Algorithm::Lloyd, Algorithm::Elkan] {
        let m = params(3, algorithm)
            .build()
            .unwrap()
            .fit(x.view(), 0)
            .unwrap();
        assert_eq!(m.inertia(), 0.0);
        assert!(
            m.warnings()
                .iter()
                .any(|w| w.contains("distinct clusters (2)")),
            "{:?}",
            m.warnings()
        );
    }
}

#[test]
fn predict_checks_the_number_of_features() {
    let m = KMeansParams::new(1)
        .build()
        .unwrap()
        .fit(array![[0.0, 1.0]].view(), 0)
        .unwrap();
    assert!(m.predict(array![[0.0]].view()).is_err());
}

#[test]
fn works_through_the_core_traits_and_round_trips_as_json() {
    let x = blobs(100, 2, 3, 4);
    let km = KMeansParams::new(3).build().unwrap();
    assert_eq!(km.kind(), "kmeans");
    assert_eq!(Clusterer::n_clusters(&km), Some(3));
    let model = km.fit_dyn(x.view(), 1).unwrap();
    let s = model.summary();
    assert_eq!(
        s.score("inertia"),
        Some(km.fit(x.view(), 1).unwrap().inertia())
    );
    let json = model.to_json();
    assert_eq!(json["centers"].as_array().unwrap().len(), 3);
    let back: KMeansModel = serde_json::from_value(json).unwrap();
    assert_eq!(back.labels(), model.labels());
}

#[test]
fn fortran_order_input_gives_the_same_model() {
    let x = blobs(300, 3, 3, 2);
    let f = x.t().as_standard_layout().into_owned().reversed_axes();
    assert!(!f.is_standard_layout());
    let km = KMeansParams::new(3).build().unwrap();
    assert_eq!(km.fit(x.view(), 0).unwrap(), km.fit(f.view(), 0).unwrap());
}
