//! `clusterlab plot`: redraw an experiment's plots and its report from the results folder.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{Context, bail};
use clap::Args;

use clusterlab_report::{PlotKind, PlotSpec, TraceSpec, draw_all, plots_of, write_report};

/// Arguments of `clusterlab plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The experiment's results folder (`results/NAME`).
    pub dir: PathBuf,
    /// Draw only this plot: a file stem (`elbow`, `scatter_kmeans_k4_seed0`) or a kind
    /// (`scatter` draws every scatter plot; `elbow`, `selection`, `criteria`, `trace` and
    /// `gallery` are drawn even when the grid does not list them).
    #[arg(long, value_name = "NAME")]
    pub only: Option<String>,
}

impl PlotArgs {
    /// Redraws the plots named in `DIR/experiment.toml` (or the defaults), writes
    /// `DIR/report.html`, and prints each file written or the error. Exits non-zero when a
    /// plot could not be drawn.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        if !self.dir.join("runs.csv").exists() {
            bail!(
                "{} is not a results folder (it has no runs.csv)",
                self.dir.display()
            );
        }
        let mut specs = plots_of(&self.dir).context("reading the plots to draw")?;
        if let Some(only) = &self.only {
            let available: Vec<String> = specs.iter().map(|s| s.file_stem()).collect();
            specs.retain(|s| &s.file_stem() == only || s.kind_name() == only);
            // A whole-experiment kind the grid did not ask for can still be drawn on demand.
            if specs.is_empty() {
                specs.extend(match only.as_str() {
                    "elbow" => Some(PlotSpec::new(PlotKind::Elbow)),
                    "selection" => Some(PlotSpec::new(PlotKind::Selection)),
                    "criteria" => Some(PlotSpec::new(PlotKind::Criteria)),
                    "trace" => Some(PlotSpec::new(PlotKind::Trace(TraceSpec::default()))),
                    "gallery" => Some(PlotSpec::new(PlotKind::Gallery)),
                    _ => None,
                });
            }
            if specs.is_empty() {
                bail!(
                    "no plot named `{only}` in {}; plots: {}",
                    self.dir.join("experiment.toml").display(),
                    available.join(", ")
                );
            }
        }
        let mut failed = 0;
        for outcome in draw_all(&self.dir, &specs) {
            match outcome.result {
                Ok(files) => {
                    for f in files {
                        println!("wrote {}", f.display());
                    }
                }
                Err(err) => {
                    failed += 1;
                    eprintln!("error: {}: {err}", outcome.stem);
                }
            }
        }
        let report = write_report(&self.dir).context("writing the report")?;
        println!("wrote {}", report.display());
        if failed > 0 {
            eprintln!("{failed} of {} plots could not be drawn", specs.len());
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusterlab_experiment::{
        exec::{self, RunOptions},
        grid::GridFile,
    };

    /// A results folder made by running a tiny grid for real (the writer's own output, not a
    /// hand-made imitation of it), with the default plots: truth, elbow, selection, criteria.
    struct Fixture {
        dir: std::path::PathBuf,
        _tmp: tempfile::TempDir,
    }

    fn fixture(name: &str) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let grid = tmp.path().join(format!("{name}.toml"));
        std::fs::write(
            &grid,
            "[data]\nkind = \"blobs\"\nn_samples = 60\ncenters = 3\nseed = 1\n\n\
             [[model]]\nkind = \"kmeans\"\n\n[[model]]\nkind = \"gmm\"\n\n\
             [grid]\nk = [1, 2, 3]\nseed = [0, 1]\n",
        )
        .unwrap();
        let plan = GridFile::load(&grid).unwrap();
        let dir = tmp.path().join("out");
        exec::run(&plan, &RunOptions::new(&dir)).unwrap();
        Fixture { dir, _tmp: tmp }
    }

    fn run(dir: &std::path::Path, only: Option<&str>) -> anyhow::Result<ExitCode> {
        PlotArgs {
            dir: dir.to_path_buf(),
            only: only.map(str::to_string),
        }
        .execute()
    }

    #[test]
    fn redraws_every_plot_and_the_report() {
        let fx = fixture("cli_all");
        assert_eq!(run(&fx.dir, None).unwrap(), ExitCode::SUCCESS);
        for stem in ["scatter_truth", "elbow", "selection", "criteria"] {
            assert!(fx.dir.join(format!("plots/{stem}.svg")).exists(), "{stem}");
        }
        assert!(fx.dir.join("report.html").exists());
    }

    #[test]
    fn only_draws_one_plot_or_names_the_choices() {
        let fx = fixture("cli_only");
        assert_eq!(run(&fx.dir, Some("elbow")).unwrap(), ExitCode::SUCCESS);
        assert!(fx.dir.join("plots/elbow.png").exists());
        assert!(!fx.dir.join("plots/selection.png").exists());
        let err = run(&fx.dir, Some("elbw")).unwrap_err().to_string();
        assert!(
            err.contains("no plot named `elbw`") && err.contains("selection"),
            "{err}"
        );
    }

    #[test]
    fn a_failed_plot_exits_non_zero_but_draws_the_rest() {
        let fx = fixture("cli_failed");
        // The truth scatter needs the data; the elbow needs only the tables.
        std::fs::remove_file(fx.dir.join("data.csv")).unwrap();
        assert_eq!(run(&fx.dir, None).unwrap(), ExitCode::FAILURE);
        assert!(fx.dir.join("plots/elbow.png").exists());
        assert!(fx.dir.join("report.html").exists());
    }

    #[test]
    fn a_folder_without_runs_csv_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(dir.path(), None).unwrap_err().to_string();
        assert!(err.contains("not a results folder"), "{err}");
    }
}
