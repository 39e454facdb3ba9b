//! clusterlab's experiments: grid files, their plan, running it, and what a run writes.
//!
//! This crate is the library under the `clusterlab` command line (which adds only argument
//! parsing and progress bars) and under the report (which reads what this crate writes). It
//! draws nothing and parses no command line: no plotters, clap or indicatif here.
//!
//! A run goes through three stages, each a module:
//!
//! 1. [`grid`]: the TOML file is read into structures that mirror it, then planned: the data
//!    is made, the grid is expanded once (generically, whatever the algorithms) and every
//!    cell gets a validated configuration from the [`registry`] of algorithms. Every problem
//!    of the file is reported at once, with its line, column and key, before any fit runs.
//! 2. [`exec`]: the cells run on rayon's pool; each finished cell is appended to a journal at
//!    once, so an interrupted run resumes where it stopped.
//! 3. [`record`]: the tables are written from the journal in grid order, atomically.
//!
//! ```no_run
//! use clusterlab_experiment::{exec::RunOptions, grid::GridFile};
//!
//! let plan = GridFile::load("experiments/k_sweep.toml".as_ref())?;
//! let outcome = clusterlab_experiment::exec::run(&plan, &RunOptions::new("results/k_sweep"))?;
//! assert!(outcome.failed.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The results folder is the contract with the report: the plots are drawn from its files only
//! (the `clusterlab-report` crate), so `clusterlab plot DIR` redraws them without running
//! anything. [`plots`] holds the `[[plot]]` tables of a grid file, which say what to draw.
#![deny(missing_docs)]

pub mod exec;
pub mod grid;
pub mod plots;
pub mod record;
pub mod registry;

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use thiserror::Error;

/// What can stop a run (a failing cell does not: it is recorded).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The grid file has problems; nothing ran.
    #[error(transparent)]
    Grid(#[from] grid::GridError),
    /// A file of the grid or of the results folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file could not be written.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A CSV table could not be written.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: csv::Error,
    },
    /// The data could not be written to the results folder.
    #[error("{}: {message}", path.display())]
    Data {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The thread pool could not be built.
    #[error("thread pool: {0}")]
    Pool(String),
}

/// The rustc that built this binary (captured by `build.rs`).
pub const RUSTC_VERSION: &str = env!("CLUSTERLAB_RUSTC_VERSION");

/// Writes what the cells run on: `experiment.toml` (the grid as run) and the data
/// (`data.csv`, or `data/<data_id>.csv` for each dataset of a `[grid.data]` grid).
fn write_inputs(plan: &Plan, dir: &Path) -> Result<(), Error> {
    let mut text = plan.grid.source.text().to_owned();
    if plan.default_plots && !plan.plots.is_empty() {
        // The grid as run includes the plots drawn, so that `clusterlab plot DIR` redraws the
        // same ones.
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
    record::write_atomic(&dir.join("experiment.toml"), text.as_bytes())?;
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
        clusterlab_data::write_csv(&path, d.data.x(), d.data.labels(), None).map_err(|e| {
            Error::Data {
                path: path.clone(),
                message: e.to_string(),
            }
        })?;
    }
    Ok(())
}

use grid::Plan;

/// Writes `meta.json`: versions, git commit, threads, times and counts.
fn write_meta(
    plan: &Plan,
    outcome: &exec::RunOutcome,
    started: SystemTime,
    ended: SystemTime,
) -> Result<(), Error> {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(plan.grid.base_dir())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned());
    let meta = serde_json::json!({
        "clusterlab_version": env!("CARGO_PKG_VERSION"),
        "git_commit": commit,
        "rustc_version": RUSTC_VERSION,
        "threads": outcome.threads,
        "start_time": record::rfc3339(started),
        "end_time": record::rfc3339(ended),
        "grid_file": plan.grid.source.path(),
        "experiment": plan.grid.experiment.name,
        "n_cells": outcome.n_cells,
        "n_run": outcome.n_run,
        "n_skipped": outcome.n_skipped,
        "n_failed": outcome.failed.len(),
    });
    let path = outcome.out_dir.join("meta.json");
    let text = serde_json::to_string_pretty(&meta).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    record::write_atomic(&path, (text + "\n").as_bytes())
}
