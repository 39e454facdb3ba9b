//! Fault tests through the binary: a run killed at several moments resumes to the same tables;
//! two runs on one results folder give one clear error and an intact journal; a results folder
//! that holds a user's files is never written into, let alone cleared by `--force`.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{bin, runs_without_time};

use std::{
    fs,
    path::{Path, PathBuf},
    process::Stdio,
    thread::sleep,
    time::{Duration, Instant},
};

/// A grid that takes a while: every cell computes the gap statistic against reference sets.
const SLOW: &str = r#"
[experiment]
name = "slow"
gap = { n_refs = 6 }

[data]
kind = "blobs"
n_samples = 300
centers = 4
seed = 2

[[model]]
kind = "kmeans"
n_init = 3

[[model]]
kind = "gmm"

[grid]
k = { from = 1, to = 6 }
seed = [0, 1, 2, 3]

[grid.gmm]
covariance_type = ["full", "diag"]
"#;

fn write_grid(dir: &Path) -> PathBuf {
    let path = dir.join("slow.toml");
    fs::write(&path, SLOW).unwrap();
    path
}

fn run(grid: &Path, out: &Path) -> std::process::Output {
    bin()
        .args(["run", "--quiet", "--jobs", "2"])
        .arg(grid)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_run_killed_at_several_moments_resumes_to_identical_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path());
    let reference = tmp.path().join("reference");
    assert!(run(&grid, &reference).status.success());
    let want = runs_without_time(&reference);
    for (i, after_ms) in [30u64, 250, 600].into_iter().enumerate() {
        let out = tmp.path().join(format!("killed{i}"));
        let mut child = bin()
            .args(["run", "--quiet", "--jobs", "2"])
            .arg(&grid)
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        sleep(Duration::from_millis(after_ms));
        // SIGKILL: no chance to clean up.
        let _ = child.kill();
        child.wait().unwrap();
        let resumed = run(&grid, &out);
        assert!(
            resumed.status.success(),
            "{}",
            String::from_utf8_lossy(&resumed.stderr)
        );
        assert_eq!(runs_without_time(&out), want, "killed after {after_ms} ms");
    }
}

#[test]
fn two_runs_on_one_folder_give_one_clear_error_and_an_intact_journal() {
    let tmp = tempfile::tempdir().unwrap();
    // Slower than the others (more reference sets), so that the second run surely starts
    // while the first one writes.
    let grid = tmp.path().join("slower.toml");
    fs::write(&grid, SLOW.replace("n_refs = 6", "n_refs = 40")).unwrap();
    let out = tmp.path().join("shared");
    let mut first = bin()
        .args(["run", "--quiet", "--jobs", "1"])
        .arg(&grid)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first run holds the folder (its lock file names it).
    let lock = out.join(".clusterlab.lock");
    let t0 = Instant::now();
    while !fs::read_to_string(&lock).is_ok_and(|s| s.contains("pid")) {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the first run never started"
        );
        sleep(Duration::from_millis(5));
    }
    let second = run(&grid, &out);
    let still_running = first.try_wait().unwrap().is_none();
    let first_status = first.wait().unwrap();
    assert!(first_status.success());
    assert!(
        still_running,
        "the first run ended before the second one started: make its grid slower"
    );
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("is being written by another clusterlab run"),
        "{err}"
    );
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    // Every journal line is whole, the first is the header, and every cell is there once.
    let journal = fs::read_to_string(out.join("cells.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["journal"], "clusterlab-journal");
    let ids: Vec<String> = lines[1..]
        .iter()
        .map(|v| v["cell_id"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "a cell was journaled twice");
    assert_eq!(ids.len(), 4 * 6 * 3, "cells were lost");
}

#[test]
fn a_grid_named_dots_never_writes_into_the_users_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    fs::create_dir_all(home.join("results")).unwrap();
    fs::create_dir(home.join("data")).unwrap();
    fs::write(home.join("data/mine.csv"), "1,2\n").unwrap();
    fs::create_dir(home.join("plots")).unwrap();
    // `...toml` has the stem `..`: its results folder would be `results/..`, this very folder.
    fs::write(home.join("...toml"), SLOW.replace("name = \"slow\"\n", "")).unwrap();
    for force in [false, true] {
        let mut cmd = bin();
        cmd.current_dir(home).args(["run", "...toml"]);
        if force {
            cmd.arg("--force");
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no usable experiment name"), "{err}");
    }
    assert!(home.join("data/mine.csv").exists());
    assert!(home.join("plots").is_dir());
    assert!(!home.join("runs.csv").exists());
}

#[test]
fn force_on_a_folder_holding_user_files_refuses() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path());
    let mine = tmp.path().join("mine");
    fs::create_dir_all(mine.join("data")).unwrap();
    fs::write(mine.join("data/precious.csv"), "1\n").unwrap();
    let out = bin()
        .args(["run", "--force"])
        .arg(&grid)
        .arg("--out")
        .arg(&mine)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("holds files that clusterlab did not write"),
        "{err}"
    );
    assert!(mine.join("data/precious.csv").exists());
}

