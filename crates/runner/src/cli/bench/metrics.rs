//! `clusterlab bench metrics`. (Owned by the metrics issue.)

use clap::Args as ClapArgs;

use super::CommonArgs;

/// Arguments of `clusterlab bench metrics`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args.common;
    anyhow::bail!("`bench metrics` is not built yet")
}
