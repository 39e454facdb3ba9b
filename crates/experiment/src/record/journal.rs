//! The journals of finished cells: one JSON line per cell, appended as it finishes.
//!
//! Cells finish in any order on any thread; each is appended to its run's journal and flushed
//! as it finishes, so that an interrupted run loses nothing it finished. A plain run writes
//! `cells.jsonl`; shard `I` of `N` writes `shards/I-of-N.jsonl`, so that any number of
//! processes on a shared filesystem never append to the same file. Each journal is written by
//! one process at a time (the results folder's locks see to it), starts with a
//! [`JournalHeader`] line naming the experiment, and is read back by every run and by `merge`
//! as a [`Journals`] set. Scores are JSON strings of
//! their shortest round-trip text ([`fmt_f64`]), so that reading a journal back gives the very
//! bits that were computed (a JSON number would go through a float parser that need not be
//! exact).

use std::{
    collections::{BTreeMap, HashMap},
    fs::{self, File, OpenOptions},
    io::{BufRead, BufReader, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use clusterlab_core::FitSummary;
use serde::{Deserialize, Serialize};

use crate::{
    Error,
    grid::{Cell, CellId},
    schema::{Status, fmt_f64},
    shard::Shard,
};

/// A plain run's journal, in the results folder.
pub const JOURNAL: &str = "cells.jsonl";

/// The folder of the shards' journals (and their locks), in the results folder.
pub const SHARDS_DIR: &str = "shards";

/// What [`JournalHeader::journal`] always says.
const HEADER_TAG: &str = "clusterlab-journal";

/// One finished cell, as a journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    /// The cell's id (16 hex characters).
    pub cell_id: String,
    /// The model's name.
    pub model: String,
    /// The model's kind.
    pub kind: String,
    /// Number of clusters or components (absent for an algorithm that finds K itself).
    pub k: Option<usize>,
    /// The model's seed.
    pub seed: u64,
    /// `ok` or `failed`.
    pub status: Status,
    /// The error, for a failed cell.
    pub error: Option<String>,
    /// Scores by name (the model's, then the metrics), as exact decimal text; absent where a
    /// score does not apply.
    pub scores: BTreeMap<String, String>,
    /// Iterations of the best restart.
    pub n_iter: Option<usize>,
    /// Whether it converged.
    pub converged: Option<bool>,
    /// Warnings of the fit.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Wall time of the fit (and metrics), in seconds, as exact decimal text.
    pub fit_seconds: String,
}

impl CellRecord {
    /// The record of a successful fit.
    pub fn ok(
        cell: &Cell,
        summary: &FitSummary,
        metrics: &[(String, Option<f64>)],
        seconds: f64,
    ) -> Self {
        let scores: BTreeMap<String, String> = summary
            .scores
            .iter()
            .map(|(n, v)| (n.clone(), fmt_f64(*v)))
            // A metric is recorded even when undefined (empty), so that a resumed run can tell
            // "computed, undefined" from "not asked for when this cell ran".
            .chain(
                metrics
                    .iter()
                    .map(|(n, v)| (n.clone(), v.map(fmt_f64).unwrap_or_default())),
            )
            .collect();
        CellRecord {
            status: Status::Ok,
            error: None,
            scores,
            n_iter: Some(summary.n_iter),
            converged: Some(summary.converged),
            warnings: summary.warnings.clone(),
            ..Self::base(cell, seconds)
        }
    }

    /// The record of a failed fit.
    pub fn failed(cell: &Cell, error: String, seconds: f64) -> Self {
        CellRecord {
            status: Status::Failed,
            error: Some(error),
            ..Self::base(cell, seconds)
        }
    }

    fn base(cell: &Cell, seconds: f64) -> Self {
        CellRecord {
            cell_id: cell.id.to_string(),
            model: cell.model.clone(),
            kind: cell.kind.name.to_owned(),
            k: cell.k,
            seed: cell.seed,
            status: Status::Failed,
            error: None,
            scores: BTreeMap::new(),
            n_iter: None,
            converged: None,
            warnings: Vec::new(),
            fit_seconds: fmt_f64(seconds),
        }
    }

    /// A score's text (empty when absent).
    pub fn score(&self, name: &str) -> &str {
        self.scores.get(name).map_or("", String::as_str)
    }
}

/// The first line of a journal: whose cells follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalHeader {
    /// Always `clusterlab-journal`: what tells this line from a cell's.
    pub journal: String,
    /// The experiment's name.
    pub experiment: String,
    /// The grid file the run was started with (absolute when it could be made so): what
    /// `merge` names in the command that runs the missing cells.
    pub grid: PathBuf,
    /// The shard (`I/N`) that writes the journal; absent for a plain run's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl JournalHeader {
    /// The header of a journal of `experiment`'s cells, run from `grid`, by `shard` (or a plain
    /// run).
    pub fn new(experiment: &str, grid: &Path, shard: Option<Shard>) -> Self {
        JournalHeader {
            journal: HEADER_TAG.to_owned(),
            experiment: experiment.to_owned(),
            grid: std::path::absolute(grid).unwrap_or_else(|_| grid.to_path_buf()),
            shard: shard.map(|s| s.to_string()),
        }
    }
}

