//! The results contract: the rows of `runs.csv`, `summary.csv` and `best_k.csv` as types, and
//! the one writer and the one reader of each.
//!
//! A run writes its tables through [`Columns`] and the report reads them back through the same
//! [`Columns`], saved beside the tables as `columns.json`: which columns are axes, which are
//! the models' scores and which are metrics is never guessed from a header. A table whose
//! header is not the one its `columns.json` describes is refused with both headers.
//!
//! Numbers are written in their shortest round-trip decimal form ([`fmt_f64`]), so reading a
//! table gives back the very bits that were computed.

use std::{
    fs,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A float in its shortest round-trip decimal form (`0.1`, `1e-7`, `NaN`, `inf`).
///
/// ```
/// use clusterlab_experiment::schema::fmt_f64;
/// assert_eq!(fmt_f64(0.1), "0.1");
/// assert_eq!(fmt_f64(2.0), "2.0");
/// assert_eq!(fmt_f64(1e-7), "1e-7");
/// assert_eq!(fmt_f64(0.1 + 0.2).parse::<f64>().unwrap(), 0.1 + 0.2);
/// ```
pub fn fmt_f64(x: f64) -> String {
    format!("{x:?}")
}

/// How the warnings of one cell are joined in the `warnings` column.
pub const WARNING_SEPARATOR: &str = "; ";

/// The name of the layout file beside the tables.
pub const COLUMNS_FILE: &str = "columns.json";

/// Why a results table could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file is malformed.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: csv::Error,
    },
    /// `columns.json` is malformed.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A folder has tables but no `columns.json` (written by clusterlab before 0.2).
    #[error(
        "{} is missing: this results folder was written by an older clusterlab; run its grid \
         again (`clusterlab run GRID --out DIR`: finished cells are kept) to rewrite the tables",
        path.display()
    )]
    NoLayout {
        /// The missing file.
        path: PathBuf,
    },
    /// A table's header is not the one its layout describes.
    #[error("{}: the header is not the one {COLUMNS_FILE} describes\n  expected: {}\n  found:    {}", path.display(), expected.join(","), found.join(","))]
    Header {
        /// The table.
        path: PathBuf,
        /// The header the layout gives.
        expected: Vec<String>,
        /// The header in the file.
        found: Vec<String>,
    },
    /// A cell does not hold what its column holds.
    #[error("{}:{line}: column `{column}`: `{value}` is not {expected}", path.display())]
    BadValue {
        /// The table.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column.
        column: String,
        /// The text found.
        value: String,
        /// What the column holds.
        expected: &'static str,
    },
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

impl Status {
    fn text(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
        }
    }
}

/// The variable columns of a results folder's tables: saved as `columns.json`.
///
/// ```
/// use clusterlab_experiment::schema::Columns;
/// let c = Columns {
///     data_ids: false,
///     axes: vec!["covariance_type".into()],
///     scores: vec!["inertia".into(), "bic".into()],
///     metrics: vec!["silhouette".into()],
///     warnings: false,
/// };
/// assert_eq!(
///     c.runs_header().join(","),
///     "cell_id,model,kind,k,seed,covariance_type,inertia,bic,n_iter,converged,status,error,\
///      fit_seconds,silhouette"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// Whether the tables have a `data_id` column (a grid with `[grid.data]` axes).
    pub data_ids: bool,
    /// The axis columns other than `k` and `seed`: model parameters, then `data.<key>`.
    pub axes: Vec<String>,
    /// The models' score columns (every registered algorithm's, in registry order).
    pub scores: Vec<String>,
    /// The metric columns computed after each fit (and `gap`, `gap_se`).
    pub metrics: Vec<String>,
    /// Whether `runs.csv` has a `warnings` column (after `error`): when a cell of the run has
    /// warnings (a fit that did not converge, fewer distinct points than clusters, ...).
    #[serde(default)]
    pub warnings: bool,
}

