//! Running a plan: every cell on rayon's pool, results journaled as they finish, tables
//! written at the end in grid order.
//!
//! A cell's result depends only on its data, its configuration and its seed: the fit is the
//! algorithm crate's own `fit` with that seed, so it equals what `clusterlab fit` gives, and
//! the algorithm crates make their own parallel sums independent of the thread count. The only
//! shared state is the journal (behind a mutex) and the [`Observer`] (the command line's
//! progress bar).
//!
//! A run may be one [`Shard`] of the grid: it runs that part's cells into its own journal
//! (`shards/I-of-N.jsonl`) and writes no tables; [`merge`] writes them once every cell is in
//! some journal, byte for byte as a single run would (but for `fit_seconds`). A plain run on a
//! folder that holds shard journals counts their cells as done.

use std::{
    collections::HashMap,
    fs,
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
    sync::Mutex,
    time::{Instant, SystemTime},
};

use clusterlab_metrics::{EvaluateOptions, select::Criterion};
use rayon::prelude::*;

use crate::{
    Error,
    grid::{Cell, CellId, Plan},
    record::{
        self, CellRecord, Journal,
        journal::{JOURNAL, JournalFile, JournalHeader, Journals, SHARDS_DIR},
    },
    schema::Status,
    shard::{Partition, Shard},
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
    /// Discard earlier results in `out_dir` and run every cell (refused with a shard).
    pub force: bool,
    /// Run only this shard's cells, into its own journal, and write no tables (`merge` does,
    /// once every shard has finished).
    pub shard: Option<Shard>,
}

impl RunOptions {
    /// Options writing to `out_dir`, on all cores, resuming, the whole grid.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        RunOptions {
            out_dir: out_dir.into(),
            jobs: None,
            force: false,
            shard: None,
        }
    }
}

/// A cell that failed, has warnings or is missing, for the final report.
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
    /// The error, or the warnings joined by `; ` (empty for a missing cell).
    pub message: String,
}

