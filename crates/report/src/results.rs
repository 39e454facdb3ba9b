//! Reading the results folder: the only input of the plots.
//!
//! The tables are read through the experiment crate's [schema](clusterlab_experiment::schema),
//! the very types its writer uses, with the layout the run saved beside them
//! (`columns.json`): which columns are axes, scores and metrics is never guessed. This module
//! turns those rows into what the plots need (rows with a K, scores by name); the data and
//! model files, which the schema does not cover, are read here too.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use clusterlab_core::ndarray::{Array2, Axis};
use clusterlab_data::{CsvOptions, Header, LabelColumn, read_csv};
use clusterlab_experiment::{
    plots::PlotSpec,
    schema::{self, BestKRow, Columns},
};
use csv::StringRecord;
use serde::Deserialize;

use crate::error::{PlotError, Result};

/// A CSV file read whole, with its header, and each row with its line number.
#[derive(Debug)]
pub(crate) struct Table {
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
        Ok(Table { header, rows })
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
}

/// One row of runs.csv with a K (the plots draw against K; a cell of an algorithm that finds
/// K itself has no place on them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunRow {
    pub cell_id: String,
    pub model: String,
    pub k: usize,
    pub seed: u64,
    /// The dataset's id when the grid has data axes; `None` for the single `data.csv`.
    pub data_id: Option<String>,
    pub ok: bool,
    /// Values of [`Runs::axes`], in that order (empty where the axis does not apply).
    pub axes: Vec<String>,
    /// The scores and metrics that have a finite value, by column name.
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
    /// Reads `dir/runs.csv` with the folder's layout.
    pub fn read(dir: &Path) -> Result<Self> {
        let columns = Columns::read(dir)?;
        let rows = columns
            .read_runs(dir)?
            .into_iter()
            .filter_map(|r| {
                let scores = columns
                    .scores
                    .iter()
                    .chain(&columns.metrics)
                    .chain([&"n_iter".to_owned(), &"fit_seconds".to_owned()])
                    .filter_map(|n| {
                        let v = r.value(&columns, n).filter(|v| v.is_finite())?;
                        Some((n.clone(), v))
                    })
                    .collect();
                Some(RunRow {
                    k: r.k?,
                    ok: r.status == schema::Status::Ok,
                    cell_id: r.cell_id,
                    model: r.model,
                    seed: r.seed,
                    data_id: r.data_id,
                    axes: r.axes,
                    scores,
                })
            })
            .collect();
        Ok(Runs {
            path: dir.join("runs.csv"),
            axes: columns.axes,
            rows,
        })
    }
}

/// One row of summary.csv with a K: a (model, axes, k) group with each value's mean and std
/// over seeds.
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
    /// Reads `dir/summary.csv` with the folder's layout.
    pub fn read(dir: &Path) -> Result<Self> {
        let columns = Columns::read(dir)?;
        let names = columns.summarised();
        let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
        let rows = columns
            .read_summary(dir)?
            .into_iter()
            .filter_map(|r| {
                let mut mean = BTreeMap::new();
                let mut std = BTreeMap::new();
                for (name, (m, s)) in names.iter().zip(&r.stats) {
                    if let Some(m) = finite(*m) {
                        mean.insert(name.clone(), m);
                    }
                    if let Some(s) = finite(*s) {
                        std.insert(name.clone(), s);
                    }
                }
                Some(SummaryRow {
                    model: r.model,
                    k: r.k?,
                    axes: r.axes,
                    mean,
                    std,
                })
            })
            .collect();
        Ok(Summary {
            path: dir.join("summary.csv"),
            axes: columns.axes,
            rows,
        })
    }
}

/// Reads `dir/best_k.csv` (the schema's rows); `Ok(None)` when the file does not exist.
pub(crate) fn read_best_k(dir: &Path) -> Result<Option<Vec<BestKRow>>> {
    if !dir.join("best_k.csv").exists() {
        return Ok(None);
    }
    Ok(Some(Columns::read(dir)?.read_best_k(dir)?))
}

/// The fields of `models/<cell_id>.json` that the scatter plot uses.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ModelFile {
    pub labels: Vec<usize>,
    /// Empty for models without centers (a hierarchy, a graph partition), whose file says
    /// `null`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub centers: Vec<Vec<f64>>,
    #[serde(default)]
    pub covariances: Option<Vec<Vec<Vec<f64>>>>,
}

impl ModelFile {
    pub fn read(path: &Path) -> Result<Self> {
        read_json(path)
    }
}

/// A JSON `null` read as an empty list.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<Vec<f64>>, D::Error> {
    Ok(Option::<Vec<Vec<f64>>>::deserialize(d)?.unwrap_or_default())
}

/// Reads the fields of a JSON file that `T` takes.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| PlotError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// The convergence trace of `models/<cell_id>.json` (absent in files written before traces
/// were recorded, and for models that record none).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TraceFile {
    #[serde(default)]
    pub trace: Option<TraceValues>,
}

/// An objective's name and its value at each iteration.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TraceValues {
    pub objective: String,
    pub values: Vec<f64>,
}

impl TraceFile {
    pub fn read(path: &Path) -> Result<Self> {
        read_json(path)
    }
}

/// A dataset's features and its labels, as the scatter and silhouette plots need them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataFile {
    pub path: PathBuf,
    /// Feature names (every column but `label`).
    pub features: Vec<String>,
    /// Every feature of every sample (samples in rows, the `label` column left out).
    pub x: Array2<f64>,
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
            x: x.select(Axis(1), &feature_cols),
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
    fn data_file_reads_two_features_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "data.csv", "x0,x1,x2,label\n1,2,3,0\n4,5,6,1\n");
        let d = DataFile::read(&dir.path().join("data.csv")).unwrap();
        assert_eq!(d.features, ["x0", "x1", "x2"]);
        assert_eq!(d.points, [(1.0, 2.0), (4.0, 5.0)]);
        assert_eq!(
            d.x.row(1).to_vec(),
            [4.0, 5.0, 6.0],
            "every feature, no label"
        );
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
}