/// One row of `runs.csv`: one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// The cell's id (16 hex characters).
    pub cell_id: String,
    /// The model's name.
    pub model: String,
    /// The model's algorithm.
    pub kind: String,
    /// The dataset, when the grid has data axes.
    pub data_id: Option<String>,
    /// K (none for an algorithm that finds K itself).
    pub k: Option<usize>,
    /// The model's seed.
    pub seed: u64,
    /// Values of [`Columns::axes`] (empty text where an axis does not apply to the model).
    pub axes: Vec<String>,
    /// Values of [`Columns::scores`] (none where a score does not apply).
    pub scores: Vec<Option<f64>>,
    /// Iterations of the best restart (none for a failed cell).
    pub n_iter: Option<usize>,
    /// Whether it converged (none for a failed cell).
    pub converged: Option<bool>,
    /// Whether the fit succeeded.
    pub status: Status,
    /// The error of a failed cell.
    pub error: Option<String>,
    /// The fit's warnings (written joined by `; `, when the table has the column).
    pub warnings: Vec<String>,
    /// Wall time of the fit and its metrics, in seconds.
    pub fit_seconds: f64,
    /// Values of [`Columns::metrics`] (none where undefined).
    pub metrics: Vec<Option<f64>>,
}

impl RunRow {
    /// A score or metric by column name.
    pub fn value(&self, columns: &Columns, name: &str) -> Option<f64> {
        let score = columns.scores.iter().position(|s| s == name);
        let metric = columns.metrics.iter().position(|s| s == name);
        match (score, metric) {
            (Some(i), _) => self.scores[i],
            (None, Some(i)) => self.metrics[i],
            (None, None) if name == "n_iter" => self.n_iter.map(|n| n as f64),
            (None, None) if name == "fit_seconds" => Some(self.fit_seconds),
            _ => None,
        }
    }

    /// An axis value by column name (empty where the axis does not apply).
    pub fn axis<'a>(&'a self, columns: &Columns, name: &str) -> Option<&'a str> {
        let i = columns.axes.iter().position(|a| a == name)?;
        Some(self.axes[i].as_str())
    }
}

/// One row of `summary.csv`: one model, dataset, combination of axis values and K, over seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The model's name.
    pub model: String,
    /// The model's algorithm.
    pub kind: String,
    /// The dataset, when the grid has data axes.
    pub data_id: Option<String>,
    /// K (none for an algorithm that finds K itself).
    pub k: Option<usize>,
    /// Values of [`Columns::axes`].
    pub axes: Vec<String>,
    /// Seeds that succeeded.
    pub n_seeds: usize,
    /// Seeds that failed.
    pub n_failed: usize,
    /// Mean and population standard deviation over the successful seeds of each of
    /// [`Columns::summarised`], in that order; none where undefined.
    pub stats: Vec<(Option<f64>, Option<f64>)>,
}

impl SummaryRow {
    /// The (mean, std) of a summarised column by name.
    pub fn stat(&self, columns: &Columns, name: &str) -> Option<(Option<f64>, Option<f64>)> {
        let i = columns.summarised().iter().position(|s| s == name)?;
        Some(self.stats[i])
    }
}

/// One row of `best_k.csv`: the K one criterion picks for one model and group.
#[derive(Debug, Clone, PartialEq)]
pub struct BestKRow {
    /// The model's name.
    pub model: String,
    /// The model's algorithm.
    pub kind: String,
    /// The dataset, when the grid has data axes.
    pub data_id: Option<String>,
    /// The other axes' values as [`group_text`] writes them (empty when there are none).
    pub group: String,
    /// The criterion's name (`elbow`, `silhouette`, `bic`, ...).
    pub criterion: String,
    /// The K picked from the mean over seeds; none when the criterion picks nothing.
    pub best_k: Option<usize>,
    /// The most common of the seeds' own picks.
    pub seeds_mode: Option<usize>,
    /// The smallest of the seeds' picks.
    pub seeds_min: Option<usize>,
    /// The largest of the seeds' picks.
    pub seeds_max: Option<usize>,
    /// How many seeds picked the mode.
    pub seeds_agreeing: usize,
    /// Each seed's own pick, in seed order.
    pub seed_picks: Vec<Option<usize>>,
}

