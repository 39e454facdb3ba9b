//! `clusterlab fit`: fit one model on a CSV file.
//!
//! Each model has its own module that parses its parameters and fits; this module holds what
//! they share: the common flags, reading the CSV, and writing or printing the result.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Args, Subcommand};
use clusterlab_core::Dataset;

pub mod gmm;
pub mod kmeans;

/// Which model to fit.
#[derive(Debug, Subcommand)]
pub enum FitCommand {
    /// K-means (Lloyd or Elkan), as scikit-learn's `KMeans`.
    Kmeans(kmeans::Args),
    /// A Gaussian mixture fitted by EM, as scikit-learn's `GaussianMixture`.
    Gmm(gmm::Args),
}

impl FitCommand {
    /// Fits and reports.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let report = match self {
            FitCommand::Kmeans(a) => kmeans::fit(a)?,
            FitCommand::Gmm(a) => gmm::fit(a)?,
        };
        report.finish()
    }
}

/// Flags every `fit` subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The data: a CSV file of numeric columns (header optional; a `label` column, if present,
    /// is ground truth, not a feature).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Name or 0-based index of the ground-truth column ("none" for no label column).
    #[arg(long, value_name = "NAME|INDEX", default_value = "label")]
    pub label_column: String,
    /// Number of clusters or components.
    #[arg(long, short)]
    pub k: usize,
    /// Random seed (a u64); the same seed gives the same result on any machine and thread count.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the result as JSON to this file instead of printing a summary.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The silhouette is O(n^2): above this many samples it is computed on a seeded random
    /// sample of this size (reported as `silhouette_sample_size`); `all` forces the exact value.
    #[arg(long, value_name = "N|all", default_value = "10000", value_parser = parse_sample_size)]
    pub silhouette_sample_size: SampleSize,
}

/// The bound of `--silhouette-sample-size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleSize {
    /// Exact on all samples.
    All,
    /// At most this many samples.
    AtMost(usize),
}

fn parse_sample_size(s: &str) -> Result<SampleSize, String> {
    match s {
        "all" => Ok(SampleSize::All),
        _ => match s.parse::<usize>() {
            Ok(0) => Err("must be at least 1 (or `all`)".into()),
            Ok(n) => Ok(SampleSize::AtMost(n)),
            Err(_) => Err(format!("`{s}` is neither a number of samples nor `all`")),
        },
    }
}

impl CommonArgs {
    /// Reads the CSV named by `--data` with the label column of `--label-column`.
    pub fn load(&self) -> anyhow::Result<Dataset> {
        use clusterlab_data::{CsvOptions, LabelColumn};
        let label_column = match self.label_column.as_str() {
            "label" => LabelColumn::Auto,
            "none" => LabelColumn::None,
            s => match s.parse::<usize>() {
                Ok(i) => LabelColumn::Index(i),
                Err(_) => LabelColumn::Name(s.to_string()),
            },
        };
        let options = CsvOptions {
            label_column,
            ..CsvOptions::default()
        };
        Ok(clusterlab_data::read_csv(&self.data, &options)?)
    }
}

/// Runs `fit` and times it alone (reading the file is not included), then returns the model,
/// its JSON object (the model's own fields plus `fit_seconds`, `seed`, `params` and `data`) and
/// the seconds it took.
pub fn timed_fit<M: serde::Serialize>(
    common: &CommonArgs,
    data: &Dataset,
    params: &impl serde::Serialize,
    fit: impl FnOnce() -> clusterlab_core::Result<M>,
) -> anyhow::Result<(M, serde_json::Map<String, serde_json::Value>, f64)> {
    let started = std::time::Instant::now();
    let model = fit()?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let serde_json::Value::Object(mut json) = serde_json::to_value(&model)? else {
        anyhow::bail!("the model did not serialize to a JSON object");
    };
    json.insert("fit_seconds".into(), fit_seconds.into());
    json.insert("seed".into(), common.seed.into());
    json.insert("params".into(), serde_json::to_value(params)?);
    json.insert("data".into(), data.name().into());
    Ok((model, json, fit_seconds))
}

/// How a summary line says whether the fit converged.
pub fn convergence(converged: bool) -> &'static str {
    if converged {
        "converged"
    } else {
        "not converged (max_iter reached)"
    }
}

/// What a fit produced: its JSON object, a human summary, and what the metrics need.
#[derive(Debug)]
pub struct FitReport {
    /// The common flags (where to write).
    pub common: CommonArgs,
    /// The data the model was fitted on.
    pub data: Dataset,
    /// The training labels.
    pub labels: Vec<usize>,
    /// The result as a JSON object (model fields, `labels`, `fit_seconds`, ...).
    pub json: serde_json::Map<String, serde_json::Value>,
    /// A few lines for a person, printed when `--out` is not given.
    pub summary: String,
}

impl FitReport {
    /// Adds the cluster-quality metrics of the training labels (internal ones always, external
    /// ones when the data has ground truth), then writes the JSON to `--out` or prints the
    /// summary.
    pub fn finish(mut self) -> anyhow::Result<ExitCode> {
        let n = self.data.n_samples();
        let silhouette_sample_size = match self.common.silhouette_sample_size {
            SampleSize::AtMost(m) if n > m => Some(m),
            _ => None,
        };
        let options = clusterlab_metrics::EvaluateOptions {
            silhouette_sample_size,
            seed: self.common.seed,
        };
        let started = std::time::Instant::now();
        let metrics =
            clusterlab_metrics::evaluate(self.data.x(), &self.labels, self.data.labels(), &options)
                .context("computing the cluster-quality metrics")?;
        let metrics_seconds = started.elapsed().as_secs_f64();
        let serde_json::Value::Object(fields) = serde_json::to_value(metrics)? else {
            anyhow::bail!("metrics did not serialize to a JSON object");
        };
        let mut lines = String::new();
        for metric in clusterlab_metrics::Metric::ALL {
            if let Some(v) = metric.value(&metrics) {
                lines.push_str(&format!("  {:<18} {v:.6}\n", metric.name()));
            }
        }
        self.json.extend(fields);
        self.json
            .insert("metrics_seconds".into(), metrics_seconds.into());
        match &self.common.out {
            Some(path) => {
                let text = serde_json::to_string_pretty(&serde_json::Value::Object(self.json))?;
                std::fs::write(path, text + "\n")
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            None => {
                print!("{}", self.summary);
                let how = match silhouette_sample_size {
                    Some(m) => format!("silhouette on a sample of {m}"),
                    None => "exact".to_string(),
                };
                println!("metrics ({how}, {metrics_seconds:.3} s):\n{lines}");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
