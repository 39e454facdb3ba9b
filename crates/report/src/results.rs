//! Reading the results folder: the only input of the plots.
//!
//! Columns are located by name, never by position, so that the runner may add columns (new
//! metrics, new axes) without breaking the plots. Which columns are *axes* is read from the
//! files themselves: `summary.csv` has one column per axis plus `n_seeds` and
//! `<score>_mean`/`<score>_std`, so the columns that both it and `runs.csv` have are the
//! identity columns and axes. Without a summary, every runs.csv column that is not a known
//! score is taken as an axis.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use clusterlab_data::{CsvOptions, Header, LabelColumn, read_csv};
use csv::StringRecord;
use serde::Deserialize;

use clusterlab_experiment::plots::PlotSpec;

use crate::error::{PlotError, Result};

/// Columns of runs.csv that identify a cell or describe its outcome: neither axes nor scores.
const IDENTITY: [&str; 9] = [
    "cell_id",
    "model",
    "kind",
    "k",
    "seed",
    "data_id",
    "status",
    "error",
    "converged",
];

/// Score columns known today; used only when summary.csv is missing to tell axes from scores.
const KNOWN_SCORES: [&str; 14] = [
    "inertia",
    "log_likelihood",
    "lower_bound",
    "bic",
    "aic",
    "n_iter",
    "fit_seconds",
    "silhouette",
    "calinski_harabasz",
    "davies_bouldin",
    "ari",
    "nmi",
    "gap",
    "gap_std",
];

/// A CSV file read whole, with its header, and each row with its line number.
#[derive(Debug)]
pub(crate) struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<(u64, StringRecord)>,
}

impl Table {
    pub fn read(path: &Path) -> Result<Self> {
        let csv_err = |source| PlotError::Csv {
            path: path.to_path_buf(),
            source,
        };
        let file = fs::File::open(path).map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
        let header = reader
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, |p| p.line());
            rows.push((line, record));
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// The header of a CSV file alone.
    pub fn read_header(path: &Path) -> Result<Vec<String>> {
        let file = fs::File::open(path).map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new().from_reader(file);
        let header = reader.headers().map_err(|source| PlotError::Csv {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(header.iter().map(|h| h.trim().to_string()).collect())
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    pub fn require(&self, name: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| PlotError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
        })
    }

    fn parse<T: std::str::FromStr>(
        &self,
        line: u64,
        record: &StringRecord,
        col: usize,
        expected: &'static str,
    ) -> Result<T> {
        let text = record.get(col).unwrap_or("").trim();
        text.parse().map_err(|_| PlotError::BadValue {
            path: self.path.clone(),
            line,
            column: self.header[col].clone(),
            value: text.to_string(),
            expected,
        })
    }
}

/// A finite number in a cell, or `None` for an empty, non-numeric or non-finite cell.
fn number(cell: Option<&str>) -> Option<f64> {
    cell.and_then(|c| c.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// One row of runs.csv.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunRow {
    pub line: u64,
    pub cell_id: String,
    pub model: String,
    pub k: usize,
    pub seed: u64,
    /// The dataset's id when the grid has data axes; `None` for the single `data.csv`.
    pub data_id: Option<String>,
    pub ok: bool,
    /// Values of [`Runs::axes`], in that order (empty where the axis does not apply).
    pub axes: Vec<String>,
    /// Every numeric column that is not an identity column or an axis.
    pub scores: BTreeMap<String, f64>,
}

/// runs.csv, with the names of its axis columns.
#[derive(Debug)]
pub(crate) struct Runs {
    pub path: PathBuf,
    /// Axis columns other than `k` and `seed` (`covariance_type`, `data.cluster_std`, ...).
    pub axes: Vec<String>,
    pub rows: Vec<RunRow>,
}

impl Runs {
    /// Reads `dir/runs.csv`, using `dir/summary.csv`'s header (when present) to tell axes.
    pub fn read(dir: &Path) -> Result<Self> {
        let table = Table::read(&dir.join("runs.csv"))?;
        let summary_header = Table::read(&dir.join("summary.csv")).ok().map(|t| t.header);
        Runs::from_table(table, summary_header.as_deref())
    }

    pub fn from_table(table: Table, summary_header: Option<&[String]>) -> Result<Self> {
        let cell_id = table.require("cell_id")?;
        let model = table.require("model")?;
        let k = table.require("k")?;
        let seed = table.require("seed")?;
        let status = table.require("status")?;
        let data_id = table.column("data_id");
        let axes: Vec<String> = table
            .header
            .iter()
            .filter(|h| !IDENTITY.contains(&h.as_str()))
            .filter(|h| match summary_header {
                Some(s) => s.contains(h),
                None => !KNOWN_SCORES.contains(&h.as_str()),
            })
            .cloned()
            .collect();
        let axis_cols: Vec<usize> = axes.iter().filter_map(|a| table.column(a)).collect();
        let score_cols: Vec<usize> = (0..table.header.len())
            .filter(|c| !IDENTITY.contains(&table.header[*c].as_str()) && !axis_cols.contains(c))
            .collect();
        let mut rows = Vec::with_capacity(table.rows.len());
        for (line, rec) in &table.rows {
            let get = |c: usize| rec.get(c).unwrap_or("").trim().to_string();
            rows.push(RunRow {
                line: *line,
                cell_id: get(cell_id),
                model: get(model),
                k: table.parse(*line, rec, k, "a number of clusters")?,
                seed: table.parse(*line, rec, seed, "a seed (an unsigned integer)")?,
                data_id: data_id.map(get).filter(|d| !d.is_empty()),
                ok: get(status) == "ok",
                axes: axis_cols.iter().map(|c| get(*c)).collect(),
                scores: score_cols
                    .iter()
                    .filter_map(|c| Some((table.header[*c].clone(), number(rec.get(*c))?)))
                    .collect(),
            });
        }
        Ok(Runs {
            path: table.path,
            axes,
            rows,
        })
    }
}

/// One row of summary.csv: a (model, axes, k) group with each score's mean and std over seeds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SummaryRow {
    pub model: String,
    pub k: usize,
    /// Values of [`Summary::axes`], in that order.
    pub axes: Vec<String>,
    pub mean: BTreeMap<String, f64>,
    pub std: BTreeMap<String, f64>,
}

/// summary.csv.
#[derive(Debug)]
pub(crate) struct Summary {
    pub path: PathBuf,
    pub axes: Vec<String>,
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// Reads `dir/summary.csv`; its axes are the columns runs.csv has too (without runs.csv,
    /// every column that is not a count or a statistic).
    pub fn read(dir: &Path) -> Result<Self> {
        let runs_header = Table::read_header(&dir.join("runs.csv")).ok();
        Summary::from_table(
            Table::read(&dir.join("summary.csv"))?,
            runs_header.as_deref(),
        )
    }

