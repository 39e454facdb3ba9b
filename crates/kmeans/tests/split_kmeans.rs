//! X-means and G-means: the K they find on data whose K is known, determinism, validation, the
//! Anderson-Darling statistic against scipy, and the inertia invariant.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use clusterlab_core::{Clusterer, Error};
use clusterlab_kmeans::{
    GMeansParams, KMeansParams, NInit, SplitModel, XMeansParams, gmeans::anderson_darling,
};
use ndarray::{Array2, array};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `per_center` standard-normal samples (Box-Muller) around each row of `centers`, scaled by
/// `sd`, interleaved by center.
fn gaussian_blobs(centers: &Array2<f64>, per_center: usize, sd: f64, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (k, d) = centers.dim();
    let mut normal = move || {
        let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    };
    Array2::from_shape_fn((k * per_center, d), |(i, j)| {
        centers[[i % k, j]] + sd * normal()
    })
}

/// Four unit-variance blobs at the corners of a 30 x 10 rectangle, 100 samples each.
fn four_blobs(seed: u64) -> Array2<f64> {
    let centers = array![[0.0, 0.0], [30.0, 0.0], [0.0, 10.0], [30.0, 10.0]];
    gaussian_blobs(&centers, 100, 1.0, seed)
}

/// Four unit-variance blobs at the corners of a 20 x 20 square, 100 samples each.
fn square_blobs(seed: u64) -> Array2<f64> {
    let centers = array![[0.0, 0.0], [20.0, 0.0], [0.0, 20.0], [20.0, 20.0]];
    gaussian_blobs(&centers, 100, 1.0, seed)
}

fn one_blob(n: usize, d: usize, seed: u64) -> Array2<f64> {
    gaussian_blobs(&Array2::zeros((1, d)), n, 1.0, seed)
}

fn on_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

fn both() -> [(&'static str, Box<dyn Clusterer>); 2] {
    [
        ("xmeans", Box::new(XMeansParams::default().build().unwrap())),
        ("gmeans", Box::new(GMeansParams::default().build().unwrap())),
    ]
}

fn found_k(c: &dyn Clusterer, x: &Array2<f64>, seed: u64) -> usize {
    c.fit_dyn(x.view(), seed)
        .unwrap()
        .summary()
        .score("n_clusters")
        .unwrap() as usize
}

#[test]
fn four_separated_blobs_give_four_clusters() {
    for seed in 0..5 {
        let x = four_blobs(seed);
        for (name, c) in both() {
            let m = c.fit_dyn(x.view(), seed).unwrap();
            let s = m.summary();
            assert_eq!(s.score("n_clusters"), Some(4.0), "{name}, seed {seed}");
            assert!(s.converged, "{name}, seed {seed}");
            assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
            assert_eq!(m.centers().unwrap().nrows(), 4);
            // Every blob is one cluster: samples are interleaved by blob.
            let labels = m.labels();
            for i in 0..labels.len() {
                assert_eq!(labels[i], labels[i % 4], "{name}, seed {seed}, sample {i}");
            }
        }
    }
}

/// Four blobs in 5-D at random well-separated centers.
#[test]
fn four_random_blobs_in_5d_give_four_clusters() {
    for seed in 0..5 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centers = Array2::from_shape_fn((4, 5), |(i, _)| {
            (i as f64) * 15.0 * if rng.random::<bool>() { 1.0 } else { -1.0 }
        });
        let x = gaussian_blobs(&centers, 80, 1.0, seed);
        for (name, c) in both() {
            assert_eq!(found_k(&*c, &x, seed), 4, "{name}, seed {seed}");
        }
    }
}

/// X-means' known limit, pinned: on four 2-D blobs at the corners of a square, the first
/// split makes two elongated clusters whose pooled spherical variance is only half the
/// parent's, which in 2-D exactly pays the `R ln 2` the mixing weights cost, so the BIC (of
/// the paper, and of this crate) keeps one cluster. G-means, which tests the split's axis
/// only, finds the four; X-means does from `k_min = 2`.
#[test]
fn square_of_blobs_stops_xmeans_at_one_from_k_min_1_but_not_from_2() {
    for seed in 0..3 {
        let x = square_blobs(seed);
        let [(_, xmeans), (_, gmeans)] = both();
        assert_eq!(found_k(&*xmeans, &x, seed), 1, "seed {seed}");
        assert_eq!(found_k(&*gmeans, &x, seed), 4, "seed {seed}");
        let from_two = XMeansParams {
            k_min: 2,
            ..XMeansParams::default()
        }
        .build()
        .unwrap();
        assert_eq!(found_k(&from_two, &x, seed), 4, "seed {seed}");
    }
}

