//! The clusterlab command line and experiment runner.
//!
//! The binary `clusterlab` (usually called through `cargo xtask`, which builds it optimised)
//! has one subcommand per job: `data` writes generated datasets as CSV, `fit` fits one model on
//! a CSV file, `run` runs a TOML experiment grid, `plot` redraws an experiment's plots from its
//! recorded results, and `bench` times clusterlab against scikit-learn.
#![deny(missing_docs)]

pub mod cli;
pub mod plot;
