//! Agreement with NbClust's formulas and decision rules on committed fixtures, made by a
//! plain-R transcription of NbClust 3.0's code with fpc 2.2.10 as a cross-check for Dunn's
//! index (`fixtures/make_nbclust_fixtures.R`, which says how to rerun it).
//!
//! The data are 90 samples of 3 features; the labels for K = 1..7 are fixed (cuts of one
//! ward.D2 tree), so no clustering runs here. Every value must agree within `1e-10` relative;
//! every pick over K = 2..6 must be NbClust's.

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::collections::BTreeMap;

use clusterlab_core::ndarray::Array2;
use clusterlab_metrics::{
    ClusterScatter, EvaluateOptions, Metric, ball_hall_score, dunn_score, evaluate_metrics,
    ratkowsky_lance_score,
    select::{
        ball_hall_pick, dunn_pick, hartigan_pick, hartigan_values, krzanowski_lai_pick,
        krzanowski_lai_values, ratkowsky_lance_pick,
    },
    within_ss,
};

/// A CSV of numbers with a header: the columns by name ("NA" is NaN).
fn table(text: &str) -> BTreeMap<String, Vec<f64>> {
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), names.len(), "{line}");
        for (c, v) in cols.iter_mut().zip(cells) {
            c.push(if v == "NA" {
                f64::NAN
            } else {
                v.parse().unwrap()
            });
        }
    }
    names.into_iter().zip(cols).collect()
}

struct Fixture {
    x: Array2<f64>,
    /// Labels of K = 1..=7, by K.
    labels: BTreeMap<usize, Vec<usize>>,
    /// Expected values by index name, parallel to `ks`.
    values: BTreeMap<String, Vec<f64>>,
    ks: Vec<usize>,
    picks: BTreeMap<String, usize>,
}

fn fixture() -> Fixture {
    let data = table(include_str!("fixtures/nbclust_data.csv"));
    let cols: Vec<&Vec<f64>> = data.values().collect();
    let n = cols[0].len();
    let x = Array2::from_shape_fn((n, cols.len()), |(i, j)| cols[j][i]);
    let labels = table(include_str!("fixtures/nbclust_labels.csv"))
        .into_iter()
        .map(|(name, v)| {
            let k: usize = name.trim_start_matches('k').parse().unwrap();
            (k, v.iter().map(|&l| l as usize).collect())
        })
        .collect();
    let mut values = table(include_str!("fixtures/nbclust_values.csv"));
    let ks = values
        .remove("k")
        .unwrap()
        .iter()
        .map(|&k| k as usize)
        .collect();
    let picks = include_str!("fixtures/nbclust_picks.csv")
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, k) = l.split_once(',').unwrap();
            (name.to_owned(), k.parse().unwrap())
        })
        .collect();
    Fixture {
        x,
        labels,
        values,
        ks,
        picks,
    }
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-10 * want.abs()
}

/// Compares a computed series with the fixture's column (`None` where R has NA).
fn check(name: &str, f: &Fixture, got: &[Option<f64>]) {
    let want = &f.values[name];
    for ((k, g), w) in f.ks.iter().zip(got).zip(want) {
        match g {
            Some(g) => assert!(close(*g, *w), "{name} at K = {k}: {g} vs R's {w}"),
            None => assert!(w.is_nan(), "{name} at K = {k}: undefined, R has {w}"),
        }
    }
}

#[test]
fn fixture_shape() {
    let f = fixture();
    assert_eq!(f.x.dim(), (90, 3));
    assert_eq!(f.ks, (1..=7).collect::<Vec<_>>());
    for (k, l) in &f.labels {
        assert_eq!(
            l.iter().collect::<std::collections::BTreeSet<_>>().len(),
            *k
        );
    }
}

