//! The `clusterlab` command line. See `clusterlab --help`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = clusterlab_runner::cli::Cli::parse();
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
