//! Criterion benches: one Lloyd or Elkan fit of a few iterations from fixed centers, and
//! k-means++ seeding, on blob data. `cargo bench -p clusterlab-kmeans`; the comparison with
//! scikit-learn is `cargo xtask bench kmeans`.

use clusterlab_kmeans::{Algorithm, Init, KMeansParams, NInit};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn blobs(n: usize, d: usize, k: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let c = Array2::from_shape_fn((k, d), |_| rng.random_range(-10.0..10.0));
    Array2::from_shape_fn((n, d), |(i, j)| c[[i % k, j]] + rng.random_range(-1.0..1.0))
}

fn fits(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("kmeans_10_iter");
    g.sample_size(10);
    for (n, d, k) in [(50_000, 2, 8), (20_000, 16, 16), (10_000, 64, 64)] {
        let x = blobs(n, d, k);
        let centers = x.slice_axis(ndarray::Axis(0), (0..k).into()).to_owned();
        for algorithm in [Algorithm::Lloyd, Algorithm::Elkan] {
            let km = KMeansParams {
                init: Init::Centers(centers.clone()),
                n_init: NInit::Count(1),
                max_iter: 10,
                tol: 0.0,
                algorithm,
                ..KMeansParams::new(k)
            }
            .build()
            .expect("valid parameters");
            g.bench_function(format!("{algorithm}/n{n}_d{d}_k{k}"), |b| {
                b.iter(|| km.fit(x.view(), 0).expect("fit"))
            });
        }
    }
    g.finish();
}

fn seeding(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("kmeans_plusplus");
    g.sample_size(10);
    let x = blobs(20_000, 16, 32);
    let km = KMeansParams {
        max_iter: 1,
        ..KMeansParams::new(32)
    }
    .build()
    .expect("valid parameters");
    g.bench_function("n20000_d16_k32_plus_one_iter", |b| {
        b.iter(|| km.fit(x.view(), 0).expect("fit"))
    });
    g.finish();
}

criterion_group!(benches, fits, seeding);
criterion_main!(benches);
