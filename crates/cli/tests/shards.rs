//! Shards, merge and the Slurm scripts through the binary, without a cluster: bad shard
//! arguments, `--dry-run --shard`, a merge that lists missing cells, shards started together
//! on one folder, a shard stopped by SIGTERM, and the scripts `clusterlab slurm` writes.

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

const SMALL: &str = r#"
[experiment]
name = "small"

[data]
kind = "blobs"
n_samples = 80
centers = 3
seed = 4

[[model]]
kind = "kmeans"

[[model]]
kind = "gmm"

[grid]
k = { from = 1, to = 4 }
seed = [0, 1, 2]

[grid.gmm]
covariance_type = ["full", "spherical"]
"#;

fn write_grid(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("small.toml");
    fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str], grid: &Path, out: &Path) -> Output {
    bin()
        .arg("run")
        .arg(grid)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn bad_shards_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    for (shard, says) in [
        ("4/4", "0/4 to 3/4"),
        ("0/0", "at least 1 shard"),
        ("1", "expected I/N"),
        ("-1/4", "expected I/N"),
    ] {
        let o = run(&["--shard", shard], &grid, &out);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{shard}");
        assert!(err.contains(says), "{shard}: {err}");
        assert!(!out.exists(), "{shard}: a refused shard wrote something");
    }
    let o = run(&["--shard", "0/2", "--force"], &grid, &out);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("--force cannot be given with --shard"));
}

#[test]
fn a_dry_run_of_a_shard_lists_its_cells_and_share() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    let mut shares = 0.0;
    let mut cells = 0;
    for i in 0..3 {
        let o = run(&["--dry-run", "--shard", &format!("{i}/3")], &grid, &out);
        let (stdout, err) = text(&o);
        assert!(o.status.success(), "{err}");
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("shard {i}/3: ")))
            .unwrap();
        // "shard 0/3: 12 of 36 cells, 33.5% of the estimated work (...)"
        let n: usize = line.split_whitespace().nth(2).unwrap().parse().unwrap();
        let pct: f64 = line
            .split(", ")
            .nth(1)
            .unwrap()
            .split('%')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            // The shard's cells, each with its share (the plain dry run lists every cell too).
            stdout
                .lines()
                .filter(|l| l.contains(" seed=") && l.ends_with("%)"))
                .count(),
            n,
            "{stdout}"
        );
        assert!((20.0..47.0).contains(&pct), "{line}");
        shares += pct;
        cells += n;
    }
    assert_eq!(cells, 36);
    assert!((shares - 100.0).abs() < 0.2, "{shares}");
    assert!(!out.exists(), "a dry run writes nothing");
}

#[test]
fn shards_started_together_merge_to_the_single_run_and_a_missing_one_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), SMALL);
    let single = tmp.path().join("single");
    assert!(run(&["--quiet"], &grid, &single).status.success());
    let out = tmp.path().join("out");
    // Four processes on one folder at once, as the tasks of an array start.
    let children: Vec<_> = (0..4)
        .map(|i| {
            bin()
                .arg("run")
                .arg(&grid)
                .arg("--out")
                .arg(&out)
                .args(["--jobs", "1", "--shard", &format!("{i}/4")])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        let (stdout, err) = text(&o);
        assert!(o.status.success(), "{err}");
        assert!(stdout.contains("clusterlab merge"), "{stdout}");
    }
    assert!(!out.join("runs.csv").exists());

    // Shard 2's journal lost: merge names the shard and the command, and writes nothing.
    let journal = out.join("shards/2-of-4.jsonl");
    let kept = fs::read(&journal).unwrap();
    fs::remove_file(&journal).unwrap();
    let o = bin().arg("merge").arg(&out).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("cells are in no journal"), "{err}");
    let grid_abs = std::path::absolute(&grid).unwrap();
    let command = format!(
        "clusterlab run {} --out {} --shard 2/4",
        grid_abs.display(),
        out.display()
    );
    assert!(err.contains(&command), "{err}\nexpected: {command}");
    assert!(!out.join("runs.csv").exists());

    fs::write(&journal, kept).unwrap();
    let o = bin().arg("merge").arg(&out).output().unwrap();
    let (stdout, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(stdout.contains("merged 36 cells"), "{stdout}");
    assert!(out.join("report.html").is_file());
    assert!(out.join("plots/elbow.png").is_file());
    assert_eq!(runs_without_time(&out), runs_without_time(&single));
    assert_eq!(
        fs::read(out.join("best_k.csv")).unwrap(),
        fs::read(single.join("best_k.csv")).unwrap()
    );
}

#[test]
fn a_merge_of_a_folder_without_a_grid_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bin().arg("merge").arg(tmp.path()).output().unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("has no experiment.toml"),
        "{:?}",
        text(&o)
    );
}

/// A grid slow enough to be stopped in the middle.
const SLOW: &str = r#"
[experiment]
name = "slow"
gap = { n_refs = 50 }

[data]
kind = "blobs"
n_samples = 300
centers = 4
seed = 2

[[model]]
kind = "kmeans"
n_init = 3

