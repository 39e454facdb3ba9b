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

use plotters::style::RGBColor;

use super::{PlotError, PlotKind, PlotSpec, draw_all, plots_of, write_report};
use crate::{
    draw::{LegendEntry, Swatch},
    figures,
};

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
    // Each plot, and right after `criteria` and each cell's scatter plot their companions.
    let sizes: Vec<(&str, (u32, u32))> = vec![
        ("scatter_truth", (800, 680)),
        ("elbow", (800, 600)),
        ("selection", (1200, 560)),
        // One panel per criterion the metrics crate knows: its size follows their number.
        ("criteria", (1080, 0)),
        // One row per criterion of best_k.csv: its height follows their number.
        ("agreement", (900, 0)),
        ("scatter_kmeans_k3_seed0", (800, 680)),
        ("silhouette_kmeans_k3", (800, 680)),
        ("scatter_gmm_k3_seed0_covariance_type-full", (800, 680)),
        ("silhouette_gmm_k3_covariance_type-full", (800, 680)),
    ];
    let stems: Vec<&str> = outcomes.iter().map(|o| o.stem.as_str()).collect();
    assert_eq!(stems, sizes.iter().map(|s| s.0).collect::<Vec<_>>());
    let sizes: BTreeMap<&str, (u32, u32)> = sizes.into_iter().collect();
    for o in &outcomes {
        let files = o
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", o.stem));
        assert_eq!(files.len(), 2);
        let mut size = sizes[o.stem.as_str()];
        if o.stem == "agreement" {
            size = agreement_size(&fx.dir);
        }
        if o.stem == "criteria" {
            let spec = PlotSpec::new(PlotKind::Criteria);
            let figure =
                figures::criteria(&fx.dir, &spec, "x", &figures::palette(&fx.dir)).unwrap();
            let rows = figure.panels.len().div_ceil(3) as u32;
            assert_eq!(figure.size, (1080, 285 * rows + 110));
            size = figure.size;
        }
        assert_png(&files[0], size);
        assert_svg(&files[1], "blobs3");
    }
    let plots = fx.dir.join("plots");
    assert_svg(&plots.join("elbow.svg"), "inertia against K");
    assert_svg(&plots.join("elbow.svg"), "K (number of clusters)");
    assert_svg(&plots.join("selection.svg"), "covariance_type = diag");
    assert_svg(
        &plots.join("scatter_truth.svg"),
        "first 2 principal components of 3 features",
    );
    assert_svg(&plots.join("scatter_truth.svg"), "PC1 (");
    assert_svg(&plots.join("agreement.svg"), "Davies–Bouldin");
    assert_svg(
        &plots.join("silhouette_kmeans_k3.svg"),
        "mean silhouette = ",
    );
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
    let err = outcomes
        .iter()
        .find(|o| o.stem == "scatter_kmeans_k3_seed0")
        .and_then(|o| o.result.as_ref().err())
        .unwrap();
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
    // The six plots, the agreement chart and two silhouette plots.
    assert_eq!(html.matches("data:image/png;base64,iVBORw0KGgo").count(), 9);
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
fn report_states_the_vote_the_elbow_beside_the_silhouette_and_a_missing_knee() {
    let fx = fixture("verdicts");
    let html = fs::read_to_string(write_report(&fx.dir).unwrap()).unwrap();
    assert!(html.contains("<b>the vote picks K = "), "no vote line");
    assert!(html.contains("the best silhouette is at K = "));
    assert!(
        html.contains("lower is better"),
        "the sign convention of BIC and ICL"
    );
    // An elbow row that picks nothing: the report says there is no knee instead of a K.
    let path = fx.dir.join("best_k.csv");
    let text = fs::read_to_string(&path).unwrap();
    let cut: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            if f.len() > 4 && f[3] == "elbow" {
                f[4] = "";
            }
            f.join(",") + "\n"
        })
        .collect();
    assert_ne!(cut, text, "the fixture has an elbow row");
    fs::write(&path, cut).unwrap();
    let html = fs::read_to_string(write_report(&fx.dir).unwrap()).unwrap();
    assert!(html.contains("<b>no knee</b>"), "the missing knee is said");
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
    // The cell's silhouette plot, on the cell's own dataset.
    assert_eq!(outcomes[2].stem, "silhouette_km_k2_data.cluster_std-0.5");
    assert!(outcomes[2].result.is_ok(), "{:?}", outcomes[2].result);
    let err = outcomes[3].result.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("2 datasets match (data_id cluster_std-0.5, cluster_std-2.0)"),
        "{err}"
    );
    assert!(outcomes[4].result.is_ok());
    assert_svg(&dir.join("plots/elbow.svg"), "data.cluster_std = 0.5");
    assert_svg(&dir.join("plots/elbow.svg"), "data.cluster_std = 2");
}

