//! Invariants under seeded randomness, over several shapes: labels in range and exactly K of
//! them, nested cuts, the merge heights of a brute-force agglomeration, one thread and many
//! giving the same bits.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use clusterlab_hierarchy::{AgglomerativeModel, AgglomerativeParams, Linkage};
use ndarray::Array2;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LINKAGES: [Linkage; 4] = [
    Linkage::Ward,
    Linkage::Complete,
    Linkage::Average,
    Linkage::Single,
];

/// `n x d` points around three random centers; with `grid`, rounded to integers so that
/// duplicates and equal distances abound.
fn data(n: usize, d: usize, seed: u64, grid: bool) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let c = Array2::from_shape_fn((3, d), |_| rng.random_range(-5.0..5.0));
    Array2::from_shape_fn((n, d), |(i, j)| {
        let v: f64 = c[[i % 3, j]] + rng.random_range(-2.0..2.0);
        if grid { v.round() } else { v }
    })
}

fn fit(x: &Array2<f64>, linkage: Linkage, k: usize) -> AgglomerativeModel {
    AgglomerativeParams {
        linkage,
        ..AgglomerativeParams::new(k)
    }
    .build()
    .unwrap()
    .fit(x.view(), 0)
    .unwrap()
}

fn on_threads<R: Send>(n: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
        .install(f)
}

fn linkages() -> impl Strategy<Value = Linkage> {
    prop_oneof![
        Just(Linkage::Ward),
        Just(Linkage::Complete),
        Just(Linkage::Average),
        Just(Linkage::Single)
    ]
}

