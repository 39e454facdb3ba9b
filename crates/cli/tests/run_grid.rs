//! End-to-end tests of `clusterlab run`: real grids, real models, small data, a temporary
//! results folder; through the library API and through the binary.

#![allow(clippy::unwrap_used)] // Tests and their helpers may unwrap.

mod common;

use common::{bin, runs_without_time};

use std::{
    collections::HashMap,
    fs,
    path::{Path, PathBuf},
};

use clusterlab_experiment::{
    Error,
    exec::{self, RunOptions},
    grid::GridFile,
};

const SMALL: &str = r#"
[experiment]
name = "small"

[data]
kind = "blobs"
n_samples = 60
centers = 3
seed = 1

[[model]]
kind = "kmeans"
n_init = 2

[[model]]
kind = "gmm"

[grid]
k = { from = 1, to = 3 }
seed = [0, 1]

[grid.gmm]
covariance_type = ["full", "diag"]
"#;

fn write_grid(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn opts(out: &Path, jobs: usize) -> RunOptions {
    RunOptions {
        out_dir: out.to_path_buf(),
        jobs: Some(jobs),
        force: false,
        shard: None,
    }
}

/// A CSV file as rows of named cells.
fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn a_small_grid_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("results");
    let plan = GridFile::load(&grid).unwrap();
    // kmeans: 3 K x 2 seeds; gmm: 2 covariance types x 3 K x 2 seeds.
    assert_eq!(plan.cells.len(), 6 + 12);
    let outcome = exec::run(&plan, &opts(&out, 2)).unwrap();
    assert_eq!((outcome.n_run, outcome.n_skipped), (18, 0));
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);

    let (header, rows) = read_csv(&out.join("runs.csv"));
    for col in [
        "cell_id",
        "model",
        "kind",
        "k",
        "seed",
        "covariance_type",
        "inertia",
        "log_likelihood",
        "lower_bound",
        "bic",
        "aic",
        "n_iter",
        "converged",
        "status",
        "error",
        "fit_seconds",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "no column {col}: {header:?}"
        );
    }
    assert_eq!(rows.len(), 18);
    // Grid order: kmeans first, then gmm by covariance type, K, seed innermost.
    assert_eq!(rows[0]["model"], "kmeans");
    assert_eq!(
        (rows[0]["k"].as_str(), rows[0]["seed"].as_str()),
        ("1", "0")
    );
    assert_eq!(
        (rows[1]["k"].as_str(), rows[1]["seed"].as_str()),
        ("1", "1")
    );
    assert_eq!(rows[6]["covariance_type"], "full");
    assert_eq!(rows[12]["covariance_type"], "diag");
    for row in &rows {
        assert_eq!(row["status"], "ok");
        assert_eq!(row["cell_id"].len(), 16);
        assert!(row["converged"] == "true" || row["converged"] == "false");
        let kmeans = row["kind"] == "kmeans";
        assert_eq!(row["inertia"].is_empty(), !kmeans, "{row:?}");
        assert_eq!(row["bic"].is_empty(), kmeans, "{row:?}");
        // Every ok cell saved its model, with one label per sample.
        let model: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(out.join("models").join(format!("{}.json", row["cell_id"])))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(model["labels"].as_array().unwrap().len(), 60);
        assert_eq!(
            model["centers"].as_array().unwrap().len().to_string(),
            row["k"]
        );
        assert_eq!(model["covariances"].is_null(), kmeans);
    }

    // The default metrics: internal ones, and ARI and NMI since blobs have labels.
    for m in [
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "ari",
        "nmi",
    ] {
        assert!(header.iter().any(|h| h == m), "no column {m}: {header:?}");
    }
    assert!(
        rows.iter()
            .all(|r| r["k"] != "1" || r["silhouette"].is_empty())
    );
    assert!(
        rows.iter()
            .all(|r| r["k"] == "1" || r["silhouette"].parse::<f64>().is_ok())
    );
    let (_, best) = read_csv(&out.join("best_k.csv"));
    let pick = |model: &str, group: &str, criterion: &str| {
        best.iter()
            .find(|r| r["model"] == model && r["group"] == group && r["criterion"] == criterion)
            .map(|r| r["best_k"].clone())
    };
    assert!(pick("kmeans", "", "bic").is_none());

    let (header, summary) = read_csv(&out.join("summary.csv"));
    // The picks are those of the means in summary.csv.
    let best_of = |model: &str, ct: &str, col: &str, max: bool| {
        let mut rows: Vec<(f64, &str)> = summary
            .iter()
            .filter(|r| r["model"] == model && r["covariance_type"] == ct)
            .filter_map(|r| Some((r[col].parse::<f64>().ok()?, r["k"].as_str())))
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (_, k) = if max { rows.last() } else { rows.first() }.unwrap();
        k.to_string()
    };
    assert_eq!(
        pick("kmeans", "", "silhouette"),
        Some(best_of("kmeans", "", "silhouette_mean", true))
    );
    assert_eq!(
        pick("gmm", "covariance_type=full", "bic"),
        Some(best_of("gmm", "full", "bic_mean", false))
    );
    assert!(header.iter().any(|h| h == "silhouette_mean"));
    assert!(header.iter().any(|h| h == "inertia_mean"));
    assert!(header.iter().any(|h| h == "bic_std"));
    assert_eq!(summary.len(), 3 + 6);
    assert!(summary.iter().all(|r| r["n_seeds"] == "2"));

    let meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["threads"], 2);
    assert!(meta["rustc_version"].as_str().unwrap().starts_with("rustc"));
    assert!(meta["start_time"].as_str().unwrap().ends_with('Z'));
    let data = fs::read_to_string(out.join("data.csv")).unwrap();
    assert!(data.starts_with("x0,x1,label\n"));
    assert_eq!(data.lines().count(), 61);
    // The grid as run, with the default plots it had none of.
    let exp = fs::read_to_string(out.join("experiment.toml")).unwrap();
    assert!(exp.starts_with(SMALL));
    assert!(exp.contains("kind = \"elbow\""), "{exp}");

    let plots = clusterlab_report::draw_all(&out, &plan.plots);
    let report = clusterlab_report::write_report(&out).err();
    assert!(report.is_none(), "{report:?}");
    assert!(!plots.is_empty());
    for p in &plots {
        let files = p.result.as_ref().unwrap();
        for f in files {
            let bytes = fs::read(f).unwrap();
            match f.extension().and_then(|e| e.to_str()) {
                Some("png") => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", f.display()),
                Some("svg") => {
                    let text = String::from_utf8(bytes).unwrap();
                    assert!(text.contains("<svg"), "{}", f.display());
                }
                other => panic!("unexpected plot file {other:?}"),
            }
        }
    }
    assert!(out.join("plots/elbow.png").exists());
    assert!(out.join("plots/selection.svg").exists());
    assert!(out.join("plots/scatter_truth.png").exists());
}

