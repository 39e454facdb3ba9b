//! Times one fit from fixed centers: `cargo run --release -p clusterlab-kmeans --example
//! time_fit -- N D K lloyd|elkan [THREADS]` (a quick probe while tuning kernels).

use std::time::Instant;

use clusterlab_kmeans::{Algorithm, Init, KMeansParams, NInit};
use ndarray::Array2;
use rand::{Rng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let num = |i: usize, default: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (n, d, k) = (num(1, 100_000), num(2, 8), num(3, 8));
    let algorithm = if a.get(4).map(String::as_str) == Some("elkan") {
        Algorithm::Elkan
    } else {
        Algorithm::Lloyd
    };
    let threads = num(5, 1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let c = Array2::from_shape_fn((k, d), |_| rng.random_range(-10.0..10.0));
    let x = Array2::from_shape_fn((n, d), |(i, j)| c[[i % k, j]] + rng.random_range(-8.0..8.0));
    let centers = x.slice_axis(ndarray::Axis(0), (0..k).into()).to_owned();
    let km = KMeansParams {
        init: Init::Centers(centers),
        n_init: NInit::Count(1),
        max_iter: 50,
        tol: 0.0,
        algorithm,
        ..KMeansParams::new(k)
    }
    .build()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let mut best = f64::INFINITY;
    let mut n_iter = 0;
    for _ in 0..num(6, 7) {
        let t = Instant::now();
        let m = pool.install(|| km.fit(x.view(), 0))?;
        best = best.min(t.elapsed().as_secs_f64());
        n_iter = m.n_iter();
    }
    println!(
        "{algorithm} n={n} d={d} k={k} threads={threads}: {n_iter} iter, min {:.3e} s/iter",
        best / n_iter as f64
    );
    Ok(())
}
