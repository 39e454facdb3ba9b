//! `clusterlab bench runner`: the runner's own cost.
//!
//! Two measurements. First, the wall time of `experiments/k_sweep.toml` (250 cells, plots
//! included) from the grid file to the last plot, at each thread count. Second, the time per
//! cell spent outside the algorithms, on a grid of 10,000 cells of tiny data: the whole run
//! (planning, journal, model files, tables) on one thread minus the sum of the fits' own
//! times, divided by the number of cells. scikit-learn has no counterpart, so there is no
//! ratio here: the targets are k_sweep under 2 s on 2 cores and under 1 ms per cell.

use std::{path::Path, time::Instant};

use clap::Args as ClapArgs;

use clusterlab_experiment::{
    exec::{self, RunOptions},
    grid::GridFile,
};

use crate::{CommonArgs, repo_root, with_threads};

/// Arguments of `clusterlab bench runner`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// The overhead grid: one model, `n_k` values of K times `n_seeds` seeds on 30 points.
fn overhead_grid(n_seeds: usize) -> String {
    format!(
        r#"
[experiment]
name = "runner_overhead"
metrics = []                # the metrics are algorithms too: not the runner's overhead

[data]
kind = "blobs"
n_samples = 30
centers = 3
seed = 0

[[model]]
kind = "kmeans"
n_init = 1

[grid]
k = {{ from = 1, to = 10 }}
seed = {{ from = 0, to = {} }}

[[plot]]
kind = "elbow"
"#,
        n_seeds - 1
    )
}

/// Runs the benchmark and prints its table.
pub fn run(args: Args) -> anyhow::Result<()> {
    let common = args.common;
    let tmp = std::env::temp_dir().join(format!("clusterlab-bench-runner-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let result = measure(&common, &tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn measure(common: &CommonArgs, tmp: &Path) -> anyhow::Result<()> {
    let k_sweep = repo_root().join("experiments/k_sweep.toml");
    println!(
        "k_sweep.toml (250 cells), grid file to last plot, best of {}:",
        common.repeats.max(1)
    );
    println!(
        "{:>8} {:>10} {:>10} {:>10} {:>10}",
        "threads", "total s", "plan s", "cells s", "plots s"
    );
    for &threads in &common.threads {
        let mut best = (f64::INFINITY, 0.0, 0.0, 0.0);
        for _ in 0..common.repeats.max(1) {
            let out = tmp.join(format!("k_sweep_{threads}"));
            let t0 = Instant::now();
            let plan = GridFile::load(&k_sweep)?;
            let t_plan = t0.elapsed().as_secs_f64();
            let opts = RunOptions {
                out_dir: out.clone(),
                jobs: Some(threads),
                force: true,
                shard: None,
            };
            let t1 = Instant::now();
            let outcome = exec::run(&plan, &opts)?;
            let t_cells = t1.elapsed().as_secs_f64();
            let t2 = Instant::now();
            let plots = with_threads(threads, || {
                let plots = clusterlab_report::draw_all(&out, &plan.plots);
                let _ = clusterlab_report::write_report(&out);
                plots
            })?;
            let t_plots = t2.elapsed().as_secs_f64();
            let total = t0.elapsed().as_secs_f64();
            anyhow::ensure!(outcome.failed.is_empty(), "k_sweep had failed cells");
            anyhow::ensure!(
                plots.iter().all(|p| p.result.is_ok()),
                "a k_sweep plot failed"
            );
            if total < best.0 {
                best = (total, t_plan, t_cells, t_plots);
            }
        }
        println!(
            "{threads:>8} {:>10.3} {:>10.3} {:>10.3} {:>10.3}",
            best.0, best.1, best.2, best.3
        );
    }

    let n_seeds = if common.quick { 100 } else { 1000 };
    let n_cells = 10 * n_seeds;
    let grid = tmp.join("overhead.toml");
    std::fs::write(&grid, overhead_grid(n_seeds))?;
    let t0 = Instant::now();
    let plan = GridFile::load(&grid)?;
    let t_plan = t0.elapsed().as_secs_f64();
    anyhow::ensure!(plan.cells.len() == n_cells);
    let opts = RunOptions {
        out_dir: tmp.join("overhead"),
        jobs: Some(1),
        force: true,
        shard: None,
    };
    let t1 = Instant::now();
    let outcome = exec::run(&plan, &opts)?;
    let t_run = t1.elapsed().as_secs_f64();
    let per_cell_ms = |s: f64| 1e3 * s / n_cells as f64;
    println!();
    println!("{n_cells} cells of K-means on 30 x 2 points, 1 thread:");
    println!(
        "  planning (parse, build every configuration): {:.3} s = {:.4} ms per cell",
        t_plan,
        per_cell_ms(t_plan)
    );
    println!(
        "  run (fits, journal, model files, tables):     {:.3} s",
        t_run
    );
    println!(
        "  sum of the fits' own times:                   {:.3} s",
        outcome.fit_seconds_sum
    );
    let outside = t_plan + t_run - outcome.fit_seconds_sum;
    println!(
        "  outside the algorithms: {:.3} s = {:.4} ms per cell (target < 1 ms)",
        outside,
        per_cell_ms(outside)
    );
    Ok(())
}
