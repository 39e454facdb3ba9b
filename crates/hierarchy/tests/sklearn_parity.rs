//! Agreement with scikit-learn 1.9.1 (and SciPy 1.17.1 under it) on committed fixtures
//! (`tests/fixtures/make_agglomerative_fixtures.py` wrote them): identical `children_` and
//! `labels_` for K = 2 to 5 and every linkage, on data with exact duplicates and ties too
//! (ward's `children_` there up to the order of merges of equal height, see [`Ward`]);
//! `distances_` with the same bits for complete, average and single, within 1e-12 relative for
//! ward (computed from centroids here, by Lance-Williams updates in SciPy); the dendrogram
//! coordinates of SciPy's `dendrogram`.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use std::{collections::BTreeMap, path::Path};

use clusterlab_core::Model;
use clusterlab_hierarchy::{AgglomerativeModel, AgglomerativeParams, Linkage, dendrogram_coords};
use ndarray::Array2;
use serde::Deserialize;

#[derive(Deserialize)]
struct Tree {
    children: Vec<[usize; 2]>,
    distances: Vec<f64>,
    distances_bits: Vec<u64>,
    labels: BTreeMap<usize, Vec<usize>>,
}

#[derive(Deserialize)]
struct Dendro {
    icoord: Vec<[f64; 4]>,
    dcoord: Vec<[f64; 4]>,
    leaves: Vec<usize>,
    color_list: Vec<String>,
}

#[derive(Deserialize)]
struct Fixture {
    name: String,
    sklearn_version: String,
    scipy_version: String,
    n_samples: usize,
    n_features: usize,
    n_distinct: usize,
    linkages: BTreeMap<String, Tree>,
    dendrograms: BTreeMap<String, Dendro>,
}

const LINKAGES: [(&str, Linkage); 4] = [
    ("ward", Linkage::Ward),
    ("complete", Linkage::Complete),
    ("average", Linkage::Average),
    ("single", Linkage::Single),
];

fn load(name: &str) -> (Fixture, Array2<f64>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    let f: Fixture = serde_json::from_str(&json).unwrap();
    assert_eq!(f.name, name);
    assert_eq!(f.sklearn_version, "1.9.1");
    assert_eq!(f.scipy_version, "1.17.1");
    // The data as CSV: Rust's float parsing is correctly rounded, so the values have Python's
    // bits.
    let csv = std::fs::read_to_string(dir.join(format!("{name}.csv"))).unwrap();
    let values: Vec<f64> = csv
        .lines()
        .flat_map(|l| l.split(','))
        .map(|v| v.parse().unwrap())
        .collect();
    let x = Array2::from_shape_vec((f.n_samples, f.n_features), values).unwrap();
    (f, x)
}

fn fit(x: &Array2<f64>, linkage: Linkage, k: usize) -> AgglomerativeModel {
    let p = AgglomerativeParams {
        linkage,
        ..AgglomerativeParams::new(k)
    };
    p.build().unwrap().fit(x.view(), 0).unwrap()
}

/// The cluster each merge makes, as its sorted samples.
fn merged_clusters(children: &[[usize; 2]], n: usize) -> Vec<Vec<usize>> {
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for &[a, b] in children {
        let mut m = [members[a].clone(), members[b].clone()].concat();
        m.sort_unstable();
        members.push(m);
    }
    members.split_off(n)
}

/// How ward's `children_` must agree.
#[derive(Clone, Copy, PartialEq)]
enum Ward {
    /// Exactly.
    Exact,
    /// As a hierarchy: the same clusters at the same heights (to 1e-12), in an order that may
    /// differ between merges of equal height. SciPy orders those by the rounding of its
    /// Lance-Williams updates (`sqrt(5/3)` comes out one ulp low for one of two merges that
    /// are exactly tied); ward here works from centroids, in O(n) memory, and rounds
    /// otherwise.
    UpToTiedMerges,
}