#[test]
fn a_cell_equals_the_direct_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("results");
    let plan = GridFile::load(&grid).unwrap();
    exec::run(&plan, &opts(&out, 2)).unwrap();
    let (_, rows) = read_csv(&out.join("runs.csv"));
    let row = rows
        .iter()
        .find(|r| r["model"] == "kmeans" && r["k"] == "3" && r["seed"] == "1")
        .unwrap();
    let data = clusterlab_data::read_csv(&out.join("data.csv"), &Default::default()).unwrap();
    let mut params = clusterlab_kmeans::KMeansParams::new(3);
    params.n_init = clusterlab_kmeans::NInit::Count(2);
    let model = clusterlab_core::Clusterer::fit_dyn(&params.build().unwrap(), data.x(), 1).unwrap();
    let inertia = model.summary().score("inertia").unwrap();
    assert_eq!(row["inertia"].parse::<f64>().unwrap(), inertia);
}

#[test]
fn adding_a_k_or_a_seed_leaves_other_cells_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let small = write_grid(tmp.path(), "a.toml", SMALL);
    let bigger = write_grid(
        tmp.path(),
        "b.toml",
        &SMALL
            .replace("to = 3", "to = 4")
            .replace("seed = [0, 1]", "seed = [0, 1, 2]"),
    );
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    exec::run(&GridFile::load(&small).unwrap(), &opts(&a, 1)).unwrap();
    exec::run(&GridFile::load(&bigger).unwrap(), &opts(&b, 2)).unwrap();
    let (_, rows_a) = read_csv(&a.join("runs.csv"));
    let (_, rows_b) = read_csv(&b.join("runs.csv"));
    assert_eq!(rows_b.len(), 4 * 3 + 2 * 4 * 3);
    for ra in &rows_a {
        let rb = rows_b
            .iter()
            .find(|r| r["cell_id"] == ra["cell_id"])
            .unwrap_or_else(|| panic!("cell {} vanished", ra["cell_id"]));
        for (col, v) in ra {
            if col != "fit_seconds" {
                assert_eq!(&rb[col], v, "{col} of cell {}", ra["cell_id"]);
            }
        }
    }
}

