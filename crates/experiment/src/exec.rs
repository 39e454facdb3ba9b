//! Running a plan: every cell on rayon's pool, results journaled as they finish, tables
//! written at the end in grid order.
//!
//! A cell's result depends only on its data, its configuration and its seed: the fit is the
//! algorithm crate's own `fit` with that seed, so it equals what `clusterlab fit` gives, and
//! the algorithm crates make their own parallel sums independent of the thread count. The only
//! shared state is the journal (behind a mutex) and the [`Observer`] (the command line's
//! progress bar).

use std::{
    fs,
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Instant, SystemTime},
};

use clusterlab_metrics::EvaluateOptions;
use rayon::prelude::*;

use crate::{
    Error,
    grid::{Cell, CellId, Plan},
    record::{self, CellRecord, Journal},
    schema::Status,
};

/// Something told how a run advances: the command line draws a progress bar with it. The
/// library itself prints nothing.
pub trait Observer: Sync {
    /// The run is about to compute `todo` cells (those without a recorded result).
    fn start(&self, todo: usize) {
        let _ = todo;
    }
    /// One more cell finished (on any thread).
    fn cell_done(&self) {}
    /// Every cell finished; the tables are written next.
    fn finish(&self) {}
}

/// Observes nothing.
impl Observer for () {}

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The results folder.
    pub out_dir: PathBuf,
    /// Threads of the pool (`None`: all cores).
    pub jobs: Option<usize>,
    /// Discard earlier results in `out_dir` and run every cell.
    pub force: bool,
}

impl RunOptions {
    /// Options writing to `out_dir`, on all cores, resuming.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        RunOptions {
            out_dir: out_dir.into(),
            jobs: None,
            force: false,
        }
    }
}

/// A cell that failed or has warnings, for the final report.
#[derive(Debug, Clone, PartialEq)]
pub struct NotedCell {
    /// The cell's id.
    pub id: CellId,
    /// The model's name.
    pub model: String,
    /// K (none for an algorithm that finds K itself).
    pub k: Option<usize>,
    /// The seed.
    pub seed: u64,
    /// The error, or the warnings joined by `; `.
    pub message: String,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The results folder.
    pub out_dir: PathBuf,
    /// Cells in the plan.
    pub n_cells: usize,
    /// Cells computed by this run.
    pub n_run: usize,
    /// Cells found in the journal and not recomputed.
    pub n_skipped: usize,
    /// Every failed cell of the plan (this run's and earlier ones), in grid order.
    pub failed: Vec<NotedCell>,
    /// Every successful cell with warnings (a fit that did not converge, fewer distinct points
    /// than clusters, ...), in grid order.
    pub warned: Vec<NotedCell>,
    /// Wall time of the cells, in seconds.
    pub cells_seconds: f64,
    /// Sum of the fit times of the cells this run computed, in seconds.
    pub fit_seconds_sum: f64,
    /// Threads used.
    pub threads: usize,
    /// The K each criterion picks, per model and group (as in `best_k.csv`).
    pub best_k: Vec<record::BestK>,
}

/// Runs every cell of `plan` that has no result yet in `opts.out_dir`, then writes the tables.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunOutcome, Error> {
    run_observed(plan, opts, &())
}

/// [`run`], telling `observer` how it advances.
pub fn run_observed(
    plan: &Plan,
    opts: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunOutcome, Error> {
    let started = SystemTime::now();
    let dir = &opts.out_dir;
    // The folder is clusterlab's and this run is its only writer until it returns.
    let _held = crate::folder::claim(dir, opts.force)?;
    fs::create_dir_all(dir.join("models")).map_err(|source| Error::Io {
        path: dir.join("models"),
        source,
    })?;
    record::write_inputs(plan, dir)?;

    let (journal, mut done) = Journal::open(&dir.join("cells.jsonl"))?;
    // A cell is done when it is in the journal with every metric the grid now asks for (a
    // failed cell has none and stays failed).
    let wanted = plan.metric_columns();
    let todo: Vec<&Cell> = plan
        .cells
        .iter()
        .filter(|c| {
            !done.get(&c.id).is_some_and(|r| {
                r.status == Status::Failed || wanted.iter().all(|m| r.scores.contains_key(m))
            })
        })
        .collect();
    let n_skipped = plan.cells.len() - todo.len();

    let threads = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Pool(e.to_string()))?;

    observer.start(todo.len());
    let journal = Mutex::new(journal);
    let t0 = Instant::now();
    let new: Vec<Result<CellRecord, Error>> = pool.install(|| {
        todo.par_iter()
            .map(|cell| {
                let rec = run_cell(plan, cell, dir)?;
                journal
                    .lock()
                    .map_err(|_| Error::Pool("a cell panicked while writing the journal".into()))?
                    .append(&rec)?;
                observer.cell_done();
                Ok(rec)
            })
            .collect()
    });
    let cells_seconds = t0.elapsed().as_secs_f64();
    observer.finish();
    let mut fit_seconds_sum = 0.0;
    let n_run = new.len();
    for (cell, rec) in todo.iter().zip(new) {
        let rec = rec?;
        fit_seconds_sum += rec.fit_seconds.parse::<f64>().unwrap_or(0.0);
        done.insert(cell.id, rec);
    }

    record::write_tables(plan, &done, dir)?;
    let noted = |keep: &dyn Fn(&CellRecord) -> Option<String>| -> Vec<NotedCell> {
        plan.cells
            .iter()
            .filter_map(|c| {
                let message = keep(done.get(&c.id)?)?;
                Some(NotedCell {
                    id: c.id,
                    model: c.model.clone(),
                    k: c.k,
                    seed: c.seed,
                    message,
                })
            })
            .collect()
    };
    let failed =
        noted(&|r| (r.status == Status::Failed).then(|| r.error.clone().unwrap_or_default()));
    let warned = noted(&|r| {
        (r.status == Status::Ok && !r.warnings.is_empty()).then(|| r.warnings.join("; "))
    });
    let outcome = RunOutcome {
        out_dir: dir.clone(),
        n_cells: plan.cells.len(),
        n_run,
        n_skipped,
        failed,
        warned,
        cells_seconds,
        fit_seconds_sum,
        threads,
        best_k: record::best_k(plan, &done),
    };
    let facts = record::files::RunFacts {
        threads,
        n_cells: outcome.n_cells,
        n_run,
        n_skipped,
        n_failed: outcome.failed.len(),
        started,
        ended: SystemTime::now(),
    };
    record::write_meta(plan, dir, &facts)?;
    Ok(outcome)
}

