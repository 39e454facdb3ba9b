//! `clusterlab data`: generate datasets. (Owned by the data issue.)

use std::process::ExitCode;

use clap::Subcommand;

/// Dataset generators.
#[derive(Debug, Subcommand)]
pub enum DataCommand {}

impl DataCommand {
    /// Runs the generator and writes the CSV.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {}
    }
}