#[test]
fn resume_runs_only_the_missing_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("results");
    let plan = GridFile::load(&grid).unwrap();
    exec::run(&plan, &opts(&out, 2)).unwrap();
    let full = runs_without_time(&out);

    // An interruption: the header and five cells journaled, a sixth half-written, no tables
    // yet.
    let journal = fs::read_to_string(out.join("cells.jsonl")).unwrap();
    let lines: Vec<&str> = journal.lines().collect();
    let mut cut = lines[..6].join("\n");
    cut.push('\n');
    cut.push_str(&lines[6][..lines[6].len() / 2]);
    fs::write(out.join("cells.jsonl"), cut).unwrap();
    fs::remove_file(out.join("runs.csv")).unwrap();

    let outcome = exec::run(&plan, &opts(&out, 2)).unwrap();
    assert_eq!((outcome.n_skipped, outcome.n_run), (5, 13));
    assert_eq!(runs_without_time(&out), full);
    let journal = fs::read_to_string(out.join("cells.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 1 + 18);
    assert!(
        journal
            .lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );

    // Nothing left to do; --force starts over, without the plots of an earlier run.
    let again = exec::run(&plan, &opts(&out, 2)).unwrap();
    assert_eq!((again.n_skipped, again.n_run), (18, 0));
    fs::create_dir_all(out.join("plots")).unwrap();
    fs::write(out.join("plots/elbow_of_another_grid.png"), b"stale").unwrap();
    fs::write(out.join("report.html"), b"stale").unwrap();
    let forced = exec::run(
        &plan,
        &RunOptions {
            force: true,
            ..opts(&out, 1)
        },
    )
    .unwrap();
    assert_eq!((forced.n_skipped, forced.n_run), (0, 18));
    assert_eq!(runs_without_time(&out), full);
    assert!(!out.join("plots/elbow_of_another_grid.png").exists());
    assert!(!out.join("report.html").exists());
}

#[test]
fn runs_csv_is_the_same_on_one_and_two_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    for (dir, jobs) in [(&one, "1"), (&two, "2")] {
        let st = bin()
            .arg("run")
            .arg(&grid)
            .args(["--quiet", "--jobs", jobs, "--out"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(st.success());
    }
    let a = runs_without_time(&one);
    assert_eq!(a, runs_without_time(&two));
    assert_eq!(a.lines().count(), 19);
    assert_eq!(
        fs::read(one.join("summary.csv")).unwrap(),
        fs::read(two.join("summary.csv")).unwrap()
    );
}

#[test]
fn a_bad_file_names_its_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(
        tmp.path(),
        "bad.toml",
        &SMALL.replace("n_init = 2", "n_int = 2"),
    );
    let out = bin()
        .arg("run")
        .arg(&grid)
        .arg("--out")
        .arg(tmp.path().join("r"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.toml:13:1: `model.kmeans.n_int`"), "{err}");
    assert!(err.contains("did you mean `n_init`?"), "{err}");
    assert!(!tmp.path().join("r").exists(), "nothing may run");
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let text = SMALL
        .replace("name = \"small\"", "name = \"small\"\ndescripton = \"x\"")
        .replace("n_init = 2", "n_init = 2\nmax_iter = -3")
        .replace("centers = 3", "centres = 3")
        .replace("[\"full\", \"diag\"]", "[\"full\", \"diagonal\"]")
        .replace(
            "kind = \"gmm\"",
            "kind = \"gmm\"\ncovariance_type = \"ful\"",
        )
        .replace("seed = [0, 1]", "seed = [0, 1]\ntoll = [1e-3]");
    let grid = write_grid(tmp.path(), "many.toml", &text);
    let Err(Error::Grid(err)) = GridFile::load(&grid) else {
        panic!("the grid was accepted");
    };
    let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "experiment.descripton",
        "model.kmeans.max_iter",
        "data.centres",
        "grid.gmm.covariance_type",
        "grid.toll",
        // Overridden by the axis, but a typo all the same.
        "model.gmm.covariance_type",
    ] {
        assert!(keys.contains(&key), "{key} not reported: {err}");
    }
    let text = err.to_string();
    assert!(text.contains("did you mean `description`?"), "{text}");
    assert!(text.contains("did you mean `centers`?"), "{text}");
    assert!(text.contains("did you mean `diag`?"), "{text}");
    assert!(text.contains("did you mean `tol`?"), "{text}");
    // Sorted by position, each with its line.
    let lines: Vec<usize> = err.problems.iter().map(|p| p.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn k_larger_than_the_data_is_caught_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(
        tmp.path(),
        "k.toml",
        &SMALL.replace("k = { from = 1, to = 3 }", "k = [2, 61]"),
    );
    let Err(Error::Grid(err)) = GridFile::load(&grid) else {
        panic!("the grid was accepted");
    };
    assert!(
        err.problems
            .iter()
            .any(|p| p.message.contains("k = 61") && p.line == 19),
        "{err}"
    );
}

/// A K range past the data was reported once per K (200 lines for `to = 200` on 60 samples):
/// it is one mistake, reported once per model.
#[test]
fn k_range_larger_than_the_data_is_one_problem_per_model() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(
        tmp.path(),
        "k.toml",
        &SMALL.replace("k = { from = 1, to = 3 }", "k = { from = 1, to = 200 }"),
    );
    let Err(Error::Grid(err)) = GridFile::load(&grid) else {
        panic!("the grid was accepted");
    };
    let about_k: Vec<_> = err
        .problems
        .iter()
        .filter(|p| p.message.contains("larger than the data"))
        .collect();
    assert!(!about_k.is_empty(), "{err}");
    let mut models: Vec<&str> = about_k.iter().map(|p| p.key.as_str()).collect();
    models.dedup();
    assert_eq!(about_k.len(), models.len(), "one problem per model: {err}");
    assert!(
        about_k[0].message.contains("140 values of k (61 to 200)"),
        "{err}"
    );
}

#[test]
fn dry_run_prints_the_plan_and_runs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let dir = tmp.path().join("r");
    let out = bin()
        .arg("run")
        .arg(&grid)
        .arg("--dry-run")
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("model kmeans (kmeans): 6 cells"), "{text}");
    assert!(text.contains("model gmm (gmm): 12 cells"), "{text}");
    assert!(text.contains("covariance_type: full, diag"), "{text}");
    assert!(text.contains("total: 18 cells"), "{text}");
    assert!(text.contains(&dir.display().to_string()), "{text}");
    assert!(!dir.exists());
}

