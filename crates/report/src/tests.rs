//! End-to-end tests: results folders written by running real grids (the writer's own output,
//! never a hand-made imitation of it), every kind of plot drawn from them, the files checked as
//! PNG and SVG, and the report checked.
//!
//! Set `CLUSTERLAB_KEEP_PLOTS=/some/dir` to keep the folders and look at the plots.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use clusterlab_experiment::{
    exec::{self, RunOptions},
    grid::GridFile,
};

use super::{PlotError, PlotKind, PlotSpec, draw_all, plots_of, write_report};

/// A deterministic stream in [0, 1), so the fixture needs no RNG crate.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal: the sum of four uniforms, centred and scaled.
    fn normal(&mut self) -> f64 {
        ((0..4).map(|_| self.next()).sum::<f64>() - 2.0) * 1.7
    }
}

const CENTERS: [[f64; 2]; 3] = [[0.0, 0.0], [5.0, 5.0], [0.0, 6.0]];
const PER_BLOB: usize = 40;

struct Fixture {
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// Where a fixture's results go: a temporary folder, or `CLUSTERLAB_KEEP_PLOTS/name`.
fn results_dir(tmp: &Path, name: &str) -> PathBuf {
    match std::env::var_os("CLUSTERLAB_KEEP_PLOTS") {
        Some(keep) => {
            let d = PathBuf::from(keep).join(name);
            let _ = fs::remove_dir_all(&d);
            d
        }
        None => tmp.join("results"),
    }
}

/// Runs `grid` (written to a temporary folder beside `files`) into a results folder.
fn run(name: &str, grid: &str, files: &[(&str, String)]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    for (file, text) in files {
        fs::write(tmp.path().join(file), text).unwrap();
    }
    let path = tmp.path().join("grid.toml");
    fs::write(&path, grid).unwrap();
    let plan = GridFile::load(&path).unwrap();
    let dir = results_dir(tmp.path(), name);
    let opts = RunOptions {
        jobs: Some(2),
        ..RunOptions::new(&dir)
    };
    exec::run(&plan, &opts).unwrap();
    Fixture { dir, _tmp: tmp }
}

/// Three blobs in 3-D whose third feature is constant; K-means and a Gaussian mixture (full,
/// diag), K = 1..4, seeds 0..2, and a mixture without regularisation (`flat`) whose every
/// cell fails on the constant feature.
fn fixture(name: &str) -> Fixture {
    let mut rng = Lcg(7);
    let mut data = String::from("x0,x1,x2,label\n");
    for (c, center) in CENTERS.iter().enumerate() {
        for _ in 0..PER_BLOB {
            let p: Vec<String> = center
                .iter()
                .map(|m| format!("{:.4}", m + 0.8 * rng.normal()))
                .collect();
            writeln!(data, "{},1.0,{c}", p.join(",")).unwrap();
        }
    }
    run(
        name,
        r#"[experiment]
name = "blobs3"
description = "Three blobs in 3-D: which K?"

[data]
kind = "csv"
path = "blobs3.csv"

[[model]]
kind = "kmeans"

[[model]]
kind = "gmm"

[[model]]
kind = "gmm"
name = "flat"
reg_covar = 0.0

[grid]
k = { from = 1, to = 4 }
seed = [0, 1, 2]

[grid.gmm]
covariance_type = ["full", "diag"]

[[plot]]
kind = "scatter"
truth = true

[[plot]]
kind = "elbow"

[[plot]]
kind = "selection"

[[plot]]
kind = "criteria"

[[plot]]
kind = "scatter"
model = "kmeans"
k = 3
seed = 0

[[plot]]
kind = "scatter"
model = "gmm"
k = 3
seed = 0
covariance_type = "full"
"#,
        &[("blobs3.csv", data)],
    )
}

fn assert_png(path: &Path, size: (u32, u32)) {
    let bytes = fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{}",
        path.display()
    );
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    assert_eq!((img.width(), img.height()), size, "{}", path.display());
    // Not a blank page: white background plus many other colours.
    let rgb = img.to_rgb8();
    let non_white = rgb.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    assert!(
        non_white > 2000,
        "{}: only {non_white} drawn pixels",
        path.display()
    );
}

