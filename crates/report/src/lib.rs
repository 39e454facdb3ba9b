//! Plots and the HTML report, drawn from an experiment's results folder alone.
//!
//! The runner writes `runs.csv`, `summary.csv`, `best_k.csv`, `data.csv` (or `data/*.csv`),
//! `models/<cell_id>.json` and `experiment.toml`; everything here reads those files and nothing
//! else, so `clusterlab plot DIR` redraws every plot without rerunning a cell. The code is split
//! as criterion.rs splits its plots, data apart from drawing:
//!
//! - `results` reads the files, locating CSV columns by name;
//! - `series` turns rows into lines (means and spreads over seeds, grouping, normalisation,
//!   covariance ellipses): pure functions, tested on hand-checked rows;
//! - `palette` gives each series (a model and its axis values) one colour and one legend
//!   label, the same in every figure of a folder;
//! - `pca` finds the plane a scatter plot shows data of more than two features on (their
//!   first two principal axes);
//! - `figures` builds one figure per [`PlotSpec`] from those series, and the companions some
//!   plots bring (the criteria-agreement chart beside `criteria`, a silhouette plot beside
//!   each scatter plot of one cell);
//! - `draw` draws a figure to PNG and SVG with plotters, text rasterised from an embedded
//!   DejaVu Sans subset (no system font library), lines in the colour-blind-safe Okabe-Ito
//!   palette, scatter labels in viridis;
//! - `html` assembles `report.html`, one self-contained page with every plot inlined.
//!
//! A plot that cannot be drawn (a missing model file, a score no cell recorded) is reported in
//! its [`PlotOutcome`] with a [`PlotError`] naming the file and what is missing; the other plots
//! are still drawn and no result is touched.
//!
//! # Examples
//!
//! ```no_run
//! use std::path::Path;
//! use clusterlab_report::{PlotKind, PlotSpec, draw_all, plots_of, write_report};
//!
//! let dir = Path::new("results/k_sweep");
//! // What the runner does after writing the tables: the grid's plots (or the defaults)...
//! let specs = plots_of(dir)?;
//! # let _ = specs;
//! // ...or any list of plots.
//! for outcome in draw_all(dir, &[PlotSpec::new(PlotKind::Elbow), PlotSpec::truth()]) {
//!     match outcome.result {
//!         Ok(files) => println!("{}: {} files", outcome.stem, files.len()),
//!         Err(err) => eprintln!("{}: {err}", outcome.stem),
//!     }
//! }
//! let page = write_report(dir)?;
//! # Ok::<(), clusterlab_report::PlotError>(())
//! ```

#![deny(missing_docs)]

use std::{
    fs,
    path::{Path, PathBuf},
};

mod draw;
mod error;
mod figures;
mod html;
mod palette;
mod pca;
mod results;
mod series;
mod style;
#[cfg(test)]
mod tests;

pub use clusterlab_experiment::plots::{
    AxisValue, PlotKind, PlotSpec, PlotSpecError, ScatterSource, ScatterSpec, TraceSpec,
};
pub use error::PlotError;
pub use html::write_report;

/// What became of one plot: its file stem and the files written, or why it could not be drawn.
#[derive(Debug)]
pub struct PlotOutcome {
    /// The plot's file stem under `plots/` ([`PlotSpec::file_stem`]).
    pub stem: String,
    /// The PNG and SVG written, or the error.
    pub result: Result<Vec<PathBuf>, PlotError>,
}

/// Draws every plot of `specs` from the results folder `dir` into `dir/plots/` (a PNG and an
/// SVG each). A plot that fails does not stop the others: each outcome says what happened.
///
/// Some plots bring a companion drawn from the same files, with an outcome of its own right
/// after theirs: `criteria` the criteria-agreement chart (`agreement`, where each criterion of
/// best_k.csv picks K, when best_k.csv has a pick), and a scatter plot of one cell's labels
/// that cell's silhouette plot (`silhouette_<model>_k<K>`, when the scatter plot was drawn
/// and the silhouette is defined). A series (a model and its axis values) has one colour in
/// every plot.
pub fn draw_all(dir: &Path, specs: &[PlotSpec]) -> Vec<PlotOutcome> {
    let plots = dir.join("plots");
    let prepared = fs::create_dir_all(&plots).map_err(|e| e.to_string());
    let name = experiment_name(dir);
    let palette = figures::palette(dir);
    let companions = companions(specs);
    let mut outcomes = Vec::with_capacity(specs.len());
    for (spec, companion) in specs.iter().zip(companions) {
        let stem = spec.file_stem();
        let io_err = |e: &String| PlotError::Io {
            path: plots.clone(),
            source: std::io::Error::other(e.clone()),
        };
        let result = match &prepared {
            Ok(()) => draw_one(dir, &plots, spec, &name, &stem, &palette),
            Err(e) => Err(io_err(e)),
        };
        let drawn = result.is_ok();
        outcomes.push(PlotOutcome { stem, result });
        let Some(companion) = companion else {
            continue;
        };
        if companion.needs_parent && !drawn {
            continue;
        }
        let result = match &prepared {
            Ok(()) => draw_companion(dir, &plots, spec, &name, &companion.stem, &palette),
            Err(e) => Err(io_err(e)),
        };
        match result {
            Ok(None) => {}
            Ok(Some(files)) => outcomes.push(PlotOutcome {
                stem: companion.stem,
                result: Ok(files),
            }),
            Err(e) => outcomes.push(PlotOutcome {
                stem: companion.stem,
                result: Err(e),
            }),
        }
    }
    outcomes
}

