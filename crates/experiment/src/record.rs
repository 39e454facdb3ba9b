//! What a run writes: the journal of finished cells, `runs.csv`, `summary.csv`, the models and
//! `meta.json`.
//!
//! Cells finish in any order on any thread; each is appended to the journal (`cells.jsonl`,
//! one JSON object per line, flushed) as it finishes, so that an interrupted run loses nothing
//! it finished. The tables are then written from the journal in grid order, never in
//! completion order, through a temporary file and a rename, so a reader never sees half a
//! table and `runs.csv` is the same bytes whatever the thread count (but for `fit_seconds`).
//!
//! Numbers are written in their shortest round-trip decimal form ([`fmt_f64`]); in the journal
//! they are JSON strings of that same text, so that reading a journal back gives the very bits
//! that were computed (a JSON number would go through a float parser that need not be exact).

use std::{
    collections::{BTreeMap, HashMap},
    fs::{self, File, OpenOptions},
    io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use clusterlab_core::{FitSummary, Model};
use clusterlab_metrics::select::{Criterion, SeedSpread};
use serde::{Deserialize, Serialize};

use crate::{
    Error,
    grid::{Cell, CellId, Plan, value_text},
};

/// A float in its shortest round-trip decimal form (`0.1`, `1e-7`, `NaN`, `inf`).
///
/// ```
/// use clusterlab_experiment::record::fmt_f64;
/// assert_eq!(fmt_f64(0.1), "0.1");
/// assert_eq!(fmt_f64(2.0), "2.0");
/// assert_eq!(fmt_f64(1e-7), "1e-7");
/// assert_eq!(fmt_f64(0.1 + 0.2).parse::<f64>().unwrap(), 0.1 + 0.2);
/// ```
pub fn fmt_f64(x: f64) -> String {
    format!("{x:?}")
}

/// Whether a cell's fit succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The fit returned a model.
    Ok,
    /// The fit returned an error (or panicked); the error is recorded.
    Failed,
}

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

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so that
/// `path` is either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, bytes).map_err(|source| Error::Io {
        path: tmp.clone(),
        source,
    })?;
    fs::rename(&tmp, path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether the plan has several datasets (then a `data_id` column is written).
fn several_datasets(plan: &Plan) -> bool {
    plan.datasets.len() > 1 || plan.datasets.iter().any(|d| d.id.is_some())
}

/// `runs.csv`: one row per cell of the plan, in grid order, from the records by cell id.
///
/// Cells without a record (none after a complete run) are left out.
pub fn runs_csv(
    plan: &Plan,
    records: &HashMap<CellId, CellRecord>,
    metrics: &[String],
) -> Result<Vec<u8>, csv::Error> {
    let several = several_datasets(plan);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = vec!["cell_id", "model", "kind"];
    if several {
        header.push("data_id");
    }
    header.extend(["k", "seed"]);
    header.extend(plan.axis_columns.iter().map(String::as_str));
    let scores = plan.grid.registry.score_columns();
    header.extend(&scores);
    header.extend(["n_iter", "converged", "status", "error", "fit_seconds"]);
    header.extend(metrics.iter().map(String::as_str));
    w.write_record(&header)?;
    for cell in &plan.cells {
        let Some(rec) = records.get(&cell.id) else {
            continue;
        };
        let mut row: Vec<String> = vec![
            cell.id.to_string(),
            cell.model.clone(),
            cell.kind.name.to_owned(),
        ];
        if several {
            row.push(plan.datasets[cell.data].id.clone().unwrap_or_default());
        }
        row.push(k_text(cell.k));
        row.push(cell.seed.to_string());
        for col in &plan.axis_columns {
            row.push(
                cell.axes
                    .iter()
                    .find(|(n, _)| n == col)
                    .map(|(_, v)| value_text(v))
                    .unwrap_or_default(),
            );
        }
        for s in &scores {
            row.push(rec.score(s).to_owned());
        }
        row.push(rec.n_iter.map(|n| n.to_string()).unwrap_or_default());
        row.push(rec.converged.map(|c| c.to_string()).unwrap_or_default());
        row.push(match rec.status {
            Status::Ok => "ok".into(),
            Status::Failed => "failed".into(),
        });
        row.push(rec.error.clone().unwrap_or_default());
        row.push(rec.fit_seconds.clone());
        for m in metrics {
            row.push(rec.score(m).to_owned());
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `summary.csv`: per model and combination of every axis but `seed`, in grid order, the
/// number of seeds that succeeded (`n_seeds`), that failed (`n_failed`), and the mean and
/// standard deviation (population, ddof = 0, as numpy's default) of each score over the
/// successful seeds. Empty where a score does not apply or no seed succeeded.
pub fn summary_csv(
    plan: &Plan,
    records: &HashMap<CellId, CellRecord>,
    metrics: &[String],
) -> Result<Vec<u8>, csv::Error> {
    let several = several_datasets(plan);
    let scores: Vec<&str> = plan
        .grid
        .registry
        .score_columns()
        .into_iter()
        .chain(["n_iter"])
        .chain(metrics.iter().map(String::as_str))
        .collect();
    // Groups in order of first appearance, which is grid order.
    let mut groups: Vec<(Vec<String>, Vec<&CellRecord>, usize)> = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    for cell in &plan.cells {
        let mut key = vec![cell.model.clone(), cell.kind.name.to_owned()];
        if several {
            key.push(plan.datasets[cell.data].id.clone().unwrap_or_default());
        }
        key.push(k_text(cell.k));
        for col in &plan.axis_columns {
            key.push(
                cell.axes
                    .iter()
                    .find(|(n, _)| n == col)
                    .map(|(_, v)| value_text(v))
                    .unwrap_or_default(),
            );
        }
        let gi = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new(), 0));
            groups.len() - 1
        });
        match records.get(&cell.id) {
            Some(rec) if rec.status == Status::Ok => groups[gi].1.push(rec),
            Some(_) => groups[gi].2 += 1,
            None => {}
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["model".into(), "kind".into()];
    if several {
        header.push("data_id".into());
    }
    header.push("k".into());
    header.extend(plan.axis_columns.iter().cloned());
    header.extend(["n_seeds".into(), "n_failed".into()]);
    for s in &scores {
        header.push(format!("{s}_mean"));
        header.push(format!("{s}_std"));
    }
    w.write_record(&header)?;
    for (key, recs, n_failed) in &groups {
        let mut row = key.clone();
        row.push(recs.len().to_string());
        row.push(n_failed.to_string());
        for s in &scores {
            let values: Option<Vec<f64>> = recs
                .iter()
                .map(|r| {
                    if *s == "n_iter" {
                        r.n_iter.map(|n| n as f64)
                    } else {
                        r.score(s).parse::<f64>().ok()
                    }
                })
                .collect();
            match values {
                Some(v) if !v.is_empty() => {
                    let (mean, std) = mean_std(&v);
                    row.push(fmt_f64(mean));
                    row.push(fmt_f64(std));
                }
                _ => {
                    row.push(String::new());
                    row.push(String::new());
                }
            }
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The K one criterion picks for one model and group (every axis but K and seed).
#[derive(Debug, Clone, PartialEq)]
pub struct BestK {
    /// The model's name.
    pub model: String,
    /// The model's kind.
    pub kind: String,
    /// The dataset (`None` with a single dataset).
    pub data_id: Option<String>,
    /// The other axes' values, `name=value` separated by `, ` (empty when there are none).
    pub group: String,
    /// The criterion's name (`elbow`, `silhouette`, `bic`, ...).
    pub criterion: Criterion,
    /// The K picked from the mean over seeds; `None` when the criterion picks nothing.
    pub best_k: Option<usize>,
    /// The K each seed's own series picks, and their summary.
    pub spread: SeedSpread,
}

/// Picks K for every model, group and criterion whose series was recorded, from the mean
/// over seeds (and, for the spread, from each seed alone). Groups follow grid order.
pub fn best_k(plan: &Plan, records: &HashMap<CellId, CellRecord>) -> Vec<BestK> {
    // (model, data, group) -> (ks in grid order, seeds in grid order, value by (k, seed, series))
    struct Group<'a> {
        model: &'a str,
        kind: &'static crate::registry::Algorithm,
        data_id: Option<String>,
        group: String,
        ks: Vec<usize>,
        seeds: Vec<u64>,
        recs: Vec<(usize, u64, &'a CellRecord)>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    // K is chosen only among the values of K a model was run with.
    for (cell, k) in plan.cells.iter().filter_map(|c| Some((c, c.k?))) {
        let group = cell
            .axes
            .iter()
            .map(|(n, v)| format!("{n}={}", value_text(v)))
            .collect::<Vec<_>>()
            .join(", ");
        let data_id = plan.datasets[cell.data].id.clone();
        let gi = match groups
            .iter()
            .position(|g| g.model == cell.model && g.data_id == data_id && g.group == group)
        {
            Some(i) => i,
            None => {
                groups.push(Group {
                    model: &cell.model,
                    kind: cell.kind,
                    data_id,
                    group,
                    ks: Vec::new(),
                    seeds: Vec::new(),
                    recs: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[gi];
        if !g.ks.contains(&k) {
            g.ks.push(k);
        }
        if !g.seeds.contains(&cell.seed) {
            g.seeds.push(cell.seed);
        }
        if let Some(rec) = records.get(&cell.id).filter(|r| r.status == Status::Ok) {
            g.recs.push((k, cell.seed, rec));
        }
    }
    let metrics = plan.metric_columns();
    let mut out = Vec::new();
    for g in &groups {
        let mut ks = g.ks.clone();
        ks.sort_unstable();
        // The criteria that read a metric of the grid or a score the model reports.
        let criteria = Criterion::ALL.into_iter().filter(|c| {
            metrics.iter().any(|m| m == c.series())
                || g.kind.scores.iter().any(|s| s.criterion == Some(*c))
        });
        for criterion in criteria {
            let series = criterion.series();
            let value = |k: usize, seed: u64| -> f64 {
                g.recs
                    .iter()
                    .find(|(rk, rs, _)| *rk == k && *rs == seed)
                    .and_then(|(_, _, r)| r.score(series).parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            let per_seed: Vec<Vec<f64>> = g
                .seeds
                .iter()
                .map(|&seed| ks.iter().map(|&k| value(k, seed)).collect())
                .collect();
            if per_seed.iter().flatten().all(|v| !v.is_finite()) {
                continue;
            }
            let mean: Vec<f64> = (0..ks.len())
                .map(|i| {
                    let vals: Vec<f64> = per_seed
                        .iter()
                        .map(|s| s[i])
                        .filter(|v| v.is_finite())
                        .collect();
                    if vals.is_empty() {
                        f64::NAN
                    } else {
                        vals.iter().sum::<f64>() / vals.len() as f64
                    }
                })
                .collect();
            // The gap rule weighs each K's gap by its standard error, averaged like the gap.
            let se: Vec<f64> = ks
                .iter()
                .map(|&k| {
                    let v: Vec<f64> = g
                        .seeds
                        .iter()
                        .filter_map(|&seed| {
                            g.recs
                                .iter()
                                .find(|(rk, rs, _)| *rk == k && *rs == seed)
                                .and_then(|(_, _, r)| r.score("gap_se").parse::<f64>().ok())
                        })
                        .collect();
                    if v.is_empty() {
                        0.0
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64
                    }
                })
                .collect();
            out.push(BestK {
                model: g.model.to_owned(),
                kind: g.kind.name.to_owned(),
                data_id: g.data_id.clone(),
                group: g.group.clone(),
                criterion,
                best_k: criterion.pick_with_se(&ks, &mean, Some(&se)),
                spread: criterion.pick_per_seed(&ks, &per_seed),
            });
        }
    }
    out
}

/// `best_k.csv`: one row per model, group and criterion ([`best_k`]): `best_k` from the mean
/// over seeds, then the spread of the seeds' own picks (`seeds_mode`, `seeds_min`,
/// `seeds_max`, `seeds_agreeing` of `n_seeds`, and every pick in `seed_picks`).
pub fn best_k_csv(
    plan: &Plan,
    records: &HashMap<CellId, CellRecord>,
) -> Result<Vec<u8>, csv::Error> {
    let several = several_datasets(plan);
    let opt = |k: Option<usize>| k.map(|k| k.to_string()).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["model", "kind"];
    if several {
        header.push("data_id");
    }
    header.extend([
        "group",
        "criterion",
        "best_k",
        "seeds_mode",
        "seeds_min",
        "seeds_max",
        "seeds_agreeing",
        "n_seeds",
        "seed_picks",
    ]);
    w.write_record(&header)?;
    for b in best_k(plan, records) {
        let mut row = vec![b.model, b.kind];
        if several {
            row.push(b.data_id.unwrap_or_default());
        }
        row.extend([
            b.group,
            b.criterion.name().to_owned(),
            opt(b.best_k),
            opt(b.spread.mode),
            opt(b.spread.min),
            opt(b.spread.max),
            b.spread.agreeing.to_string(),
            b.spread.picks.len().to_string(),
            b.spread
                .picks
                .iter()
                .map(|p| p.map_or_else(|| "-".to_owned(), |k| k.to_string()))
                .collect::<Vec<_>>()
                .join(" "),
        ]);
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// K as a table cell: empty for an algorithm that finds K itself.
fn k_text(k: Option<usize>) -> String {
    k.map(|k| k.to_string()).unwrap_or_default()
}

/// Mean and population standard deviation, summed first to last.
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// `models/<cell_id>.json`: the fitted model in the shape the plots read.
pub fn model_json(plan: &Plan, cell: &Cell, model: &dyn Model) -> serde_json::Value {
    let axes: serde_json::Map<String, serde_json::Value> = cell
        .axes
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect();
    let centers: Option<Vec<Vec<f64>>> = model
        .centers()
        .map(|c| c.rows().into_iter().map(|r| r.to_vec()).collect());
    let covariances = model.covariances().map(|cs| {
        cs.iter()
            .map(|c| c.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    });
    serde_json::json!({
        "cell_id": cell.id.to_string(),
        "model": cell.model,
        "kind": cell.kind.name,
        "data_id": plan.datasets[cell.data].id,
        "k": cell.k,
        "seed": cell.seed,
        "axes": axes,
        "labels": model.labels(),
        "centers": centers,
        "covariances": covariances,
        "summary": model.summary(),
    })
}

/// A UTC time as RFC 3339 (`2026-01-02T03:04:05Z`), from the system clock.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_798_761_599)),
            "2026-12-31T23:59:59Z"
        );
    }

    #[test]
    fn mean_std_population() {
        let (m, s) = mean_std(&[1.0, 3.0]);
        assert_eq!((m, s), (2.0, 1.0));
    }

    #[test]
    fn shortest_round_trip() {
        for x in [0.1, 1.0 / 3.0, 1e300, -2.5e-12, 123456789.125] {
            assert_eq!(fmt_f64(x).parse::<f64>().unwrap(), x);
        }
    }
}