fn assert_svg(path: &Path, must_contain: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(
        text.starts_with("<svg") || text.starts_with("<?xml"),
        "{}",
        path.display()
    );
    assert!(
        text.contains(must_contain),
        "{} lacks {must_contain:?}",
        path.display()
    );
}

#[test]
fn draws_every_kind_from_a_real_results_folder() {
    let fx = fixture("every_kind");
    let specs = plots_of(&fx.dir).unwrap();
    assert_eq!(specs.len(), 6);
    let outcomes = draw_all(&fx.dir, &specs);
    let sizes: BTreeMap<&str, (u32, u32)> = BTreeMap::from([
        ("scatter_truth", (800, 680)),
        ("elbow", (800, 600)),
        ("selection", (1200, 560)),
        ("criteria", (1080, 680)),
        ("scatter_kmeans_k3_seed0", (800, 680)),
        ("scatter_gmm_k3_seed0_covariance_type-full", (800, 680)),
    ]);
    for o in &outcomes {
        let files = o
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", o.stem));
        assert_eq!(files.len(), 2);
        assert_png(&files[0], sizes[o.stem.as_str()]);
        assert_svg(&files[1], "blobs3");
    }
    let plots = fx.dir.join("plots");
    assert_svg(&plots.join("elbow.svg"), "inertia against K");
    assert_svg(&plots.join("elbow.svg"), "K (number of clusters)");
    assert_svg(&plots.join("selection.svg"), "covariance_type = diag");
    assert_svg(&plots.join("scatter_truth.svg"), "first 2 of 3 features");
    assert_svg(&plots.join("criteria.svg"), "Davies–Bouldin");
    assert_svg(
        &plots.join("scatter_gmm_k3_seed0_covariance_type-full.svg"),
        "2σ covariance ellipses",
    );
}

#[test]
fn a_missing_model_file_fails_that_plot_only() {
    let fx = fixture("missing_model");
    fs::remove_dir_all(fx.dir.join("models")).unwrap();
    let specs = plots_of(&fx.dir).unwrap();
    let outcomes = draw_all(&fx.dir, &specs);
    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.result.is_err())
        .map(|o| o.stem.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "scatter_kmeans_k3_seed0",
            "scatter_gmm_k3_seed0_covariance_type-full"
        ]
    );
    let err = outcomes[4].result.as_ref().unwrap_err();
    assert!(matches!(err, PlotError::Io { .. }));
    assert!(err.to_string().contains(".json"), "{err}");
    assert!(fx.dir.join("plots/elbow.png").exists());
}

#[test]
fn scatter_errors_say_which_cell_is_missing_or_ambiguous() {
    let fx = fixture("scatter_errors");
    let outcomes = draw_all(
        &fx.dir,
        &[
            PlotSpec::scatter("kmeans", 9, 0),
            PlotSpec::scatter("gmm", 3, 0),
            PlotSpec::scatter("flat", 3, 0),
        ],
    );
    let msgs: Vec<String> = outcomes
        .iter()
        .map(|o| o.result.as_ref().unwrap_err().to_string())
        .collect();
    assert!(
        msgs[0].starts_with(
            "scatter_kmeans_k9_seed0: no ok cell with model kmeans, k = 9, seed = 0 in"
        ),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].contains("2 ok cells") && msgs[1].contains("covariance_type = diag | full"),
        "{}",
        msgs[1]
    );
    // Every cell of `flat` failed: the message says which.
    assert!(
        msgs[2].contains("(cell ") && msgs[2].contains("failed)"),
        "{}",
        msgs[2]
    );
}

