//! `clusterlab plot`: redraw an experiment's plots.

use std::{path::PathBuf, process::ExitCode};

use clap::Args;

/// Arguments of `clusterlab plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The experiment's results folder (`results/NAME`).
    pub dir: PathBuf,
}

impl PlotArgs {
    /// Redraws the plots.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        anyhow::bail!("plotting is not built yet (see the runner issue)")
    }
}
