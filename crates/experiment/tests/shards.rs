//! Shards and merge through the library: the partition, and `merge` of N shards against one
//! plain run of the same grid, on the shipped grids and on broken folders.

#![allow(clippy::unwrap_used)] // Tests and their helpers may unwrap.

use std::{
    collections::HashSet,
    fs,
    path::{Path, PathBuf},
};

use clusterlab_experiment::{
    Error,
    exec::{self, Merged, RunOptions},
    grid::{GridFile, Plan},
    shard::{Partition, Shard},
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
k = { from = 1, to = 4 }
seed = [0, 1]

[grid.gmm]
covariance_type = ["full", "diag"]
"#;

fn experiments() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments")
}

fn write_grid(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn shard_opts(out: &Path, shard: Option<Shard>) -> RunOptions {
    RunOptions {
        jobs: Some(2),
        shard,
        ..RunOptions::new(out)
    }
}

/// Runs every shard of `count` (one after the other) into `out`.
fn run_shards(plan: &Plan, out: &Path, count: usize) {
    for i in 0..count {
        let shard = Shard::new(i, count).unwrap();
        let o = exec::run(plan, &shard_opts(out, Some(shard))).unwrap();
        assert!(!out.join("runs.csv").exists(), "a shard writes no tables");
        assert_eq!(o.n_run + o.n_skipped, o.n_cells);
    }
}

/// Merges `out` as the command does: the plan from the folder's saved grid.
fn merge(out: &Path) -> Merged {
    let plan = exec::saved_plan(out).unwrap();
    exec::merge(&plan, out).unwrap()
}

/// A table's bytes with the `fit_seconds` column blanked (the one column that may differ).
fn without_time(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let Some(col) = header.split(',').position(|c| c == "fit_seconds") else {
        return text;
    };
    let mut out = format!("{header}\n");
    for l in lines {
        // Run tables quote no field that holds a comma before fit_seconds: checked by the
        // column count.
        let mut f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), header.split(',').count(), "{l}");
        f[col] = "";
        out.push_str(&f.join(","));
        out.push('\n');
    }
    out
}

