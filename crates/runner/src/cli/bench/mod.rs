//! `clusterlab bench`: timings against scikit-learn.

use std::process::ExitCode;

use clap::Subcommand;

/// Which benchmark to run.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {}

impl BenchCommand {
    /// Runs the benchmark and prints its table.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {}
    }
}