[grid]
k = { from = 1, to = 8 }
seed = [0, 1, 2, 3]
"#;

#[cfg(unix)]
#[test]
fn a_shard_runs_once_and_stopped_by_sigterm_ends_between_two_lines_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = tmp.path().join("slow.toml");
    fs::write(&grid, SLOW).unwrap();
    let out = tmp.path().join("out");
    let shard = ["--jobs", "2", "--shard", "0/1", "--quiet"];
    let child = bin()
        .arg("run")
        .arg(&grid)
        .arg("--out")
        .arg(&out)
        .args(shard)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let journal = out.join("shards/0-of-1.jsonl");
    let t0 = Instant::now();
    while fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 3 {
        assert!(t0.elapsed() < Duration::from_secs(60), "no cell finished");
        sleep(Duration::from_millis(5));
    }
    // A second process for the same shard stops at once and names the first.
    let second = run(&shard, &grid, &out);
    let (_, err) = text(&second);
    assert!(!second.status.success());
    assert!(err.contains("shard 0/1 is already being run"), "{err}");
    assert!(err.contains(&format!("pid {}", child.id())), "{err}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "the shell's status for SIGTERM");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("stopped by SIGTERM"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = fs::read_to_string(&journal).unwrap();
    assert!(text.ends_with('\n'), "a line was left half-written");
    let done = text.lines().count() - 1;
    assert!(
        done < 32,
        "the run finished before the signal: make SLOW slower"
    );

    let o = run(&shard, &grid, &out);
    assert!(o.status.success());
    let text = fs::read_to_string(&journal).unwrap();
    assert_eq!(text.lines().count(), 1 + 32, "every cell once");
}

#[test]
fn slurm_writes_the_array_and_merge_scripts_and_needs_sbatch_to_submit() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    let o = bin()
        .arg("slurm")
        .arg(&grid)
        .args([
            "--tasks",
            "5",
            "--max-parallel",
            "2",
            "--cpus-per-task",
            "2",
        ])
        .args(["--mem", "2G", "--time", "00:10:00", "--partition", "debug"])
        .args(["--sbatch-arg=--qos=short", "--sbatch-arg", "--nice=10"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(stdout.contains("36 of 36 cells to run"), "{stdout}");
    let array = fs::read_to_string(out.join("slurm/array.sbatch")).unwrap();
    let out_abs = std::path::absolute(&out).unwrap();
    for line in [
        "#SBATCH --array=0-4%2".to_owned(),
        "#SBATCH --requeue".to_owned(),
        "#SBATCH --cpus-per-task=2".to_owned(),
        "#SBATCH --mem=2G".to_owned(),
        "#SBATCH --time=00:10:00".to_owned(),
        "#SBATCH --partition=debug".to_owned(),
        "#SBATCH --qos=short".to_owned(),
        "#SBATCH --nice=10".to_owned(),
        format!(
            "#SBATCH --output={}/slurm/logs/shard-%a-of-5.out",
            out_abs.display()
        ),
    ] {
        assert!(array.lines().any(|l| l == line), "{line} in:\n{array}");
    }
    let exe = env!("CARGO_BIN_EXE_clusterlab");
    assert!(
        array.contains(&format!(
            "exec {exe} run {} --out {} --shard \"$SLURM_ARRAY_TASK_ID/5\" --jobs \
             \"${{SLURM_CPUS_PER_TASK:-1}}\"",
            std::path::absolute(&grid).unwrap().display(),
            out_abs.display()
        )),
        "{array}"
    );
    let merge = fs::read_to_string(out.join("slurm/merge.sbatch")).unwrap();
    assert!(
        merge.contains(&format!("{exe} merge {}", out_abs.display())),
        "{merge}"
    );
    assert!(out.join("slurm/logs").is_dir());
    // The scripts are real shell: bash parses them.
    for script in ["array.sbatch", "merge.sbatch"] {
        let ok = Command::new("bash")
            .arg("-n")
            .arg(out.join("slurm").join(script))
            .status()
            .unwrap();
        assert!(ok.success(), "{script}");
    }

    // No sbatch on PATH: a clear error, after the scripts were written.
    let o = bin()
        .env("PATH", tmp.path())
        .arg("slurm")
        .arg(&grid)
        .args(["--tasks", "5", "--submit"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("sbatch is not on PATH"),
        "{:?}",
        text(&o)
    );

    for (args, says) in [
        (vec!["--tasks", "0"], "--tasks must be at least 1"),
        (
            vec!["--tasks", "2", "--max-parallel", "0"],
            "--max-parallel must be at least 1",
        ),
        (vec!["--tasks", "2", "--wait"], "--submit"),
        (
            vec!["--tasks", "2", "--sbatch-arg", "qos=x"],
            "is not an sbatch option",
        ),
    ] {
        let o = bin().arg("slurm").arg(&grid).args(&args).output().unwrap();
        assert!(!o.status.success(), "{args:?}");
        assert!(text(&o).1.contains(says), "{args:?}: {:?}", text(&o));
    }
}