/// The colour of each legend entry of a series, by its label.
fn series_colors(legend: &[LegendEntry]) -> BTreeMap<String, RGBColor> {
    legend
        .iter()
        .filter_map(|e| match &e.swatch {
            Swatch::Line(look) | Swatch::LineStar(look) => Some((e.label.clone(), look.color)),
            Swatch::Dot(c) => Some((e.label.clone(), *c)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_series_has_one_colour_and_label_in_every_figure() {
    let fx = fixture("one_colour");
    let dir = fx.dir.as_path();
    let palette = figures::palette(dir);
    let elbow = figures::elbow(dir, &PlotSpec::new(PlotKind::Elbow), "x", &palette).unwrap();
    let selection =
        figures::selection(dir, &PlotSpec::new(PlotKind::Selection), "x", &palette).unwrap();
    let criteria =
        figures::criteria(dir, &PlotSpec::new(PlotKind::Criteria), "x", &palette).unwrap();
    let agreement = figures::agreement(dir, "x", &palette).unwrap().unwrap();
    let all = series_colors(&criteria.legend);
    assert_eq!(
        all.keys().collect::<Vec<_>>(),
        [
            "gmm, covariance_type = diag",
            "gmm, covariance_type = full",
            "kmeans"
        ]
    );
    // The selection plot has no K-means line: its first line is not drawn in K-means' colour.
    let full = all["gmm, covariance_type = full"];
    assert_ne!(full, all["kmeans"]);
    for (figure, legend) in [
        ("elbow", &elbow.legend),
        ("selection", &selection.legend),
        ("agreement", &agreement.legend),
    ] {
        let colors = series_colors(legend);
        assert!(!colors.is_empty(), "{figure}");
        for (label, color) in colors {
            assert_eq!(all.get(&label), Some(&color), "{figure}: {label}");
        }
    }
    assert_eq!(
        series_colors(&selection.legend)["gmm, covariance_type = full"],
        full
    );
    // And the lines are drawn in their legend's colours.
    for panel in selection.panels.iter().chain(&criteria.panels) {
        for line in &panel.lines {
            assert!(all.values().any(|c| *c == line.look.color));
        }
    }
}

#[test]
fn stars_on_one_spot_are_spread_not_stacked() {
    let fx = fixture("stars");
    let dir = fx.dir.as_path();
    let criteria = figures::criteria(
        dir,
        &PlotSpec::new(PlotKind::Criteria),
        "x",
        &figures::palette(dir),
    )
    .unwrap();
    let mut shared = 0;
    for panel in &criteria.panels {
        let stars: Vec<_> = panel.lines.iter().flat_map(|l| &l.stars).collect();
        for (i, a) in stars.iter().enumerate() {
            for b in &stars[i + 1..] {
                if a.k == b.k && (a.y - b.y).abs() < 0.1 {
                    shared += 1;
                    assert!((a.dx - b.dx).abs() >= 14, "{a:?} hides {b:?}");
                }
            }
        }
    }
    // The three series all pick K = 3 on most criteria: the test saw stars share a spot.
    assert!(shared >= 3, "{shared}");
    assert_svg(
        &fx_plot(&fx, PlotKind::Criteria, "criteria.svg"),
        "picked K",
    );
}

/// The size of the agreement chart: 900 pixels wide, 56 high per criterion, plus a title,
/// an axis and a legend.
fn agreement_size(dir: &Path) -> (u32, u32) {
    let figure = figures::agreement(dir, "x", &figures::palette(dir))
        .unwrap()
        .unwrap();
    assert_eq!(figure.size, (900, 130 + 56 * figure.rows.len() as u32 + 24));
    figure.size
}

/// Draws one plot of the fixture and returns the path of one of its files.
fn fx_plot(fx: &Fixture, kind: PlotKind, file: &str) -> PathBuf {
    let outcome = draw_all(&fx.dir, &[PlotSpec::new(kind)]).remove(0);
    outcome.result.unwrap();
    fx.dir.join("plots").join(file)
}

#[test]
fn agreement_marks_every_pick_of_best_k_once_and_apart() {
    let fx = fixture("agreement");
    let dir = fx.dir.as_path();
    let outcomes = draw_all(dir, &[PlotSpec::new(PlotKind::Criteria)]);
    let stems: Vec<&str> = outcomes.iter().map(|o| o.stem.as_str()).collect();
    assert_eq!(stems, ["criteria", "agreement"]);
    assert!(outcomes[1].result.is_ok(), "{:?}", outcomes[1].result);
    assert_png(&dir.join("plots/agreement.png"), agreement_size(dir));
    assert_svg(
        &dir.join("plots/agreement.svg"),
        "the K each criterion picks",
    );
    let figure = figures::agreement(dir, "x", &figures::palette(dir))
        .unwrap()
        .unwrap();
    let picks = fs::read_to_string(dir.join("best_k.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(4).is_some_and(|k| !k.is_empty()))
        .count();
    assert_eq!(figure.marks.len(), picks);
    for (i, a) in figure.marks.iter().enumerate() {
        assert!(
            (a.x - a.k as f64).abs() < 0.5,
            "a mark stays in its K's column"
        );
        for b in &figure.marks[i + 1..] {
            assert!(a.row != b.row || (a.x - b.x).abs() >= figure.slot * 0.99);
        }
    }
    // Without best_k.csv there is nothing to show, and no error.
    fs::remove_file(dir.join("best_k.csv")).unwrap();
    let outcomes = draw_all(dir, &[PlotSpec::new(PlotKind::Criteria)]);
    assert_eq!(outcomes.len(), 1);
}

/// runs.csv's silhouette of the cell with this model, K and seed (the first such row).
fn runs_silhouette(dir: &Path, model: &str, k: usize, seed: u64) -> f64 {
    let runs = fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| {
            r[col("model")] == model
                && r[col("k")] == k.to_string()
                && r[col("seed")] == seed.to_string()
        })
        .map(|r| r[col("silhouette")].parse().unwrap())
        .unwrap()
}

#[test]
fn silhouette_plot_is_drawn_beside_each_cell_scatter_at_the_runs_mean() {
    let fx = fixture("silhouette");
    let dir = fx.dir.as_path();
    let outcomes = draw_all(
        dir,
        &[
            PlotSpec::scatter("kmeans", 3, 0),
            PlotSpec::scatter("kmeans", 3, 1),
            PlotSpec::scatter("kmeans", 1, 0),
            PlotSpec::truth(),
        ],
    );
    let stems: Vec<&str> = outcomes.iter().map(|o| o.stem.as_str()).collect();
    // The second seed does not overwrite the first; K = 1 has no silhouette, truth no cell.
    assert_eq!(
        stems,
        [
            "scatter_kmeans_k3_seed0",
            "silhouette_kmeans_k3",
            "scatter_kmeans_k3_seed1",
            "silhouette_kmeans_k3_seed1",
            "scatter_kmeans_k1_seed0",
            "scatter_truth"
        ]
    );
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    assert_png(&dir.join("plots/silhouette_kmeans_k3.png"), (800, 680));
    let PlotKind::Scatter(s) = PlotSpec::scatter("kmeans", 3, 0).kind else {
        unreachable!()
    };
    let knife = figures::silhouette(dir, &PlotSpec::scatter("kmeans", 3, 0), &s, "x")
        .unwrap()
        .unwrap();
    assert!((knife.mean - runs_silhouette(dir, "kmeans", 3, 0)).abs() < 1e-9);
    assert_eq!(knife.clusters.len(), 3);
    assert_eq!(
        knife.clusters.iter().map(|c| c.2.len()).sum::<usize>(),
        3 * PER_BLOB
    );
    for (_, _, values) in &knife.clusters {
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]),
            "sorted within a cluster"
        );
    }
}

#[test]
fn silhouette_plot_of_a_large_dataset_uses_the_runners_sample() {
    let mut rng = Lcg(11);
    let mut data = String::from("a,b\n");
    for i in 0..10_050 {
        let c = (i % 2) as f64 * 6.0;
        writeln!(data, "{:.4},{:.4}", c + rng.normal(), rng.normal()).unwrap();
    }
    let fx = run(
        "large_silhouette",
        r#"[data]
kind = "csv"
path = "large.csv"

[[model]]
kind = "kmeans"
n_init = 1

[grid]
k = [2]
seed = [5]
"#,
        &[("large.csv", data)],
    );
    let spec = PlotSpec::scatter("kmeans", 2, 5);
    let PlotKind::Scatter(s) = &spec.kind else {
        unreachable!()
    };
    let knife = figures::silhouette(&fx.dir, &spec, s, "x")
        .unwrap()
        .unwrap();
    let n: usize = knife.clusters.iter().map(|c| c.2.len()).sum();
    assert_eq!(n, clusterlab_metrics::DEFAULT_SILHOUETTE_SAMPLE);
    assert!(
        knife.title.contains("5000 of 10050 samples"),
        "{}",
        knife.title
    );
    assert!((knife.mean - runs_silhouette(&fx.dir, "kmeans", 2, 5)).abs() < 1e-9);
}

#[test]
fn truth_scatter_of_data_whose_first_column_is_constant_is_not_a_line() {
    // As the digits data, whose column 0 is zero: its first two columns drew a line.
    let mut rng = Lcg(3);
    let mut data = String::from("p0,p1,p2,p3,label\n");
    for (c, center) in [[0.0, 0.0, 0.0], [4.0, -4.0, 4.0], [-4.0, -4.0, 4.0]]
        .iter()
        .enumerate()
    {
        for _ in 0..30 {
            let p: Vec<String> = center
                .iter()
                .map(|m| format!("{:.4}", m + 0.5 * rng.normal()))
                .collect();
            writeln!(data, "0,{},{c}", p.join(",")).unwrap();
        }
    }
    let fx = run(
        "wide_truth",
        r#"[data]
kind = "csv"
path = "wide.csv"

[[model]]
kind = "kmeans"

[grid]
k = [3]
seed = [0]
"#,
        &[("wide.csv", data)],
    );
    let spec = PlotSpec::truth();
    let PlotKind::Scatter(s) = &spec.kind else {
        unreachable!()
    };
    let figure = figures::scatter(&fx.dir, &spec, s, "x").unwrap();
    assert!(figure.x_desc.starts_with("PC1 ("), "{}", figure.x_desc);
    assert!(figure.y_desc.starts_with("PC2 ("), "{}", figure.y_desc);
    assert!(figure.title.contains("principal components of 4 features"));
    // The three classes' centres are far apart in the plane, in both coordinates' spread.
    let means: Vec<(f64, f64)> = figure
        .groups
        .iter()
        .map(|(_, p)| {
            let n = p.len() as f64;
            (
                p.iter().map(|q| q.0).sum::<f64>() / n,
                p.iter().map(|q| q.1).sum::<f64>() / n,
            )
        })
        .collect();
    for (i, a) in means.iter().enumerate() {
        for b in &means[i + 1..] {
            assert!(((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() > 5.0);
        }
    }
    let spread = |f: fn(&(f64, f64)) -> f64| {
        let v: Vec<f64> = figure
            .groups
            .iter()
            .flat_map(|g| g.1.iter().map(f))
            .collect();
        v.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            - v.iter().cloned().fold(f64::INFINITY, f64::min)
    };
    assert!(spread(|p| p.0) > 5.0 && spread(|p| p.1) > 5.0);
    // Drawn with the cell's scatter and silhouette plots too.
    let outcomes = draw_all(&fx.dir, &[spec.clone(), PlotSpec::scatter("kmeans", 3, 0)]);
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    assert_eq!(outcomes.len(), 3);
}

fn trace_spec(t: crate::TraceSpec) -> PlotSpec {
    PlotSpec::new(PlotKind::Trace(t))
}

#[test]
fn trace_draws_a_panel_per_series_and_a_line_per_k_ending_at_the_recorded_score() {
    let fx = fixture("trace");
    let palette = figures::palette(&fx.dir);
    let spec = trace_spec(crate::TraceSpec::default());
    let figure =
        figures::trace(&fx.dir, &spec, &crate::TraceSpec::default(), "x", &palette).unwrap();
    let captions: Vec<&str> = figure.panels.iter().map(|p| p.caption.as_str()).collect();
    assert_eq!(
        captions,
        [
            "kmeans",
            "gmm, covariance_type = full",
            "gmm, covariance_type = diag",
        ],
        "`flat` (reg_covar = 0 on a constant column) failed every cell: no panel"
    );
    assert!(figure.title.contains("seed 0"), "{}", figure.title);
    let legend: Vec<&str> = figure.legend.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(legend, ["K = 1", "K = 2", "K = 3", "K = 4"]);
    let runs = crate::results::Runs::read(&fx.dir).unwrap();
    for panel in &figure.panels {
        assert_eq!(
            panel.lines.iter().map(|l| l.0).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
        assert!(panel.note.is_none());
        if panel.caption == "kmeans" {
            assert!(panel.y_desc.starts_with("inertia"), "{}", panel.y_desc);
            continue;
        }
        assert!(panel.y_desc.starts_with("lower bound"), "{}", panel.y_desc);
        assert!(!panel.log_y);
        for (k, _, values) in &panel.lines {
            // EM never lowers its bound; the line ends at the cell's recorded lower bound.
            for w in values.windows(2) {
                assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "{values:?}");
            }
            let row = runs
                .rows
                .iter()
                .find(|r| {
                    r.k == *k
                        && r.seed == 0
                        && crate::series::GroupKey::new(&r.model, &runs.axes, &r.axes)
                            == palette
                                .keys()
                                .iter()
                                .find(|key| palette.label(key) == panel.caption)
                                .unwrap()
                                .clone()
                })
                .unwrap();
            let recorded = row.scores["lower_bound"];
            assert!(
                (values.last().unwrap() - recorded).abs() <= 1e-12 * recorded.abs(),
                "{} K = {k}: {values:?} vs {recorded}",
                panel.caption
            );
        }
    }

    // Narrowed to one model, two K and another seed; drawn to files.
    let narrow = crate::TraceSpec {
        model: Some("gmm".into()),
        ks: vec![2, 3],
        seed: Some(2),
        axes: [(
            "covariance_type".to_string(),
            crate::AxisValue::Str("diag".into()),
        )]
        .into(),
    };
    let figure =
        figures::trace(&fx.dir, &trace_spec(narrow.clone()), &narrow, "x", &palette).unwrap();
    assert_eq!(figure.panels.len(), 1);
    assert_eq!(figure.panels[0].lines.len(), 2);
    assert!(figure.title.contains("seed 2"));
    let outcomes = draw_all(&fx.dir, &[trace_spec(narrow)]);
    let files = outcomes[0].result.as_ref().unwrap();
    assert_eq!(
        outcomes[0].stem,
        "trace_gmm_k2-3_seed2_covariance_type-diag"
    );
    assert_png(&files[0], (800, 460));
    assert_svg(&files[1], "lower bound (mean log-likelihood)");
}

#[test]
fn trace_says_which_cells_recorded_none_and_fails_when_none_did() {
    let grid = r#"[experiment]
name = "elkan"

[data]
kind = "blobs"
n_samples = 90
centers = 3

[[model]]
kind = "kmeans"
algorithm = "elkan"

[[model]]
kind = "kmeans"
name = "lloyd"

[grid]
k = [2, 3]
seed = [0]

[[plot]]
kind = "trace"
"#;
    let fx = run("elkan_trace", grid, &[]);
    let spec = trace_spec(crate::TraceSpec::default());
    let figure = figures::trace(
        &fx.dir,
        &spec,
        &crate::TraceSpec::default(),
        "x",
        &figures::palette(&fx.dir),
    )
    .unwrap();
    let elkan = &figure.panels[0];
    assert_eq!(elkan.caption, "kmeans");
    assert!(elkan.lines.is_empty());
    assert!(
        elkan
            .note
            .as_deref()
            .unwrap()
            .contains("no trace recorded for K = 2, 3"),
        "{:?}",
        elkan.note
    );
    assert_eq!(figure.panels[1].lines.len(), 2, "lloyd's panel");
    let only = crate::TraceSpec {
        model: Some("kmeans".into()),
        ..crate::TraceSpec::default()
    };
    let err = figures::trace(
        &fx.dir,
        &trace_spec(only.clone()),
        &only,
        "x",
        &figures::palette(&fx.dir),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("recorded a trace"), "{err}");
    let seven = crate::TraceSpec {
        seed: Some(7),
        ..crate::TraceSpec::default()
    };
    let err = figures::trace(
        &fx.dir,
        &trace_spec(seven.clone()),
        &seven,
        "x",
        &figures::palette(&fx.dir),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("has seed 7"), "{err}");
}

#[test]
fn gallery_puts_each_dataset_in_a_row_and_each_model_in_a_column() {
    let grid = r#"[experiment]
name = "gallery"

[data]
n_samples = 90
seed = 5

[data.moons]
noise = 0.05

[[model]]
kind = "kmeans"

[[model]]
kind = "gmm"
covariance_type = "full"

[[model]]
kind = "agglomerative"
linkage = "single"

[grid]
k = [2, 3]
seed = [1, 0]

[grid.data]
kind = ["moons", "blobs", "uniform"]

[[plot]]
kind = "gallery"
"#;
    let fx = run("gallery", grid, &[]);
    let palette = figures::palette(&fx.dir);
    let spec = PlotSpec::new(PlotKind::Gallery);
    let figure = figures::gallery(&fx.dir, &spec, "x", &palette).unwrap();
    assert_eq!(figure.row_labels, ["moons", "blobs", "uniform"]);
    // A model without centers (its file says `null`) has its column too.
    assert_eq!(figure.column_labels, ["kmeans", "gmm", "agglomerative"]);
    let corner = |r: usize, c: usize| figure.panels[r][c].as_ref().unwrap().corner.clone();
    // The data's own number of classes (moons 2, blobs 3); no truth: the smallest K.
    assert_eq!(corner(0, 0)[0], "K = 2");
    assert_eq!(corner(1, 1)[0], "K = 3");
    assert_eq!(corner(2, 0)[0], "K = 2");
    assert!(corner(1, 0)[1].starts_with("ARI "), "{:?}", corner(1, 0));
    assert!(
        !corner(2, 0).iter().any(|l| l.starts_with("ARI")),
        "no truth, no ARI"
    );
    assert!(corner(0, 1).last().unwrap().ends_with(" ms"));
    // Every point of a panel is drawn once, in its label's colour.
    let points: usize = figure.panels[0][0]
        .as_ref()
        .unwrap()
        .groups
        .iter()
        .map(|g| g.1.len())
        .sum();
    assert_eq!(points, 90);
    let outcomes = draw_all(&fx.dir, &[spec]);
    let files = outcomes[0].result.as_ref().unwrap();
    assert_eq!(outcomes[0].stem, "gallery");
    assert_png(&files[0], figure.size);
    assert_svg(&files[1], "uniform");
}
