//! End to end on a real Slurm cluster: `clusterlab slurm --submit --wait` runs `k_sweep` as a
//! 4-task job array and a merge job, whose tables equal a local run's; a lost shard journal
//! makes `merge` list its cells, and a second submission runs only that shard; a cancelled
//! array leaves whole journal lines, and the resubmission finishes it.
//!
//! The cluster is `scripts/slurm-local start` (a single node, from Debian's packages), which
//! `.ci/run` starts before the tests with `CLUSTERLAB_REQUIRE_SLURM=1`: there the test fails if
//! Slurm cannot be reached. Elsewhere, without a cluster, it says why it is skipped.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod common;

use common::{bin, runs_without_time};

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

/// Whether a Slurm controller answers; `Err` says why not.
fn slurm_reachable() -> Result<(), String> {
    // Without a configuration file sinfo retries for a minute: look for it first.
    let conf = std::env::var_os("SLURM_CONF")
        .map_or_else(|| PathBuf::from("/etc/slurm/slurm.conf"), PathBuf::from);
    if !conf.is_file() {
        return Err(format!(
            "there is no Slurm configuration at {} (start a cluster with scripts/slurm-local \
             start, then eval \"$(scripts/slurm-local env)\")",
            conf.display()
        ));
    }
    let mut child = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("sinfo cannot be run ({e}): Slurm is not installed"))?;
    let t0 = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if t0.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            return Err("sinfo did not answer within 20 s: the controller is not running".into());
        }
        sleep(Duration::from_millis(50));
    }
    let o = child.wait_with_output().map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!(
            "sinfo failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    if String::from_utf8_lossy(&o.stdout).trim().is_empty() {
        return Err("the cluster has no node".into());
    }
    Ok(())
}

/// `true` when the test can run; without a cluster it is skipped, unless CI requires one.
fn have_slurm() -> bool {
    match slurm_reachable() {
        Ok(()) => true,
        Err(why) if std::env::var_os("CLUSTERLAB_REQUIRE_SLURM").is_some() => {
            panic!("CLUSTERLAB_REQUIRE_SLURM is set, but {why}")
        }
        Err(why) => {
            // Straight to the terminal: the test harness captures `eprintln!` of passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: the Slurm end-to-end test needs a cluster: {why}"
            );
            false
        }
    }
}

fn k_sweep() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments/k_sweep.toml")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn slurm(grid: &Path, out: &Path, args: &[&str]) -> Output {
    bin()
        .arg("slurm")
        .arg(grid)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

fn assert_same_results(a: &Path, b: &Path) {
    assert_eq!(runs_without_time(a), runs_without_time(b));
    for f in ["summary.csv", "best_k.csv"] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// Lines of every journal of `dir` (header lines excepted), and whether each ends whole.
fn journal_cells(dir: &Path) -> (usize, bool) {
    let mut cells = 0;
    let mut whole = true;
    for e in fs::read_dir(dir.join("shards")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "jsonl") {
            let t = fs::read_to_string(&p).unwrap();
            whole &= t.is_empty() || t.ends_with('\n');
            cells += t.lines().filter(|l| l.contains("\"cell_id\"")).count();
        }
    }
    (cells, whole)
}

#[test]
fn k_sweep_as_a_slurm_array_merges_to_the_local_run_and_a_lost_shard_is_resubmitted() {
    if !have_slurm() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    let o = bin()
        .arg("run")
        .arg(k_sweep())
        .arg("--out")
        .arg(&local)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));

    let out = tmp.path().join("cluster");
    let t0 = Instant::now();
    let o = slurm(&k_sweep(), &out, &["--tasks", "4", "--submit", "--wait"]);
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    eprintln!(
        "k_sweep in 4 Slurm tasks and a merge: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    assert!(all.contains("submitted array job"), "{all}");
    assert!(all.contains("(shards 0-3 of 4)"), "{all}");
    assert!(all.contains("ended: COMPLETED, exit status 0"), "{all}");
    assert_same_results(&local, &out);
    assert!(out.join("report.html").is_file());
    for i in 0..4 {
        assert!(out.join(format!("slurm/logs/shard-{i}-of-4.out")).is_file());
    }

    // A shard's journal lost: merge lists its cells with the command that runs them.
    fs::remove_file(out.join("shards/2-of-4.jsonl")).unwrap();
    let o = bin().arg("merge").arg(&out).output().unwrap();
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("shard 2/4:"), "{all}");
    assert!(all.contains("--shard 2/4"), "{all}");
    assert!(!all.contains("shard 1/4:"), "{all}");

    // The second submission runs only shard 2, and the merge completes.
    let o = slurm(&k_sweep(), &out, &["--tasks", "4", "--submit", "--wait"]);
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    assert!(all.contains("(shards 2 of 4)"), "{all}");
    assert_same_results(&local, &out);
    let jobs = fs::read_to_string(out.join("slurm/jobs.tsv")).unwrap();
    assert_eq!(jobs.lines().count(), 1 + 2, "{jobs}");

    // More tasks than the cluster's MaxArraySize (Slurm's default, 1001) are refused with it.
    let o = slurm(&k_sweep(), &out, &["--tasks", "1002", "--submit"]);
    let all = text(&o);
    assert!(!o.status.success(), "{all}");
    assert!(all.contains("MaxArraySize (1001)"), "{all}");
}

/// Slow enough that the array can be cancelled in the middle.
const SLOW: &str = r#"
[experiment]
name = "slow"
gap = { n_refs = 60 }

[data]
kind = "blobs"
n_samples = 600
centers = 4
seed = 2

[[model]]
kind = "kmeans"
n_init = 3

[grid]
k = { from = 1, to = 8 }
seed = [0, 1, 2, 3, 4, 5]
"#;

#[test]
fn a_cancelled_array_keeps_whole_journals_and_its_resubmission_finishes() {
    if !have_slurm() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let grid = tmp.path().join("slow.toml");
    fs::write(&grid, SLOW).unwrap();
    let out = tmp.path().join("cluster");
    let o = slurm(&grid, &out, &["--tasks", "2", "--submit"]);
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    let array = all
        .split("submitted array job ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_owned();
    // Wait for cells in the journals, then cancel the whole array (SIGTERM to each task).
    let t0 = Instant::now();
    while journal_cells_or_zero(&out) < 4 {
        assert!(t0.elapsed() < Duration::from_secs(120), "no task started");
        sleep(Duration::from_millis(50));
    }
    let ok = Command::new("scancel").arg(&array).status().unwrap();
    assert!(ok.success());
    // The merge still runs (afterany) and reports the missing cells.
    let t0 = Instant::now();
    while !out.join("slurm/merge.status").is_file() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "the merge never ran after the cancelled array"
        );
        sleep(Duration::from_millis(100));
    }
    assert_eq!(
        fs::read_to_string(out.join("slurm/merge.status"))
            .unwrap()
            .trim(),
        "1"
    );
    let (cells, whole) = journal_cells(&out);
    assert!(whole, "a cancelled task left half a line");
    assert!(cells < 48, "the array finished before it was cancelled");

    let o = slurm(&grid, &out, &["--tasks", "2", "--submit", "--wait"]);
    let all = text(&o);
    assert!(o.status.success(), "{all}");
    let (cells, whole) = journal_cells(&out);
    assert!(whole);
    assert_eq!(cells, 48, "every cell once");
    assert_eq!(runs_without_time(&out).lines().count(), 1 + 48);
}

fn journal_cells_or_zero(dir: &Path) -> usize {
    if dir.join("shards").is_dir() {
        journal_cells(dir).0
    } else {
        0
    }
}