/// A plot drawn after another from the same files (see [`draw_all`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Companion {
    /// Its file stem under `plots/`.
    pub stem: String,
    /// Whether it is drawn only when the plot it follows was.
    pub needs_parent: bool,
}

/// The companion of each spec, if any: the agreement chart after the first `criteria`, a
/// silhouette plot after each scatter plot of one cell. A silhouette plot is named after its
/// model, K and pinned axes (`silhouette_gmm_k3_covariance_type-full`); the seed joins the
/// name only when an earlier scatter plot of the list already took the name without it.
pub(crate) fn companions(specs: &[PlotSpec]) -> Vec<Option<Companion>> {
    let mut taken: Vec<String> = Vec::new();
    let mut agreement = false;
    specs
        .iter()
        .map(|spec| match &spec.kind {
            PlotKind::Criteria if !agreement => {
                agreement = true;
                Some(Companion {
                    stem: "agreement".into(),
                    needs_parent: false,
                })
            }
            PlotKind::Scatter(ScatterSpec {
                source: ScatterSource::Cell { model, k, seed },
                axes,
            }) => {
                let pinned: String = axes.iter().map(|(a, v)| format!("_{a}-{v}")).collect();
                let mut stem = clusterlab_experiment::text::file_safe(&format!(
                    "silhouette_{model}_k{k}{pinned}"
                ));
                if taken.contains(&stem) {
                    stem = clusterlab_experiment::text::file_safe(&format!(
                        "silhouette_{model}_k{k}_seed{seed}{pinned}"
                    ));
                }
                taken.push(stem.clone());
                Some(Companion {
                    stem,
                    needs_parent: true,
                })
            }
            _ => None,
        })
        .collect()
}

/// The plots an existing results folder asks for: the `[[plot]]` tables of its
/// `experiment.toml`, or the registry's default plots for what the folder holds (truth when `data.csv`
/// has labels; the models' kinds from `runs.csv`).
pub fn plots_of(dir: &Path) -> Result<Vec<PlotSpec>, PlotError> {
    let experiment = results::ExperimentFile::read(dir)?;
    if let Some(plots) = experiment.plots {
        return Ok(plots);
    }
    let has_truth = results::Table::read(&dir.join("data.csv"))
        .map(|t| t.column("label").is_some())
        .unwrap_or(false);
    let columns = clusterlab_experiment::schema::Columns::read(dir)?;
    let kinds: Vec<String> = columns
        .read_runs(dir)?
        .into_iter()
        .map(|r| r.kind)
        .collect();
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    Ok(clusterlab_experiment::registry::Registry::builtin().default_plots(has_truth, &kinds))
}

/// The experiment's name from `experiment.toml`, else the folder's name.
fn experiment_name(dir: &Path) -> String {
    results::ExperimentFile::read(dir)
        .ok()
        .and_then(|e| e.name)
        .or_else(|| {
            dir.canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "experiment".into())
}

fn draw_one(
    dir: &Path,
    plots: &Path,
    spec: &PlotSpec,
    name: &str,
    stem: &str,
    palette: &palette::Palette,
) -> Result<Vec<PathBuf>, PlotError> {
    match &spec.kind {
        PlotKind::Elbow => draw::render(&figures::elbow(dir, spec, name, palette)?, plots, stem),
        PlotKind::Selection => {
            draw::render(&figures::selection(dir, spec, name, palette)?, plots, stem)
        }
        PlotKind::Criteria => {
            draw::render(&figures::criteria(dir, spec, name, palette)?, plots, stem)
        }
        PlotKind::Scatter(s) => draw::render(&figures::scatter(dir, spec, s, name)?, plots, stem),
        PlotKind::Trace(t) => {
            draw::render(&figures::trace(dir, spec, t, name, palette)?, plots, stem)
        }
        PlotKind::Gallery => {
            draw::render(&figures::gallery(dir, spec, name, palette)?, plots, stem)
        }
    }
}

/// Draws the companion of `spec`; `Ok(None)` when there is nothing it could show (no pick in
/// best_k.csv, an undefined silhouette).
fn draw_companion(
    dir: &Path,
    plots: &Path,
    spec: &PlotSpec,
    name: &str,
    stem: &str,
    palette: &palette::Palette,
) -> Result<Option<Vec<PathBuf>>, PlotError> {
    match &spec.kind {
        PlotKind::Criteria => figures::agreement(dir, name, palette)?
            .map(|f| draw::render(&f, plots, stem))
            .transpose(),
        PlotKind::Scatter(s) => figures::silhouette(dir, spec, s, name)?
            .map(|f| draw::render(&f, plots, stem))
            .transpose(),
        _ => Ok(None),
    }
}
