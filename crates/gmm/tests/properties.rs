//! Invariants of EM under seeded random data of several shapes, and the error paths.

// Helpers of a test file: a failure should stop the test where it happens.
#![allow(clippy::unwrap_used)]

use clusterlab_core::{Clusterer, Error, Model};
use clusterlab_gmm::{
    CovarianceType, GaussianMixtureModel, GaussianMixtureParams, InitParams, NestedArray,
};
use ndarray::{Array2, array};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// `n` samples around `k` centers drawn in `[-8, 8]^d`, unit noise.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Array2<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let centers = Array2::from_shape_fn((k, d), |_| rng.random_range(-8.0..8.0));
    Array2::from_shape_fn((n, d), |(i, j)| {
        centers[[i % k, j]] + rng.sample::<f64, _>(StandardNormal)
    })
}

fn ct_strategy() -> impl Strategy<Value = CovarianceType> {
    prop::sample::select(CovarianceType::ALL.to_vec())
}

fn init_strategy() -> impl Strategy<Value = InitParams> {
    prop::sample::select(InitParams::ALL.to_vec())
}

fn on_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// EM never lowers the lower bound (beyond rounding), responsibilities are probabilities
    /// that sum to one, and labels are components.
    #[test]
    fn em_invariants(
        n in 20usize..300,
        d in 1usize..6,
        k in 1usize..5,
        ct in ct_strategy(),
        init in init_strategy(),
        seed in 0u64..1000,
    ) {
        let x = blobs(n, d, k.max(2), seed);
        let params = GaussianMixtureParams {
            covariance_type: ct,
            init_params: init,
            tol: 1e-8,
            max_iter: 50,
            ..GaussianMixtureParams::new(k)
        };
        let m = params.build().unwrap().fit(x.view(), seed).unwrap();
        let lbs = m.lower_bounds();
        prop_assert_eq!(lbs.len(), m.n_iter());
        prop_assert_eq!(*lbs.last().unwrap(), m.lower_bound());
        // EM cannot lower the likelihood; `reg_covar` makes the M-step a slightly inexact
        // maximiser, which can cost a few 1e-9 once EM has all but converged.
        for w in lbs.windows(2) {
            prop_assert!(w[1] >= w[0] - 1e-7 * (1.0 + w[0].abs()), "lower bound fell: {:?}", lbs);
        }
        let p = m.predict_proba(x.view()).unwrap();
        for row in p.rows() {
            prop_assert!(row.iter().all(|v| (0.0..=1.0).contains(v)));
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        prop_assert!(m.labels().iter().all(|&l| l < k));
        prop_assert_eq!(m.labels().len(), n);
        prop_assert!((m.weights().sum() - 1.0).abs() < 1e-12);
        prop_assert!(m.training_score().is_finite() && m.lower_bound().is_finite());
        // The final E-step: training labels are what predict gives.
        prop_assert_eq!(m.predict(x.view()).unwrap(), m.labels().to_vec());
    }

    /// The same seed gives the same bits on 1 and on 2 threads, with several chunks of data.
    #[test]
    fn one_and_two_threads_agree_bitwise(
        ct in ct_strategy(),
        init in init_strategy(),
        seed in 0u64..1000,
    ) {
        let x = blobs(1300, 16, 3, seed);
        let params = GaussianMixtureParams {
            covariance_type: ct,
            init_params: init,
            max_iter: 5,
            n_init: 2,
            ..GaussianMixtureParams::new(3)
        };
        let gm = params.build().unwrap();
        let a = on_threads(1, || gm.fit(x.view(), seed).unwrap());
        let b = on_threads(2, || gm.fit(x.view(), seed).unwrap());
        prop_assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
        prop_assert_eq!(a, b);
    }
}