/// A group of axis values as `best_k.csv` names it: `name=value` pairs joined by `, `.
///
/// ```
/// use clusterlab_experiment::schema::group_text;
/// assert_eq!(group_text([("covariance_type", "full"), ("init", "kmeans")]), "covariance_type=full, init=kmeans");
/// assert_eq!(group_text(std::iter::empty::<(&str, &str)>()), "");
/// ```
pub fn group_text<'a>(axes: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    axes.into_iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn opt_f64(v: Option<f64>) -> String {
    v.map(fmt_f64).unwrap_or_default()
}

impl Columns {
    /// The columns `summary.csv` gives a mean and a standard deviation of: the scores,
    /// `n_iter`, then the metrics.
    pub fn summarised(&self) -> Vec<String> {
        let mut out = self.scores.clone();
        out.push("n_iter".into());
        out.extend(self.metrics.iter().cloned());
        out
    }

    /// The header of `runs.csv`.
    pub fn runs_header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["cell_id", "model", "kind"].map(String::from).into();
        if self.data_ids {
            h.push("data_id".into());
        }
        h.extend(["k".into(), "seed".into()]);
        h.extend(self.axes.iter().cloned());
        h.extend(self.scores.iter().cloned());
        h.extend(["n_iter", "converged", "status", "error"].map(String::from));
        if self.warnings {
            h.push("warnings".into());
        }
        h.push("fit_seconds".into());
        h.extend(self.metrics.iter().cloned());
        h
    }

    /// The header of `summary.csv`.
    pub fn summary_header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["model", "kind"].map(String::from).into();
        if self.data_ids {
            h.push("data_id".into());
        }
        h.push("k".into());
        h.extend(self.axes.iter().cloned());
        h.extend(["n_seeds".into(), "n_failed".into()]);
        for s in self.summarised() {
            h.push(format!("{s}_mean"));
            h.push(format!("{s}_std"));
        }
        h
    }

    /// The header of `best_k.csv`.
    pub fn best_k_header(&self) -> Vec<String> {
        let mut h: Vec<String> = ["model", "kind"].map(String::from).into();
        if self.data_ids {
            h.push("data_id".into());
        }
        h.extend(
            [
                "group",
                "criterion",
                "best_k",
                "seeds_mode",
                "seeds_min",
                "seeds_max",
                "seeds_agreeing",
                "n_seeds",
                "seed_picks",
            ]
            .map(String::from),
        );
        h
    }

    /// `runs.csv` as bytes.
    pub fn runs_csv(&self, rows: &[RunRow]) -> Result<Vec<u8>, csv::Error> {
        self.write(self.runs_header(), rows.iter().map(|r| self.run_record(r)))
    }

    fn run_record(&self, r: &RunRow) -> Vec<String> {
        let mut row = vec![r.cell_id.clone(), r.model.clone(), r.kind.clone()];
        if self.data_ids {
            row.push(r.data_id.clone().unwrap_or_default());
        }
        row.push(opt(r.k));
        row.push(r.seed.to_string());
        row.extend(r.axes.iter().cloned());
        row.extend(r.scores.iter().map(|v| opt_f64(*v)));
        row.push(opt(r.n_iter));
        row.push(opt(r.converged));
        row.push(r.status.text().into());
        row.push(r.error.clone().unwrap_or_default());
        if self.warnings {
            row.push(r.warnings.join(WARNING_SEPARATOR));
        }
        row.push(fmt_f64(r.fit_seconds));
        row.extend(r.metrics.iter().map(|v| opt_f64(*v)));
        row
    }

    /// `summary.csv` as bytes.
    pub fn summary_csv(&self, rows: &[SummaryRow]) -> Result<Vec<u8>, csv::Error> {
        self.write(
            self.summary_header(),
            rows.iter().map(|r| {
                let mut row = vec![r.model.clone(), r.kind.clone()];
                if self.data_ids {
                    row.push(r.data_id.clone().unwrap_or_default());
                }
                row.push(opt(r.k));
                row.extend(r.axes.iter().cloned());
                row.push(r.n_seeds.to_string());
                row.push(r.n_failed.to_string());
                for (mean, std) in &r.stats {
                    row.push(opt_f64(*mean));
                    row.push(opt_f64(*std));
                }
                row
            }),
        )
    }

    /// `best_k.csv` as bytes.
    pub fn best_k_csv(&self, rows: &[BestKRow]) -> Result<Vec<u8>, csv::Error> {
        self.write(
            self.best_k_header(),
            rows.iter().map(|b| {
                let mut row = vec![b.model.clone(), b.kind.clone()];
                if self.data_ids {
                    row.push(b.data_id.clone().unwrap_or_default());
                }
                row.extend([
                    b.group.clone(),
                    b.criterion.clone(),
                    opt(b.best_k),
                    opt(b.seeds_mode),
                    opt(b.seeds_min),
                    opt(b.seeds_max),
                    b.seeds_agreeing.to_string(),
                    b.seed_picks.len().to_string(),
                    b.seed_picks
                        .iter()
                        .map(|p| p.map_or_else(|| "-".to_owned(), |k| k.to_string()))
                        .collect::<Vec<_>>()
                        .join(" "),
                ]);
                row
            }),
        )
    }

    fn write(
        &self,
        header: Vec<String>,
        rows: impl Iterator<Item = Vec<String>>,
    ) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header)?;
        for row in rows {
            w.write_record(&row)?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// Reads `dir/columns.json`.
    pub fn read(dir: &Path) -> Result<Columns, SchemaError> {
        let path = dir.join(COLUMNS_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(SchemaError::NoLayout { path });
            }
            Err(source) => return Err(SchemaError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|source| SchemaError::Json { path, source })
    }

    /// `columns.json` as text.
    pub fn to_json(&self) -> String {
        // A struct of strings, booleans and lists of strings always serializes.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads `dir/runs.csv`.
    pub fn read_runs(&self, dir: &Path) -> Result<Vec<RunRow>, SchemaError> {
        let mut t = Reader::open(&dir.join("runs.csv"), &self.runs_header())?;
        let mut rows = Vec::new();
        while let Some(mut c) = t.next()? {
            let cell_id = c.text();
            let model = c.text();
            let kind = c.text();
            let data_id = self.data_ids.then(|| c.text()).filter(|d| !d.is_empty());
            let k = c.opt("an integer K")?;
            let seed = c.req("a seed (an unsigned integer)")?;
            let axes = (0..self.axes.len()).map(|_| c.text()).collect();
            let scores = (0..self.scores.len())
                .map(|_| c.opt("a number"))
                .collect::<Result<_, _>>()?;
            let n_iter = c.opt("a count of iterations")?;
            let converged = c.opt("true or false")?;
            let status = match c.text().as_str() {
                "ok" => Status::Ok,
                "failed" => Status::Failed,
                _ => return Err(c.bad("ok or failed")),
            };
            let error = Some(c.text()).filter(|e| !e.is_empty());
            let warnings = if self.warnings {
                let text = c.text();
                text.split(WARNING_SEPARATOR)
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            };
            let fit_seconds = c.req("a number of seconds")?;
            let metrics = (0..self.metrics.len())
                .map(|_| c.opt("a number"))
                .collect::<Result<_, _>>()?;
            rows.push(RunRow {
                cell_id,
                model,
                kind,
                data_id,
                k,
                seed,
                axes,
                scores,
                n_iter,
                converged,
                status,
                error,
                warnings,
                fit_seconds,
                metrics,
            });
        }
        Ok(rows)
    }

    /// Reads `dir/summary.csv`.
    pub fn read_summary(&self, dir: &Path) -> Result<Vec<SummaryRow>, SchemaError> {
        let mut t = Reader::open(&dir.join("summary.csv"), &self.summary_header())?;
        let n_stats = self.summarised().len();
        let mut rows = Vec::new();
        while let Some(mut c) = t.next()? {
            let model = c.text();
            let kind = c.text();
            let data_id = self.data_ids.then(|| c.text()).filter(|d| !d.is_empty());
            let k = c.opt("an integer K")?;
            let axes = (0..self.axes.len()).map(|_| c.text()).collect();
            let n_seeds = c.req("a count of seeds")?;
            let n_failed = c.req("a count of seeds")?;
            let stats = (0..n_stats)
                .map(|_| Ok((c.opt("a number")?, c.opt("a number")?)))
                .collect::<Result<_, SchemaError>>()?;
            rows.push(SummaryRow {
                model,
                kind,
                data_id,
                k,
                axes,
                n_seeds,
                n_failed,
                stats,
            });
        }
        Ok(rows)
    }

    /// Reads `dir/best_k.csv`.
    pub fn read_best_k(&self, dir: &Path) -> Result<Vec<BestKRow>, SchemaError> {
        let mut t = Reader::open(&dir.join("best_k.csv"), &self.best_k_header())?;
        let mut rows = Vec::new();
        while let Some(mut c) = t.next()? {
            let model = c.text();
            let kind = c.text();
            let data_id = self.data_ids.then(|| c.text()).filter(|d| !d.is_empty());
            let group = c.text();
            let criterion = c.text();
            let best_k = c.opt("an integer K")?;
            let seeds_mode = c.opt("an integer K")?;
            let seeds_min = c.opt("an integer K")?;
            let seeds_max = c.opt("an integer K")?;
            let seeds_agreeing = c.req("a count of seeds")?;
            let n_seeds: usize = c.req("a count of seeds")?;
            let picks = c.text();
            let seed_picks = picks
                .split(' ')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    if p == "-" {
                        Ok(None)
                    } else {
                        p.parse().map(Some)
                    }
                })
                .collect::<Result<Vec<_>, _>>()
                .ok()
                .filter(|p| p.len() == n_seeds)
                .ok_or_else(|| c.bad_value("seed_picks", &picks, "one K or `-` per seed"))?;
            rows.push(BestKRow {
                model,
                kind,
                data_id,
                group,
                criterion,
                best_k,
                seeds_mode,
                seeds_min,
                seeds_max,
                seeds_agreeing,
                seed_picks,
            });
        }
        Ok(rows)
    }
}

