//! The tutorial's question end to end: on `make_blobs(500, 2, centers=4, random_state=0)`
//! (from the parity fixtures), which K does each criterion pick for K = 1..=8?
//!
//! The clustering is a small seeded Lloyd's k-means written here on core's `nearest`, so that
//! this test depends on nothing but the metrics crate and core.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::BTreeMap;

use clusterlab_core::{distance::nearest, ndarray::Array2, ndarray::ArrayView2, seed};
use clusterlab_metrics::{
    Criterion, EvaluateOptions, evaluate,
    gap::{gap_pick, gap_statistic, within_dispersion},
};
use rand::Rng;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    datasets: BTreeMap<String, Vec<Vec<f64>>>,
}

fn blobs() -> Array2<f64> {
    let f: Fixtures = serde_json::from_str(include_str!("fixtures/sklearn_metrics.json")).unwrap();
    let rows = &f.datasets["blobs"];
    Array2::from_shape_vec((rows.len(), 2), rows.concat()).unwrap()
}

/// Best of 5 seeded Lloyd runs from random distinct samples.
fn kmeans(x: ArrayView2<'_, f64>, k: usize, s: u64) -> clusterlab_core::Result<Vec<usize>> {
    let n = x.nrows();
    let mut best: Option<(f64, Vec<usize>)> = None;
    for run in 0..5 {
        let mut rng = seed::rng(seed::derive(s, run));
        let idx = rand::seq::index::sample(&mut rng, n, k).into_vec();
        let mut centers = x.select(clusterlab_core::ndarray::Axis(0), &idx);
        let mut labels = vec![0; n];
        for iter in 0..100 {
            let mut changed = false;
            for (l, row) in labels.iter_mut().zip(x.rows()) {
                let j = nearest(row.as_slice().unwrap(), centers.view()).0;
                changed |= *l != j;
                *l = j;
            }
            if iter > 0 && !changed {
                break;
            }
            let mut sums = Array2::<f64>::zeros((k, x.ncols()));
            let mut counts = vec![0usize; k];
            for (&l, row) in labels.iter().zip(x.rows()) {
                let mut s = sums.row_mut(l);
                s += &row;
                counts[l] += 1;
            }
            for (j, &c) in counts.iter().enumerate() {
                if c > 0 {
                    let mean = sums.row(j).mapv(|v| v / c as f64);
                    centers.row_mut(j).assign(&mean);
                } else {
                    let r = rng.random_range(0..n);
                    centers.row_mut(j).assign(&x.row(r));
                }
            }
        }
        let w = within_dispersion(x, &labels)?;
        if best.as_ref().is_none_or(|b| w < b.0) {
            best = Some((w, labels));
        }
    }
    Ok(best.unwrap().1)
}

#[test]
fn most_criteria_pick_four_on_the_tutorial_blobs() {
    let x = blobs();
    let ks: Vec<usize> = (1..=8).collect();
    let mut series: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for &k in &ks {
        let labels = kmeans(x.view(), k, 0).unwrap();
        let r = evaluate(x.view(), &labels, None, &EvaluateOptions::exact()).unwrap();
        let nan = f64::NAN;
        series
            .entry("inertia")
            .or_default()
            .push(within_dispersion(x.view(), &labels).unwrap());
        series
            .entry("silhouette")
            .or_default()
            .push(r.silhouette.unwrap_or(nan));
        series
            .entry("calinski_harabasz")
            .or_default()
            .push(r.calinski_harabasz.unwrap_or(nan));
        series
            .entry("davies_bouldin")
            .or_default()
            .push(r.davies_bouldin.unwrap_or(nan));
    }
    let gap = gap_statistic(x.view(), &ks, 10, 0, &kmeans).unwrap();
    let mut picks = BTreeMap::new();
    for c in [
        Criterion::Elbow,
        Criterion::Silhouette,
        Criterion::CalinskiHarabasz,
        Criterion::DaviesBouldin,
    ] {
        picks.insert(c.name(), c.pick(&ks, &series[c.series()]));
    }
    picks.insert("gap", gap_pick(&gap));
    let gaps: Vec<f64> = gap.iter().map(|g| g.gap).collect();
    let se: Vec<f64> = gap.iter().map(|g| g.s_k).collect();
    assert_eq!(
        Criterion::Gap.pick_with_se(&ks, &gaps, Some(&se)),
        picks["gap"]
    );
    eprintln!("picks: {picks:?}");
    let fours = picks.values().filter(|p| **p == Some(4)).count();
    assert!(fours >= 4, "picks: {picks:?}");
    assert_eq!(picks["silhouette"], Some(4), "{picks:?}");
    assert_eq!(picks["calinski_harabasz"], Some(4), "{picks:?}");
}