#[test]
fn duplicated_points_without_regularisation_name_the_component() {
    // Duplicates at the origin make a component's covariance exactly zero, whatever the
    // rounding of the other component's.
    let x = array![
        [0.0, 0.0],
        [0.0, 0.0],
        [0.0, 0.0],
        [5.0, 5.0],
        [5.0, 5.0],
        [5.0, 5.0]
    ];
    for ct in CovarianceType::ALL {
        let params = GaussianMixtureParams {
            covariance_type: ct,
            reg_covar: 0.0,
            init_params: InitParams::KMeansPlusPlus,
            ..GaussianMixtureParams::new(2)
        };
        let err = params.build().unwrap().fit(x.view(), 0).unwrap_err();
        match &err {
            Error::NotPositiveDefinite {
                component,
                reg_covar,
            } => {
                assert!(*component < 2);
                assert_eq!(*reg_covar, 0.0);
            }
            other => panic!("{ct}: unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("component") && msg.contains("reg_covar"),
            "{msg}"
        );
    }
}

#[test]
fn a_component_that_loses_every_sample_gives_no_nan() {
    let x = blobs(200, 2, 2, 3);
    for ct in CovarianceType::ALL {
        let precisions = match ct {
            CovarianceType::Full => {
                NestedArray::Matrices(vec![vec![vec![1.0, 0.0], vec![0.0, 1.0]]; 3])
            }
            CovarianceType::Tied => NestedArray::Matrix(vec![vec![1.0, 0.0], vec![0.0, 1.0]]),
            CovarianceType::Diag => NestedArray::Matrix(vec![vec![1.0, 1.0]; 3]),
            CovarianceType::Spherical => NestedArray::Vector(vec![1.0; 3]),
        };
        // The third component sits so far away that its responsibilities underflow to 0.
        let params = GaussianMixtureParams {
            covariance_type: ct,
            weights_init: Some(vec![0.4, 0.4, 0.2]),
            means_init: Some(vec![x.row(0).to_vec(), x.row(1).to_vec(), vec![1e4, 1e4]]),
            precisions_init: Some(precisions),
            ..GaussianMixtureParams::new(3)
        };
        let m = params.build().unwrap().fit(x.view(), 0).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert!(
            !json.contains("NaN") && !json.contains("null"),
            "{ct}: {json}"
        );
        assert!(m.weights()[2] < 1e-10, "{ct}: {}", m.weights()[2]);
        assert!(m.means().iter().all(|v| v.is_finite()));
        assert!(m.lower_bound().is_finite());
    }
}

#[test]
fn too_many_components_and_bad_shapes_are_errors_before_fitting() {
    let x = array![[0.0, 0.0], [1.0, 1.0]];
    let err = GaussianMixtureParams::new(3)
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap_err();
    assert!(err.to_string().contains("n_components"), "{err}");
    let p = GaussianMixtureParams {
        means_init: Some(vec![vec![0.0, 0.0, 0.0], vec![1.0, 1.0, 1.0]]),
        ..GaussianMixtureParams::new(2)
    };
    let err = p.build().unwrap().fit(x.view(), 0).unwrap_err();
    assert!(err.to_string().contains("means_init"), "{err}");
    let p = GaussianMixtureParams {
        covariance_type: CovarianceType::Tied,
        precisions_init: Some(NestedArray::Matrix(vec![vec![1.0]])),
        ..GaussianMixtureParams::new(2)
    };
    let err = p.build().unwrap().fit(x.view(), 0).unwrap_err();
    assert!(err.to_string().contains("precisions_init"), "{err}");
    let bad = array![[0.0, f64::NAN], [1.0, 1.0]];
    let err = GaussianMixtureParams::new(1)
        .build()
        .unwrap()
        .fit(bad.view(), 0)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::NonFinite {
            row: 0,
            column: 1,
            ..
        }
    ));
}

#[test]
fn kmeans_initialisation_finds_the_blobs() {
    let x = blobs(400, 2, 4, 11);
    let m = GaussianMixtureParams::new(4)
        .build()
        .unwrap()
        .fit(x.view(), 1)
        .unwrap();
    assert!(m.converged());
    // Samples i and i + 4 come from the same center.
    let l = m.labels();
    let agree = (0..396).filter(|&i| l[i] == l[i + 4]).count();
    assert!(agree > 380, "{agree}");
}

