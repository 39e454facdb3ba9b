//! `clusterlab bench data`. (Owned by the data issue.)

use clap::Args as ClapArgs;

use super::CommonArgs;

/// Arguments of `clusterlab bench data`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args.common;
    anyhow::bail!("`bench data` is not built yet")
}
