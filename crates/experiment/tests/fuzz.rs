//! The fuzz harness: hostile grid files and CSV files through the public readers, the planner
//! and the fit entry points. Every input must give a result or a clear error: no panic, no hang,
//! and no NaN or infinity where a number belongs.
//!
//! Inputs are mutations of valid files (characters cut, tokens inserted, numbers replaced by
//! extreme ones), which reach much deeper than random bytes. `cargo test` runs a bounded number
//! of cases on the fixed seed of `.cargo/config.toml`; `cargo xtask fuzz [--cases N] [--seed S]`
//! explores longer (it sets `CLUSTERLAB_FUZZ_CASES` and `PROPTEST_RNG_SEED`).

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::{
    io::Cursor,
    path::Path,
    time::{Duration, Instant},
};

use clusterlab_data::{CsvOptions, read_csv_from};
use clusterlab_experiment::{
    grid::{GridFile, Source},
    registry::Registry,
};
use proptest::prelude::*;

/// Cases per property: `CLUSTERLAB_FUZZ_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("CLUSTERLAB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const GRID: &str = r#"[experiment]
name = "fuzz"
metrics = ["silhouette", "ari"]

[data]
kind = "blobs"
n_samples = 40
n_features = 2
centers = 3
seed = 1

[[model]]
kind = "kmeans"
n_init = 2
max_iter = 20

[[model]]
kind = "gmm"
max_iter = 20

[grid]
k = { from = 1, to = 3 }
seed = [0, 1]

[grid.gmm]
covariance_type = ["full", "spherical"]

[[plot]]
kind = "scatter"
model = "kmeans"
k = 2
seed = 0
"#;

const CSV: &str = "x0,x1,label\n0.5,1.0,a\n0.25,-3.5,b\n1e3,2,a\n-0.0,7.25,b\n4,4,a\n";

/// Tokens that break files in interesting ways.
const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\n",
    "#",
    ".",
    "-",
    "+",
    "0",
    "-1",
    "1e308",
    "1.7976931348623157e308",
    "-1e308",
    "9223372036854775807",
    "18446744073709551616",
    "5000",
    "nan",
    "inf",
    "-inf",
    "1.2.3",
    "1_000",
    "true",
    "TRUE",
    "kind",
    "k",
    "seed",
    "name",
    "model",
    "data",
    "grid",
    "plot",
    "gmm",
    "kmeans",
    "csv",
    "blobs",
    "circles",
    "n_samples",
    "n_features",
    "centers",
    "covariance_type",
    "\"full\"",
    "\"\"",
    "\"..\"",
    "\"/dev/zero\"",
    "[]",
    "{}",
    "\u{0}",
    "é",
    "\t",
];

/// Numbers that replace a number of the file: ordinary ones (so that some mutated files still
/// run) and extreme ones.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "5000",
    "-1",
    "1e308",
    "1.7976931348623157e308",
    "-1e308",
    "9223372036854775807",
    "18446744073709551616",
    "nan",
    "inf",
];

/// A mutation of `base`: up to `n` edits, each cutting a range, inserting a token or replacing
/// a number.
fn mutated(base: &'static str, n: usize) -> impl Strategy<Value = String> {
    mutated_with(base, n, 0..3)
}

/// A mutation of `base` by up to `n` edits of the kinds in `ops` (0: cut, 1: insert a token,
/// 2: replace a number by an extreme one; the last keeps the file TOML more often).
fn mutated_with(
    base: &'static str,
    n: usize,
    ops: std::ops::Range<usize>,
) -> impl Strategy<Value = String> {
    let edit = (
        ops,
        any::<prop::sample::Index>(),
        0usize..12,
        0..TOKENS.len(),
    );
    prop::collection::vec(edit, 1..=n).prop_map(move |edits| {
        let mut text: Vec<char> = base.chars().collect();
        for (op, at, len, token) in edits {
            let i = at.index(text.len() + 1);
            match op {
                0 => {
                    let end = (i + len).min(text.len());
                    text.drain(i.min(end)..end);
                }
                1 => {
                    text.splice(i..i, TOKENS[token].chars());
                }
                _ => {
                    // Replace the number at or after i by an extreme token.
                    let start = (i..text.len()).find(|&j| text[j].is_ascii_digit());
                    if let Some(s) = start {
                        let e = (s..text.len())
                            .find(|&j| !text[j].is_ascii_digit())
                            .unwrap_or(text.len());
                        text.splice(s..e, NUMBERS[token % NUMBERS.len()].chars());
                    }
                }
            }
        }
        text.into_iter().collect()
    })
}

