//! `clusterlab fit kmeans`. (Owned by the kmeans issue.)

use clap::Args as ClapArgs;

use super::{CommonArgs, FitReport};

/// Arguments of `clusterlab fit kmeans`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Fits the model.
pub fn fit(args: Args) -> anyhow::Result<FitReport> {
    let _ = args.common;
    anyhow::bail!("`fit kmeans` is not built yet")
}