fn assert_same_tables(a: &Path, b: &Path) {
    assert_eq!(
        without_time(&a.join("runs.csv")),
        without_time(&b.join("runs.csv"))
    );
    for f in ["summary.csv", "best_k.csv", "columns.json"] {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn the_partition_covers_every_cell_once_is_balanced_and_depends_only_on_the_grid() {
    for grid in ["k_sweep.toml", "covariance_types.toml"] {
        let plan = GridFile::load(&experiments().join(grid)).unwrap();
        let n = plan.cells.len();
        let total: f64 = (0..n).map(|i| Partition::new(&plan, 1).work(i)).sum();
        for count in [1, 2, 3, 4, 7, n + 3] {
            let p = Partition::new(&plan, count);
            assert_eq!(p, Partition::new(&plan, count), "not deterministic");
            let mut seen = vec![0; n];
            for s in 0..count {
                for i in p.cells(s) {
                    seen[i] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "{grid} {count}");
            // The largest-first rule: no shard exceeds an even share by more than one cell.
            let largest = (0..n).map(|i| p.work(i)).fold(0.0, f64::max);
            for s in 0..count {
                let load = p.share(s) * total;
                assert!(
                    load <= total / count as f64 + largest + 1e-9 * total,
                    "{grid}: shard {s}/{count} has {load} of {total}"
                );
            }
            // The `count` heaviest cells (equal ones by id) go to `count` different shards.
            let mut by_work: Vec<usize> = (0..n).collect();
            by_work.sort_by(|&a, &b| {
                p.work(b)
                    .total_cmp(&p.work(a))
                    .then(plan.cells[a].id.cmp(&plan.cells[b].id))
            });
            let heavy: HashSet<usize> = by_work
                .iter()
                .take(count.min(n))
                .map(|&i| p.shard_of(i))
                .collect();
            assert_eq!(heavy.len(), count.min(n), "{grid} {count}");
        }
    }
}

#[test]
fn full_covariances_and_restarts_weigh_more() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let plan = GridFile::load(&grid).unwrap();
    let p = Partition::new(&plan, 1);
    let work = |model: &str, cov: Option<&str>, k: usize| {
        let c = plan
            .cells
            .iter()
            .find(|c| {
                c.model == model
                    && c.k == Some(k)
                    && cov.is_none_or(|cov| {
                        c.axes
                            .iter()
                            .any(|(n, v)| n == "covariance_type" && v.as_str() == Some(cov))
                    })
            })
            .unwrap();
        p.work(c.index)
    };
    assert!(work("gmm", Some("full"), 3) > work("gmm", Some("diag"), 3));
    assert!(work("gmm", Some("full"), 4) > work("gmm", Some("full"), 2));
    assert!(work("kmeans", None, 4) > work("kmeans", None, 2));
}

#[test]
fn adding_a_seed_leaves_every_other_cell_id_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let before = GridFile::load(&write_grid(tmp.path(), "a.toml", SMALL)).unwrap();
    let more = SMALL.replace("seed = [0, 1]", "seed = [0, 1, 2]");
    let after = GridFile::load(&write_grid(tmp.path(), "b.toml", &more)).unwrap();
    let ids: HashSet<_> = after.cells.iter().map(|c| c.id).collect();
    assert!(before.cells.iter().all(|c| ids.contains(&c.id)));
    assert_eq!(after.cells.len(), before.cells.len() / 2 * 3);
}

#[test]
fn merging_n_shards_equals_one_run_on_the_shipped_grids() {
    let tmp = tempfile::tempdir().unwrap();
    for grid in [
        "k_sweep.toml",
        "covariance_types.toml",
        "kmeans_assumptions.toml",
        "tutorial.toml",
    ] {
        let plan = GridFile::load(&experiments().join(grid)).unwrap();
        let single = tmp.path().join(format!("{grid}-single"));
        exec::run(&plan, &shard_opts(&single, None)).unwrap();
        for count in [1, 2, 4, 7] {
            let out = tmp.path().join(format!("{grid}-{count}"));
            run_shards(&plan, &out, count);
            let Merged::Complete(outcome) = merge(&out) else {
                panic!("{grid} in {count} shards: cells missing")
            };
            assert_eq!(outcome.n_cells, plan.cells.len());
            assert!(outcome.notes.is_empty(), "{:?}", outcome.notes);
            assert_same_tables(&single, &out);
        }
    }
}

#[test]
fn a_missing_journal_is_listed_by_shard_and_its_rerun_completes_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let plan = GridFile::load(&grid).unwrap();
    let single = tmp.path().join("single");
    exec::run(&plan, &shard_opts(&single, None)).unwrap();
    let out = tmp.path().join("out");
    run_shards(&plan, &out, 3);
    fs::remove_file(out.join("shards/1-of-3.jsonl")).unwrap();

    let Merged::Incomplete(missing) = merge(&out) else {
        panic!("the merge of a folder without shard 1's journal completed")
    };
    let part = Partition::new(&plan, 3);
    assert_eq!(missing.shards, Some(3));
    assert_eq!(missing.by_shard.len(), 1);
    let (shard, cells) = &missing.by_shard[0];
    assert_eq!(*shard, Some(Shard::new(1, 3).unwrap()));
    assert_eq!(cells.len(), part.cells(1).count());
    assert_eq!(missing.grid, std::path::absolute(&grid).unwrap());
    assert!(
        !out.join("runs.csv").exists(),
        "an incomplete merge writes nothing"
    );
    assert!(!out.join("meta.json").exists());

    exec::run(&plan, &shard_opts(&out, Some(Shard::new(1, 3).unwrap()))).unwrap();
    assert!(matches!(merge(&out), Merged::Complete(_)));
    assert_same_tables(&single, &out);
}

#[test]
fn a_journal_cut_mid_line_loses_one_cell_which_reruns_once() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let plan = GridFile::load(&grid).unwrap();
    let out = tmp.path().join("out");
    run_shards(&plan, &out, 2);
    let path = out.join("shards/0-of-2.jsonl");
    let text = fs::read_to_string(&path).unwrap();
    let cut = &text[..text.len() - 20];
    fs::write(&path, cut).unwrap();

    let Merged::Incomplete(missing) = merge(&out) else {
        panic!("a cut journal merged whole")
    };
    assert_eq!(missing.len(), 1);
    assert!(
        missing.notes.iter().any(|n| n.contains("partial line")),
        "{:?}",
        missing.notes
    );
    // The shard's rerun cuts the partial line and runs that one cell.
    let o = exec::run(&plan, &shard_opts(&out, Some(Shard::new(0, 2).unwrap()))).unwrap();
    assert_eq!(o.n_run, 1);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(
        text.lines().count(),
        1 + o.n_cells,
        "every cell once, and the header"
    );
    assert!(matches!(merge(&out), Merged::Complete(_)));
}

