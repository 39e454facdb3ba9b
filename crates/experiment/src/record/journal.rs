//! The journal of finished cells: one JSON line per cell, appended as it finishes.
//!
//! Cells finish in any order on any thread; each is appended to `cells.jsonl` and flushed as it
//! finishes, so that an interrupted run loses nothing it finished. Scores are JSON strings of
//! their shortest round-trip text ([`fmt_f64`]), so that reading a journal back gives the very
//! bits that were computed (a JSON number would go through a float parser that need not be
//! exact).

use std::{
    collections::{BTreeMap, HashMap},
    fs::{File, OpenOptions},
    io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use clusterlab_core::FitSummary;
use serde::{Deserialize, Serialize};

use crate::{
    Error,
    grid::{Cell, CellId},
    schema::{Status, fmt_f64},
};

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

/// The journal: finished cells, one JSON line each, appended as they finish.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    out: BufWriter<File>,
}

impl Journal {
    /// Opens (creating) the journal and reads the cells it already holds.
    ///
    /// A run killed while writing leaves a partial last line; it is dropped (and cut from the
    /// file), so that cell simply runs again.
    pub fn open(path: &Path) -> Result<(Journal, HashMap<CellId, CellRecord>), Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut done = HashMap::new();
        let mut good_len = 0u64;
        if path.exists() {
            let mut reader = BufReader::new(File::open(path).map_err(io)?);
            let mut line = String::new();
            loop {
                line.clear();
                let n = reader.read_line(&mut line).map_err(io)?;
                if n == 0 || !line.ends_with('\n') {
                    break;
                }
                good_len += n as u64;
                if let Ok(rec) = serde_json::from_str::<CellRecord>(line.trim_end())
                    && let Ok(id) = rec.cell_id.parse::<CellId>()
                {
                    done.insert(id, rec);
                }
            }
        }
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        file.set_len(good_len).map_err(io)?;
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok((
            Journal {
                path: path.to_path_buf(),
                out: BufWriter::new(file),
            },
            done,
        ))
    }

    /// Appends a record and flushes it to the file.
    pub fn append(&mut self, rec: &CellRecord) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        let line = serde_json::to_string(rec).map_err(|e| Error::Json {
            path: self.path.clone(),
            source: e,
        })?;
        self.out.write_all(line.as_bytes()).map_err(io)?;
        self.out.write_all(b"\n").map_err(io)?;
        self.out.flush().map_err(io)
    }
}
