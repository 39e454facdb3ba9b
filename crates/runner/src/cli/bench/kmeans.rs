//! `clusterlab bench kmeans`. (Owned by the kmeans issue.)

use clap::Args as ClapArgs;

use super::CommonArgs;

/// Arguments of `clusterlab bench kmeans`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args.common;
    anyhow::bail!("`bench kmeans` is not built yet")
}