    pub fn from_table(table: Table, runs_header: Option<&[String]>) -> Result<Self> {
        let model = table.require("model")?;
        let k = table.require("k")?;
        let is_stat = |h: &str| {
            h.ends_with("_mean") || h.ends_with("_std") || h.starts_with("n_") && h != "n_init"
        };
        let axes: Vec<String> = table
            .header
            .iter()
            .filter(|h| !IDENTITY.contains(&h.as_str()))
            .filter(|h| match runs_header {
                Some(r) => r.contains(h),
                None => !is_stat(h),
            })
            .cloned()
            .collect();
        let axis_cols: Vec<usize> = axes.iter().filter_map(|a| table.column(a)).collect();
        let mut rows = Vec::with_capacity(table.rows.len());
        for (line, rec) in &table.rows {
            let mut mean = BTreeMap::new();
            let mut std = BTreeMap::new();
            for (c, h) in table.header.iter().enumerate() {
                if let Some(score) = h.strip_suffix("_mean") {
                    if let Some(v) = number(rec.get(c)) {
                        mean.insert(score.to_string(), v);
                    }
                } else if let Some(score) = h.strip_suffix("_std")
                    && let Some(v) = number(rec.get(c))
                {
                    std.insert(score.to_string(), v);
                }
            }
            rows.push(SummaryRow {
                model: rec.get(model).unwrap_or("").trim().to_string(),
                k: table.parse(*line, rec, k, "a number of clusters")?,
                axes: axis_cols
                    .iter()
                    .map(|c| rec.get(*c).unwrap_or("").trim().to_string())
                    .collect(),
                mean,
                std,
            });
        }
        Ok(Summary {
            path: table.path,
            axes,
            rows,
        })
    }
}

/// One row of best_k.csv: the K a criterion picks for a model (and group).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BestK {
    pub model: String,
    /// The group within the model (a covariance type, ...), as the runner wrote it.
    pub group: String,
    pub criterion: String,
    pub best_k: usize,
}

