//! The chacha stream cannot equal scikit-learn's bits; it must have the same distribution.

use clusterlab_data::{BlobsParams, Centers, ClusterStd, NSamples, RngKind, make_blobs};
use proptest::prelude::*;

#[test]
fn per_cluster_mean_and_std_match_the_parameters() {
    let stds = [0.5, 1.0, 2.0, 3.0];
    let p = BlobsParams {
        n_samples: NSamples::Total(40_002),
        n_features: 3,
        centers: Some(Centers::Count(4)),
        cluster_std: ClusterStd::PerCenter(stds.to_vec()),
        seed: 9,
        ..Default::default()
    };
    let b = make_blobs(&p).unwrap();
    // sklearn's split: 40002 / 4 = 10000 rem 2, to the first two centers.
    let counts: Vec<usize> = (0..4)
        .map(|k| b.y.iter().filter(|&&y| y == k).count())
        .collect();
    assert_eq!(counts, [10_001, 10_001, 10_000, 10_000]);
    for (k, &std) in stds.iter().enumerate() {
        let rows: Vec<_> =
            b.x.rows()
                .into_iter()
                .zip(&b.y)
                .filter(|(_, y)| **y == k)
                .map(|(r, _)| r)
                .collect();
        let n = rows.len() as f64;
        for j in 0..3 {
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            // Five standard errors: a false alarm has probability below 1e-6 per check.
            let c = b.centers[[k, j]];
            assert!(
                (mean - c).abs() < 5.0 * std / n.sqrt(),
                "center {k} feature {j}: mean {mean} vs {c}"
            );
            let se_std = std / (2.0 * n).sqrt();
            assert!(
                (var.sqrt() - std).abs() < 5.0 * se_std,
                "center {k} feature {j}: std {} vs {std}",
                var.sqrt()
            );
        }
    }
    // Centers are uniform in the default box.
    assert!(b.centers.iter().all(|c| (-10.0..10.0).contains(c)));
}

#[test]
fn shuffle_mixes_the_labels_and_seeds_differ() {
    let p = BlobsParams {
        n_samples: NSamples::Total(1000),
        ..Default::default()
    };
    let a = make_blobs(&p).unwrap();
    assert!(a.y.windows(2).any(|w| w[0] > w[1]), "labels still sorted");
    let b = make_blobs(&BlobsParams {
        seed: 1,
        ..p.clone()
    })
    .unwrap();
    assert_ne!(a.x, b.x);
    assert_eq!(make_blobs(&p).unwrap(), a, "same seed, same data");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Both streams give the requested counts per center, labels in range, the requested shape.
    #[test]
    fn counts_and_shape_follow_sklearn(
        total in 1usize..60,
        k in 1usize..7,
        d in 1usize..4,
        seed in 0u64..1000,
        shuffle: bool,
        numpy: bool,
    ) {
        let p = BlobsParams {
            n_samples: NSamples::Total(total),
            n_features: d,
            centers: Some(Centers::Count(k)),
            shuffle,
            seed,
            rng: if numpy { RngKind::Numpy } else { RngKind::Chacha },
            ..Default::default()
        };
        let b = make_blobs(&p).unwrap();
        prop_assert_eq!(b.x.dim(), (total, d));
        prop_assert_eq!(b.centers.dim(), (k, d));
        for c in 0..k {
            let want = total / k + usize::from(c < total % k);
            prop_assert_eq!(b.y.iter().filter(|&&y| y == c).count(), want);
        }
    }
}
