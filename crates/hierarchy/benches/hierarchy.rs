//! Criterion benches: one fit of each linkage on 5,000 samples of 8 features (four blobs), the
//! shape the comparison with scikit-learn uses. `cargo bench -p clusterlab-hierarchy`; for one
//! thread, as scikit-learn runs, `RAYON_NUM_THREADS=1`. `benches/sklearn_timing.py` times
//! scikit-learn on data of the same shape and spread.

use clusterlab_hierarchy::{AgglomerativeParams, Linkage};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n x d` points around four centers in `[-10, 10]^d`, uniform noise of spread about 1.
fn blobs(n: usize, d: usize) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let c = Array2::from_shape_fn((4, d), |_| rng.random_range(-10.0..10.0));
    Array2::from_shape_fn((n, d), |(i, j)| {
        c[[i % 4, j]] + rng.random_range(-1.0..1.0) + rng.random_range(-1.0..1.0)
    })
}

fn fits(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("agglomerative");
    g.sample_size(10);
    let (n, d) = (5000, 8);
    let x = blobs(n, d);
    for linkage in [
        Linkage::Ward,
        Linkage::Average,
        Linkage::Complete,
        Linkage::Single,
    ] {
        let a = AgglomerativeParams {
            linkage,
            ..AgglomerativeParams::new(5)
        }
        .build()
        .expect("valid parameters");
        g.bench_function(format!("{linkage}/n{n}_d{d}"), |b| {
            b.iter(|| a.fit(x.view(), 0).expect("fit"))
        });
    }
    g.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
