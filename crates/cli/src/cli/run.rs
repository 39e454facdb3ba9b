//! `clusterlab run`: run an experiment grid, or one shard of it.

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Args;
use clusterlab_experiment::{
    exec::{self, Observer, RunOptions, RunOutcome},
    grid::{GridFile, Plan},
    shard::{Partition, Shard},
};

/// Lists noted cells on stderr, at most 20 of them.
fn print_cells(cells: &[exec::NotedCell]) {
    const SHOWN: usize = 20;
    for c in cells.iter().take(SHOWN) {
        let k = c.k.map(|k| format!(" k={k}")).unwrap_or_default();
        eprintln!("  {} {}{k} seed={}: {}", c.id, c.model, c.seed, c.message);
    }
    if cells.len() > SHOWN {
        eprintln!("  ... and {} more", cells.len() - SHOWN);
    }
}

/// The progress bar of a run (absent when nobody watches).
struct Bar(Option<indicatif::ProgressBar>);

impl Observer for Bar {
    fn start(&self, todo: usize) {
        let Some(bar) = &self.0 else { return };
        if todo == 0 {
            return;
        }
        bar.set_length(todo as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} cells, {elapsed} elapsed, ETA {eta}",
        ) {
            bar.set_style(style);
        }
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn cell_done(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Arguments of `clusterlab run`.
#[derive(Debug, Args)]
#[command(
    long_about = "Runs every cell of a TOML experiment grid (each model x dataset x axis values x K \
                  x seed) in parallel and writes results/NAME/: runs.csv, summary.csv, \
                  experiment.toml, meta.json, data.csv, models/ and plots/. The whole file is \
                  checked before anything runs. Running the same file again computes only the \
                  cells that have no result yet.\n\n\
                  With --shard I/N it runs only part I of N (0-based) of the grid, into its own \
                  journal (shards/I-of-N.jsonl), so that N processes on N machines (the tasks \
                  of a Slurm job array, or any launcher that hands each task an index) share \
                  one results folder; `clusterlab merge DIR` then writes the tables. The parts \
                  depend only on the grid and are balanced by each cell's estimated work."
)]
pub struct RunArgs {
    /// The grid file (TOML). Relative paths inside it are relative to the file.
    pub grid: PathBuf,
    /// Results folder (default: results/NAME, NAME from `[experiment]` or the file's stem).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Cells run in parallel on this many threads (default: all cores).
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<usize>,
    /// Discard earlier results in the folder and recompute every cell.
    #[arg(long)]
    pub force: bool,
    /// Run only shard I of N (0-based, for instance `$SLURM_ARRAY_TASK_ID/8`) into its own
    /// journal, and write no tables: `clusterlab merge DIR` writes them when every shard has
    /// finished. With --dry-run, list the shard's cells and its share of the work.
    #[arg(
        long,
        value_name = "I/N",
        value_parser = clap::value_parser!(Shard),
        allow_hyphen_values = true
    )]
    pub shard: Option<Shard>,
    /// Check the file and print the axes, cells per model and results folder; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl RunArgs {
    /// Runs the grid.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        if self.jobs == Some(0) {
            anyhow::bail!("--jobs must be at least 1");
        }
        let plan = GridFile::load(&self.grid)?;
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("results").join(&plan.grid.experiment.name));
        for w in &plan.warnings {
            eprintln!("warning: {w}");
        }
        if !self.quiet && !self.dry_run {
            for d in &plan.datasets {
                if let Some(h) = &d.detected_header {
                    let name = d.id.as_deref().unwrap_or("the data");
                    eprintln!("{name}: the first row is a header ({})", h.join(", "));
                }
            }
        }
        if self.dry_run {
            print!("{}", dry_run_text(&plan, &out));
            if let Some(shard) = self.shard {
                print!("{}", shard_text(&plan, shard));
            }
            return Ok(ExitCode::SUCCESS);
        }
        let opts = RunOptions {
            out_dir: out.clone(),
            jobs: self.jobs,
            force: self.force,
            shard: self.shard,
        };
        crate::cli::signals::end_between_writes();
        // A bar only for a person watching: never in a pipe, a log file or with --quiet.
        let bar =
            Bar((!self.quiet && std::io::stdout().is_terminal())
                .then(indicatif::ProgressBar::hidden));
        let outcome = exec::run_observed(&plan, &opts, &bar)?;
        if let Some(shard) = self.shard {
            return Ok(shard_done(&plan, shard, &outcome, self.quiet));
        }
        Ok(finish(&plan, &outcome, self.quiet))
    }
}

