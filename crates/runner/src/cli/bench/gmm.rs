//! `clusterlab bench gmm`. (Owned by the gmm issue.)

use clap::Args as ClapArgs;

use super::CommonArgs;

/// Arguments of `clusterlab bench gmm`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args.common;
    anyhow::bail!("`bench gmm` is not built yet")
}
