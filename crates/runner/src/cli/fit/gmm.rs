//! `clusterlab fit gmm`. (Owned by the gmm issue.)

use clap::Args as ClapArgs;

use super::{CommonArgs, FitReport};

/// Arguments of `clusterlab fit gmm`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Fits the model.
pub fn fit(args: Args) -> anyhow::Result<FitReport> {
    let _ = args.common;
    anyhow::bail!("`fit gmm` is not built yet")
}