/// No NaN or infinity where a number belongs in what a run writes.
fn assert_numbers(dir: &Path) {
    for table in ["runs.csv", "summary.csv"] {
        let text = std::fs::read_to_string(dir.join(table)).unwrap_or_default();
        for line in text.lines() {
            for cell in line.split(',') {
                assert!(!matches!(cell, "NaN" | "inf" | "-inf"), "{table}: {line}");
            }
        }
    }
    for entry in std::fs::read_dir(dir.join("models"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (name, v) in json["summary"]["scores"].as_object().into_iter().flatten() {
            assert!(v.is_number(), "{name} = {v} in {}", entry.path().display());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), failure_persistence: None, ..ProptestConfig::default() })]

    /// A hostile grid file is read and planned, or refused with its problems; never a panic.
    #[test]
    fn hostile_grid_files_are_read_or_refused(text in mutated(GRID, 4)) {
        let started = Instant::now();
        let parsed = GridFile::parse(Source::new("fuzz.toml", text.clone()));
        if let Ok(grid) = parsed
            && let Ok(plan) = grid.plan()
        {
            prop_assert!(!plan.cells.is_empty() || plan.grid.models.is_empty());
        }
        prop_assert!(started.elapsed() < Duration::from_secs(20), "slow on:\n{text}");
    }

    /// A hostile CSV file is read, or refused naming where; what is read fits or is refused,
    /// and a fit's scores are numbers.
    #[test]
    fn hostile_csv_files_are_read_and_fitted_or_refused(text in mutated(CSV, 4), k in 1usize..4) {
        let read = read_csv_from(Cursor::new(text.as_bytes()), Path::new("fuzz.csv"), &CsvOptions::default());
        let Ok(data) = read else { return Ok(()); };
        for a in Registry::builtin().all() {
            let mut t = toml::Table::new();
            if let Some(p) = a.k_param {
                t.insert(p.into(), i64::try_from(k).unwrap().into());
            }
            let c = a.build(t).unwrap();
            if let Ok(model) = c.fit_dyn(data.x(), 0) {
                let s = model.summary();
                for (name, v) in &s.scores {
                    prop_assert!(v.is_finite(), "{} {name} = {v} on:\n{text}", a.name);
                }
                prop_assert_eq!(model.labels().len(), data.n_samples());
            }
        }
    }
}

/// A whole run of a few mutated grids: what is planned runs, and what it writes holds numbers.
#[test]
fn hostile_grids_that_plan_also_run() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: cases(12),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let planned = std::cell::Cell::new(0);
    runner
        .run(&mutated_with(GRID, 2, 2..3), |text| {
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join("fuzz.toml");
            std::fs::write(&path, &text).unwrap();
            if let Ok(plan) = GridFile::load(&path) {
                let out = tmp.path().join("out");
                let opts = clusterlab_experiment::exec::RunOptions {
                    jobs: Some(1),
                    ..clusterlab_experiment::exec::RunOptions::new(&out)
                };
                clusterlab_experiment::exec::run(&plan, &opts).unwrap();
                assert_numbers(&out);
                planned.set(planned.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    // Extreme numbers break many grids, but not all: some cases must have run.
    assert!(
        planned.get() > 0,
        "no mutated grid planned: the harness tests nothing"
    );
}
