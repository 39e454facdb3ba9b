//! Invariants of variational inference under seeded random data of several shapes, thread
//! independence, the automatic K, and the error paths of `BayesianGaussianMixture`.

// Helpers of a test file: a failure should stop the test where it happens.
#![allow(clippy::unwrap_used)]

use clusterlab_core::{Clusterer, Error, Model};
use clusterlab_gmm::{
    BayesianGaussianMixtureParams, CovariancePrior, CovarianceType, InitParams,
    WeightConcentrationPriorType,
};
use ndarray::{Array2, array};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// `n` samples around `k` centers drawn in `[-spread, spread]^d`, unit noise.
fn blobs(n: usize, d: usize, k: usize, spread: f64, seed: u64) -> Array2<f64> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let centers = Array2::from_shape_fn((k, d), |_| rng.random_range(-spread..spread));
    Array2::from_shape_fn((n, d), |(i, j)| {
        centers[[i % k, j]] + rng.sample::<f64, _>(StandardNormal)
    })
}

fn ct_strategy() -> impl Strategy<Value = CovarianceType> {
    prop::sample::select(CovarianceType::ALL.to_vec())
}

fn prior_strategy() -> impl Strategy<Value = WeightConcentrationPriorType> {
    prop::sample::select(WeightConcentrationPriorType::ALL.to_vec())
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
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Variational inference never lowers the bound (beyond rounding), the weights are a
    /// distribution, labels are components, and the summary, trace and labels agree.
    #[test]
    fn variational_invariants(
        n in 20usize..300,
        d in 1usize..5,
        k in 1usize..7,
        ct in ct_strategy(),
        prior in prior_strategy(),
        init in init_strategy(),
        concentration in prop::option::of(1e-3f64..10.0),
        seed in 0u64..1000,
    ) {
        let x = blobs(n, d, 3, 6.0, seed);
        let params = BayesianGaussianMixtureParams {
            covariance_type: ct,
            weight_concentration_prior_type: prior,
            weight_concentration_prior: concentration,
            init_params: init,
            tol: 1e-8,
            max_iter: 60,
            ..BayesianGaussianMixtureParams::new(k)
        };
        let m = params.build().unwrap().fit(x.view(), seed).unwrap();
        let lbs = m.lower_bounds();
        prop_assert_eq!(lbs.len(), m.n_iter());
        prop_assert!(m.n_iter() >= 1);
        prop_assert_eq!(*lbs.last().unwrap(), m.lower_bound());
        // `reg_covar` makes the M-step a slightly inexact maximiser, which can cost a few
        // units of rounding once the bound has all but converged.
        for w in lbs.windows(2) {
            prop_assert!(w[1] >= w[0] - 1e-9 * (1.0 + w[0].abs()), "lower bound fell: {:?}", lbs);
        }
        prop_assert!((m.weights().sum() - 1.0).abs() < 1e-12);
        prop_assert!(m.weights().iter().all(|w| *w > 0.0 && *w < 1.0 + 1e-12));
        prop_assert_eq!(m.labels().len(), n);
        prop_assert!(m.labels().iter().all(|&l| l < k));
        prop_assert_eq!(m.predict(x.view()).unwrap(), m.labels().to_vec());
        let p = m.predict_proba(x.view()).unwrap();
        for row in p.rows() {
            prop_assert!(row.iter().all(|v| (0.0..=1.0).contains(v)));
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        let eff = m.effective_n_components();
        prop_assert!((1..=k).contains(&eff), "{} of {}", eff, k);
        prop_assert_eq!(eff, m.weights().iter().filter(|w| **w > 0.01).count());
        let s = m.summary();
        prop_assert_eq!(s.scores.keys().map(String::as_str).collect::<Vec<_>>(),
            vec!["effective_n_components", "elbo"]);
        prop_assert_eq!(s.n_iter, m.n_iter());
        prop_assert_eq!(m.trace().unwrap().values, lbs);
        prop_assert!(m.mean_precision().iter().all(|v| *v > 0.0));
        prop_assert!(m.degrees_of_freedom().iter().all(|v| *v > d as f64 - 1.0));
    }
}

/// One thread and two give the same bits, with data of several chunks.
#[test]
fn thread_count_does_not_change_a_bit() {
    let x = blobs(9_000, 3, 4, 5.0, 11);
    for ct in CovarianceType::ALL {
        for prior in WeightConcentrationPriorType::ALL {
            let params = BayesianGaussianMixtureParams {
                covariance_type: ct,
                weight_concentration_prior_type: prior,
                max_iter: 8,
                ..BayesianGaussianMixtureParams::new(5)
            };
            let cfg = params.build().unwrap();
            let one = on_threads(1, || cfg.fit(x.view(), 3).unwrap());
            let two = on_threads(2, || cfg.fit(x.view(), 3).unwrap());
            assert_eq!(one, two, "{ct}/{prior}");
            assert_eq!(
                one.lower_bound().to_bits(),
                two.lower_bound().to_bits(),
                "{ct}/{prior}"
            );
        }
    }
}

/// A seed determines the fit; restart 0 of `n_init = 3` is the only restart of `n_init = 1`,
/// so the best of three is at least as good.
#[test]
fn seeds_and_restarts() {
    let x = blobs(200, 2, 4, 5.0, 2);
    let params = BayesianGaussianMixtureParams {
        init_params: InitParams::Random,
        ..BayesianGaussianMixtureParams::new(4)
    };
    let cfg = params.build().unwrap();
    assert_eq!(cfg.fit(x.view(), 5).unwrap(), cfg.fit(x.view(), 5).unwrap());
    assert_ne!(
        cfg.fit(x.view(), 5).unwrap().lower_bound(),
        cfg.fit(x.view(), 6).unwrap().lower_bound()
    );
    let one = cfg.fit(x.view(), 5).unwrap();
    let three = BayesianGaussianMixtureParams {
        n_init: 3,
        ..params
    }
    .build()
    .unwrap()
    .fit(x.view(), 5)
    .unwrap();
    assert!(three.lower_bound() >= one.lower_bound());
}

/// On well-separated groups, a Dirichlet-process mixture of up to 8 components keeps as many
/// as there are groups; the threshold decides what counts.
#[test]
fn effective_components_find_the_groups() {
    for groups in [2usize, 3, 5] {
        let x = blobs(100 * groups, 2, groups, 30.0, groups as u64);
        for ct in CovarianceType::ALL {
            let params = BayesianGaussianMixtureParams {
                covariance_type: ct,
                weight_concentration_prior: Some(1e-3),
                max_iter: 1000,
                n_init: 3,
                ..BayesianGaussianMixtureParams::new(8)
            };
            let m = params.build().unwrap().fit(x.view(), 0).unwrap();
            assert_eq!(
                m.effective_n_components(),
                groups,
                "{groups} groups, {ct}: weights {}",
                m.weights()
            );
            assert!(m.converged(), "{groups} groups, {ct}");
            assert_eq!(
                m.summary().score("effective_n_components"),
                Some(groups as f64)
            );
            // Every weight exceeds 0, so a zero threshold counts every component.
            let all = BayesianGaussianMixtureParams {
                weight_threshold: 0.0,
                ..params
            };
            let m = all.build().unwrap().fit(x.view(), 0).unwrap();
            assert_eq!(m.effective_n_components(), 8);
        }
    }
}

/// Below 200 samples, the default threshold is within a factor 2 of an emptied stick's
/// weight: the summary says so.
#[test]
fn small_data_warns_about_the_threshold() {
    let x = blobs(60, 2, 2, 8.0, 1);
    let warned = |n_samples: usize, threshold: f64| {
        let m = BayesianGaussianMixtureParams {
            weight_threshold: threshold,
            ..BayesianGaussianMixtureParams::new(3)
        }
        .build()
        .unwrap()
        .fit(x.slice_axis(ndarray::Axis(0), (0..n_samples).into()), 0)
        .unwrap();
        m.summary()
            .warnings
            .iter()
            .any(|w| w.contains("weight_threshold"))
    };
    assert!(warned(60, 0.01));
    assert!(!warned(60, 0.05));
    let x = blobs(300, 2, 2, 8.0, 1);
    let m = BayesianGaussianMixtureParams::new(3)
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
    assert!(
        m.summary()
            .warnings
            .iter()
            .all(|w| !w.contains("weight_threshold"))
    );
}

#[test]
fn the_default_priors_come_from_the_data() {
    let x = array![[0.0, 1.0], [2.0, 1.0], [4.0, 4.0], [6.0, 2.0]];
    for ct in CovarianceType::ALL {
        let m = BayesianGaussianMixtureParams {
            covariance_type: ct,
            ..BayesianGaussianMixtureParams::new(2)
        }
        .build()
        .unwrap()
        .fit(x.view(), 0)
        .unwrap();
        assert_eq!(m.weight_concentration_prior(), 0.5);
        assert_eq!(m.mean_precision_prior(), 1.0);
        assert_eq!(m.degrees_of_freedom_prior(), 2.0);
        assert_eq!(m.mean_prior().to_vec(), vec![3.0, 2.0]);
        // Deviations (-3, -1, 1, 3) and (-1, -1, 2, 0): var = (20 / 3, 6 / 3), cov = 6 / 3
        // (ddof = 1).
        let want = match ct {
            CovarianceType::Full | CovarianceType::Tied => {
                CovariancePrior::Matrix(vec![vec![20.0 / 3.0, 2.0], vec![2.0, 2.0]])
            }
            CovarianceType::Diag => CovariancePrior::Vector(vec![20.0 / 3.0, 2.0]),
            CovarianceType::Spherical => CovariancePrior::Scalar((20.0 / 3.0 + 2.0) / 2.0),
        };
        let close = |a: &CovariancePrior, b: &CovariancePrior| {
            let flat = |c: &CovariancePrior| match c {
                CovariancePrior::Scalar(v) => vec![*v],
                CovariancePrior::Vector(v) => v.clone(),
                CovariancePrior::Matrix(m) => m.concat(),
            };
            std::mem::discriminant(a) == std::mem::discriminant(b)
                && flat(a)
                    .iter()
                    .zip(flat(b))
                    .all(|(p, q)| (p - q).abs() < 1e-14)
        };
        assert!(
            close(m.covariance_prior(), &want),
            "{ct}: {:?}",
            m.covariance_prior()
        );
    }
}

#[test]
fn fit_time_errors_name_the_parameter_and_why() {
    let x = blobs(30, 2, 2, 5.0, 0);
    let fit = |f: &dyn Fn(&mut BayesianGaussianMixtureParams)| {
        let mut p = BayesianGaussianMixtureParams::new(2);
        f(&mut p);
        p.build().unwrap().fit(x.view(), 0).unwrap_err().to_string()
    };
    let e = fit(&|p| p.degrees_of_freedom_prior = Some(1.0));
    assert!(
        e.contains("`degrees_of_freedom_prior` = 1")
            && e.contains("greater than n_features - 1 = 1"),
        "{e}"
    );
    // Just above n_features - 1 is allowed, as in scikit-learn.
    let ok = BayesianGaussianMixtureParams {
        degrees_of_freedom_prior: Some(1.01),
        ..BayesianGaussianMixtureParams::new(2)
    };
    assert!(ok.build().unwrap().fit(x.view(), 0).is_ok());
    let e = fit(&|p| p.mean_prior = Some(vec![0.0; 3]));
    assert!(
        e.contains("mean_prior") && e.contains("(2,)") && e.contains("(3,)"),
        "{e}"
    );
    let e = fit(&|p| {
        p.covariance_prior = Some(CovariancePrior::Matrix(vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
        ]))
    });
    assert!(
        e.contains("covariance_prior (full)") && e.contains("(2, 2)"),
        "{e}"
    );
    let e = fit(&|p| {
        p.covariance_type = CovarianceType::Diag;
        p.covariance_prior = Some(CovariancePrior::Vector(vec![1.0]));
    });
    assert!(
        e.contains("covariance_prior (diag)") && e.contains("(2,)"),
        "{e}"
    );
    let e = fit(&|p| p.n_components = 31);
    assert!(
        e.contains("`n_components` = 31") && e.contains("n_samples = 30"),
        "{e}"
    );

    let cfg = BayesianGaussianMixtureParams::new(1).build().unwrap();
    let e = cfg.fit(array![[1.0, 2.0]].view(), 0).unwrap_err();
    assert!(e.to_string().contains("at least 2 samples"), "{e}");
    let e = cfg.fit(array![[1.0], [f64::NAN]].view(), 0).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                row: 1,
                column: 0,
                ..
            }
        ),
        "{e}"
    );

    let cfg = BayesianGaussianMixtureParams::new(2).build().unwrap();
    let e = cfg
        .fit_from_responsibilities(x.view(), Array2::zeros((30, 3)).view())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("responsibilities") && e.contains("30 x 2"),
        "{e}"
    );
    let mut resp = Array2::from_elem((30, 2), 0.5);
    resp[[4, 1]] = -0.5;
    let e = cfg
        .fit_from_responsibilities(x.view(), resp.view())
        .unwrap_err()
        .to_string();
    assert!(e.contains("sample 4, component 1"), "{e}");

    let m = cfg.fit(x.view(), 0).unwrap();
    let e = m.predict(array![[1.0, 2.0, 3.0]].view()).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
}

