//! Criterion benches of `BayesianGaussianMixture`: whole variational fits from fixed initial
//! responsibilities, with `tol = 0` so that every fit runs exactly `max_iter` iterations, for
//! each covariance type, on the two shapes of the scikit-learn comparison (10 000 x 2 with 4
//! components; 100 000 x 16 with 16 components, here cut to 20 000 samples to keep the bench
//! short).
//!
//! `cargo bench -p clusterlab-gmm --bench bayesian`; `RAYON_NUM_THREADS=1` for one thread.

use std::hint::black_box;

use clusterlab_gmm::{BayesianGaussianMixtureParams, CovarianceType};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// `n` samples around `k` centers in `[-10, 10]^d`, unit noise, and random responsibilities.
fn data(n: usize, d: usize, k: usize) -> (Array2<f64>, Array2<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let centers = Array2::from_shape_fn((k, d), |_| rng.random_range(-10.0..10.0));
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        centers[[i % k, j]] + rng.sample::<f64, _>(StandardNormal)
    });
    let mut resp = Array2::from_shape_fn((n, k), |_| rng.random::<f64>());
    for mut row in resp.rows_mut() {
        let s = row.sum();
        row /= s;
    }
    (x, resp)
}

fn fits(c: &mut Criterion) {
    for (n, d, k, max_iter) in [(10_000, 2, 4, 20), (20_000, 16, 16, 5)] {
        let (x, resp) = data(n, d, k);
        for ct in CovarianceType::ALL {
            let cfg = BayesianGaussianMixtureParams {
                covariance_type: ct,
                tol: 0.0,
                max_iter,
                ..BayesianGaussianMixtureParams::new(k)
            }
            .build()
            .expect("valid parameters");
            c.bench_function(
                &format!("bayesian_fit/{ct}/{n}x{d}, k={k}, {max_iter} iterations"),
                |b| {
                    b.iter(|| {
                        let m = cfg
                            .fit_from_responsibilities(black_box(x.view()), resp.view())
                            .expect("the fit runs");
                        black_box(m.lower_bound())
                    })
                },
            );
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(2));
    targets = fits
}
criterion_main!(benches);