fn check(name: &str, ward: Ward) {
    let (f, x) = load(name);
    assert_eq!(f.linkages.len(), LINKAGES.len());
    for (key, linkage) in LINKAGES {
        let want = &f.linkages[key];
        assert_eq!(want.labels.len(), 4, "{name}/{key}: K = 2..5");
        for (&k, labels) in &want.labels {
            let m = fit(&x, linkage, k);
            let what = format!("{name}/{key}/K={k}");
            assert_eq!(m.labels(), &labels[..], "{what}: labels_");
            if linkage == Linkage::Ward && ward == Ward::UpToTiedMerges {
                let want_heights: Vec<f64> = want
                    .distances_bits
                    .iter()
                    .map(|&b| f64::from_bits(b))
                    .collect();
                let ours = merged_clusters(m.children(), f.n_samples);
                let theirs = merged_clusters(&want.children, f.n_samples);
                let sorted = |c: &[Vec<usize>], h: &[f64]| {
                    let mut v: Vec<(Vec<usize>, f64)> =
                        c.iter().cloned().zip(h.iter().copied()).collect();
                    v.sort_by(|a, b| a.0.cmp(&b.0));
                    v
                };
                let (a, b) = (sorted(&ours, m.distances()), sorted(&theirs, &want_heights));
                for ((ca, ha), (cb, hb)) in a.iter().zip(&b) {
                    assert_eq!(ca, cb, "{what}: the same clusters");
                    assert!(
                        (ha - hb).abs() <= 1e-12 * hb,
                        "{what}: {ca:?} at {ha} vs {hb}"
                    );
                }
                // The orders differ, and only between merges of equal height.
                let moved: Vec<usize> = (0..ours.len()).filter(|&i| ours[i] != theirs[i]).collect();
                assert!(
                    !moved.is_empty(),
                    "{what}: SciPy's rounding breaks some ties"
                );
                for &i in &moved {
                    let h = want_heights[i];
                    let tied = want_heights
                        .iter()
                        .enumerate()
                        .any(|(j, &g)| j != i && (g - h).abs() <= 1e-12 * h);
                    assert!(
                        tied,
                        "{what}: merge {i} at {h} has no merge of equal height"
                    );
                }
            } else {
                assert_eq!(m.children(), &want.children[..], "{what}: children_");
            }
            assert_eq!(m.n_leaves(), f.n_samples, "{what}");
            let distinct_warning = m.summary().warnings.iter().any(|w| w.contains("distinct"));
            assert_eq!(
                distinct_warning,
                k > f.n_distinct,
                "{what}: {:?}",
                m.warnings()
            );
            for (i, ((&got, &bits), &w)) in m
                .distances()
                .iter()
                .zip(&want.distances_bits)
                .zip(&want.distances)
                .enumerate()
            {
                // The readable value may be rounded by an ulp by the JSON reader; the bits
                // are exact.
                assert!(
                    (w - f64::from_bits(bits)).abs() <= 1e-15 * w.abs(),
                    "{what}"
                );
                let w = f64::from_bits(bits);
                if linkage == Linkage::Ward {
                    let tol = 1e-12 * w.abs();
                    assert!(
                        (got - w).abs() <= tol,
                        "{what}: distances_[{i}] {got} vs {w}"
                    );
                } else {
                    assert_eq!(got.to_bits(), bits, "{what}: distances_[{i}] {got} vs {w}");
                }
            }
            assert_eq!(m.distances().len(), want.distances.len(), "{what}");
            // The same tree cut at every other K gives that K's fit.
            for (&k2, labels2) in &want.labels {
                assert_eq!(m.cut(k2).unwrap(), *labels2, "{what}: cut({k2})");
            }
        }
    }
}

#[test]
fn small_blobs() {
    check("small", Ward::Exact);
}

#[test]
fn overlapping_blobs() {
    check("blobs", Ward::Exact);
}

#[test]
fn six_features() {
    check("wide", Ward::Exact);
}

/// Lattice points with duplicates: equal distances everywhere, broken as SciPy and
/// scikit-learn break them (ward: up to the order of equal-height merges, see [`Ward`]).
#[test]
fn ties_and_duplicates() {
    check("ties", Ward::UpToTiedMerges);
}

/// K above the number of distinct points works, as in scikit-learn, with a warning.
#[test]
fn more_clusters_than_distinct_points() {
    check("few_distinct", Ward::Exact);
}

fn check_dendrograms(name: &str) {
    let (f, x) = load(name);
    assert_eq!(f.dendrograms.len(), LINKAGES.len());
    for (key, linkage) in LINKAGES {
        let want = &f.dendrograms[key];
        let d = dendrogram_coords(&fit(&x, linkage, 2));
        let what = format!("{name}/{key}");
        assert_eq!(d.leaves, want.leaves, "{what}: leaves");
        assert_eq!(d.color_list, want.color_list, "{what}: color_list");
        // Coordinates within 1e-12 relative: JSON readers may round the fixture's by an ulp.
        for (got, want) in [(&d.icoord, &want.icoord), (&d.dcoord, &want.dcoord)] {
            assert_eq!(got.len(), want.len(), "{what}");
            for (u, w) in got.iter().zip(want) {
                for (a, b) in u.iter().zip(w) {
                    assert!((a - b).abs() <= 1e-12 * b.abs(), "{what}: {u:?} vs {w:?}");
                }
            }
        }
    }
}

#[test]
fn dendrogram_is_scipys() {
    check_dendrograms("small");
    check_dendrograms("ties");
}
