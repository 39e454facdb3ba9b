//! Helpers shared by the command line's integration tests.

#![allow(dead_code)] // Each test file uses some of them.
#![allow(clippy::unwrap_used)] // Tests and their helpers may unwrap.

use std::{path::Path, process::Command};

/// The `clusterlab` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clusterlab"))
}

/// `DIR/runs.csv` without its `fit_seconds` column, the one column two runs of a grid may
/// differ in, as CSV text.
pub fn runs_without_time(dir: &Path) -> String {
    let mut r = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let drop = header.iter().position(|h| h == "fit_seconds").unwrap();
    let mut out = String::new();
    for rec in std::iter::once(Ok(header.clone())).chain(r.records()) {
        let rec = rec.unwrap();
        let cells: Vec<&str> = rec
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, c)| c)
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
