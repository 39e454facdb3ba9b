//! `clusterlab run`: run an experiment grid.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

/// Arguments of `clusterlab run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The grid file (TOML).
    pub grid: PathBuf,
}

impl RunArgs {
    /// Runs the grid.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("the experiment runner is not built yet (see the runner issue)")
    }
}
