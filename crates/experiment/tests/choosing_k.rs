//! Choosing K through the runner: the stability measures, ICL, NbClust's criteria and the
//! vote in `best_k.csv`, on blobs whose K is known.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::fs;

use clusterlab_experiment::{
    exec::{self, RunOptions},
    grid::GridFile,
};
use clusterlab_metrics::select::Criterion;

const GRID: &str = r#"
[experiment]
name = "choose"
stability = true

[data]
kind = "blobs"
n_samples = 300
centers = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
cluster_std = 0.8
seed = 3

[[model]]
kind = "kmeans"
n_init = 3

[[model]]
kind = "gmm"

[grid]
k = { from = 1, to = 6 }
seed = [0, 1, 2]
"#;

#[test]
fn well_separated_blobs_get_their_k_from_the_vote_and_the_stability_measures() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("choose.toml");
    fs::write(&path, GRID).unwrap();
    let plan = GridFile::load(&path).unwrap();
    let out = tmp.path().join("out");
    let outcome = exec::run(
        &plan,
        &RunOptions {
            jobs: Some(2),
            ..RunOptions::new(&out)
        },
    )
    .unwrap();
    assert!(outcome.failed.is_empty());
    let pick = |model: &str, c: Criterion| {
        outcome
            .best_k
            .iter()
            .find(|b| b.model == model && b.criterion == c)
            .unwrap_or_else(|| panic!("no {c} for {model}"))
            .best_k
    };
    for model in ["kmeans", "gmm"] {
        assert_eq!(pick(model, Criterion::Vote), Some(3), "{model}");
        assert_eq!(
            pick(model, Criterion::PredictionStrength),
            Some(3),
            "{model}"
        );
        assert_eq!(pick(model, Criterion::ClusterStability), Some(3), "{model}");
        assert_eq!(pick(model, Criterion::Hartigan), Some(3), "{model}");
    }
    assert_eq!(pick("gmm", Criterion::Icl), Some(3));
    // The columns, and the values where they are undefined.
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    for col in [
        "icl",
        "prediction_strength",
        "cluster_stability",
        "within_ss",
    ] {
        assert!(header.contains(&col), "{col} in {header:?}");
    }
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in runs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let k: usize = f[col("k")].parse().unwrap();
        let ps: f64 = f[col("prediction_strength")].parse().unwrap();
        assert!((0.0..=1.0).contains(&ps), "{line}");
        if k == 1 {
            assert_eq!(ps, 1.0, "one cluster keeps every pair");
            assert_eq!(f[col("cluster_stability")], "", "undefined at K = 1");
        }
        if f[col("model")] == "gmm" {
            let (bic, icl): (f64, f64) = (
                f[col("bic")].parse().unwrap(),
                f[col("icl")].parse().unwrap(),
            );
            assert!(
                icl >= bic - 1e-9 * bic.abs(),
                "ICL is never below BIC: {line}"
            );
        }
    }
}

#[test]
fn stability_settings_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    for (setting, says) in [
        ("stability = { threshold = 1.5 }", "(0, 1]"),
        ("stability = { treshold = 0.8 }", "did you mean `threshold`"),
        ("stability = 3", "expected `stability = true`"),
    ] {
        let text = GRID.replace("stability = true", setting);
        let path = tmp.path().join("bad.toml");
        fs::write(&path, text).unwrap();
        let err = GridFile::load(&path).unwrap_err().to_string();
        assert!(err.contains(says), "{setting}: {err}");
    }
    let text = GRID.replace("stability = true", "stability = { threshold = 0.9 }");
    let path = tmp.path().join("ok.toml");
    fs::write(&path, text).unwrap();
    assert_eq!(GridFile::load(&path).unwrap().stability, Some(0.9));
}

#[test]
fn x_means_and_g_means_rows_give_the_k_they_found() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("auto.toml");
    let text = r#"
[experiment]
name = "auto"

[data]
kind = "blobs"
n_samples = 300
centers = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
cluster_std = 0.8
seed = 3

[[model]]
kind = "xmeans"

[[model]]
kind = "gmeans"
k_max = 10

[grid]
seed = [0, 1, 2]
"#;
    fs::write(&path, text).unwrap();
    let plan = GridFile::load(&path).unwrap();
    assert!(plan.cells.iter().all(|c| c.k.is_none()));
    let out = tmp.path().join("out");
    let outcome = exec::run(&plan, &RunOptions::new(&out)).unwrap();
    assert!(outcome.failed.is_empty());
    for (model, criterion) in [("xmeans", Criterion::XMeans), ("gmeans", Criterion::GMeans)] {
        let row = outcome
            .best_k
            .iter()
            .find(|b| b.model == model && b.criterion == criterion)
            .unwrap();
        assert_eq!(row.best_k, Some(3), "{model}");
        assert_eq!(row.spread.picks, vec![Some(3); 3], "{model}");
    }
    let best = fs::read_to_string(out.join("best_k.csv")).unwrap();
    assert!(
        best.lines()
            .any(|l| l.starts_with("xmeans,xmeans,,xmeans,3")),
        "{best}"
    );
}

#[test]
fn the_variational_mixture_gives_its_effective_k_read_at_the_largest_n_components() {
    let grid = r#"
[experiment]
name = "bayes"

[data]
kind = "blobs"
n_samples = 400
centers = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]]
seed = 2

[[model]]
kind = "bayesian_gmm"
max_iter = 300

[grid]
k = [2, 8]
seed = [0, 1]
"#;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bayes.toml");
    fs::write(&path, grid).unwrap();
    let outcome = exec::run(
        &GridFile::load(&path).unwrap(),
        &RunOptions {
            jobs: Some(2),
            ..RunOptions::new(tmp.path().join("out"))
        },
    )
    .unwrap();
    assert!(outcome.failed.is_empty());
    let rows: Vec<_> = outcome
        .best_k
        .iter()
        .filter(|b| b.criterion == Criterion::BayesianGmm)
        .collect();
    // One row, from the cells of n_components = 8 (at 2 the effective K could not exceed 2).
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].best_k, Some(4));
    assert_eq!(rows[0].spread.picks, [Some(4), Some(4)]);
    let vote = outcome
        .best_k
        .iter()
        .find(|b| b.criterion == Criterion::Vote)
        .unwrap();
    assert!(
        vote.best_k.is_some(),
        "the K-sweep criteria still vote without the found K"
    );
}