/// Reads `dir/best_k.csv`; `Ok(None)` when the file does not exist.
pub(crate) fn read_best_k(dir: &Path) -> Result<Option<Vec<BestK>>> {
    let path = dir.join("best_k.csv");
    if !path.exists() {
        return Ok(None);
    }
    let table = Table::read(&path)?;
    let model = table.require("model")?;
    let criterion = table.require("criterion")?;
    let best_k = table.require("best_k")?;
    let group = table.column("group");
    let mut out = Vec::new();
    for (line, rec) in &table.rows {
        let cell = |c: usize| rec.get(c).unwrap_or("").trim().to_string();
        // An empty best K means the criterion could not pick one (a single K, ...).
        if cell(best_k).is_empty() {
            continue;
        }
        let k: f64 = table.parse(*line, rec, best_k, "a number of clusters")?;
        out.push(BestK {
            model: cell(model),
            group: group.map(cell).unwrap_or_default(),
            criterion: cell(criterion),
            best_k: k.round().max(0.0) as usize,
        });
    }
    Ok(Some(out))
}

/// The fields of `models/<cell_id>.json` that the scatter plot uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ModelFile {
    pub labels: Vec<usize>,
    #[serde(default)]
    pub centers: Vec<Vec<f64>>,
    #[serde(default)]
    pub covariances: Option<Vec<Vec<Vec<f64>>>>,
}

impl ModelFile {
    pub fn read(path: &Path) -> Result<Self> {
        let text = fs::read_to_string(path).map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| PlotError::Json {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A dataset's first two features and its labels, as the scatter plot needs them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataFile {
    pub path: PathBuf,
    /// Feature names (every column but `label`).
    pub features: Vec<String>,
    /// (first feature, second feature) of each sample; the second is 0 when there is one.
    pub points: Vec<(f64, f64)>,
    pub labels: Option<Vec<usize>>,
}

impl DataFile {
    /// Reads a data file with [`clusterlab_data::read_csv`] (so values are checked as
    /// everywhere else), taking every column as a number: the `label` column is then read
    /// as written. (read_csv would renumber labels by first appearance, and the truth plot
    /// must colour classes as the dataset numbers them, as matplotlib does.)
    pub fn read(path: &Path) -> Result<Self> {
        let header = Table::read_header(path)?;
        let options = CsvOptions {
            label_column: LabelColumn::None,
            header: Header::Present,
            ..CsvOptions::default()
        };
        let data = read_csv(path, &options).map_err(|source| PlotError::Data {
            source: Box::new(source),
        })?;
        let x = data.x();
        if x.ncols() != header.len() {
            return Err(PlotError::Mismatch {
                path: path.to_path_buf(),
                what: format!("{} header names for {} columns", header.len(), x.ncols()),
            });
        }
        let label = header.iter().position(|h| h == "label");
        let feature_cols: Vec<usize> = (0..header.len()).filter(|c| Some(*c) != label).collect();
        let Some(&first) = feature_cols.first() else {
            return Err(PlotError::Mismatch {
                path: path.to_path_buf(),
                what: "no feature column".into(),
            });
        };
        let second = feature_cols.get(1).copied();
        let points = x
            .rows()
            .into_iter()
            .map(|r| (r[first], second.map_or(0.0, |c| r[c])))
            .collect();
        let labels = match label {
            None => None,
            Some(c) => Some(
                x.column(c)
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| {
                        if l >= 0.0 && l.fract() == 0.0 {
                            Ok(l as usize)
                        } else {
                            Err(PlotError::BadValue {
                                path: path.to_path_buf(),
                                line: i as u64 + 2,
                                column: "label".into(),
                                value: l.to_string(),
                                expected: "a class label (an integer >= 0)",
                            })
                        }
                    })
                    .collect::<Result<Vec<usize>>>()?,
            ),
        };
        Ok(DataFile {
            path: path.to_path_buf(),
            features: feature_cols.iter().map(|c| header[*c].clone()).collect(),
            points,
            labels,
        })
    }
}

/// What the plots use of `experiment.toml`: the experiment's name and description and its
/// `[[plot]]` tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ExperimentFile {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `None` when the file has no `[[plot]]` table.
    pub plots: Option<Vec<PlotSpec>>,
    /// The file's text, shown in the report.
    pub text: String,
}

#[derive(Deserialize)]
struct ExperimentToml {
    #[serde(default)]
    experiment: ExperimentSection,
    #[serde(default)]
    plot: Option<Vec<PlotSpec>>,
}

#[derive(Default, Deserialize)]
struct ExperimentSection {
    name: Option<String>,
    description: Option<String>,
}

