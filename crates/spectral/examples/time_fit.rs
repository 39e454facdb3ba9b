//! Times spectral clustering on scikit-learn's `make_moons(N, noise=0.05, random_state=0)`
//! (the very points, from clusterlab-data's NumPy stream): `cargo run --release -p
//! clusterlab-spectral --example time_fit -- [N] [THREADS] [REPEATS]`. It prints the fastest
//! of REPEATS fits of every affinity and `assign_labels`, and the ARI against the moons'
//! labels; `benches/sklearn_moons.py` times scikit-learn on the same points.

use std::time::Instant;

use clusterlab_data::{MoonsParams, NSamples2, RngKind};
use clusterlab_metrics::adjusted_rand_score;
use clusterlab_spectral::{Affinity, AssignLabels, SpectralClusteringParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let num = |i: usize, default: usize| a.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (n, threads, repeats) = (num(1, 2000), num(2, 1), num(3, 5));
    let data = MoonsParams {
        n_samples: NSamples2::Total(n),
        noise: Some(0.05),
        seed: 0,
        rng: RngKind::Numpy,
        ..Default::default()
    }
    .generate()?;
    let truth = data.labels().ok_or("moons have labels")?.to_vec();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    for affinity in [Affinity::NearestNeighbors, Affinity::Rbf] {
        for assign_labels in [
            AssignLabels::Kmeans,
            AssignLabels::Discretize,
            AssignLabels::ClusterQr,
        ] {
            let sc = SpectralClusteringParams {
                affinity,
                assign_labels,
                ..SpectralClusteringParams::new(2)
            }
            .build()?;
            let mut best = f64::INFINITY;
            let mut last = None;
            for _ in 0..repeats {
                let t = Instant::now();
                let m = pool.install(|| sc.fit(data.x(), 0))?;
                best = best.min(t.elapsed().as_secs_f64());
                last = Some(m);
            }
            let m = last.ok_or("at least one repeat")?;
            println!(
                "{affinity} {assign_labels} n={n} threads={threads}: min {best:.4} s, {} block \
                 iterations, residual {:.1e}, ARI {:.4}",
                m.eigen_n_iter(),
                m.eigen_residual(),
                adjusted_rand_score(&truth, m.labels())?
            );
        }
    }
    Ok(())
}