#[test]
fn plugs_in_as_a_clusterer() {
    let x = blobs(120, 2, 3, 8.0, 4);
    let cfg = BayesianGaussianMixtureParams::new(5).build().unwrap();
    let c: &dyn Clusterer = &cfg;
    assert_eq!(c.kind(), "bayesian_gmm");
    assert_eq!(c.n_clusters(), Some(5));
    assert!(c.work_estimate(10_000, 2) > c.work_estimate(1_000, 2));
    let full = c.work_estimate(1_000, 16);
    let diag = BayesianGaussianMixtureParams {
        covariance_type: CovarianceType::Diag,
        ..BayesianGaussianMixtureParams::new(5)
    }
    .build()
    .unwrap()
    .work_estimate(1_000, 16);
    assert!(full > diag);
    let m = c.fit_dyn(x.view(), 1).unwrap();
    assert_eq!(m.labels().len(), 120);
    assert_eq!(m.centers().unwrap().dim(), (5, 2));
    assert_eq!(m.covariances().unwrap().len(), 5);
    assert_eq!(m.trace().unwrap().objective, "elbo");
    let json = m.to_json();
    for key in [
        "weights",
        "means",
        "covariances",
        "precisions_cholesky",
        "weight_concentration",
        "mean_precision",
        "degrees_of_freedom",
        "mean_prior",
        "covariance_prior",
        "lower_bound",
        "effective_n_components",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    // The Dirichlet process's concentration is a pair of arrays, as in scikit-learn.
    assert_eq!(json["weight_concentration"].as_array().unwrap().len(), 2);
}