/// A CSV table read row by row, its header checked against the layout's.
struct Reader {
    path: PathBuf,
    header: Vec<String>,
    records: csv::StringRecordsIntoIter<fs::File>,
}

/// The cells of one row, taken left to right.
struct Cells<'a> {
    reader: &'a Reader,
    record: csv::StringRecord,
    line: u64,
    at: usize,
}

impl Reader {
    fn open(path: &Path, expected: &[String]) -> Result<Reader, SchemaError> {
        let file = fs::File::open(path).map_err(|source| SchemaError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut r = csv::Reader::from_reader(file);
        let header: Vec<String> = r
            .headers()
            .map_err(|source| SchemaError::Csv {
                path: path.to_path_buf(),
                source,
            })?
            .iter()
            .map(str::to_owned)
            .collect();
        if header != expected {
            return Err(SchemaError::Header {
                path: path.to_path_buf(),
                expected: expected.to_vec(),
                found: header,
            });
        }
        Ok(Reader {
            path: path.to_path_buf(),
            header,
            records: r.into_records(),
        })
    }

    fn next(&mut self) -> Result<Option<Cells<'_>>, SchemaError> {
        match self.records.next() {
            None => Ok(None),
            Some(Err(source)) => Err(SchemaError::Csv {
                path: self.path.clone(),
                source,
            }),
            Some(Ok(record)) => {
                let line = record.position().map_or(0, |p| p.line());
                Ok(Some(Cells {
                    reader: self,
                    record,
                    line,
                    at: 0,
                }))
            }
        }
    }
}