impl NotedCell {
    fn of(cell: &Cell, message: String) -> NotedCell {
        NotedCell {
            id: cell.id,
            model: cell.model.clone(),
            k: cell.k,
            seed: cell.seed,
            message,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The results folder.
    pub out_dir: PathBuf,
    /// The shard run (`None`: the whole grid).
    pub shard: Option<Shard>,
    /// Cells in the plan (in the shard, for a shard).
    pub n_cells: usize,
    /// Cells computed by this run.
    pub n_run: usize,
    /// Cells found in the journals and not recomputed.
    pub n_skipped: usize,
    /// Every failed cell (of the plan, or of the shard), this run's and earlier ones, in grid
    /// order.
    pub failed: Vec<NotedCell>,
    /// Every successful cell with warnings (a fit that did not converge, fewer distinct points
    /// than clusters, ...), in grid order.
    pub warned: Vec<NotedCell>,
    /// Wall time of the cells, in seconds.
    pub cells_seconds: f64,
    /// Sum of the fit times of the cells this run computed, in seconds.
    pub fit_seconds_sum: f64,
    /// Threads used (0 for a merge).
    pub threads: usize,
    /// The K each criterion picks, per model and group (as in `best_k.csv`); empty for a shard,
    /// which writes no tables.
    pub best_k: Vec<record::BestK>,
    /// What the user should know of the journals read (cells found in two journals, partial
    /// lines of killed tasks, lines that are not cells).
    pub notes: Vec<String>,
}

/// Runs every cell of `plan` that has no result yet in `opts.out_dir`, then writes the tables.
pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunOutcome, Error> {
    run_observed(plan, opts, &())
}

/// [`run`], telling `observer` how it advances.
///
/// A cell counts as done when any journal of the folder holds it (a plain run's or any
/// shard's, of any shard count) with every metric the grid now asks for; a failed cell stays
/// failed. A shard runs the undone cells of its part of the [`Partition`], writes them to its
/// own journal, and writes no tables; a plain run runs all the undone cells and writes the
/// tables of the whole grid.
pub fn run_observed(
    plan: &Plan,
    opts: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunOutcome, Error> {
    let started = SystemTime::now();
    let dir = &opts.out_dir;
    if opts.force && opts.shard.is_some() {
        return Err(Error::Folder {
            dir: dir.clone(),
            message: "--force cannot be given with --shard: it would discard the results of the \
                      other shards, which may be running. Remove the folder first (or run the \
                      whole grid with --force and no --shard)"
                .into(),
        });
    }
    // Every file has one writer: a plain run holds the folder alone, a shard holds its own
    // journal (and the folder beside the other shards).
    let _held = match opts.shard {
        Some(shard) => crate::folder::claim_shard(dir, shard)?,
        None => crate::folder::claim(dir, opts.force)?,
    };
    fs::create_dir_all(dir.join("models")).map_err(|source| Error::Io {
        path: dir.join("models"),
        source,
    })?;
    record::write_inputs(plan, dir, opts.shard.is_none())?;

    let header = JournalHeader::new(
        &plan.grid.experiment.name,
        plan.grid.source.path(),
        opts.shard,
    );
    let journal_path = match opts.shard {
        Some(s) => dir.join(SHARDS_DIR).join(s.journal_name()),
        None => dir.join(JOURNAL),
    };
    let journal = Journal::open(&journal_path, &header)?;
    let wanted = plan.metric_columns();
    let journals = Journals::read(dir, &plan.grid.experiment.name, &wanted)?;
    let notes = journal_notes(plan, dir, &journals);
    let mut done = journals.records;
    let mine: Vec<&Cell> = match opts.shard {
        Some(s) => Partition::new(plan, s.count())
            .cells(s.index())
            .map(|i| &plan.cells[i])
            .collect(),
        None => plan.cells.iter().collect(),
    };
    let todo: Vec<&Cell> = mine
        .iter()
        .copied()
        .filter(|c| !done.get(&c.id).is_some_and(|r| is_complete(r, &wanted)))
        .collect();
    let n_skipped = mine.len() - todo.len();

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

    let (failed, warned) = noted(&mine, &done);
    let mut outcome = RunOutcome {
        out_dir: dir.clone(),
        shard: opts.shard,
        n_cells: mine.len(),
        n_run,
        n_skipped,
        failed,
        warned,
        cells_seconds,
        fit_seconds_sum,
        threads,
        best_k: Vec::new(),
        notes,
    };
    if opts.shard.is_none() {
        write_results(plan, dir, &done, &journals.files, started, &mut outcome)?;
    }
    Ok(outcome)
}

/// The tables and `meta.json` of a complete set of records; sets `outcome.best_k`.
fn write_results(
    plan: &Plan,
    dir: &Path,
    done: &HashMap<CellId, CellRecord>,
    files: &[JournalFile],
    started: SystemTime,
    outcome: &mut RunOutcome,
) -> Result<(), Error> {
    record::write_tables(plan, done, dir)?;
    outcome.best_k = record::best_k(plan, done);
    let journals = files
        .iter()
        .filter(|f| f.whole_len > 0)
        .map(|f| {
            f.path
                .strip_prefix(dir)
                .unwrap_or(&f.path)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let facts = record::files::RunFacts {
        threads: (outcome.threads > 0).then_some(outcome.threads),
        n_cells: outcome.n_cells,
        n_run: outcome.n_run,
        n_skipped: outcome.n_skipped,
        n_failed: outcome.failed.len(),
        started,
        ended: SystemTime::now(),
        journals,
    };
    record::write_meta(plan, dir, &facts)
}

/// Whether a record needs no rerun: it failed, or it has every score asked for.
fn is_complete(r: &CellRecord, wanted: &[String]) -> bool {
    r.status == Status::Failed || wanted.iter().all(|m| r.scores.contains_key(m))
}

/// The failed cells and the cells with warnings among `cells`, in their order.
fn noted(cells: &[&Cell], done: &HashMap<CellId, CellRecord>) -> (Vec<NotedCell>, Vec<NotedCell>) {
    let mut failed = Vec::new();
    let mut warned = Vec::new();
    for c in cells {
        let Some(r) = done.get(&c.id) else { continue };
        match r.status {
            Status::Failed => failed.push(NotedCell::of(c, r.error.clone().unwrap_or_default())),
            Status::Ok if !r.warnings.is_empty() => {
                warned.push(NotedCell::of(c, r.warnings.join("; ")));
            }
            Status::Ok => {}
        }
    }
    (failed, warned)
}

/// What the user should know of the journals: partial last lines, lines that are not cells,
/// cells computed twice (identically, or not), cells of an earlier version of the grid.
fn journal_notes(plan: &Plan, dir: &Path, journals: &Journals) -> Vec<String> {
    let name = |i: usize| {
        let p = &journals.files[i].path;
        p.strip_prefix(dir).unwrap_or(p).display().to_string()
    };
    let mut notes = Vec::new();
    for (i, f) in journals.files.iter().enumerate() {
        if f.partial_tail {
            notes.push(format!(
                "{} ends in a partial line (its task was killed while writing it); that cell \
                 counts as not run",
                name(i)
            ));
        }
        if f.bad_lines > 0 {
            notes.push(format!(
                "{} has {} line{} that {} not a cell record; ignored",
                name(i),
                f.bad_lines,
                if f.bad_lines == 1 { "" } else { "s" },
                if f.bad_lines == 1 { "is" } else { "are" }
            ));
        }
    }
    let same = journals.repeated.len() - journals.conflicting.len();
    if same > 0 {
        notes.push(format!(
            "{same} cell{} {} found in more than one journal with the same result; each counts \
             once",
            if same == 1 { "" } else { "s" },
            if same == 1 { "was" } else { "were" }
        ));
    }
    let in_plan: std::collections::HashSet<CellId> = plan.cells.iter().map(|c| c.id).collect();
    let stale = journals
        .records
        .keys()
        .filter(|id| !in_plan.contains(id))
        .count();
    if stale > 0 {
        notes.push(format!(
            "{stale} recorded cell{} {} not in this grid (it was edited since they ran); they \
             are kept in the journals and left out of the tables",
            if stale == 1 { "" } else { "s" },
            if stale == 1 { "is" } else { "are" }
        ));
    }
    notes
}

/// The cells that no journal holds (complete), grouped by the shard that runs them.
#[derive(Debug, Clone, Default)]
pub struct Missing {
    /// The number of shards the folder's journals were written for (the largest `N` of
    /// `shards/I-of-N.jsonl`); `None` when there are no shard journals.
    pub shards: Option<usize>,
    /// For each shard index (or one group when `shards` is `None`), its missing cells in grid
    /// order.
    pub by_shard: Vec<(Option<Shard>, Vec<NotedCell>)>,
    /// The grid file named by the journals, to run them with.
    pub grid: PathBuf,
    /// What the user should know of the journals read (as [`RunOutcome::notes`]).
    pub notes: Vec<String>,
}

impl Missing {
    /// The number of missing cells.
    pub fn len(&self) -> usize {
        self.by_shard.iter().map(|(_, c)| c.len()).sum()
    }

    /// Whether no cell is missing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What `merge` found.
#[derive(Debug, Clone)]
pub enum Merged {
    /// Every cell was there: the tables are written.
    Complete(RunOutcome),
    /// Cells are missing: nothing final was written.
    Incomplete(Missing),
}

/// Reads the grid saved in a results folder (`experiment.toml`), as the journals' grid file:
/// relative paths in it resolve against that file's folder, where the grid was run from.
pub fn saved_plan(dir: &Path) -> Result<Plan, Error> {
    let saved = dir.join("experiment.toml");
    let text = fs::read_to_string(&saved).map_err(|source| Error::Io {
        path: saved.clone(),
        source,
    })?;
    let mut grid = None;
    for (path, _) in Journals::paths(dir)?.into_iter().rev() {
        if let Some(h) = JournalFile::read_header(&path)? {
            grid = Some(h.grid);
            break;
        }
    }
    let grid = grid.unwrap_or(saved);
    crate::grid::GridFile::load_text(&grid, text, crate::registry::Registry::builtin())
}

/// `clusterlab merge`: checks that every cell of `plan` (the grid saved in `dir`, see
/// [`saved_plan`]) is in one of the folder's journals, and if so writes the tables and
/// `meta.json` exactly as a plain run of the grid would (byte-identical tables but for
/// `fit_seconds`). If cells are missing it writes nothing and says which, by shard.
///
/// Journals of another experiment, and cells whose results differ between journals, are
/// errors: nothing is counted twice.
pub fn merge(plan: &Plan, dir: &Path) -> Result<Merged, Error> {
    let started = SystemTime::now();
    if !crate::folder::is_results_folder(dir) {
        return Err(Error::Folder {
            dir: dir.to_path_buf(),
            message: "is not a clusterlab results folder".into(),
        });
    }
    let _held = crate::folder::claim(dir, false)?;
    let wanted = plan.metric_columns();
    let journals = Journals::read(dir, &plan.grid.experiment.name, &wanted)?;
    if !journals.conflicting.is_empty() {
        let list: Vec<String> = journals
            .conflicting
            .iter()
            .take(10)
            .map(|(id, at)| {
                let files: Vec<String> = at
                    .iter()
                    .map(|&i| journals.files[i].path.display().to_string())
                    .collect();
                format!("{id} ({})", files.join(", "))
            })
            .collect();
        return Err(Error::Folder {
            dir: dir.to_path_buf(),
            message: format!(
                "{} cell{} have different results in different journals (was the binary or \
                 the data changed between shards?): {}; remove the journal that is wrong and \
                 run its shard again",
                journals.conflicting.len(),
                if journals.conflicting.len() == 1 {
                    ""
                } else {
                    "s"
                },
                list.join("; ")
            ),
        });
    }
    let notes = journal_notes(plan, dir, &journals);
    let missing_cells: Vec<&Cell> = plan
        .cells
        .iter()
        .filter(|c| {
            !journals
                .records
                .get(&c.id)
                .is_some_and(|r| is_complete(r, &wanted))
        })
        .collect();
    if !missing_cells.is_empty() {
        let shards = journals
            .files
            .iter()
            .filter_map(|f| f.shard.map(|s| s.count()))
            .max();
        let by_shard = match shards {
            None => vec![(
                None,
                missing_cells
                    .iter()
                    .map(|c| NotedCell::of(c, String::new()))
                    .collect(),
            )],
            Some(count) => {
                let part = Partition::new(plan, count);
                let mut groups: Vec<Vec<NotedCell>> = vec![Vec::new(); count];
                for c in &missing_cells {
                    groups[part.shard_of(c.index)].push(NotedCell::of(c, String::new()));
                }
                groups
                    .into_iter()
                    .enumerate()
                    .filter(|(_, g)| !g.is_empty())
                    .map(|(i, g)| (Shard::new(i, count).ok(), g))
                    .collect()
            }
        };
        return Ok(Merged::Incomplete(Missing {
            shards,
            by_shard,
            grid: plan.grid.source.path().to_path_buf(),
            notes,
        }));
    }
    let cells: Vec<&Cell> = plan.cells.iter().collect();
    let (failed, warned) = noted(&cells, &journals.records);
    let mut outcome = RunOutcome {
        out_dir: dir.to_path_buf(),
        shard: None,
        n_cells: plan.cells.len(),
        n_run: 0,
        n_skipped: plan.cells.len(),
        failed,
        warned,
        cells_seconds: 0.0,
        fit_seconds_sum: 0.0,
        threads: 0,
        best_k: Vec::new(),
        notes,
    };
    write_results(
        plan,
        dir,
        &journals.records,
        &journals.files,
        started,
        &mut outcome,
    )?;
    Ok(Merged::Complete(outcome))
}

/// How far each shard of a folder is: for `slurm`, which resubmits only the unfinished ones.
pub fn shard_progress(plan: &Plan, dir: &Path, count: usize) -> Result<Vec<(usize, usize)>, Error> {
    let wanted = plan.metric_columns();
    let journals = Journals::read(dir, &plan.grid.experiment.name, &wanted)?;
    let part = Partition::new(plan, count);
    let mut out = vec![(0, 0); part.count()];
    for c in &plan.cells {
        let s = part.shard_of(c.index);
        out[s].0 += 1;
        if !journals
            .records
            .get(&c.id)
            .is_some_and(|r| is_complete(r, &wanted))
        {
            out[s].1 += 1;
        }
    }
    Ok(out)
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
        if b.criterion == Criterion::Vote {
            // The tally, from the criteria rows of the same group (just before this one).
            let same = |o: &&record::BestK| {
                o.model == b.model
                    && o.data_id == b.data_id
                    && o.group == b.group
                    && o.criterion != Criterion::Vote
            };
            let others: Vec<&record::BestK> = best.iter().filter(same).collect();
            let agreeing = others
                .iter()
                .filter(|o| o.best_k.is_some() && o.best_k == b.best_k)
                .count();
            let _ = write!(item, " ({agreeing} of {} criteria", others.len());
            let none: Vec<&str> = others
                .iter()
                .filter(|o| o.best_k.is_none())
                .map(|o| o.criterion.name())
                .collect();
            if !none.is_empty() {
                let _ = write!(item, "; no optimum: {}", none.join(", "));
            }
            item.push(')');
        }
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
    if plan.stability.is_some() {
        metrics.extend(stability_values(cell, data.x(), model.labels()));
    }
    let json = record::model_json(plan, cell, model.as_ref());
    let path = dir.join("models").join(format!("{}.json", cell.id));
    let text = serde_json::to_vec(&json).map_err(|source| Error::Json {
        path: path.clone(),
        source,
    })?;
    record::write_atomic(&path, &text)?;
    Ok(CellRecord::ok(cell, &summary, &metrics, seconds))
}

/// The streams of a cell's seed that its stability resamples and refits use (the fit itself
/// uses the seed).
const STREAM_HALVES: u64 = 0x5eed_0001;
const STREAM_FIT_A: u64 = 0x5eed_0002;
const STREAM_FIT_B: u64 = 0x5eed_0003;
const STREAM_BOOTSTRAP: u64 = 0x5eed_0004;
const STREAM_FIT_BOOT: u64 = 0x5eed_0005;

/// The cell's prediction strength (one random halving: both halves clustered with the cell's
/// configuration, the test half's clusters judged by the training half's model) and its
/// clusterwise Jaccard stability (one bootstrap sample, clustered and matched against the
/// cell's own clusters; undefined at K = 1). Every resample and refit derives from the
/// cell's seed, so that the grid's seeds are the resamples; a refit that fails leaves the
/// value empty.
fn stability_values(
    cell: &Cell,
    x: ndarray::ArrayView2<'_, f64>,
    labels: &[usize],
) -> Vec<(String, Option<f64>)> {
    use clusterlab_core::seed::derive;
    use clusterlab_metrics::stability;
    let n = x.nrows();
    let fit = |rows: &[usize], stream: u64| {
        let sub = x.select(ndarray::Axis(0), rows);
        catch_unwind(AssertUnwindSafe(|| {
            cell.clusterer
                .fit_dyn(sub.view(), derive(cell.seed, stream))
        }))
        .ok()
        .and_then(Result::ok)
    };
    let (a, b) = stability::halves(n, derive(cell.seed, STREAM_HALVES));
    let strength = fit(&a, STREAM_FIT_A)
        .zip(fit(&b, STREAM_FIT_B))
        .and_then(|(ma, mb)| {
            let xb = x.select(ndarray::Axis(0), &b);
            let predicted = ma.predict(xb.view()).ok()?;
            stability::prediction_strength(mb.labels(), &predicted)
        });
    let jaccard = if cell.k == Some(1) {
        None
    } else {
        let sample = stability::bootstrap(n, derive(cell.seed, STREAM_BOOTSTRAP));
        fit(&sample, STREAM_FIT_BOOT)
            .and_then(|m| stability::jaccard_stability(labels, &sample, m.labels()))
    };
    vec![
        ("prediction_strength".to_owned(), strength),
        ("cluster_stability".to_owned(), jaccard),
    ]
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
