//! The files a run writes besides the journal and the tables: its inputs (`experiment.toml`,
//! the data), the model files, `meta.json`, `columns.json`; every one through [`write_atomic`].

use std::{
    fs,
    path::{Path, PathBuf},
    sync::{
        Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::SystemTime,
};

use clusterlab_core::Model;

use crate::{
    Error, RUSTC_VERSION,
    grid::{Cell, Plan},
    plots,
};

/// Every write of a journal line or of a whole file holds this lock, so that a process told to
/// stop can wait for the write in progress and then end between two writes ([`hold_writes`]).
static WRITES: Mutex<()> = Mutex::new(());

/// Waits until no journal line or file of a results folder is being written by this process,
/// then keeps every further write from starting for as long as the guard lives.
///
/// This is for a process that ends on a signal: `clusterlab run` holds it, then exits, so that
/// a task that Slurm cancels or requeues (SIGTERM) finishes the line it is writing and leaves
/// nothing half-written.
///
/// ```
/// let guard = clusterlab_experiment::record::hold_writes();
/// // No write of this process is in progress now, and none can start.
/// drop(guard);
/// ```
pub fn hold_writes() -> MutexGuard<'static, ()> {
    WRITES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so that
/// `path` is either the old file or the whole new one. The temporary file's name is unique to
/// the process and the call, so that several processes (the shards of a grid) may write the
/// same file at once: the last rename wins, and every reader sees a whole file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(
        ".{}-{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = PathBuf::from(tmp);
    let _writing = hold_writes();
    fs::write(&tmp, bytes).map_err(|source| Error::Io {
        path: tmp.clone(),
        source,
    })?;
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Writes what the cells run on: `experiment.toml` (the grid as run) and the data
/// (`data.csv`, or `data/<data_id>.csv` for each dataset of a `[grid.data]` grid).
///
/// With `overwrite` false (a shard, which may start beside others of its grid), a file already
/// there is kept when `experiment.toml` holds this very grid: the shards of one grid write the
/// same bytes, so only the first to start needs to.
pub fn write_inputs(plan: &Plan, dir: &Path, overwrite: bool) -> Result<(), Error> {
    let text = grid_as_run(plan, dir)?;
    let grid_path = dir.join("experiment.toml");
    let same_grid = fs::read_to_string(&grid_path).is_ok_and(|t| t == text);
    let keep = !overwrite && same_grid;
    if !keep {
        write_atomic(&grid_path, text.as_bytes())?;
    }
    for d in &plan.datasets {
        let path = match &d.id {
            None => dir.join("data.csv"),
            Some(id) => {
                let data_dir = dir.join("data");
                std::fs::create_dir_all(&data_dir).map_err(|source| Error::Io {
                    path: data_dir.clone(),
                    source,
                })?;
                data_dir.join(format!("{id}.csv"))
            }
        };
        if keep && path.is_file() {
            continue;
        }
        let mut bytes = Vec::new();
        clusterlab_data::write_csv_to(&mut bytes, &path, d.data.x(), d.data.labels(), None)
            .map_err(|e| Error::Data {
                path: path.clone(),
                message: e.to_string(),
            })?;
        write_atomic(&path, &bytes)?;
    }
    Ok(())
}

/// The text of `experiment.toml`: the grid file, with the default plots appended when it has
/// no `[[plot]]` table, so that `clusterlab plot DIR` redraws the same ones.
fn grid_as_run(plan: &Plan, dir: &Path) -> Result<String, Error> {
    let mut text = plan.grid.source.text().to_owned();
    if plan.default_plots && !plan.plots.is_empty() {
        #[derive(serde::Serialize)]
        struct Plots<'a> {
            plot: &'a [plots::PlotSpec],
        }
        let tables = toml::to_string(&Plots { plot: &plan.plots }).map_err(|e| Error::Data {
            path: dir.join("experiment.toml"),
            message: format!("writing the default plots: {e}"),
        })?;
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(
            "\n# The grid had no [[plot]] table; these are the plots drawn by default.\n",
        );
        text.push_str(&tables);
    }
    Ok(text)
}
/// What `meta.json` says of a run besides its grid.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// Threads of the pool (`None` for a merge, which fits nothing).
    pub threads: Option<usize>,
    /// Cells in the plan.
    pub n_cells: usize,
    /// Cells computed by this run.
    pub n_run: usize,
    /// Cells found in the journal and not recomputed.
    pub n_skipped: usize,
    /// Failed cells of the plan.
    pub n_failed: usize,
    /// When the run started.
    pub started: SystemTime,
    /// When it ended.
    pub ended: SystemTime,
    /// The journals the results were read from, relative to the results folder.
    pub journals: Vec<String>,
}

/// Writes `meta.json`: versions, git commit, threads, times and counts.
pub fn write_meta(plan: &Plan, dir: &Path, run: &RunFacts) -> Result<(), Error> {
    // The commit of the repository that holds the grid file, and whether it had uncommitted
    // changes: what reproduces the grid. (clusterlab's own commit is recorded at build time.)
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(plan.grid.base_dir())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_owned())
    };
    let grid_commit = git(&["rev-parse", "HEAD"]);
    let grid_dirty = grid_commit
        .as_ref()
        .and_then(|_| git(&["status", "--porcelain", "--untracked-files=no"]))
        .map(|s| !s.is_empty());
    let built = |v: &'static str| (!v.is_empty()).then_some(v);
    let meta = serde_json::json!({
        "clusterlab_version": env!("CARGO_PKG_VERSION"),
        "clusterlab_commit": built(env!("CLUSTERLAB_GIT_COMMIT")),
        "clusterlab_dirty": built(env!("CLUSTERLAB_GIT_DIRTY")).map(|d| d == "true"),
        "grid_git_commit": grid_commit,
        "grid_git_dirty": grid_dirty,
        "rustc_version": RUSTC_VERSION,
        "threads": run.threads,
        "start_time": humantime::format_rfc3339_seconds(run.started).to_string(),
        "end_time": humantime::format_rfc3339_seconds(run.ended).to_string(),
        "grid_file": plan.grid.source.path(),
        "experiment": plan.grid.experiment.name,
        "n_cells": run.n_cells,
        "n_run": run.n_run,
        "n_skipped": run.n_skipped,
        "n_failed": run.n_failed,
        "journals": run.journals,
    });
    let path = dir.join("meta.json");
    let text = serde_json::to_string_pretty(&meta).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    write_atomic(&path, (text + "\n").as_bytes())
}
/// `models/<cell_id>.json`: the fitted model in the shape the plots read.
pub fn model_json(plan: &Plan, cell: &Cell, model: &dyn Model) -> serde_json::Value {
    let axes: serde_json::Map<String, serde_json::Value> = cell
        .axes
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect();
    let centers: Option<Vec<Vec<f64>>> = model
        .centers()
        .map(|c| c.rows().into_iter().map(|r| r.to_vec()).collect());
    let covariances = model.covariances().map(|cs| {
        cs.iter()
            .map(|c| c.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    });
    serde_json::json!({
        "cell_id": cell.id.to_string(),
        "model": cell.model,
        "kind": cell.kind.name,
        "data_id": plan.datasets[cell.data].id,
        "k": cell.k,
        "seed": cell.seed,
        "axes": axes,
        "labels": model.labels(),
        "centers": centers,
        "covariances": covariances,
        "summary": model.summary(),
        "trace": model.trace().map(|t| serde_json::json!({
            "objective": t.objective,
            "values": t.values,
        })),
    })
}