/// A journal read back: its header, its cells (the last line of each wins) and what was
/// wrong with it.
#[derive(Debug, Clone, Default)]
pub struct JournalFile {
    /// The file.
    pub path: PathBuf,
    /// The shard that wrote it (from its name); `None` for `cells.jsonl`.
    pub shard: Option<Shard>,
    /// Its first line, when that is a header (journals written before headers have none).
    pub header: Option<JournalHeader>,
    /// The cells, by id.
    pub records: HashMap<CellId, CellRecord>,
    /// Bytes of whole lines: a journal ends there or in a partial line.
    pub whole_len: u64,
    /// Whether it ends in a partial line (its writer was killed mid-line).
    pub partial_tail: bool,
    /// Whole lines that are neither a header nor a cell.
    pub bad_lines: usize,
}

impl JournalFile {
    /// Reads a journal (a missing file reads as empty). The file is not changed: a partial
    /// last line is only noted.
    pub fn read(path: &Path, shard: Option<Shard>) -> Result<JournalFile, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut out = JournalFile {
            path: path.to_path_buf(),
            shard,
            ..JournalFile::default()
        };
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io(e)),
        };
        let mut reader = BufReader::new(file);
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            let n = reader.read_line(&mut line).map_err(io)?;
            if n == 0 {
                break;
            }
            if !line.ends_with('\n') {
                out.partial_tail = true;
                break;
            }
            out.whole_len += n as u64;
            let text = line.trim_end();
            if first && let Ok(h) = serde_json::from_str::<JournalHeader>(text) {
                out.header = (h.journal == HEADER_TAG).then_some(h);
            } else if let Ok(rec) = serde_json::from_str::<CellRecord>(text)
                && let Ok(id) = rec.cell_id.parse::<CellId>()
            {
                out.records.insert(id, rec);
            } else {
                out.bad_lines += 1;
            }
            first = false;
        }
        Ok(out)
    }
}

impl JournalFile {
    /// Only the header of the journal at `path` (`None` for a missing file or a journal
    /// without one).
    pub fn read_header(path: &Path) -> Result<Option<JournalHeader>, Error> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let mut line = String::new();
        BufReader::new(file)
            .read_line(&mut line)
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(serde_json::from_str::<JournalHeader>(line.trim_end())
            .ok()
            .filter(|h| h.journal == HEADER_TAG))
    }
}

/// A journal held for writing: finished cells are appended to it, one whole line at a time.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    out: File,
}