/// The short table of picked K printed at the end of a run: one line per model and group,
/// each criterion's K from the mean over seeds, with the seeds' own picks as `[min-max,
/// agreeing/n]` when they are not unanimous.
pub fn best_k_table(best: &[record::BestK]) -> String {
    use std::fmt::Write;
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for b in best {
        let mut label = b.model.clone();
        if let Some(d) = &b.data_id {
            label.push_str(&format!(" [{d}]"));
        }
        if !b.group.is_empty() {
            label.push_str(&format!(" ({})", b.group));
        }
        let k = b.best_k.map_or_else(|| "-".to_owned(), |k| k.to_string());
        let mut item = format!("{} {k}", b.criterion.name());
        let sp = &b.spread;
        if sp.agreeing < sp.picks.len() {
            let r = |k: Option<usize>| k.map_or_else(|| "-".to_owned(), |k| k.to_string());
            let _ = write!(
                item,
                " [{}-{}, {}/{}]",
                r(sp.min),
                r(sp.max),
                sp.agreeing,
                sp.picks.len()
            );
        }
        match lines.iter_mut().find(|(l, _)| *l == label) {
            Some((_, items)) => items.push(item),
            None => lines.push((label, vec![item])),
        }
    }
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for (label, items) in lines {
        let _ = writeln!(s, "  {label:<width$}  {}", items.join(", "));
    }
    s
}

/// Fits one cell, saves its model, and returns its record. A fit that fails or panics becomes
/// a failed record; only I/O errors of the results folder are errors here.
fn run_cell(plan: &Plan, cell: &Cell, dir: &Path) -> Result<CellRecord, Error> {
    let x = plan.datasets[cell.data].data.x();
    let t = Instant::now();
    let fitted = catch_unwind(AssertUnwindSafe(|| cell.clusterer.fit_dyn(x, cell.seed)));
    let seconds = t.elapsed().as_secs_f64();
    let model = match fitted {
        Ok(Ok(model)) => model,
        Ok(Err(err)) => return Ok(CellRecord::failed(cell, err.to_string(), seconds)),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            return Ok(CellRecord::failed(
                cell,
                format!("the fit panicked: {msg}"),
                seconds,
            ));
        }
    };
    let summary = model.summary();
    let data = &plan.datasets[cell.data].data;
    let mut metrics = metric_values(plan, data, model.labels(), cell.seed);
    if let Some(n_refs) = plan.gap_refs {
        // The gap at this cell's K, with this cell's configuration clustering the reference
        // sets; every reference fit's seed derives from the cell's seed.
        let cluster = |x: ndarray::ArrayView2<'_, f64>, _k: usize, seed: u64| {
            cell.clusterer.fit_predict_dyn(x, seed)
        };
        // An algorithm without K has no gap at K: the columns stay empty.
        let point = cell
            .k
            .and_then(|k| {
                clusterlab_metrics::gap_statistic(data.x(), &[k], n_refs, cell.seed, &cluster).ok()
            })
            .and_then(|p| p.first().copied());
        metrics.push((
            "gap".to_owned(),
            point.map(|p| p.gap).filter(|g| g.is_finite()),
        ));
        metrics.push((
            "gap_se".to_owned(),
            point.map(|p| p.s_k).filter(|s| s.is_finite()),
        ));
    }
    let json = record::model_json(plan, cell, model.as_ref());
    let path = dir.join("models").join(format!("{}.json", cell.id));
    let text = serde_json::to_vec(&json).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    fs::write(&path, text).map_err(|source| Error::Io { path, source })?;
    Ok(CellRecord::ok(cell, &summary, &metrics, seconds))
}

/// The plan's metrics of one clustering, by name; `None` where undefined (one cluster, ...).
fn metric_values(
    plan: &Plan,
    data: &clusterlab_core::Dataset,
    labels: &[usize],
    seed: u64,
) -> Vec<(String, Option<f64>)> {
    if plan.metrics.is_empty() {
        return Vec::new();
    }
    // The silhouette's sample (above 10,000 points) is drawn from the cell's seed, so the
    // value is as reproducible as the fit.
    let opts = EvaluateOptions::default_for(data.n_samples(), seed);
    let report =
        clusterlab_metrics::evaluate_metrics(data.x(), labels, data.labels(), &opts, &plan.metrics)
            .ok();
    plan.metrics
        .iter()
        .map(|m| {
            (
                m.name().to_owned(),
                report.as_ref().and_then(|r| m.value(r)),
            )
        })
        .collect()
}