/// What a shard prints when it ends; it fails when a cell failed.
fn shard_done(plan: &Plan, shard: Shard, outcome: &RunOutcome, quiet: bool) -> ExitCode {
    for n in &outcome.notes {
        eprintln!("note: {n}");
    }
    if !quiet {
        println!(
            "{} shard {shard}: {} cells ({} run, {} already done, {} failed) in {:.2} s on {} \
             threads -> {}",
            plan.grid.experiment.name,
            outcome.n_cells,
            outcome.n_run,
            outcome.n_skipped,
            outcome.failed.len(),
            outcome.cells_seconds,
            outcome.threads,
            outcome
                .out_dir
                .join("shards")
                .join(shard.journal_name())
                .display()
        );
        println!(
            "when every shard has finished: clusterlab merge {}",
            outcome.out_dir.display()
        );
    }
    print_noted(outcome);
    if outcome.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Cells with warnings and failed cells, on stderr.
fn print_noted(outcome: &RunOutcome) {
    if !outcome.warned.is_empty() {
        // scikit-learn says ConvergenceWarning; a run says it once, at the end.
        eprintln!(
            "{} cells have warnings (kept in the journal):",
            outcome.warned.len()
        );
        print_cells(&outcome.warned);
    }
    if !outcome.failed.is_empty() {
        eprintln!("{} cells failed:", outcome.failed.len());
        print_cells(&outcome.failed);
    }
}

/// After the tables of a whole grid are written (by a run or a merge): draws the plots and the
/// report, prints the summary and the picked K, and says what failed. The exit status fails
/// when a cell, a plot or the report failed.
pub fn finish(plan: &Plan, outcome: &RunOutcome, quiet: bool) -> ExitCode {
    let out = &outcome.out_dir;
    for n in &outcome.notes {
        eprintln!("note: {n}");
    }
    // The plots are drawn from the results folder alone, as `clusterlab plot` draws them.
    let plots = clusterlab_report::draw_all(out, &plan.plots);
    let report = clusterlab_report::write_report(out).err();
    let mut plots_failed = 0;
    for p in &plots {
        match &p.result {
            Ok(files) if !quiet => {
                for f in files {
                    println!("wrote {}", f.display());
                }
            }
            Ok(_) => {}
            Err(err) => {
                plots_failed += 1;
                eprintln!("error: plot {}: {err}", p.stem);
            }
        }
    }
    if let Some(err) = &report {
        eprintln!("error: report.html: {err}");
    }
    if !quiet {
        if outcome.threads > 0 {
            println!(
                "{}: {} cells ({} run, {} already done, {} failed) in {:.2} s on {} threads -> {}",
                plan.grid.experiment.name,
                outcome.n_cells,
                outcome.n_run,
                outcome.n_skipped,
                outcome.failed.len(),
                outcome.cells_seconds,
                outcome.threads,
                out.display()
            );
        } else {
            println!(
                "{}: merged {} cells ({} failed) -> {}",
                plan.grid.experiment.name,
                outcome.n_cells,
                outcome.failed.len(),
                out.display()
            );
        }
    }
    if !quiet && !outcome.best_k.is_empty() {
        println!("best K (mean over seeds; [seeds' min-max, agreeing/seeds] when they differ):");
        print!("{}", exec::best_k_table(&outcome.best_k));
    }
    print_noted(outcome);
    if plots_failed > 0 {
        eprintln!(
            "{plots_failed} of {} plots could not be drawn (the results are intact; \
             `clusterlab plot {}` redraws them)",
            plots.len(),
            out.display()
        );
    }
    if outcome.failed.is_empty() && plots_failed == 0 && report.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What `--dry-run --shard I/N` adds: the shard's cells and its share of the estimated work.
pub fn shard_text(plan: &Plan, shard: Shard) -> String {
    use std::fmt::Write;
    let part = Partition::new(plan, shard.count());
    let total: f64 = (0..plan.cells.len()).map(|i| part.work(i)).sum();
    let cells: Vec<usize> = part.cells(shard.index()).collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "shard {shard}: {} of {} cells, {:.1}% of the estimated work (an even share is {:.1}%)",
        cells.len(),
        plan.cells.len(),
        100.0 * part.share(shard.index()),
        100.0 / shard.count() as f64
    );
    for i in cells {
        let share = if total > 0.0 {
            100.0 * part.work(i) / total
        } else {
            0.0
        };
        let _ = writeln!(s, "  {} ({share:.2}%)", cell_text(&plan.cells[i]));
    }
    s
}

/// One cell on a line: `id model k=K axis=value ... seed=S`.
fn cell_text(c: &clusterlab_experiment::grid::Cell) -> String {
    let k = c.k.map(|k| format!(" k={k}")).unwrap_or_default();
    let axes: String = c
        .axes
        .iter()
        .map(|(n, v)| format!(" {n}={}", clusterlab_experiment::grid::value_text(v)))
        .collect();
    format!("{} {}{k}{axes} seed={}", c.id, c.model, c.seed)
}

/// What `--dry-run` prints.
pub fn dry_run_text(plan: &Plan, out: &Path) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let g = &plan.grid;
    let _ = writeln!(s, "experiment: {}", g.experiment.name);
    if let Some(d) = &g.experiment.description {
        let _ = writeln!(s, "  {d}");
    }
    let _ = writeln!(
        s,
        "data: {} ({} dataset{})",
        g.data.kind,
        plan.datasets.len(),
        if plan.datasets.len() == 1 { "" } else { "s" }
    );
    for d in &plan.datasets {
        let _ = writeln!(
            s,
            "  {}: {} samples x {} features{}",
            d.id.as_deref().unwrap_or("data"),
            d.data.n_samples(),
            d.data.n_features(),
            if d.data.labels().is_some() {
                ", labelled"
            } else {
                ""
            }
        );
        if let Some(h) = &d.detected_header {
            let _ = writeln!(s, "    the first row is a header: {}", h.join(", "));
        }
    }
    for m in &plan.models {
        let _ = writeln!(s, "model {} ({}): {} cells", m.name, m.kind.name, m.n_cells);
        for (name, values) in &m.axes {
            let _ = writeln!(s, "  {name}: {}", values.join(", "));
        }
    }
    if plan.excluded > 0 {
        let _ = writeln!(
            s,
            "total: {} cells ({} left out by [grid] exclude)",
            plan.cells.len(),
            plan.excluded
        );
    } else {
        let _ = writeln!(s, "total: {} cells", plan.cells.len());
    }
    // The cells themselves, when they fit on a screen (`--shard 0/1` lists any number).
    const LISTED: usize = 60;
    if plan.cells.len() <= LISTED {
        let _ = writeln!(s, "cells:");
        for c in &plan.cells {
            let _ = writeln!(s, "  {}", cell_text(c));
        }
    } else {
        let _ = writeln!(
            s,
            "cells: {} (`--dry-run --shard 0/1` lists them all)",
            plan.cells.len()
        );
    }
    let metrics: Vec<&str> = plan.metrics.iter().map(|m| m.name()).collect();
    let _ = writeln!(s, "metrics: {}", metrics.join(", "));
    let stems: Vec<String> = plan.plots.iter().map(|p| p.file_stem()).collect();
    let _ = writeln!(
        s,
        "plots{}: {}",
        if plan.default_plots { " (default)" } else { "" },
        stems.join(", ")
    );
    let _ = writeln!(s, "results: {}", out.display());
    s
}
