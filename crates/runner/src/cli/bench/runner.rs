//! `clusterlab bench runner`. (Owned by the runner issue.)

use clap::Args as ClapArgs;

use super::CommonArgs;

/// Arguments of `clusterlab bench runner`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args.common;
    anyhow::bail!("`bench runner` is not built yet")
}
