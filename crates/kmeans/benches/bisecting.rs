//! Criterion bench of bisecting K-means on scikit-learn's scale of a real job: 100 000 x 16
//! samples in 16 blobs, K = 16, default parameters (`init = "random"`, `n_init = 1`), one
//! thread. `cargo bench -p clusterlab-kmeans --bench bisecting`; the same fit in scikit-learn,
//! on the very same points, is `benches/bisecting_sklearn.py` (run it in the same session, with
//! `OMP_NUM_THREADS=1`).

use clusterlab_kmeans::BisectingKMeansParams;
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;

/// SplitMix64, so that `bisecting_sklearn.py` can make the same points without our RNG.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) from index `i` of stream `stream`.
fn unit(stream: u64, i: u64) -> f64 {
    (splitmix(stream.wrapping_mul(1 << 40).wrapping_add(i)) >> 11) as f64 / (1u64 << 53) as f64
}

/// `n x d` samples around `k` centers drawn in [-10, 10)^d, sample `i` around center `i % k`
/// with noise in [-3, 3) per feature.
pub fn blobs(n: usize, d: usize, k: usize) -> Array2<f64> {
    let c = Array2::from_shape_fn((k, d), |(a, f)| 20.0 * unit(1, (a * d + f) as u64) - 10.0);
    Array2::from_shape_fn((n, d), |(i, f)| {
        c[[i % k, f]] + 6.0 * unit(2, (i * d + f) as u64) - 3.0
    })
}

/// The CPU time of every thread of this process so far (Linux's `/proc/self/task/*/schedstat`),
/// `None` elsewhere: on a busy machine it tells the work apart from the waiting that wall-clock
/// times include.
fn cpu_seconds() -> Option<f64> {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(ns as f64 * 1e-9)
}

fn bisecting(cr: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let mut g = cr.benchmark_group("bisecting_kmeans");
    g.sample_size(10);
    let (n, d, k) = (100_000, 16, 16);
    let x = blobs(n, d, k);
    let bk = BisectingKMeansParams::new(k)
        .build()
        .expect("valid parameters");
    for seed in [0, 1] {
        let m = pool.install(|| bk.fit(x.view(), seed).expect("fit"));
        const FITS: u32 = 10;
        let cpu = cpu_seconds().and_then(|start| {
            for _ in 0..FITS {
                pool.install(|| bk.fit(x.view(), seed).expect("fit"));
            }
            Some((cpu_seconds()? - start) / f64::from(FITS))
        });
        eprintln!(
            "seed {seed}: {} 2-means iterations in all, inertia {:.6e}, CPU time per fit {}",
            m.n_iter(),
            m.inertia(),
            cpu.map_or("unknown".into(), |s| format!("{s:.4} s"))
        );
        g.bench_function(format!("n{n}_d{d}_k{k}_1thread_seed{seed}"), |b| {
            b.iter(|| pool.install(|| bk.fit(x.view(), seed).expect("fit")))
        });
    }
    g.finish();
}

criterion_group!(benches, bisecting);
criterion_main!(benches);
