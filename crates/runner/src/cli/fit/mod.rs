//! `clusterlab fit`: fit one model on a CSV file.

use std::process::ExitCode;

use clap::Subcommand;

/// Which model to fit.
#[derive(Debug, Subcommand)]
pub enum FitCommand {}

impl FitCommand {
    /// Fits and reports.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {}
    }
}