impl Journal {
    /// Opens (creating) the journal at `path` to append to it. The caller holds the journal's
    /// lock.
    ///
    /// A new (or empty) journal gets `header` as its first line. An existing one must be of the
    /// same experiment: the cells of two grids never share a journal. A run killed while
    /// writing leaves a partial last line; it is cut from the file, so that cell simply runs
    /// again.
    pub fn open(path: &Path, header: &JournalHeader) -> Result<Journal, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let existing = JournalFile::read(path, None)?;
        if let Some(h) = &existing.header
            && h.experiment != header.experiment
        {
            return Err(Error::Folder {
                dir: path.to_path_buf(),
                message: format!(
                    "holds the cells of experiment `{}` (from {}), not of `{}`; give this grid \
                     another --out (or discard those results with --force)",
                    h.experiment,
                    h.grid.display(),
                    header.experiment
                ),
            });
        }
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        file.set_len(existing.whole_len).map_err(io)?;
        file.seek(SeekFrom::End(0)).map_err(io)?;
        let mut journal = Journal {
            path: path.to_path_buf(),
            out: file,
        };
        if existing.whole_len == 0 {
            journal.write_line(header)?;
        }
        Ok(journal)
    }

    /// Appends a record and flushes it to the file.
    pub fn append(&mut self, rec: &CellRecord) -> Result<(), Error> {
        self.write_line(rec)
    }

    /// Writes one JSON line in a single `write` call, so that a process killed at any moment
    /// leaves whole lines and at most one partial last line, and while holding
    /// [`hold_writes`](crate::record::hold_writes), so that a process ending on a signal leaves
    /// none.
    fn write_line(&mut self, value: &impl Serialize) -> Result<(), Error> {
        let mut line = serde_json::to_vec(value).map_err(|e| Error::Json {
            path: self.path.clone(),
            source: e,
        })?;
        line.push(b'\n');
        let _writing = crate::record::hold_writes();
        self.out.write_all(&line).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Every journal of a results folder, read together: the cells finished by any run of any
/// shard.
#[derive(Debug, Clone, Default)]
pub struct Journals {
    /// The journals, `cells.jsonl` first, then the shards' by shard count and index.
    pub files: Vec<JournalFile>,
    /// Each cell's record: the first complete one in the order of `files` (a record is
    /// complete when it failed or has every score asked for).
    pub records: HashMap<CellId, CellRecord>,
    /// Cells found complete in more than one journal, with the indices into `files` of the
    /// journals that hold them.
    pub repeated: Vec<(CellId, Vec<usize>)>,
    /// Of those, the cells whose results differ between journals (beyond `fit_seconds`).
    pub conflicting: Vec<(CellId, Vec<usize>)>,
}

impl Journals {
    /// The journal files of `dir`, in reading order: `cells.jsonl`, then `shards/I-of-N.jsonl`
    /// by `N` and `I`. Files of `shards/` with other names are not journals.
    pub fn paths(dir: &Path) -> Result<Vec<(PathBuf, Option<Shard>)>, Error> {
        let mut out = vec![(dir.join(JOURNAL), None)];
        let shards_dir = dir.join(SHARDS_DIR);
        let entries = match fs::read_dir(&shards_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(source) => {
                return Err(Error::Io {
                    path: shards_dir,
                    source,
                });
            }
        };
        let mut shards = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: shards_dir.clone(),
                source,
            })?;
            if let Some(shard) = entry
                .file_name()
                .to_str()
                .and_then(Shard::from_journal_name)
            {
                shards.push((shard, entry.path()));
            }
        }
        shards.sort_by_key(|(s, _)| (s.count(), s.index()));
        out.extend(shards.into_iter().map(|(s, p)| (p, Some(s))));
        Ok(out)
    }

    /// Reads every journal of `dir`. `wanted` are the scores a complete record has (a
    /// grid's metrics); journals of an experiment other than `experiment` are an error.
    pub fn read(dir: &Path, experiment: &str, wanted: &[String]) -> Result<Journals, Error> {
        let mut files = Vec::new();
        for (path, shard) in Journals::paths(dir)? {
            let file = JournalFile::read(&path, shard)?;
            if let Some(h) = &file.header
                && h.experiment != experiment
            {
                return Err(Error::Folder {
                    dir: path,
                    message: format!(
                        "holds the cells of experiment `{}` (from {}), not of `{experiment}`: \
                         the journals of two grids are in one folder; move that one away, or \
                         give each grid its own --out",
                        h.experiment,
                        h.grid.display()
                    ),
                });
            }
            files.push(file);
        }
        Ok(Journals::combine(files, wanted))
    }

    /// Chooses each cell's record among `files` (in their order).
    fn combine(files: Vec<JournalFile>, wanted: &[String]) -> Journals {
        let complete = |r: &CellRecord| {
            r.status == Status::Failed || wanted.iter().all(|m| r.scores.contains_key(m))
        };
        let mut found: HashMap<CellId, Vec<usize>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for id in f.records.keys() {
                found.entry(*id).or_default().push(i);
            }
        }
        let mut records = HashMap::new();
        let mut repeated = Vec::new();
        let mut conflicting = Vec::new();
        for (id, holders) in found {
            let recs: Vec<(usize, &CellRecord)> = holders
                .iter()
                .map(|&i| (i, &files[i].records[&id]))
                .collect();
            let full: Vec<(usize, &CellRecord)> =
                recs.iter().copied().filter(|(_, r)| complete(r)).collect();
            let chosen = full.first().or(recs.first()).map(|(_, r)| (*r).clone());
            if full.len() > 1 {
                let at: Vec<usize> = full.iter().map(|(i, _)| *i).collect();
                if full.iter().any(|(_, r)| !same_result(r, full[0].1)) {
                    conflicting.push((id, at.clone()));
                }
                repeated.push((id, at));
            }
            if let Some(rec) = chosen {
                records.insert(id, rec);
            }
        }
        repeated.sort();
        conflicting.sort();
        Journals {
            files,
            records,
            repeated,
            conflicting,
        }
    }

    /// The grid file named by the journals' headers (the last shard journal's first, as the
    /// most recent submission's), if any.
    pub fn grid_path(&self) -> Option<&Path> {
        self.files
            .iter()
            .rev()
            .find_map(|f| f.header.as_ref().map(|h| h.grid.as_path()))
    }
}

/// Whether two records of a cell hold the same result (anything but the time may differ only
/// if the fit is not reproducible).
fn same_result(a: &CellRecord, b: &CellRecord) -> bool {
    CellRecord {
        fit_seconds: String::new(),
        ..a.clone()
    } == CellRecord {
        fit_seconds: String::new(),
        ..b.clone()
    }
}