impl ExperimentFile {
    /// Reads `dir/experiment.toml`; a missing file gives the empty default (the runner
    /// always writes it, but a hand-made folder may lack it).
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("experiment.toml");
        if !path.exists() {
            return Ok(ExperimentFile::default());
        }
        let text = fs::read_to_string(&path).map_err(|source| PlotError::Io {
            path: path.clone(),
            source,
        })?;
        let parsed: ExperimentToml = toml::from_str(&text).map_err(|e| PlotError::Toml {
            path: path.clone(),
            source: Box::new(e),
        })?;
        Ok(ExperimentFile {
            name: parsed.experiment.name,
            description: parsed.experiment.description,
            plots: parsed.plot,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn runs_axes_come_from_the_summary_header() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "runs.csv",
            "cell_id,model,kind,k,seed,covariance_type,inertia,bic,status,error,silhouette\n\
             a,gmm,gmm,2,0,full,,10.5,ok,,0.5\n\
             b,gmm,gmm,2,1,full,,,failed,singular,\n",
        );
        write(
            dir.path(),
            "summary.csv",
            "model,kind,covariance_type,k,n_seeds,bic_mean,bic_std\n",
        );
        let runs = Runs::read(dir.path()).unwrap();
        assert_eq!(runs.axes, ["covariance_type"]);
        assert_eq!(runs.rows.len(), 2);
        assert!(runs.rows[0].ok && !runs.rows[1].ok);
        assert_eq!(runs.rows[0].scores.get("bic"), Some(&10.5));
        assert_eq!(runs.rows[0].scores.get("silhouette"), Some(&0.5));
        assert_eq!(runs.rows[0].scores.get("inertia"), None);
        assert_eq!(runs.rows[0].axes, ["full"]);
    }

    #[test]
    fn summary_axes_leave_out_counts() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "summary.csv",
            "model,kind,k,init,n_seeds,n_failed,inertia_mean,inertia_std\n\
             km,kmeans,2,random,3,0,5.5,0.5\n",
        );
        let s = Summary::read(dir.path()).unwrap();
        assert_eq!(s.axes, ["init"]);
        write(
            dir.path(),
            "runs.csv",
            "cell_id,model,kind,k,seed,init,inertia,status\n",
        );
        let s = Summary::read(dir.path()).unwrap();
        assert_eq!(s.axes, ["init"]);
        assert_eq!(s.rows[0].mean.get("inertia"), Some(&5.5));
        assert_eq!(s.rows[0].std.get("inertia"), Some(&0.5));
    }

    #[test]
    fn runs_without_summary_treat_unknown_columns_as_axes() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "runs.csv",
            "status,seed,k,model,cell_id,init,inertia\nok,0,3,km,x,random,1.5\n",
        );
        let runs = Runs::read(dir.path()).unwrap();
        assert_eq!(runs.axes, ["init"]);
        assert_eq!(runs.rows[0].k, 3);
        assert_eq!(runs.rows[0].scores.get("inertia"), Some(&1.5));
    }

    #[test]
    fn a_bad_k_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "runs.csv",
            "cell_id,model,k,seed,status\na,km,2,0,ok\nb,km,two,0,ok\n",
        );
        let err = Runs::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("runs.csv, line 3, column `k`: `two`"), "{err}");
    }

    #[test]
    fn missing_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "runs.csv", "cell_id,model,k,status\n");
        let err = Runs::read(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with("runs.csv: no `seed` column"), "{err}");
    }

    #[test]
    fn data_file_reads_two_features_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "data.csv", "x0,x1,x2,label\n1,2,3,0\n4,5,6,1\n");
        let d = DataFile::read(&dir.path().join("data.csv")).unwrap();
        assert_eq!(d.features, ["x0", "x1", "x2"]);
        assert_eq!(d.points, [(1.0, 2.0), (4.0, 5.0)]);
        assert_eq!(d.labels, Some(vec![0, 1]));
    }

    #[test]
    fn data_file_keeps_labels_as_numbered_and_names_bad_cells() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "data.csv", "a,label\n1,2\n4,0\n");
        let d = DataFile::read(&dir.path().join("data.csv")).unwrap();
        assert_eq!(
            d.labels,
            Some(vec![2, 0]),
            "not renumbered by first appearance"
        );
        assert_eq!(d.points, [(1.0, 0.0), (4.0, 0.0)]);
        write(dir.path(), "data.csv", "a,b\n1,2\n4,x\n");
        let err = DataFile::read(&dir.path().join("data.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("data.csv, line 3"), "{err}");
        write(dir.path(), "data.csv", "a,label\n1,0.5\n");
        let err = DataFile::read(&dir.path().join("data.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column `label`: `0.5`"), "{err}");
    }

    #[test]
    fn best_k_is_optional_and_skips_empty_picks() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_best_k(dir.path()).unwrap(), None);
        write(
            dir.path(),
            "best_k.csv",
            "model,group,criterion,best_k,best_k_std\nkm,,silhouette,4,0\ngmm,full,bic,,\n",
        );
        let best = read_best_k(dir.path()).unwrap().unwrap();
        assert_eq!(best.len(), 1);
        assert_eq!(best[0].best_k, 4);
    }
}
