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
//! A grid too big for one machine is cut into [`shard`]s that separate processes run (the tasks
//! of a Slurm job array), each into its own journal; [`exec::merge`] then writes the tables
//! exactly as one run would have.
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
pub mod folder;
pub mod grid;
pub mod plots;
pub mod record;
pub mod registry;
pub mod schema;
pub mod shard;
pub mod text;

use std::path::PathBuf;

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
    /// The results folder cannot be used (not clusterlab's, or another run writes it).
    #[error("{}: {message}", dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        message: String,
    },
    /// The thread pool could not be built.
    #[error("thread pool: {0}")]
    Pool(String),
}

/// The rustc that built this binary (captured by `build.rs`).
pub const RUSTC_VERSION: &str = env!("CLUSTERLAB_RUSTC_VERSION");