/// The merge heights of the textbook O(n³) agglomeration: merge the closest pair of clusters
/// under the linkage's definition, from the samples themselves, until one cluster is left.
fn brute_force_heights(x: &Array2<f64>, linkage: Linkage) -> Vec<f64> {
    let n = x.nrows();
    let dist = |a: usize, b: usize| -> f64 {
        x.row(a)
            .iter()
            .zip(x.row(b).iter())
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f64>()
            .sqrt()
    };
    let between = |u: &[usize], v: &[usize]| -> f64 {
        let pairs = || u.iter().flat_map(|&a| v.iter().map(move |&b| dist(a, b)));
        match linkage {
            Linkage::Single => pairs().fold(f64::INFINITY, f64::min),
            Linkage::Complete => pairs().fold(0.0, f64::max),
            Linkage::Average => pairs().sum::<f64>() / (u.len() * v.len()) as f64,
            Linkage::Ward => {
                let centroid = |s: &[usize]| -> Vec<f64> {
                    (0..x.ncols())
                        .map(|f| s.iter().map(|&i| x[[i, f]]).sum::<f64>() / s.len() as f64)
                        .collect()
                };
                let (cu, cv) = (centroid(u), centroid(v));
                let sq: f64 = cu.iter().zip(&cv).map(|(a, b)| (a - b) * (a - b)).sum();
                let (nu, nv) = (u.len() as f64, v.len() as f64);
                (2.0 * nu * nv / (nu + nv) * sq).sqrt()
            }
        }
    };
    let mut clusters: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut heights = Vec::new();
    while clusters.len() > 1 {
        let mut best = (f64::INFINITY, 0, 1);
        for a in 0..clusters.len() {
            for b in a + 1..clusters.len() {
                let h = between(&clusters[a], &clusters[b]);
                if h < best.0 {
                    best = (h, a, b);
                }
            }
        }
        let (h, a, b) = best;
        let merged = clusters.remove(b);
        clusters[a].extend(merged);
        heights.push(h);
    }
    heights.sort_by(f64::total_cmp);
    heights
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Labels lie in 0..K and every one of them is used: a cut of a tree into K subtrees gives
    /// K non-empty clusters even when K exceeds the distinct points.
    #[test]
    fn labels_in_range_and_exactly_k_clusters(
        n in 1usize..120, d in 1usize..6, k in 1usize..12, seed in 0u64..1000,
        linkage in linkages(), grid in any::<bool>()
    ) {
        let k = k.min(n);
        let x = data(n, d, seed, grid);
        let m = fit(&x, linkage, k);
        prop_assert_eq!(m.labels().len(), n);
        let mut seen = vec![false; k];
        for &l in m.labels() {
            prop_assert!(l < k);
            seen[l] = true;
        }
        prop_assert!(seen.iter().all(|&s| s), "labels {:?}", m.labels());
        prop_assert_eq!(m.cut(k).unwrap(), m.labels().to_vec());
        prop_assert_eq!(m.children().len(), n - 1);
        for w in m.distances().windows(2) {
            prop_assert!(w[0] <= w[1], "heights {:?}", m.distances());
        }
    }

    /// Every cluster of the cut at K + 1 lies inside one cluster of the cut at K, and the cut
    /// height does not rise with K.
    #[test]
    fn cutting_at_k_plus_one_refines_the_cut_at_k(
        n in 2usize..100, d in 1usize..5, seed in 0u64..1000,
        linkage in linkages(), grid in any::<bool>()
    ) {
        let x = data(n, d, seed, grid);
        let m = fit(&x, linkage, 1);
        let mut coarse = m.cut(1).unwrap();
        for k in 2..=n.min(15) {
            let fine = m.cut(k).unwrap();
            let mut parent = vec![None; k];
            for (&f, &c) in fine.iter().zip(&coarse) {
                prop_assert!(parent[f].is_none_or(|p| p == c), "K = {}: {:?} vs {:?}", k, fine, coarse);
                parent[f] = Some(c);
            }
            prop_assert!(m.cut_height(k).unwrap() <= m.cut_height(k - 1).unwrap());
            coarse = fine;
        }
    }

    /// The merge heights are those of the textbook agglomeration (on data without ties, where
    /// the merges are unique).
    #[test]
    fn heights_are_the_brute_force_agglomerations(
        n in 2usize..30, d in 1usize..5, seed in 0u64..1000, linkage in linkages()
    ) {
        let x = data(n, d, seed, false);
        let m = fit(&x, linkage, 1);
        let want = brute_force_heights(&x, linkage);
        for (got, want) in m.distances().iter().zip(&want) {
            prop_assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{:?} vs {:?}", m.distances(), want);
        }
    }

    /// Small shapes on 1, 2 and 3 threads.
    #[test]
    fn same_bits_on_any_number_of_threads(
        n in 2usize..600, d in 1usize..80, seed in 0u64..1000, linkage in linkages()
    ) {
        let x = data(n, d, seed, seed % 2 == 0);
        let one = on_threads(1, || fit(&x, linkage, 3));
        for threads in [2, 3] {
            let many = on_threads(threads, || fit(&x, linkage, 3));
            prop_assert_eq!(one.children(), many.children());
            prop_assert_eq!(one.labels(), many.labels());
            let bits = |m: &AgglomerativeModel| m.distances().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&one), bits(&many));
        }
    }
}

/// Shapes large enough for every scan to run in parallel (ward's and Prim's panels from
/// `n d >= 32768`, the condensed matrix's rows from 4,096 samples).
#[test]
fn same_bits_on_any_number_of_threads_at_parallel_sizes() {
    for (linkage, n, d) in [
        (Linkage::Ward, 1500, 24),
        (Linkage::Single, 1500, 24),
        (Linkage::Complete, 4200, 2),
        (Linkage::Average, 4200, 2),
    ] {
        let x = data(n, d, 7, linkage == Linkage::Average);
        let one = on_threads(1, || fit(&x, linkage, 4));
        let two = on_threads(2, || fit(&x, linkage, 4));
        assert_eq!(one.children(), two.children(), "{linkage}");
        assert_eq!(one.labels(), two.labels(), "{linkage}");
        let bits = |m: &AgglomerativeModel| -> Vec<u64> {
            m.distances().iter().map(|v| v.to_bits()).collect()
        };
        assert_eq!(bits(&one), bits(&two), "{linkage}");
    }
}

#[test]
fn every_linkage_runs_on_duplicates_only() {
    let x = Array2::from_elem((7, 3), 2.5);
    for linkage in LINKAGES {
        let m = fit(&x, linkage, 3);
        assert!(m.distances().iter().all(|&h| h == 0.0), "{linkage}");
        assert_eq!(m.warnings().len(), 1, "{linkage}");
        assert!(
            m.warnings()[0].contains("only 1 distinct points"),
            "{linkage}"
        );
    }
}