#[test]
fn a_failing_cell_is_recorded_and_the_others_run() {
    let tmp = tempfile::tempdir().unwrap();
    // The second feature is constant: without regularisation a Gaussian's covariance is
    // singular, while K-means does not mind. The CSV path is relative to the grid file.
    fs::create_dir(tmp.path().join("in")).unwrap();
    let mut csv = String::from("a,b\n");
    for i in 0..20 {
        csv.push_str(&format!("{},1.0\n", (i % 7) as f64 * 0.5));
    }
    fs::write(tmp.path().join("in/flat.csv"), csv).unwrap();
    let grid = write_grid(
        tmp.path(),
        "flat.toml",
        r#"
[data]
kind = "csv"
path = "in/flat.csv"

[[model]]
kind = "kmeans"

[[model]]
kind = "gmm"
reg_covar = 0.0

[grid]
k = [2]
seed = [0, 1]
"#,
    );
    let dir = tmp.path().join("r");
    let out = bin()
        .current_dir(std::env::temp_dir())
        .arg("run")
        .arg(&grid)
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("cells failed:"), "{err}");
    let (_, rows) = read_csv(&dir.join("runs.csv"));
    assert_eq!(rows.len(), 4);
    let mut n_failed = 0;
    for row in &rows {
        let model = dir.join("models").join(format!("{}.json", row["cell_id"]));
        if row["kind"] == "kmeans" {
            assert_eq!(row["status"], "ok");
            assert!(model.exists());
        } else if row["status"] == "failed" {
            n_failed += 1;
            assert!(row["error"].contains("positive definite"), "{row:?}");
            assert!(err.contains(&row["cell_id"]), "{err}");
            assert!(row["bic"].is_empty() && row["converged"].is_empty());
            assert!(!model.exists());
        }
    }
    assert!(n_failed >= 1);
}

#[test]
fn metrics_are_chosen_in_the_grid_and_a_new_one_reruns_the_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let text = SMALL.replace("name = \"small\"", "name = \"small\"\nmetrics = [\"ari\"]");
    let grid = write_grid(tmp.path(), "m.toml", &text);
    let out = tmp.path().join("r");
    exec::run(&GridFile::load(&grid).unwrap(), &opts(&out, 2)).unwrap();
    let (header, _) = read_csv(&out.join("runs.csv"));
    assert!(header.iter().any(|h| h == "ari"));
    assert!(!header.iter().any(|h| h == "silhouette"));
    // Asking for one more metric recomputes the cells that lack it.
    let more = text.replace("[\"ari\"]", "[\"ari\", \"silhouette\"]");
    let grid = write_grid(tmp.path(), "m.toml", &more);
    let again = exec::run(&GridFile::load(&grid).unwrap(), &opts(&out, 2)).unwrap();
    assert_eq!(again.n_run, 18);
    let (_, rows) = read_csv(&out.join("runs.csv"));
    assert!(rows.iter().all(|r| r.contains_key("silhouette")));

    let bad = text.replace("[\"ari\"]", "[\"silhouete\"]");
    let grid = write_grid(tmp.path(), "bad.toml", &bad);
    let Err(Error::Grid(err)) = GridFile::load(&grid) else {
        panic!("an unknown metric was accepted");
    };
    assert!(
        err.to_string().contains("did you mean `silhouette`?"),
        "{err}"
    );
}

