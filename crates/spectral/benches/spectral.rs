//! Criterion benches: spectral clustering of scikit-learn's `make_moons(2000, noise=0.05,
//! random_state=0)` (the very points) with both affinities, labels by K-means and by
//! `cluster_qr`. `cargo bench -p clusterlab-spectral`; the comparison with scikit-learn on the
//! same points, in one session, is `examples/time_fit.rs` beside `benches/sklearn_moons.py`.

use clusterlab_data::{MoonsParams, NSamples2, RngKind};
use clusterlab_spectral::{Affinity, AssignLabels, SpectralClusteringParams};
use criterion::{Criterion, criterion_group, criterion_main};

fn fits(cr: &mut Criterion) {
    let data = MoonsParams {
        n_samples: NSamples2::Total(2000),
        noise: Some(0.05),
        seed: 0,
        rng: RngKind::Numpy,
        ..Default::default()
    }
    .generate()
    .expect("valid moons");
    let mut g = cr.benchmark_group("spectral_moons_2000");
    g.sample_size(10);
    for affinity in [Affinity::NearestNeighbors, Affinity::Rbf] {
        for assign_labels in [AssignLabels::Kmeans, AssignLabels::ClusterQr] {
            let sc = SpectralClusteringParams {
                affinity,
                assign_labels,
                ..SpectralClusteringParams::new(2)
            }
            .build()
            .expect("valid parameters");
            g.bench_function(format!("{affinity}/{assign_labels}"), |b| {
                b.iter(|| sc.fit(data.x(), 0).expect("fit"))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, fits);
criterion_main!(benches);