#[test]
fn a_plain_run_counts_the_shards_cells_as_done() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let plan = GridFile::load(&grid).unwrap();
    let out = tmp.path().join("out");
    exec::run(&plan, &shard_opts(&out, Some(Shard::new(0, 2).unwrap()))).unwrap();
    let o = exec::run(&plan, &shard_opts(&out, None)).unwrap();
    let in_shard_0 = Partition::new(&plan, 2).cells(0).count();
    assert_eq!(
        (o.n_skipped, o.n_run),
        (in_shard_0, plan.cells.len() - in_shard_0)
    );
    assert!(out.join("runs.csv").is_file());
    // A shard started after that finds every cell done, whatever its count.
    let o = exec::run(&plan, &shard_opts(&out, Some(Shard::new(2, 5).unwrap()))).unwrap();
    assert_eq!(o.n_run, 0);
}

#[test]
fn the_journals_of_two_grids_in_one_folder_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = GridFile::load(&write_grid(tmp.path(), "a.toml", SMALL)).unwrap();
    let other = SMALL.replace("name = \"small\"", "name = \"other\"");
    let b = GridFile::load(&write_grid(tmp.path(), "b.toml", &other)).unwrap();
    let out_a = tmp.path().join("a");
    let out_b = tmp.path().join("b");
    run_shards(&a, &out_a, 2);
    run_shards(&b, &out_b, 3);
    // A journal of grid b lands in a's folder.
    fs::copy(
        out_b.join("shards/2-of-3.jsonl"),
        out_a.join("shards/2-of-3.jsonl"),
    )
    .unwrap();
    let plan = exec::saved_plan(&out_a).unwrap();
    let err = exec::merge(&plan, &out_a).unwrap_err().to_string();
    assert!(err.contains("2-of-3.jsonl"), "{err}");
    assert!(err.contains("experiment `other`"), "{err}");
    // A shard of grid a refuses to run beside it; so does one of b in a's folder.
    let err = exec::run(&a, &shard_opts(&out_a, Some(Shard::new(0, 2).unwrap())))
        .unwrap_err()
        .to_string();
    assert!(err.contains("experiment `other`"), "{err}");
    let err = exec::run(&b, &shard_opts(&out_a, Some(Shard::new(2, 3).unwrap())))
        .unwrap_err()
        .to_string();
    assert!(err.contains("experiment `small`"), "{err}");
}

#[test]
fn cells_found_twice_count_once_and_differing_results_stop_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let plan = GridFile::load(&grid).unwrap();
    let out = tmp.path().join("out");
    run_shards(&plan, &out, 2);
    // Shard 0's journal also written as a plain run's journal (a copy, as after a requeue on
    // another layout): every cell of it twice, with the same results.
    let shard0 = fs::read_to_string(out.join("shards/0-of-2.jsonl")).unwrap();
    let body: String = shard0.lines().skip(1).map(|l| format!("{l}\n")).collect();
    fs::write(out.join("cells.jsonl"), &body).unwrap();
    let Merged::Complete(o) = merge(&out) else {
        panic!("cells missing")
    };
    assert!(
        o.notes.iter().any(|n| n.contains("more than one journal")),
        "{:?}",
        o.notes
    );
    let single = tmp.path().join("single");
    exec::run(&plan, &shard_opts(&single, None)).unwrap();
    assert_same_tables(&single, &out);

    // One of the copies says another inertia: the merge cannot tell which is right.
    let line = body.lines().find(|l| l.contains("\"inertia\"")).unwrap();
    let changed = body.replacen(
        line,
        &line.replacen("\"inertia\":\"", "\"inertia\":\"1", 1),
        1,
    );
    fs::write(out.join("cells.jsonl"), changed).unwrap();
    let err = match exec::merge(&plan, &out) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a conflicting result was merged"),
    };
    assert!(err.contains("different results"), "{err}");
    assert!(err.contains("cells.jsonl"), "{err}");
}

#[test]
fn force_with_a_shard_and_a_merge_of_a_folder_that_is_not_one_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let grid = write_grid(tmp.path(), "small.toml", SMALL);
    let plan = GridFile::load(&grid).unwrap();
    let out = tmp.path().join("out");
    let opts = RunOptions {
        force: true,
        ..shard_opts(&out, Some(Shard::new(0, 2).unwrap()))
    };
    let err = exec::run(&plan, &opts).unwrap_err().to_string();
    assert!(
        err.contains("--force cannot be given with --shard"),
        "{err}"
    );
    assert!(!out.exists(), "a refused run creates nothing");

    let mine = tmp.path().join("mine");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("experiment.toml"), SMALL).unwrap();
    match exec::merge(&plan, &mine) {
        Err(Error::Folder { message, .. }) => {
            assert!(
                message.contains("not a clusterlab results folder"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}
