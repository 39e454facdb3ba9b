//! Invariants under seeded randomness: identical labelings score 1, renaming labels changes
//! nothing, silhouettes stay in `[-1, 1]` and equal a brute-force double loop on clusters that
//! lie apart (where the kernel rules clusters out), splitting a cluster never raises `W`, and
//! thread count never changes a bit.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use clusterlab_core::ndarray::Array2;
use clusterlab_metrics::{
    ClusterScatter, adjusted_mutual_info_score, adjusted_rand_score, calinski_harabasz_score,
    davies_bouldin_score, dunn_score, homogeneity_completeness_v_measure,
    normalized_mutual_info_score, silhouette_samples, silhouette_score,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

fn labels(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_chacha(seed);
    (0..n).map(|_| rng.random_range(0..k)).collect()
}

fn rand_chacha(seed: u64) -> clusterlab_core::seed::ChaCha8Rng {
    clusterlab_core::seed::ChaCha8Rng::seed_from_u64(seed)
}

fn data(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = rand_chacha(seed);
    Array2::from_shape_fn((n, d), |_| rng.random_range(-5.0..5.0))
}

/// A renaming of `0..k` to distinct, sparse, shuffled values.
fn rename(l: &[usize], seed: u64) -> Vec<usize> {
    let k = l.iter().max().map_or(0, |m| m + 1);
    let mut names: Vec<usize> = (0..k).map(|i| i * 17 + 3).collect();
    let mut rng = rand_chacha(seed);
    for i in (1..k).rev() {
        names.swap(i, rng.random_range(0..=i));
    }
    l.iter().map(|&c| names[c]).collect()
}

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn identical_labelings_score_one(n in 1usize..200, k in 1usize..8, seed in 0u64..1000) {
        let a = labels(n, k, seed);
        let b = rename(&a, seed + 1);
        prop_assert!((adjusted_rand_score(&a, &b).unwrap() - 1.0).abs() < 1e-12);
        prop_assert!((normalized_mutual_info_score(&a, &b).unwrap() - 1.0).abs() < 1e-12);
        // With every sample alone in its cluster the adjustment is 0 / 0 (the expected mutual
        // information equals the mutual information), and scikit-learn's value is rounding
        // noise: 0.0 for n = 2 or 4, 1.0 for n = 3 or 5. Only that case is exempt.
        let distinct = a.iter().collect::<std::collections::BTreeSet<_>>().len();
        if distinct < n || n == 1 {
            prop_assert!((adjusted_mutual_info_score(&a, &b).unwrap() - 1.0).abs() < 1e-9);
        }
        let (h, c, v) = homogeneity_completeness_v_measure(&a, &b).unwrap();
        for m in [h, c, v] {
            prop_assert!((m - 1.0).abs() < 1e-12, "{m}");
        }
    }

    #[test]
    fn external_metrics_ignore_label_names(n in 2usize..200, k in 1usize..8, j in 1usize..8, seed in 0u64..1000) {
        let t = labels(n, k, seed);
        let p = labels(n, j, seed + 7);
        let (t2, p2) = (rename(&t, seed + 1), rename(&p, seed + 2));
        prop_assert_eq!(adjusted_rand_score(&t, &p).unwrap(), adjusted_rand_score(&t2, &p2).unwrap());
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12;
        prop_assert!(close(normalized_mutual_info_score(&t, &p).unwrap(), normalized_mutual_info_score(&t2, &p2).unwrap()));
        prop_assert!(close(adjusted_mutual_info_score(&t, &p).unwrap(), adjusted_mutual_info_score(&t2, &p2).unwrap()));
        let a = homogeneity_completeness_v_measure(&t, &p).unwrap();
        let b = homogeneity_completeness_v_measure(&t2, &p2).unwrap();
        prop_assert!(close(a.0, b.0) && close(a.1, b.1) && close(a.2, b.2));
        for v in [a.0, a.1, a.2, normalized_mutual_info_score(&t, &p).unwrap()] {
            prop_assert!(v.is_finite() && (-1e-12..=1.0 + 1e-12).contains(&v));
        }
    }

    #[test]
    fn internal_metrics_ignore_label_names(n in 3usize..150, d in 1usize..5, k in 2usize..6, seed in 0u64..1000) {
        let x = data(n, d, seed);
        let l = labels(n, k, seed + 1);
        let distinct = l.iter().collect::<std::collections::BTreeSet<_>>().len();
        prop_assume!(distinct >= 2 && distinct < n);
        let r = rename(&l, seed + 2);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
        prop_assert!(close(silhouette_score(x.view(), &l, None).unwrap(), silhouette_score(x.view(), &r, None).unwrap()));
        prop_assert!(close(calinski_harabasz_score(x.view(), &l).unwrap(), calinski_harabasz_score(x.view(), &r).unwrap()));
        prop_assert!(close(davies_bouldin_score(x.view(), &l).unwrap(), davies_bouldin_score(x.view(), &r).unwrap()));
    }

    #[test]
    fn silhouettes_lie_in_minus_one_one(n in 3usize..300, d in 1usize..20, k in 2usize..9, seed in 0u64..1000) {
        let x = data(n, d, seed);
        let l = labels(n, k, seed + 1);
        let distinct = l.iter().collect::<std::collections::BTreeSet<_>>().len();
        prop_assume!(distinct >= 2 && distinct < n);
        let s = silhouette_samples(x.view(), &l).unwrap();
        prop_assert!(s.iter().all(|v| (-1.0..=1.0).contains(v)), "{s:?}");
    }

    #[test]
    fn silhouette_of_separated_clusters_matches_brute_force(n in 30usize..400, d in 1usize..5, k in 3usize..10, spread in 0.05f64..3.0, offset in -1e4f64..1e4, seed in 0u64..1000) {
        // Labels by the nearest of k random centers, as K-means gives them: clusters lie
        // apart, so that the silhouette rules out the clusters that cannot be nearest. The
        // spread goes from well apart to overlapping, the offset moves the data off the origin.
        let mut rng = rand_chacha(seed);
        let centers = data(k, d, seed + 7);
        let mut l = vec![0usize; n];
        let x = Array2::from_shape_fn((n, d), |(i, f)| {
            if f == 0 {
                l[i] = rng.random_range(0..k);
            }
            offset + centers[[l[i], f]] + spread * rng.random_range(-1.0..1.0)
        });
        let distinct = l.iter().collect::<std::collections::BTreeSet<_>>().len();
        prop_assume!(distinct >= 2 && distinct < n);
        let got = silhouette_samples(x.view(), &l).unwrap();
        for (i, g) in got.iter().enumerate() {
            let own = l[i];
            let mut sum = vec![0.0f64; k];
            let mut cnt = vec![0usize; k];
            for j in 0..n {
                let dist: f64 = x.row(i).iter().zip(x.row(j)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
                sum[l[j]] += dist;
                cnt[l[j]] += 1;
            }
            let want = if cnt[own] < 2 {
                0.0
            } else {
                let a = sum[own] / (cnt[own] - 1) as f64;
                let b = (0..k).filter(|&c| c != own && cnt[c] > 0).map(|c| sum[c] / cnt[c] as f64).fold(f64::INFINITY, f64::min);
                if a.max(b) > 0.0 { (b - a) / a.max(b) } else { 0.0 }
            };
            prop_assert!((g - want).abs() < 1e-12, "sample {}: {} vs {}", i, g, want);
        }
        let two = in_pool(2, || silhouette_samples(x.view(), &l).unwrap());
        prop_assert_eq!(
            in_pool(1, || silhouette_samples(x.view(), &l).unwrap()).iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            two.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn silhouette_bits_do_not_depend_on_threads(n in 3usize..1500, d in 1usize..20, k in 2usize..6, seed in 0u64..1000) {
        // Up to 1500 rows: several parallel chunks for every d.
        let x = data(n, d, seed);
        let l = labels(n, k, seed + 1);
        let distinct = l.iter().collect::<std::collections::BTreeSet<_>>().len();
        prop_assume!(distinct >= 2 && distinct < n);
        let one = in_pool(1, || silhouette_samples(x.view(), &l).unwrap());
        let two = in_pool(2, || silhouette_samples(x.view(), &l).unwrap());
        prop_assert_eq!(
            one.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            two.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        let s1 = in_pool(1, || silhouette_score(x.view(), &l, None).unwrap());
        let s2 = in_pool(2, || silhouette_score(x.view(), &l, None).unwrap());
        prop_assert_eq!(s1.to_bits(), s2.to_bits());
    }

    #[test]
    fn scatter_and_dunn_bits_do_not_depend_on_threads(n in 3usize..3000, d in 1usize..24, k in 1usize..12, seed in 0u64..1000) {
        // Up to 3000 rows: several leaves of the scatter's tree (409 rows at d = 20) and several
        // blocks of Dunn's tiles; d >= 16 takes the product form.
        let x = data(n, d, seed);
        let l = labels(n, k, seed + 1);
        let one = in_pool(1, || ClusterScatter::new(x.view(), &l).unwrap());
        let two = in_pool(2, || ClusterScatter::new(x.view(), &l).unwrap());
        let bits = |s: &ClusterScatter| {
            s.within_per_feature().iter().chain(s.means()).map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        prop_assert_eq!(bits(&one), bits(&two));
        prop_assert_eq!(one.within_ss().to_bits(), two.within_ss().to_bits());
        let d1 = in_pool(1, || dunn_score(x.view(), &l, None).ok());
        let d2 = in_pool(2, || dunn_score(x.view(), &l, None).ok());
        prop_assert_eq!(d1.map(f64::to_bits), d2.map(f64::to_bits));
    }

    #[test]
    fn nbclust_indices_ignore_label_names(n in 3usize..200, d in 1usize..6, k in 1usize..7, seed in 0u64..1000) {
        let x = data(n, d, seed);
        let l = labels(n, k, seed + 1);
        let r = rename(&l, seed + 2);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1e-300);
        let (a, b) = (ClusterScatter::new(x.view(), &l).unwrap(), ClusterScatter::new(x.view(), &r).unwrap());
        prop_assert!(close(a.within_ss(), b.within_ss()));
        prop_assert!(close(a.ball_hall(), b.ball_hall()));
        prop_assert!(close(a.mean_cluster_dispersion(), b.mean_cluster_dispersion()));
        match (a.ratkowsky_lance(), b.ratkowsky_lance()) {
            (Ok(u), Ok(v)) => prop_assert!(close(u, v)),
            (u, v) => prop_assert!(u.is_err() && v.is_err()),
        }
        // Minimum and maximum of the same distances: exactly equal.
        prop_assert_eq!(dunn_score(x.view(), &l, None).ok(), dunn_score(x.view(), &r, None).ok());
    }

    #[test]
    fn splitting_a_cluster_never_raises_within_ss(n in 2usize..300, d in 1usize..6, k in 1usize..6, seed in 0u64..1000) {
        let x = data(n, d, seed);
        let coarse = labels(n, k, seed + 1);
        // Split every cluster in two by a second random labeling: a refinement.
        let halves = labels(n, 2, seed + 2);
        let fine: Vec<usize> = coarse.iter().zip(&halves).map(|(c, h)| 2 * c + h).collect();
        let wc = ClusterScatter::new(x.view(), &coarse).unwrap().within_ss();
        let wf = ClusterScatter::new(x.view(), &fine).unwrap().within_ss();
        prop_assert!(wf <= wc * (1.0 + 1e-12), "{wf} > {wc}");
        let s = ClusterScatter::new(x.view(), &fine).unwrap();
        if let Ok(r) = s.ratkowsky_lance() {
            let bound = 1.0 / (s.n_clusters() as f64).sqrt();
            prop_assert!((0.0..=bound * (1.0 + 1e-12)).contains(&r), "{r}");
        }
    }
}