#[test]
fn the_gap_statistic_is_an_experiment_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let text = SMALL.replace(
        "name = \"small\"",
        "name = \"small\"\nmetrics = []\ngap = { n_refs = 3 }",
    );
    let grid = write_grid(tmp.path(), "gap.toml", &text);
    let out = tmp.path().join("r");
    exec::run(&GridFile::load(&grid).unwrap(), &opts(&out, 2)).unwrap();
    let (_, rows) = read_csv(&out.join("runs.csv"));
    for row in &rows {
        assert!(row["gap"].parse::<f64>().is_ok(), "{row:?}");
        assert!(row["gap_se"].parse::<f64>().unwrap() >= 0.0, "{row:?}");
    }
    let (_, best) = read_csv(&out.join("best_k.csv"));
    // The rule may pick no K on so few K; the row is there either way, with the seeds' picks.
    assert_eq!(best.iter().filter(|r| r["criterion"] == "gap").count(), 3);

    let bad = text.replace("n_refs = 3", "n_ref = 3");
    let grid = write_grid(tmp.path(), "bad.toml", &bad);
    let Err(Error::Grid(err)) = GridFile::load(&grid) else {
        panic!("a typo in gap was accepted");
    };
    assert!(err.to_string().contains("did you mean `n_refs`?"), "{err}");
}

#[test]
fn every_shipped_experiment_parses_and_plans() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut n = 0;
    for entry in fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let plan = GridFile::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!plan.cells.is_empty(), "{}", path.display());
            assert!(!plan.plots.is_empty(), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 4, "expected the four shipped experiments, found {n}");
    let k_sweep = GridFile::load(&root.join("k_sweep.toml")).unwrap();
    assert_eq!(k_sweep.cells.len(), 250);
}

/// The shipped wine grid, cut to two seeds and K = 2..6 (the test profile is not optimised),
/// run from a copy beside the shipped data: the vote, stability and the new plots are there,
/// and on standardised wine the vote finds its three cultivars.
#[test]
fn the_wine_grid_votes_for_its_three_classes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let text = fs::read_to_string(root.join("wine.toml"))
        .unwrap()
        .replace("k = { from = 2, to = 12 }", "k = { from = 2, to = 6 }")
        .replace("seed = [0, 1, 2, 3, 4]", "seed = [0, 1]")
        .replace("k = [2, 3, 12]", "k = [2, 3, 6]")
        .replace(
            "path = \"data/wine.csv\"",
            &format!("path = {:?}", root.join("data/wine.csv")),
        );
    assert!(text.contains("scale = \"standard\""));
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "wine.toml", &text);
    let out = tmp.path().join("out");
    let st = bin()
        .arg("run")
        .arg(&grid)
        .args(["--quiet", "--jobs", "2", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let (_, best) = read_csv(&out.join("best_k.csv"));
    let pick = |model: &str, group: &str, criterion: &str| {
        best.iter()
            .find(|r| r["model"] == model && r["group"] == group && r["criterion"] == criterion)
            .map(|r| r["best_k"].clone())
            .unwrap_or_else(|| panic!("no {criterion} row for {model} {group}"))
    };
    assert_eq!(pick("kmeans", "", "vote"), "3");
    assert_eq!(pick("gmm", "covariance_type=full", "vote"), "3");
    // Each criterion has its row (its K may be empty: no clear optimum in 2..6).
    for criterion in [
        "prediction_strength",
        "cluster_stability",
        "hartigan",
        "icl",
    ] {
        pick("gmm", "covariance_type=diag", criterion);
    }
    assert_eq!(pick("kmeans", "", "prediction_strength"), "3");
    assert!(!pick("gmeans", "", "gmeans").is_empty());
    for plot in [
        "agreement.png",
        "trace_all_k2-3-6.png",
        "silhouette_kmeans_k3.png",
        "scatter_truth.png",
    ] {
        assert!(out.join("plots").join(plot).exists(), "{plot}");
    }
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("trace_all_k2-3-6"),
        "the report shows the traces"
    );
}
