//! Agreement with scikit-learn 1.5.2 from the same initial centers, on committed fixtures
//! (`tests/fixtures/make_fixtures.py` wrote them): identical labels and iteration counts,
//! inertia within 1e-9 relative, centers within 1e-9.
#![allow(clippy::unwrap_used)] // Tests may unwrap; clippy only knows that inside #[test] fns.

use std::path::Path;

use clusterlab_kmeans::{Algorithm, Init, KMeansParams, NInit};
use ndarray::Array2;
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    labels: Vec<usize>,
    inertia: f64,
    centers: Vec<Vec<f64>>,
    n_iter: usize,
}

#[derive(Deserialize)]
struct Fixture {
    name: String,
    sklearn_version: String,
    n_clusters: usize,
    max_iter: usize,
    tol: f64,
    x: Vec<Vec<f64>>,
    sample_weight: Option<Vec<f64>>,
    init: Vec<Vec<f64>>,
    lloyd: Expected,
    elkan: Expected,
}

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let d = rows[0].len();
    Array2::from_shape_vec((rows.len(), d), rows.concat()).unwrap()
}

fn check(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{name}.json"));
    let f: Fixture = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(f.name, name);
    assert_eq!(f.sklearn_version, "1.5.2");
    let x = matrix(&f.x);
    for (algorithm, want) in [(Algorithm::Lloyd, &f.lloyd), (Algorithm::Elkan, &f.elkan)] {
        let params = KMeansParams {
            init: Init::Centers(matrix(&f.init)),
            n_init: NInit::Count(1),
            max_iter: f.max_iter,
            tol: f.tol,
            algorithm,
            ..KMeansParams::new(f.n_clusters)
        };
        let km = params.build().unwrap();
        let m = match &f.sample_weight {
            Some(w) => km.fit_weighted(x.view(), w, 0).unwrap(),
            None => km.fit(x.view(), 0).unwrap(),
        };
        let what = format!("{name} / {algorithm}");
        assert_eq!(m.labels(), &want.labels[..], "{what}: labels");
        assert_eq!(m.n_iter(), want.n_iter, "{what}: n_iter");
        // scikit-learn works on mean-centered data, which leaves rounding residue (about
        // 1e-30 where the inertia is exactly 0): hence the tiny absolute floor.
        let tol = 1e-9 * want.inertia.abs() + 1e-20;
        assert!(
            (m.inertia() - want.inertia).abs() <= tol,
            "{what}: inertia {} vs {}",
            m.inertia(),
            want.inertia
        );
        let c = matrix(&want.centers);
        for ((i, j), &v) in c.indexed_iter() {
            let got = m.centers()[[i, j]];
            assert!(
                (got - v).abs() <= 1e-9 * v.abs().max(1.0),
                "{what}: center [{i}, {j}] {got} vs {v}"
            );
        }
    }
}

#[test]
fn blobs_k4() {
    check("blobs_k4");
}

#[test]
fn blobs_k5() {
    check("blobs_k5");
}

#[test]
fn blobs_k1() {
    check("blobs_k1");
}

#[test]
fn blobs_max_iter_2() {
    check("blobs_max_iter_2");
}

#[test]
fn blobs_tol_0() {
    check("blobs_tol_0");
}

#[test]
fn duplicates() {
    check("duplicates");
}

#[test]
fn scales() {
    check("scales");
}

#[test]
fn far_center() {
    check("far_center");
}

#[test]
fn weighted() {
    check("weighted");
}

#[test]
fn wide_d20_k16() {
    check("wide_d20_k16");
}

#[test]
fn offset_d24_k12() {
    check("offset_d24_k12");
}
