//! `make_blobs` of 1,000,000 x 8 (8 centers): the chacha stream with and without the shuffle,
//! and the NumPy-identical stream. `clusterlab bench data` compares the same sizes with
//! scikit-learn in one run.

use std::hint::black_box;

use clusterlab_data::{BlobsParams, Centers, NSamples, RngKind, make_blobs};
use criterion::{Criterion, criterion_group, criterion_main};

fn params(rng: RngKind, shuffle: bool) -> BlobsParams {
    BlobsParams {
        n_samples: NSamples::Total(1_000_000),
        n_features: 8,
        centers: Some(Centers::Count(8)),
        shuffle,
        seed: 170,
        rng,
        ..Default::default()
    }
}

fn blobs(c: &mut Criterion) {
    let mut g = c.benchmark_group("make_blobs_1e6x8");
    g.sample_size(10);
    for (name, rng, shuffle) in [
        ("chacha", RngKind::Chacha, true),
        ("chacha_no_shuffle", RngKind::Chacha, false),
        ("numpy", RngKind::Numpy, true),
    ] {
        let p = params(rng, shuffle);
        g.bench_function(name, |b| {
            b.iter(|| black_box(make_blobs(&p).expect("valid parameters")))
        });
    }
    g.finish();
}

criterion_group!(benches, blobs);
criterion_main!(benches);
