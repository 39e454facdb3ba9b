//! Command-line parsing (clap, derive) and dispatch to one module per subcommand.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod data;
pub mod fit;
pub mod merge;
pub mod plot;
pub mod run;
pub mod signals;
pub mod slurm;

/// clusterlab: which K, and which model, fits your data?
#[derive(Debug, Parser)]
#[command(name = "clusterlab", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a dataset and write it as CSV (features, then a `label` column).
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Fit one model (any algorithm of the registry) on a CSV file and print or save the result
    /// as JSON.
    #[command(subcommand)]
    Fit(fit::FitCommand),
    /// Run an experiment grid (a TOML file) and write results and plots.
    Run(run::RunArgs),
    /// Redraw the plots of a finished experiment from its recorded results.
    Plot(plot::PlotArgs),
    /// Write the tables, plots and report of a grid run in shards, once every cell is done.
    Merge(merge::MergeArgs),
    /// Run a grid as a Slurm job array (one task per shard) and a merge job after it.
    Slurm(slurm::SlurmArgs),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Data(c) => c.execute(),
            Command::Fit(c) => c.execute(),
            Command::Run(a) => a.execute(),
            Command::Plot(a) => a.execute(),
            Command::Merge(a) => a.execute(),
            Command::Slurm(a) => a.execute(),
        }
    }
}
