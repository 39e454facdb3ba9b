//! End-to-end tests: a results folder written by hand (following the runner's contract), every
//! kind of plot drawn from it, the files checked as PNG and SVG, and the report checked.
//!
//! Set `CLUSTERLAB_KEEP_PLOTS=/some/dir` to keep the folder and look at the plots.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use super::{PlotError, PlotKind, PlotSpec, draw_all, plots_of, series::mean_std, write_report};

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

const CENTERS: [[f64; 3]; 3] = [[0.0, 0.0, 0.0], [5.0, 5.0, 1.0], [0.0, 6.0, -1.0]];
const PER_BLOB: usize = 40;

pub(crate) struct Fixture {
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

/// A results folder: 3 blobs in 3-D; kmeans and gmm (full, diag), K = 1..4, seeds 0..2; one
/// failed cell; models saved for the cells the scatter plots show.
pub(crate) fn fixture(name: &str) -> Fixture {
    let (dir, tmp) = match std::env::var_os("CLUSTERLAB_KEEP_PLOTS") {
        Some(keep) => {
            let d = PathBuf::from(keep).join(name);
            let _ = fs::remove_dir_all(&d);
            fs::create_dir_all(&d).unwrap();
            (d, None)
        }
        None => {
            let t = tempfile::tempdir().unwrap();
            (t.path().to_path_buf(), Some(t))
        }
    };
    let mut rng = Lcg(7);

    let mut data = String::from("x0,x1,x2,label\n");
    let mut labels = Vec::new();
    for (c, center) in CENTERS.iter().enumerate() {
        for _ in 0..PER_BLOB {
            let p: Vec<String> = center
                .iter()
                .map(|m| format!("{:.4}", m + 0.8 * rng.normal()))
                .collect();
            writeln!(data, "{},{c}", p.join(",")).unwrap();
            labels.push(c);
        }
    }
    fs::write(dir.join("data.csv"), data).unwrap();

    fs::write(
        dir.join("experiment.toml"),
        r#"[experiment]
name = "blobs3"
description = "Three blobs in 3-D: which K?"

[data]
kind = "blobs"
n_samples = 120
n_features = 3
centers = 3

[[model]]
kind = "kmeans"

[[model]]
kind = "gmm"

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
    )
    .unwrap();

    let inertia = [3400.0, 1500.0, 230.0, 205.0];
    let bic = [1900.0, 1650.0, 1280.0, 1330.0];
    let silhouette = [None, Some(0.55), Some(0.71), Some(0.58)];
    let header = "cell_id,model,kind,k,seed,covariance_type,inertia,log_likelihood,lower_bound,\
                  bic,aic,n_iter,converged,status,error,fit_seconds,silhouette,calinski_harabasz,\
                  davies_bouldin";
    let mut runs = format!("{header}\n");
    // (model order, model, covariance_type, k) -> score -> values over seeds
    type Group = (usize, String, String, usize);
    let mut groups: BTreeMap<Group, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    let mut order = 0;
    let mut id = 0u64;
    for (model, cov) in [("kmeans", ""), ("gmm", "full"), ("gmm", "diag")] {
        order += 1;
        for k in 1..=4usize {
            for seed in 0..3u64 {
                id += 1;
                let cell = format!("{id:016x}");
                let noise = 1.0 + 0.03 * rng.normal();
                let sil = silhouette[k - 1].map(|s| s + 0.02 * rng.normal());
                let ch = (k > 1).then(|| [0.0, 120.0, 480.0, 390.0][k - 1] * noise);
                let db = (k > 1).then(|| [0.0, 0.9, 0.45, 0.7][k - 1] * noise);
                let failed = model == "gmm" && cov == "diag" && k == 4 && seed == 2;
                let mut scores: Vec<(&str, Option<f64>)> = vec![
                    ("silhouette", sil),
                    ("calinski_harabasz", ch),
                    ("davies_bouldin", db),
                ];
                let (inr, ll, b) = if model == "kmeans" {
                    (Some(inertia[k - 1] * noise), None, None)
                } else {
                    let extra = if cov == "diag" { 25.0 } else { 0.0 };
                    let b = bic[k - 1] * noise + extra;
                    (None, Some(-b / 240.0), Some(b))
                };
                scores.push(("inertia", inr));
                scores.push(("log_likelihood", ll));
                scores.push(("bic", b));
                let f = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
                if failed {
                    writeln!(
                        runs,
                        "{cell},{model},{model},{k},{seed},{cov},,,,,,,,failed,\
                         \"the covariance of component 2 is not positive definite\",0.001,,,"
                    )
                    .unwrap();
                    continue;
                }
                writeln!(
                    runs,
                    "{cell},{model},{model},{k},{seed},{cov},{},{},{},{},{},12,true,ok,,0.002,{},{},{}",
                    f(inr),
                    f(ll),
                    f(ll),
                    f(b),
                    f(b.map(|b| b - 30.0)),
                    f(sil),
                    f(ch),
                    f(db)
                )
                .unwrap();
                let g = groups
                    .entry((order, model.to_string(), cov.to_string(), k))
                    .or_default();
                for (name, v) in scores {
                    if let Some(v) = v {
                        g.entry(name).or_default().push(v);
                    }
                }
                if seed == 0 && k == 3 && cov != "diag" {
                    write_model(&dir, &cell, model, &labels);
                }
            }
        }
    }
    fs::write(dir.join("runs.csv"), runs).unwrap();

    let scores = [
        "inertia",
        "log_likelihood",
        "bic",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
    ];
    let mut summary = String::from("model,kind,k,covariance_type,n_seeds,n_failed");
    for s in scores {
        write!(summary, ",{s}_mean,{s}_std").unwrap();
    }
    summary.push('\n');
    for ((_, model, cov, k), values) in &groups {
        let n = values.get("silhouette").map_or(3, Vec::len);
        write!(summary, "{model},{model},{k},{cov},{n},{}", 3 - n).unwrap();
        for s in scores {
            match values.get(s).and_then(|v| mean_std(v)) {
                Some((m, sd)) => write!(summary, ",{m},{sd}").unwrap(),
                None => summary.push_str(",,"),
            }
        }
        summary.push('\n');
    }
    fs::write(dir.join("summary.csv"), summary).unwrap();

    fs::write(
        dir.join("best_k.csv"),
        "model,group,criterion,best_k,best_k_min,best_k_max\n\
         kmeans,,elbow,3,3,3\n\
         kmeans,,silhouette,3,3,3\n\
         kmeans,,calinski_harabasz,3,3,3\n\
         kmeans,,davies_bouldin,3,3,3\n\
         gmm,full,bic,3,3,3\n\
         gmm,diag,bic,3,3,4\n\
         gmm,full,silhouette,3,3,3\n",
    )
    .unwrap();
    fs::write(
        dir.join("meta.json"),
        r#"{"clusterlab":"0.1.0","threads":2,"start":"2026-11-28T09:00:00Z"}"#,
    )
    .unwrap();
    Fixture { dir, _tmp: tmp }
}

fn write_model(dir: &Path, cell: &str, model: &str, labels: &[usize]) {
    fs::create_dir_all(dir.join("models")).unwrap();
    let covariances = if model == "gmm" {
        serde_json::json!([
            [[0.64, 0.2, 0.0], [0.2, 0.64, 0.0], [0.0, 0.0, 0.64]],
            [[0.9, -0.3, 0.0], [-0.3, 0.5, 0.0], [0.0, 0.0, 0.64]],
            [[0.5, 0.0, 0.0], [0.0, 0.8, 0.0], [0.0, 0.0, 0.64]]
        ])
    } else {
        serde_json::Value::Null
    };
    let json = serde_json::json!({
        "cell_id": cell,
        "model": model,
        "kind": model,
        "k": 3,
        "seed": 0,
        "axes": {},
        "labels": labels,
        "centers": CENTERS,
        "covariances": covariances,
        "summary": {}
    });
    fs::write(
        dir.join("models").join(format!("{cell}.json")),
        json.to_string(),
    )
    .unwrap();
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
fn draws_every_kind_from_a_hand_written_results_folder() {
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
            PlotSpec::scatter("gmm", 4, 2),
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
    // gmm k = 4 seed 2 is ok for `full` but failed for `diag`: one ok cell, drawn? No model
    // file was saved for it, so the model file is what is missing.
    assert!(msgs[2].contains("models/"), "{}", msgs[2]);
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
        "1 of 36 cells failed",
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
fn two_datasets() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir_all(dir.join("data")).unwrap();
    fs::create_dir_all(dir.join("models")).unwrap();
    let mut runs =
        String::from("cell_id,model,kind,data_id,k,seed,data.cluster_std,inertia,status\n");
    for (id, std) in [("d0", "0.5"), ("d1", "2.0")] {
        let mut data = String::from("x0,x1,label\n");
        for i in 0..30 {
            let c = i % 2;
            writeln!(
                data,
                "{},{},{c}",
                c as f64 * 5.0 + i as f64 * 0.01,
                i as f64 * 0.1
            )
            .unwrap();
        }
        fs::write(dir.join(format!("data/{id}.csv")), data).unwrap();
        for k in 1..=3 {
            let cell = format!("{id}k{k}");
            writeln!(
                runs,
                "{cell},km,kmeans,{id},{k},0,{std},{},ok",
                100.0 / k as f64
            )
            .unwrap();
            let labels: Vec<usize> = (0..30).map(|i| i % k).collect();
            let json = serde_json::json!({"labels": labels, "centers": vec![[1.0, 1.0]; k], "covariances": null});
            fs::write(dir.join(format!("models/{cell}.json")), json.to_string()).unwrap();
        }
    }
    fs::write(dir.join("runs.csv"), runs).unwrap();
    tmp
}

#[test]
fn data_axes_pick_the_dataset_and_split_the_lines() {
    let tmp = two_datasets();
    let dir = tmp.path();
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
    assert!(err.contains("2 datasets match (data_id d0, d1)"), "{err}");
    assert!(outcomes[3].result.is_ok());
    assert_svg(&dir.join("plots/elbow.svg"), "data.cluster_std = 0.5");
    assert_svg(&dir.join("plots/elbow.svg"), "data.cluster_std = 2");
}