#[test]
fn one_gaussian_blob_gives_one_cluster() {
    for (seed, d) in [(0, 1), (1, 2), (2, 2), (3, 5), (4, 10)] {
        let x = one_blob(500, d, seed);
        for (name, c) in both() {
            assert_eq!(found_k(&*c, &x, seed), 1, "{name}, seed {seed}, d = {d}");
        }
    }
}

#[test]
fn k_min_is_the_start() {
    let x = square_blobs(3);
    let m = XMeansParams {
        k_min: 2,
        ..XMeansParams::default()
    }
    .build()
    .unwrap()
    .fit(x.view(), 3)
    .unwrap();
    assert_eq!(m.k_trace()[0], 2);
    assert_eq!(m.n_clusters(), 4);
    assert_eq!(m.k_trace(), &[2, 4]);
    assert_eq!(m.n_rounds(), 2);
}

#[test]
fn k_max_stops_without_converging_and_says_so() {
    let x = four_blobs(1);
    let x_model = XMeansParams {
        k_max: 3,
        ..XMeansParams::default()
    }
    .build()
    .unwrap()
    .fit(x.view(), 1)
    .unwrap();
    let g_model = GMeansParams {
        k_max: 3,
        ..GMeansParams::default()
    }
    .build()
    .unwrap()
    .fit(x.view(), 1)
    .unwrap();
    for m in [x_model, g_model] {
        assert_eq!(m.n_clusters(), 3, "{}", m.kind());
        assert!(!m.converged());
        let s = clusterlab_core::Model::summary(&m);
        assert!(!s.converged);
        assert!(
            s.warnings.iter().any(|w| w.contains("k_max = 3")),
            "{:?}",
            s.warnings
        );
    }
}

#[test]
fn k_max_equal_to_the_true_k_still_converges() {
    let x = four_blobs(2);
    let m = GMeansParams {
        k_min: 4,
        k_max: 4,
        ..GMeansParams::default()
    }
    .build()
    .unwrap()
    .fit(x.view(), 2)
    .unwrap();
    assert_eq!(m.n_clusters(), 4);
    assert!(m.converged());
    assert_eq!(m.n_rounds(), 1);
}

#[test]
fn same_seed_same_model_on_one_and_two_threads() {
    let x = four_blobs(7);
    let xm = XMeansParams::default().build().unwrap();
    let gm = GMeansParams::default().build().unwrap();
    for seed in [0, 11] {
        let a = on_threads(1, || xm.fit(x.view(), seed).unwrap());
        let b = on_threads(2, || xm.fit(x.view(), seed).unwrap());
        let c = xm.fit(x.view(), seed).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        let a = on_threads(1, || gm.fit(x.view(), seed).unwrap());
        let b = on_threads(2, || gm.fit(x.view(), seed).unwrap());
        let c = gm.fit(x.view(), seed).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
    }
}

#[test]
fn summary_and_json() {
    let x = four_blobs(4);
    for (name, c) in both() {
        assert_eq!(c.kind(), name);
        assert_eq!(c.n_clusters(), None);
        let m = c.fit_dyn(x.view(), 4).unwrap();
        let s = m.summary();
        assert_eq!(s.score("n_clusters"), Some(4.0));
        assert!(s.score("inertia").unwrap() > 0.0);
        // 1 -> 2 -> 4 -> no split, or 1 -> 4 -> no split.
        assert!((2..=3).contains(&s.n_iter), "{name}: {}", s.n_iter);
        let json = m.to_json();
        assert_eq!(json["kind"], name);
        let back: SplitModel = serde_json::from_value(json).unwrap();
        assert_eq!(back.labels(), m.labels());
        assert_eq!(m.predict(x.view()).unwrap(), m.labels());
    }
}

