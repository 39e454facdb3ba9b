//! Criterion benchmarks of the metrics (`cargo bench -p clusterlab-metrics`).
//!
//! The comparison with scikit-learn is `clusterlab bench metrics`; these track our own speed.

use clusterlab_metrics::{adjusted_mutual_info_score, adjusted_rand_score, silhouette_score};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;
use rand::{Rng, SeedableRng};

/// Four Gaussian-ish blobs in `d` dimensions (sums of uniforms; shape is all that matters here).
fn blobs(n: usize, d: usize, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..n).map(|i| i % 4).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        let center = ((labels[i] * 7 + j * 3) % 10) as f64 * 2.0;
        center + (0..4).map(|_| rng.random::<f64>() - 0.5).sum::<f64>()
    });
    (x, labels)
}

fn bench(c: &mut Criterion) {
    let (x, labels) = blobs(2000, 8, 0);
    c.bench_function("silhouette 2000x8", |b| {
        b.iter(|| silhouette_score(x.view(), &labels, None))
    });
    // The size of `evaluate`'s silhouette sample, on the runner's usual two features.
    let (x, labels) = blobs(10_000, 2, 0);
    c.bench_function("silhouette 10000x2", |b| {
        b.iter(|| silhouette_score(x.view(), &labels, None))
    });
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let truth: Vec<usize> = (0..100_000).map(|_| rng.random_range(0..10)).collect();
    let pred: Vec<usize> = (0..100_000).map(|_| rng.random_range(0..8)).collect();
    c.bench_function("ari 100000", |b| {
        b.iter(|| adjusted_rand_score(&truth, &pred))
    });
    c.bench_function("ami 100000", |b| {
        b.iter(|| adjusted_mutual_info_score(&truth, &pred))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