#[test]
fn a_fit_that_does_not_converge_is_said_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = tmp.path().join("short.toml");
    fs::write(
        &grid,
        "[data]\nkind = \"blobs\"\nn_samples = 200\ncenters = 4\nseed = 3\n\n\
         [[model]]\nkind = \"gmm\"\nmax_iter = 1\n\n[grid]\nk = [3, 4]\nseed = [0, 1]\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = bin()
        .arg("run")
        .arg(&grid)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 cells have warnings"), "{err}");
    assert!(err.contains("did not converge in 1 iterations"), "{err}");
    let runs = fs::read_to_string(out_dir.join("runs.csv")).unwrap();
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let error = header.iter().position(|h| *h == "error").unwrap();
    assert_eq!(header[error + 1], "warnings");
    assert_eq!(runs.matches("did not converge").count(), 4, "{runs}");

    // The same warning in the JSON of `fit`.
    let data = tmp.path().join("blobs.csv");
    assert!(
        bin()
            .args([
                "data",
                "blobs",
                "--n-samples",
                "200",
                "--centers",
                "4",
                "--seed",
                "3",
                "--out"
            ])
            .arg(&data)
            .output()
            .unwrap()
            .status
            .success()
    );
    let json = tmp.path().join("fit.json");
    let fit = bin()
        .args(["fit", "gmm", "--k", "4", "--max-iter", "1", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        fit.status.success(),
        "{}",
        String::from_utf8_lossy(&fit.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .contains("did not converge"),
        "{v}"
    );
    assert_eq!(v["converged"], false);
}

/// The algorithms of issue 15 through `clusterlab fit`, each parameter a flag named after it:
/// JSON with one label per sample in 0..K, as `fit kmeans` writes.
#[test]
fn every_new_algorithm_fits_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("blobs.csv");
    let made = bin()
        .args([
            "data",
            "blobs",
            "--n-samples",
            "120",
            "--centers",
            "3",
            "--seed",
            "1",
            "--out",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(made.status.success());
    let runs: [&[&str]; 5] = [
        &[
            "bisecting-kmeans",
            "--bisecting-strategy",
            "largest_cluster",
        ],
        &[
            "bayesian-gmm",
            "--weight-concentration-prior-type",
            "dirichlet_distribution",
        ],
        &["agglomerative", "--linkage", "average"],
        &[
            "spectral",
            "--affinity",
            "nearest_neighbors",
            "--n-neighbors",
            "8",
        ],
        &[
            "spectral",
            "--assign-labels",
            "cluster_qr",
            "--gamma",
            "0.5",
        ],
    ];
    for args in runs {
        let json = tmp.path().join("fit.json");
        let fit = bin()
            .arg("fit")
            .args(args)
            .args(["--k", "3", "--seed", "2", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(&json)
            .output()
            .unwrap();
        assert!(
            fit.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&fit.stderr)
        );
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
        let labels = v["labels"]
            .as_array()
            .unwrap_or_else(|| panic!("{args:?}: {v}"));
        assert_eq!(labels.len(), 120, "{args:?}");
        assert!(
            labels.iter().all(|l| l.as_u64().is_some_and(|l| l < 3)),
            "{args:?}"
        );
    }
    let bad = bin()
        .args([
            "fit",
            "agglomerative",
            "--k",
            "3",
            "--linkage",
            "ward",
            "--metric",
            "cosine",
        ])
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("euclidean"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
