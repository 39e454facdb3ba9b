//! Criterion benches of the EM kernels on one chunk of samples: the E-step (weighted
//! log-probabilities and responsibilities) and the M-step statistics, for each covariance type.
//!
//! `cargo bench -p clusterlab-gmm`. Whole-iteration timings against scikit-learn are in
//! `clusterlab bench gmm`.

use std::hint::black_box;

use clusterlab_core::par::chunk_rows;
use clusterlab_gmm::{
    CovarianceArray, CovarianceType,
    kernels::{
        Estimator, Scratch, Stats, accumulate_stats, responsibilities_in_place,
        weighted_log_prob_into,
    },
};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array1, Array2, Array3};

fn setup(ct: CovarianceType, d: usize, k: usize) -> (Vec<f64>, Estimator, Vec<f64>) {
    let m = chunk_rows(d);
    // A deterministic spread of values; the kernels' cost does not depend on them.
    let x: Vec<f64> = (0..m * d)
        .map(|i| ((i * 7919) % 1000) as f64 / 100.0 - 5.0)
        .collect();
    let means = Array2::from_shape_fn((k, d), |(j, l)| (j as f64 - l as f64) * 0.3);
    let weights = Array1::from_elem(k, 1.0 / k as f64);
    let prec = match ct {
        CovarianceType::Full => {
            CovarianceArray::Full(Array3::from_shape_fn((k, d, d), |(_, a, b)| {
                if a == b {
                    1.0
                } else if a < b {
                    0.1
                } else {
                    0.0
                }
            }))
        }
        CovarianceType::Tied => CovarianceArray::Tied(Array2::from_shape_fn((d, d), |(a, b)| {
            if a == b {
                1.0
            } else if a < b {
                0.1
            } else {
                0.0
            }
        })),
        CovarianceType::Diag => CovarianceArray::Diag(Array2::from_elem((k, d), 0.8)),
        CovarianceType::Spherical => CovarianceArray::Spherical(Array1::from_elem(k, 0.8)),
    };
    let est = Estimator::new(&weights, &means, &prec);
    (x, est, means.into_raw_vec_and_offset().0)
}

fn kernels(c: &mut Criterion) {
    for (d, k) in [(16, 16), (2, 4)] {
        let m = chunk_rows(d);
        for ct in CovarianceType::ALL {
            let (x, est, shift) = setup(ct, d, k);
            let mut scratch = Scratch::new(m, d, k);
            let mut wlp = vec![0.0; m * k];
            let mut lpn = vec![0.0; m];
            c.bench_function(&format!("e_step/{ct}/chunk {m}x{d}, k={k}"), |b| {
                b.iter(|| {
                    weighted_log_prob_into(&est, black_box(&x), &mut scratch, &mut wlp);
                    responsibilities_in_place(&mut wlp, k, &mut lpn);
                    black_box(&wlp);
                })
            });
            c.bench_function(&format!("m_step_stats/{ct}/chunk {m}x{d}, k={k}"), |b| {
                b.iter(|| {
                    let mut st = Stats::zeros(ct, k, d);
                    accumulate_stats(ct, black_box(&x), &wlp, &shift, &mut scratch, &mut st);
                    black_box(st)
                })
            });
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = kernels
}
criterion_main!(benches);