#[test]
fn truth_without_labels_is_an_error_naming_the_file() {
    let fx = fixture("no_labels");
    let data = fs::read_to_string(fx.dir.join("data.csv")).unwrap();
    let stripped: String = data
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(a, _)| a).to_string() + "\n")
        .collect();
    fs::write(fx.dir.join("data.csv"), stripped).unwrap();
    let outcome = draw_all(&fx.dir, &[PlotSpec::truth()]).remove(0);
    let err = outcome.result.unwrap_err().to_string();
    assert!(err.contains("data.csv has no `label` column"), "{err}");
}

#[test]
fn elbow_without_kmeans_rows_says_so() {
    let fx = fixture("no_inertia");
    let runs = fs::read_to_string(fx.dir.join("runs.csv")).unwrap();
    let gmm_only: String = runs
        .lines()
        .filter(|l| !l.contains(",kmeans,"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(fx.dir.join("runs.csv"), gmm_only).unwrap();
    let outcome = draw_all(&fx.dir, &[PlotSpec::new(PlotKind::Elbow)]).remove(0);
    let err = outcome.result.unwrap_err().to_string();
    assert!(err.starts_with("elbow: no ok row of"), "{err}");
    assert!(err.contains("runs.csv has an inertia"), "{err}");
}

#[test]
fn report_is_self_contained_and_shows_every_section() {
    let fx = fixture("report");
    let specs = plots_of(&fx.dir).unwrap();
    draw_all(&fx.dir, &specs);
    let page = write_report(&fx.dir).unwrap();
    let html = fs::read_to_string(page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("data:image/png;base64,iVBORw0KGgo").count(), 6);
    assert!(!html.contains("http://") && !html.contains("https://"));
    for needle in [
        "<h1>blobs3</h1>",
        "Best K",
        "<td class=\"t\">silhouette</td>",
        "Summary over seeds",
        "12 of 48 cells failed",
        "not positive definite",
        "[grid.gmm]",
        "&quot;threads&quot;: 2",
    ] {
        assert!(html.contains(needle), "report lacks {needle:?}");
    }
}

#[test]
fn report_survives_a_folder_without_plots_or_best_k() {
    let fx = fixture("bare_report");
    fs::remove_file(fx.dir.join("best_k.csv")).unwrap();
    let html = fs::read_to_string(write_report(&fx.dir).unwrap()).unwrap();
    assert!(html.contains("No best_k.csv"));
    assert!(html.contains("not drawn"));
}

/// A grid with a data axis: two datasets under data/, runs.csv with `data_id` and
/// `data.cluster_std` columns.
fn two_datasets() -> Fixture {
    run(
        "two_datasets",
        r#"[data]
kind = "blobs"
n_samples = 30
centers = 2
seed = 4

[[model]]
kind = "kmeans"
name = "km"

[grid]
k = [1, 2, 3]
seed = [0]

[grid.data]
cluster_std = [0.5, 2.0]
"#,
        &[],
    )
}

#[test]
fn data_axes_pick_the_dataset_and_split_the_lines() {
    let fx = two_datasets();
    let dir = fx.dir.as_path();
    let specs: Vec<PlotSpec> = toml::from_str::<BTreeMap<String, Vec<PlotSpec>>>(
        r#"
        [[plot]]
        kind = "scatter"
        truth = true
        data.cluster_std = 2.0
        [[plot]]
        kind = "scatter"
        model = "km"
        k = 2
        seed = 0
        data.cluster_std = 0.5
        [[plot]]
        kind = "scatter"
        truth = true
        [[plot]]
        kind = "elbow"
        "#,
    )
    .unwrap()
    .remove("plot")
    .unwrap();
    let outcomes = draw_all(dir, &specs);
    assert_eq!(outcomes[0].stem, "scatter_truth_data.cluster_std-2");
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    assert!(outcomes[1].result.is_ok(), "{:?}", outcomes[1].result);
    let err = outcomes[2].result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("2 datasets match (data_id cluster_std-0.5, cluster_std-2.0)"),
        "{err}"
    );
    assert!(outcomes[3].result.is_ok());
    assert_svg(&dir.join("plots/elbow.svg"), "data.cluster_std = 0.5");
    assert_svg(&dir.join("plots/elbow.svg"), "data.cluster_std = 2");
}
