//! The plug-in point, proven: an algorithm that exists only in this test is registered beside
//! the shipped ones and runs through a grid, with its own score in the tables and no K, while
//! nothing outside its descriptor knows it.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::fs;

use clusterlab_core::{Clusterer, FitSummary, Model, ndarray::ArrayView2};
use clusterlab_experiment::{
    exec::{self, RunOptions},
    grid::GridFile,
    plots::{PlotKind, PlotSpec},
    registry::{Algorithm, Better, GMM, KMEANS, Params, Registry, ScoreSpec},
};
use serde::{Deserialize, Serialize};

/// Splits the data at a threshold on the first feature: it finds K (1 or 2) itself.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ThresholdParams {
    #[serde(default)]
    threshold: f64,
}

#[derive(Debug)]
struct Threshold(f64);

#[derive(Debug)]
struct ThresholdModel {
    threshold: f64,
    labels: Vec<usize>,
    spread: f64,
}

impl Params for ThresholdParams {
    type Config = Threshold;
    fn validate(&self) -> clusterlab_core::Result<Threshold> {
        if !self.threshold.is_finite() {
            return Err(clusterlab_core::Error::InvalidParameter {
                name: "threshold",
                value: self.threshold.to_string(),
                reason: "must be finite".into(),
            });
        }
        Ok(Threshold(self.threshold))
    }
}

fn label(t: f64, row: &[f64]) -> usize {
    usize::from(row[0] > t)
}

impl Clusterer for Threshold {
    fn kind(&self) -> &'static str {
        "threshold"
    }
    fn n_clusters(&self) -> Option<usize> {
        None
    }
    fn fit_dyn(
        &self,
        x: ArrayView2<'_, f64>,
        _seed: u64,
    ) -> clusterlab_core::Result<Box<dyn Model>> {
        let labels: Vec<usize> = x
            .rows()
            .into_iter()
            .map(|r| label(self.0, &r.to_vec()))
            .collect();
        let spread = x.column(0).iter().map(|v| (v - self.0).abs()).sum::<f64>();
        Ok(Box::new(ThresholdModel {
            threshold: self.0,
            labels,
            spread,
        }))
    }
}

impl Model for ThresholdModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> clusterlab_core::Result<Vec<usize>> {
        Ok(x.rows()
            .into_iter()
            .map(|r| label(self.threshold, &r.to_vec()))
            .collect())
    }
    fn summary(&self) -> FitSummary {
        FitSummary::new(1, true).with_score("spread", self.spread)
    }
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "threshold": self.threshold })
    }
}

const SPREAD: &[ScoreSpec] = &[ScoreSpec {
    name: "spread",
    better: Better::Lower,
    criterion: None,
    plot: None,
    description: "sum of distances to the threshold",
}];

/// The one entry the toy needs.
const THRESHOLD: Algorithm = Algorithm::new::<ThresholdParams>(
    "threshold",
    "a split at a threshold",
    None,
    SPREAD,
    &[("threshold", "where the first feature is split")],
);

static WITH_TOY: [Algorithm; 3] = [KMEANS, GMM, THRESHOLD];

const GRID: &str = r#"
[data]
kind = "blobs"
n_samples = 40
centers = 2
seed = 3

[[model]]
kind = "kmeans"
k = 2

[[model]]
kind = "threshold"

[grid]
seed = [0, 1]

[grid.threshold]
threshold = [-1.0, 0.0, 1.5]
"#;

#[test]
fn a_toy_algorithm_runs_through_a_grid() {
    let dir = tempfile::tempdir().unwrap();
    let grid = dir.path().join("toy.toml");
    fs::write(&grid, GRID).unwrap();
    let registry = Registry::new(&WITH_TOY);
    let plan = GridFile::load_with(&grid, registry).unwrap();
    // Two K-means cells, and 3 thresholds x 2 seeds without K.
    assert_eq!(plan.cells.len(), 8);
    assert!(
        plan.cells
            .iter()
            .filter(|c| c.kind.name == "threshold")
            .all(|c| c.k.is_none())
    );
    // The default plots are those its scores feed (none) beside K-means' elbow.
    assert!(plan.plots.contains(&PlotSpec::new(PlotKind::Elbow)));
    assert!(!plan.plots.contains(&PlotSpec::new(PlotKind::Selection)));

    let out = dir.path().join("out");
    let outcome = exec::run(
        &plan,
        &RunOptions {
            out_dir: out.clone(),
            jobs: Some(2),
            force: false,
            shard: None,
        },
    )
    .unwrap();
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);

    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert!(header.contains(&"spread"), "{header:?}");
    assert!(header.contains(&"threshold"), "{header:?}");
    for line in lines {
        let row: Vec<&str> = line.split(',').collect();
        if row[col("kind")] == "threshold" {
            assert_eq!(row[col("k")], "", "{line}");
            assert!(row[col("spread")].parse::<f64>().unwrap() > 0.0, "{line}");
            assert_eq!(row[col("inertia")], "", "{line}");
        } else {
            assert_eq!(row[col("k")], "2", "{line}");
            assert_eq!(row[col("spread")], "", "{line}");
        }
    }
    // No criterion reads the toy's score, and a model without K has no best K; K-means'
    // criteria are still picked.
    let best = fs::read_to_string(out.join("best_k.csv")).unwrap();
    assert!(!best.contains("threshold"), "{best}");
    assert!(best.contains("kmeans"), "{best}");
}

#[test]
fn a_k_on_an_algorithm_without_k_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let grid = dir.path().join("toy.toml");
    fs::write(
        &grid,
        GRID.replace("kind = \"threshold\"", "kind = \"threshold\"\nk = 3"),
    )
    .unwrap();
    let err = GridFile::load_with(&grid, Registry::new(&WITH_TOY))
        .unwrap_err()
        .to_string();
    assert!(err.contains("finds the number of clusters itself"), "{err}");
    assert!(err.contains(":14:"), "{err}");
}