impl Cells<'_> {
    fn text(&mut self) -> String {
        let t = self.record.get(self.at).unwrap_or_default().to_owned();
        self.at += 1;
        t
    }

    fn bad_value(&self, column: &str, value: &str, expected: &'static str) -> SchemaError {
        SchemaError::BadValue {
            path: self.reader.path.clone(),
            line: self.line,
            column: column.to_owned(),
            value: value.to_owned(),
            expected,
        }
    }

    /// An error about the cell just taken.
    fn bad(&self, expected: &'static str) -> SchemaError {
        let i = self.at.saturating_sub(1);
        let column = self.reader.header.get(i).map_or("", String::as_str);
        self.bad_value(column, self.record.get(i).unwrap_or_default(), expected)
    }

    fn opt<T: std::str::FromStr>(
        &mut self,
        expected: &'static str,
    ) -> Result<Option<T>, SchemaError> {
        let t = self.text();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse().map(Some).map_err(|_| self.bad(expected))
    }

    fn req<T: std::str::FromStr>(&mut self, expected: &'static str) -> Result<T, SchemaError> {
        self.opt(expected)?.ok_or_else(|| self.bad(expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Columns {
        Columns {
            data_ids: true,
            axes: vec!["covariance_type".into()],
            scores: vec!["inertia".into(), "bic".into()],
            metrics: vec!["silhouette".into()],
            warnings: true,
        }
    }

    fn run_row() -> RunRow {
        RunRow {
            cell_id: "00000000000000ab".into(),
            model: "gmm".into(),
            kind: "gmm".into(),
            data_id: Some("std-0.5".into()),
            k: Some(3),
            seed: 2,
            axes: vec!["full".into()],
            scores: vec![None, Some(0.1 + 0.2)],
            n_iter: Some(7),
            converged: Some(true),
            status: Status::Ok,
            error: None,
            warnings: vec!["did not converge".into(), "fewer distinct points".into()],
            fit_seconds: 0.25,
            metrics: vec![Some(-1e-300)],
        }
    }

    #[test]
    fn every_table_reads_back_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let c = columns();
        let failed = RunRow {
            k: None,
            status: Status::Failed,
            error: Some("a, \"quoted\" error".into()),
            warnings: Vec::new(),
            n_iter: None,
            converged: None,
            scores: vec![None, None],
            metrics: vec![None],
            ..run_row()
        };
        let runs = vec![run_row(), failed];
        fs::write(dir.path().join("runs.csv"), c.runs_csv(&runs).unwrap()).unwrap();
        assert_eq!(c.read_runs(dir.path()).unwrap(), runs);

        let summary = vec![SummaryRow {
            model: "gmm".into(),
            kind: "gmm".into(),
            data_id: None,
            k: Some(3),
            axes: vec!["diag".into()],
            n_seeds: 2,
            n_failed: 1,
            stats: vec![(Some(1.5), Some(0.5)); 4],
        }];
        fs::write(
            dir.path().join("summary.csv"),
            c.summary_csv(&summary).unwrap(),
        )
        .unwrap();
        assert_eq!(c.read_summary(dir.path()).unwrap(), summary);

        let best = vec![BestKRow {
            model: "gmm".into(),
            kind: "gmm".into(),
            data_id: Some("std-0.5".into()),
            group: group_text([("covariance_type", "full")]),
            criterion: "bic".into(),
            best_k: Some(4),
            seeds_mode: Some(4),
            seeds_min: Some(3),
            seeds_max: None,
            seeds_agreeing: 1,
            seed_picks: vec![Some(4), None],
        }];
        fs::write(dir.path().join("best_k.csv"), c.best_k_csv(&best).unwrap()).unwrap();
        assert_eq!(c.read_best_k(dir.path()).unwrap(), best);
    }

    #[test]
    fn a_header_that_is_not_the_layouts_is_refused_with_both() {
        let dir = tempfile::tempdir().unwrap();
        let c = columns();
        fs::write(
            dir.path().join("runs.csv"),
            c.runs_csv(&[run_row()]).unwrap(),
        )
        .unwrap();
        let other = Columns {
            axes: vec![],
            ..columns()
        };
        let err = other.read_runs(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("expected: cell_id,model,kind,data_id,k,seed,inertia"),
            "{err}"
        );
        assert!(
            err.contains("found:    cell_id,model,kind,data_id,k,seed,covariance_type"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_cell_names_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let c = columns();
        let text = String::from_utf8(c.runs_csv(&[run_row()]).unwrap()).unwrap();
        fs::write(
            dir.path().join("runs.csv"),
            text.replace(",3,2,", ",three,2,"),
        )
        .unwrap();
        let err = c.read_runs(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("runs.csv:2: column `k`: `three` is not an integer K"),
            "{err}"
        );
    }

    #[test]
    fn an_old_folder_without_a_layout_says_how_to_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let err = Columns::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("columns.json is missing") && err.contains("run its grid"),
            "{err}"
        );
    }

    #[test]
    fn the_layout_round_trips_as_json() {
        let c = columns();
        assert_eq!(serde_json::from_str::<Columns>(&c.to_json()).unwrap(), c);
    }
}