fn invalid_name(r: Result<impl std::fmt::Debug, Error>) -> &'static str {
    match r {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn each_bad_parameter_is_named() {
    let x = XMeansParams::default;
    assert_eq!(
        invalid_name(XMeansParams { k_min: 0, ..x() }.build()),
        "k_min"
    );
    assert_eq!(
        invalid_name(
            XMeansParams {
                k_min: 3,
                k_max: 2,
                ..x()
            }
            .build()
        ),
        "k_max"
    );
    assert_eq!(
        invalid_name(XMeansParams { max_iter: 0, ..x() }.build()),
        "max_iter"
    );
    assert_eq!(
        invalid_name(
            XMeansParams {
                n_init: NInit::Count(0),
                ..x()
            }
            .build()
        ),
        "n_init"
    );
    for tol in [-1.0, f64::NAN] {
        assert_eq!(invalid_name(XMeansParams { tol, ..x() }.build()), "tol");
    }
    let g = GMeansParams::default;
    assert_eq!(
        invalid_name(GMeansParams { k_min: 0, ..g() }.build()),
        "k_min"
    );
    assert_eq!(
        invalid_name(
            GMeansParams {
                k_min: 5,
                k_max: 1,
                ..g()
            }
            .build()
        ),
        "k_max"
    );
    assert_eq!(
        invalid_name(GMeansParams { max_iter: 0, ..g() }.build()),
        "max_iter"
    );
    assert_eq!(
        invalid_name(
            GMeansParams {
                n_init: NInit::Count(0),
                ..g()
            }
            .build()
        ),
        "n_init"
    );
    assert_eq!(
        invalid_name(GMeansParams { tol: -1e-9, ..g() }.build()),
        "tol"
    );
    let err = GMeansParams { alpha: 0.02, ..g() }.build().unwrap_err();
    assert_eq!(invalid_name(Err::<(), _>(err.clone())), "alpha");
    assert!(err.to_string().contains("0.0001"), "{err}");
}

#[test]
fn typo_keys_are_rejected() {
    let e = toml::from_str::<XMeansParams>("k_mx = 3").unwrap_err();
    assert!(e.to_string().contains("k_mx"), "{e}");
    let e = toml::from_str::<GMeansParams>("alfa = 0.01").unwrap_err();
    assert!(e.to_string().contains("alfa"), "{e}");
    // G-means' own key is not an X-means key.
    assert!(toml::from_str::<XMeansParams>("alpha = 0.01").is_err());
}

#[test]
fn bad_data_is_an_error_not_a_panic() {
    let nan = array![[0.0, 1.0], [f64::NAN, 2.0], [3.0, 4.0]];
    let few = array![[0.0], [1.0]];
    let empty = Array2::<f64>::zeros((0, 2));
    for (_, c) in both() {
        assert!(matches!(
            c.fit_dyn(nan.view(), 0),
            Err(Error::NonFinite { row: 1, .. })
        ));
        assert!(matches!(
            c.fit_dyn(empty.view(), 0),
            Err(Error::EmptyData { .. })
        ));
    }
    let xm = XMeansParams {
        k_min: 3,
        ..XMeansParams::default()
    };
    assert_eq!(
        invalid_name(xm.build().unwrap().fit(few.view(), 0)),
        "k_min"
    );
    let gm = GMeansParams {
        k_min: 3,
        ..GMeansParams::default()
    };
    assert_eq!(
        invalid_name(gm.build().unwrap().fit(few.view(), 0)),
        "k_min"
    );
    // Tiny and duplicate data fit without splitting.
    let one = array![[5.0, 5.0]];
    let dup = Array2::from_elem((20, 3), 1.5);
    for (_, c) in both() {
        for x in [&one, &dup] {
            let m = c.fit_dyn(x.view(), 0).unwrap();
            assert_eq!(m.summary().score("n_clusters"), Some(1.0));
            assert!(m.summary().converged);
        }
    }
}

/// `A²` of four samples, from scipy 1.17.1 (uncorrected statistic), checked against R 4's
/// `pnorm(log.p = TRUE)` by hand:
///
/// ```text
/// python -c "from scipy.stats import anderson; print(repr(float(anderson(SAMPLE).statistic)))"
/// Rscript -e 'ad <- function(x){n<-length(x);z<-sort((x-mean(x))/sd(x));i<-1:n;
///   -n-mean((2*i-1)*(pnorm(z,log.p=TRUE)+pnorm(-rev(z),log.p=TRUE)))}; print(ad(SAMPLE), digits=17)'
/// ```
#[test]
fn anderson_darling_matches_scipy() {
    let cases: [(&[f64], f64); 4] = [
        (
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            0.14110924785979329,
        ),
        (
            &[0.1, 0.2, 0.2, 0.3, 0.5, 0.8, 1.3, 2.1, 3.4, 5.5, 8.9, 14.4],
            1.306803714556624,
        ),
        (
            &[0.0, 0.01, 0.02, 0.03, 10.0, 10.01, 10.02, 10.03],
            1.273770218101303,
        ),
        (
            &[
                -1.2, 0.3, 0.8, -0.4, 1.9, -2.1, 0.05, 0.6, -0.7, 1.1, -0.2, 0.4, -1.5, 0.9, 2.4,
                -0.9,
            ],
            0.09571639478662064,
        ),
    ];
    for (sample, want) in cases {
        let got = anderson_darling(sample).unwrap();
        assert!((got - want).abs() <= 1e-12, "{sample:?}: {got} vs {want}");
        // Invariant under shifts and positive scaling, and the order of the samples.
        let moved: Vec<f64> = sample.iter().rev().map(|v| 3.0 * v - 7.0).collect();
        let again = anderson_darling(&moved).unwrap();
        assert!((again - want).abs() <= 1e-12, "{again} vs {want}");
    }
}

/// On 2 000 standard-normal samples, `A*²` exceeds the 5% critical value (0.787) in about 5%
/// of the draws: the statistic, the correction and the table agree with each other.
#[test]
fn anderson_darling_rejects_normal_samples_at_about_alpha() {
    let draws = 400;
    let mut rejected = 0;
    for seed in 0..draws {
        let x = one_blob(50, 1, 1000 + seed);
        let a2 = anderson_darling(x.column(0).as_slice().unwrap()).unwrap();
        let n = 50.0;
        if a2 * (1.0 + 4.0 / n - 25.0 / (n * n)) > 0.787 {
            rejected += 1;
        }
    }
    // Binomial(400, 0.05): mean 20, sd 4.4.
    assert!((6..=34).contains(&rejected), "{rejected} of {draws}");
}

fn kmeans_inertia(k: usize, x: &Array2<f64>, seed: u64) -> f64 {
    KMeansParams::new(k)
        .build()
        .unwrap()
        .fit(x.view(), seed)
        .unwrap()
        .inertia()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// X-means starts from K-means with `k_min` clusters and the same seed, and every later
    /// step lowers the inertia or leaves it: its inertia never exceeds that K-means'.
    #[test]
    fn xmeans_inertia_never_exceeds_kmeans_with_k_min(
        n in 10usize..300, d in 1usize..6, blobs in 1usize..6, k_min in 1usize..4,
        k_max_extra in 0usize..10, seed in 0u64..1000
    ) {
        let k_min = k_min.min(n);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centers = Array2::from_shape_fn((blobs, d), |_| rng.random_range(-10.0..10.0));
        let x = gaussian_blobs(&centers, n / blobs + 1, 1.0, seed);
        let p = XMeansParams { k_min, k_max: k_min + k_max_extra, ..XMeansParams::default() };
        let m = p.build().unwrap().fit(x.view(), seed).unwrap();
        let base = kmeans_inertia(k_min, &x, seed);
        prop_assert!(m.inertia() <= base * (1.0 + 1e-9) + 1e-9, "{} > {}", m.inertia(), base);
        prop_assert!(m.n_clusters() >= k_min && m.n_clusters() <= k_min + k_max_extra);
        prop_assert!(m.labels().iter().all(|&l| l < m.n_clusters()));
        prop_assert_eq!(m.k_trace().last().copied(), Some(m.n_clusters()));

        let g = GMeansParams { k_min, k_max: k_min + k_max_extra, ..GMeansParams::default() };
        let m = g.build().unwrap().fit(x.view(), seed).unwrap();
        prop_assert!(m.inertia() <= base * (1.0 + 1e-9) + 1e-9, "{} > {}", m.inertia(), base);
        prop_assert!(m.n_clusters() >= k_min && m.n_clusters() <= k_min + k_max_extra);
    }
}