#[test]
fn more_restarts_never_lower_the_bound() {
    let x = blobs(300, 3, 5, 2);
    let fit = |n_init| {
        GaussianMixtureParams {
            n_init,
            init_params: InitParams::Random,
            ..GaussianMixtureParams::new(5)
        }
        .build()
        .unwrap()
        .fit(x.view(), 9)
        .unwrap()
        .lower_bound()
    };
    // Restart r always draws from derive(seed, r), so 4 restarts include the first one.
    assert!(fit(4) >= fit(1));
}

#[test]
fn serde_round_trip_and_shapes() {
    let x = blobs(150, 3, 2, 5);
    for ct in CovarianceType::ALL {
        let p = GaussianMixtureParams {
            covariance_type: ct,
            init_params: InitParams::RandomFromData,
            ..GaussianMixtureParams::new(2)
        };
        let m = p.build().unwrap().fit(x.view(), 4).unwrap();
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json, m.to_json());
        assert_eq!(json["covariance_type"], ct.as_str());
        let back: GaussianMixtureModel = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, m);
        let covs = Model::covariances(&m).unwrap();
        assert_eq!(covs.len(), 2);
        assert!(covs.iter().all(|c| c.dim() == (3, 3)));
        let mut broken = json.clone();
        broken["means"] = serde_json::json!([[0.0, 1.0]]);
        assert!(serde_json::from_value::<GaussianMixtureModel>(broken).is_err());
    }
}

#[test]
fn dyn_clusterer_and_summary() {
    let x = blobs(100, 2, 2, 8);
    let gm = GaussianMixtureParams {
        init_params: InitParams::KMeansPlusPlus,
        ..GaussianMixtureParams::new(2)
    }
    .build()
    .unwrap();
    let c: &dyn Clusterer = &gm;
    assert_eq!(c.kind(), "gmm");
    assert_eq!(c.n_clusters(), Some(2));
    let m = c.fit_dyn(x.view(), 0).unwrap();
    let s = m.summary();
    let typed = gm.fit(x.view(), 0).unwrap();
    assert_eq!(
        s.score("log_likelihood"),
        Some(typed.score(x.view()).unwrap())
    );
    assert_eq!(s.score("bic"), Some(typed.bic(x.view()).unwrap()));
    assert_eq!(s.score("aic"), Some(typed.aic(x.view()).unwrap()));
    assert_eq!(s.score("lower_bound"), Some(typed.lower_bound()));
    assert_eq!((s.n_iter, s.converged), (typed.n_iter(), typed.converged()));
    assert_eq!(m.centers(), Some(typed.means()));
}

#[test]
fn samples_follow_the_mixture() {
    let x = blobs(2000, 2, 1, 6);
    for ct in CovarianceType::ALL {
        let p = GaussianMixtureParams {
            covariance_type: ct,
            ..GaussianMixtureParams::new(1)
        };
        let m = p.build().unwrap().fit(x.view(), 0).unwrap();
        let (s, labels) = m.sample(20_000, 3).unwrap();
        assert!(labels.iter().all(|&l| l == 0));
        let mean = s.mean_axis(ndarray::Axis(0)).unwrap();
        for (a, b) in mean.iter().zip(m.means().row(0)) {
            assert!((a - b).abs() < 0.05, "{ct}: {a} vs {b}");
        }
        let full = &Model::covariances(&m).unwrap()[0];
        let c = s.t().dot(&s) / 20_000.0
            - mean
                .view()
                .insert_axis(ndarray::Axis(1))
                .dot(&mean.view().insert_axis(ndarray::Axis(0)));
        for (a, b) in c.iter().zip(full.iter()) {
            assert!((a - b).abs() < 0.06, "{ct}: covariance {a} vs {b}");
        }
        assert_eq!(m.sample(5, 1).unwrap(), m.sample(5, 1).unwrap());
        assert!(m.sample(0, 1).is_err());
    }
}
