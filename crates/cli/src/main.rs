//! The `clusterlab` command line. See `clusterlab --help`.
//!
//! Argument parsing and progress bars only: grids are planned and run by the
//! `clusterlab-experiment` crate, and plots drawn by `clusterlab-report`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.execute() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