#[test]
fn per_clustering_values_match_r() {
    let f = fixture();
    let per_k = |g: &dyn Fn(&[usize]) -> Option<f64>| -> Vec<Option<f64>> {
        f.ks.iter().map(|k| g(&f.labels[k])).collect()
    };
    let x = f.x.view();
    check("within_ss", &f, &per_k(&|l| Some(within_ss(x, l).unwrap())));
    check(
        "ball_hall",
        &f,
        &per_k(&|l| Some(ball_hall_score(x, l).unwrap())),
    );
    check(
        "mean_cluster_dispersion",
        &f,
        &per_k(&|l| Some(ClusterScatter::new(x, l).unwrap().mean_cluster_dispersion())),
    );
    check(
        "ratkowsky_lance",
        &f,
        &per_k(&|l| ratkowsky_lance_score(x, l).ok()),
    );
    check("dunn", &f, &per_k(&|l| dunn_score(x, l, None).ok()));
}

#[test]
fn evaluate_reports_the_same_values() {
    let f = fixture();
    let which = [
        Metric::WithinSs,
        Metric::BallHall,
        Metric::RatkowskyLance,
        Metric::Dunn,
    ];
    for (i, k) in f.ks.iter().enumerate() {
        let r = evaluate_metrics(
            f.x.view(),
            &f.labels[k],
            None,
            &EvaluateOptions::exact(),
            &which,
        )
        .unwrap();
        for m in which {
            let want = f.values[m.name()][i];
            match m.value(&r) {
                Some(v) => assert!(close(v, want), "{m} at K = {k}: {v} vs {want}"),
                None => assert!(want.is_nan(), "{m} at K = {k}: None vs {want}"),
            }
        }
        assert_eq!(r.silhouette, None);
    }
}

#[test]
fn series_indices_match_r() {
    let f = fixture();
    let w = &f.values["within_ss"];
    check("hartigan", &f, &hartigan_values(&f.ks, w, 90));
    check("krzanowski_lai", &f, &krzanowski_lai_values(&f.ks, w, 3));
    // NbClust's code multiplies by n - K where the formula has n - K - 1 (see
    // `hartigan_values`); the fixture holds both, and they differ by exactly that factor.
    let code: Vec<Option<f64>> = hartigan_values(&f.ks, w, 90)
        .iter()
        .zip(&f.ks)
        .map(|(h, &k)| h.map(|h| h * (90 - k) as f64 / (90 - k - 1) as f64))
        .collect();
    check("hartigan_nbclust_code", &f, &code);
}

#[test]
fn picks_over_two_to_six_match_nbclust() {
    let f = fixture();
    // Columns restricted to K in `lo..=hi`, as NbClust(min.nc = 2, max.nc = 6) sees them.
    let range = |name: &str, lo: usize, hi: usize| -> (Vec<usize>, Vec<f64>) {
        f.ks.iter()
            .zip(&f.values[name])
            .filter(|(k, _)| (lo..=hi).contains(*k))
            .map(|(&k, &v)| (k, v))
            .unzip()
    };
    // Hartigan over 2..=6 needs W(2..=7); Krzanowski-Lai needs W(1..=7).
    let (ks, w) = range("within_ss", 2, 7);
    assert_eq!(hartigan_pick(&ks, &w, 90), Some(f.picks["hartigan"]));
    let (ks, w) = range("within_ss", 1, 7);
    assert_eq!(
        krzanowski_lai_pick(&ks, &w, 3),
        Some(f.picks["krzanowski_lai"])
    );
    let (ks, b) = range("ball_hall", 2, 6);
    assert_eq!(ball_hall_pick(&ks, &b), Some(f.picks["ball_hall"]));
    let (ks, r) = range("ratkowsky_lance", 2, 6);
    assert_eq!(
        ratkowsky_lance_pick(&ks, &r),
        Some(f.picks["ratkowsky_lance"])
    );
    let (ks, d) = range("dunn", 2, 6);
    assert_eq!(dunn_pick(&ks, &d), Some(f.picks["dunn"]));
    // The data has four groups: Hartigan and Krzanowski-Lai find them.
    assert_eq!(f.picks["hartigan"], 4);
    assert_eq!(f.picks["hartigan_nbclust_code"], 4);
}
