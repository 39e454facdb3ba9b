//! `clusterlab fit ALGORITHM`: fit one model on a data file.
//!
//! The subcommands and their flags come from the algorithm registry
//! (`clusterlab_experiment::registry`): one subcommand per algorithm (its grid name, `_` as
//! `-`), one flag per parameter (`n_init` as `--n-init`), with the help line and the default
//! its descriptor and its parameter struct give. The flags become the same typed table a grid
//! cell's parameters become, and the algorithm's own serde struct reads it: a parameter means
//! the same thing, with the same default, on the command line and in a grid file.
//!
//! A flag's value is read as a TOML value when it is one (`300`, `1e-4`, `true`,
//! `[[0, 1], [2, 3]]`), else as the contents of a `.csv` file (a matrix) or a `.json` file when
//! it names one, else as text (`lloyd`, `k-means++`, `auto`).

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use clap::{ArgMatches, Args, Command, FromArgMatches, Subcommand};
use clusterlab_core::Dataset;
use clusterlab_experiment::registry::{Algorithm, BuildError, Registry};

/// `clusterlab fit ALGORITHM ...`: an algorithm of the registry, the common flags and the
/// parameters given.
#[derive(Debug)]
pub struct FitCommand {
    algorithm: &'static Algorithm,
    common: CommonArgs,
    params: toml::Table,
}

/// The subcommand's name of an algorithm (`bisecting_kmeans` as `bisecting-kmeans`).
fn command_name(a: &Algorithm) -> String {
    a.name.replace('_', "-")
}

/// A parameter's flag (`n_init` as `n-init`).
fn flag_name(param: &str) -> String {
    param.replace('_', "-")
}

/// A default for `--help`: text bare, `null` as `none`.
fn default_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "none".into(),
        other => other.to_string(),
    }
}

impl Subcommand for FitCommand {
    fn augment_subcommands(cmd: Command) -> Command {
        let mut cmd = cmd;
        for a in Registry::builtin().all() {
            let defaults = a.defaults();
            let mut sub = CommonArgs::augment_args(Command::new(command_name(a))).about(a.summary);
            for (param, help) in a.param_docs {
                let default = defaults
                    .get(*param)
                    .map(|d| format!(" [default: {}]", default_text(d)))
                    .unwrap_or_default();
                sub = sub.arg(
                    clap::Arg::new(*param)
                        .long(flag_name(param))
                        .value_name("VALUE")
                        .allow_negative_numbers(true)
                        .help(format!("{help}{default}")),
                );
            }
            cmd = cmd.subcommand(sub);
        }
        cmd.subcommand_required(true)
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        Self::augment_subcommands(cmd)
    }

    fn has_subcommand(name: &str) -> bool {
        Registry::builtin()
            .all()
            .iter()
            .any(|a| command_name(a) == name)
    }
}

impl FromArgMatches for FitCommand {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let missing = || clap::Error::new(clap::error::ErrorKind::MissingSubcommand);
        let (name, sub) = matches.subcommand().ok_or_else(missing)?;
        let algorithm = Registry::builtin()
            .all()
            .iter()
            .find(|a| command_name(a) == name)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidSubcommand))?;
        let common = CommonArgs::from_arg_matches(sub)?;
        let mut params = toml::Table::new();
        for (param, _) in algorithm.param_docs {
            if let Some(text) = sub.get_one::<String>(param) {
                let value = parse_value(text).map_err(|e| {
                    clap::Error::raw(
                        clap::error::ErrorKind::ValueValidation,
                        format!("--{}: {e:#}\n", flag_name(param)),
                    )
                })?;
                params.insert((*param).to_owned(), value);
            }
        }
        Ok(FitCommand {
            algorithm,
            common,
            params,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// A flag's value: a TOML value, else a `.csv` (a matrix) or `.json` file it names, else text.
fn parse_value(text: &str) -> anyhow::Result<toml::Value> {
    if let Ok(mut t) = format!("v = {text}").parse::<toml::Table>()
        && let Some(v) = t.remove("v")
    {
        return Ok(v);
    }
    let path = Path::new(text);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "csv" => {
            let options = clusterlab_data::CsvOptions {
                label_column: clusterlab_data::LabelColumn::None,
                ..Default::default()
            };
            let m = clusterlab_data::read_csv(path, &options)?;
            let rows: Vec<toml::Value> = m
                .x()
                .rows()
                .into_iter()
                .map(|r| toml::Value::Array(r.iter().map(|v| toml::Value::Float(*v)).collect()))
                .collect();
            Ok(toml::Value::Array(rows))
        }
        "json" => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            toml::Value::try_from(json)
                .with_context(|| format!("{}: not a parameter value", path.display()))
        }
        _ => Ok(toml::Value::String(text.to_owned())),
    }
}

impl FitCommand {
    /// Fits and reports.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let a = self.algorithm;
        let mut table = self.params;
        match (a.k_param, self.common.k) {
            (Some(k_param), Some(k)) => {
                let k = i64::try_from(k).context("--k is too large")?;
                table.insert(k_param.to_owned(), k.into());
            }
            (Some(_), None) => anyhow::bail!("{} needs the number of clusters: --k K", a.name),
            (None, Some(_)) => {
                anyhow::bail!("{} finds the number of clusters itself: drop --k", a.name)
            }
            (None, None) => {}
        }
        // Parameters are checked before the data is read, so a typo fails fast.
        let flag = |e: BuildError| match e {
            BuildError::Parse { key, error } if !key.is_empty() => anyhow::anyhow!(
                "--{}: {}",
                flag_name(&key),
                clusterlab_experiment::text::with_suggestion(error.message())
            ),
            BuildError::Invalid(e @ clusterlab_core::Error::InvalidParameter { name, .. }) => {
                anyhow::anyhow!("--{}: {e}", flag_name(name))
            }
            other => anyhow::anyhow!("{other}"),
        };
        let params = a.resolve(table.clone()).map_err(flag)?;
        let clusterer = a.build(table).map_err(flag)?;
        let data = self.common.load()?;
        let started = std::time::Instant::now();
        let model = clusterer.fit_dyn(data.x(), self.common.seed)?;
        let fit_seconds = started.elapsed().as_secs_f64();
        let fit = model.summary();

        let serde_json::Value::Object(mut json) = model.to_json() else {
            anyhow::bail!("the model did not serialize to a JSON object");
        };
        json.entry("labels")
            .or_insert_with(|| serde_json::json!(model.labels()));
        json.insert("n_iter".into(), fit.n_iter.into());
        json.insert("converged".into(), fit.converged.into());
        json.insert("warnings".into(), serde_json::json!(fit.warnings));
        json.insert("fit_seconds".into(), fit_seconds.into());
        json.insert("seed".into(), self.common.seed.into());
        json.insert("params".into(), params);
        json.insert("data".into(), data.name().into());

        let mut summary = format!(
            "{} on {} ({} x {}){}, seed {}\n",
            a.name,
            data.name(),
            data.n_samples(),
            data.n_features(),
            self.common
                .k
                .map(|k| format!(", k = {k}"))
                .unwrap_or_default(),
            self.common.seed,
        );
        let scores: Vec<String> = a
            .scores
            .iter()
            .filter_map(|s| Some(format!("{} {:.6}", s.name, fit.score(s.name)?)))
            .collect();
        summary.push_str(&format!(
            "{}, {} iterations, {}, fit in {fit_seconds:.3} s\n",
            scores.join(", "),
            fit.n_iter,
            convergence(fit.converged),
        ));
        let k = model.labels().iter().max().map_or(0, |m| m + 1);
        let mut sizes = vec![0usize; k];
        for &l in model.labels() {
            sizes[l] += 1;
        }
        for (j, size) in sizes.iter().enumerate() {
            let center = model.centers().and_then(|c| {
                let row = c.outer_iter().nth(j)?;
                let coords: Vec<String> = row.iter().take(6).map(|v| format!("{v:.4}")).collect();
                let more = if row.len() > 6 { ", ..." } else { "" };
                Some(format!(", center [{}{more}]", coords.join(", ")))
            });
            summary.push_str(&format!(
                "  cluster {j}: {size} samples{}\n",
                center.unwrap_or_default()
            ));
        }
        for w in &fit.warnings {
            summary.push_str(&format!("warning: {w}\n"));
        }
        FitReport {
            labels: model.labels().to_vec(),
            common: self.common,
            data,
            json,
            summary,
        }
        .finish()
    }
}

/// Flags every `fit` subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The data: a CSV file of numeric columns (header optional; a `label` column, if present,
    /// is ground truth, not a feature).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Whether the first row is a header: `auto` takes it for one when none of its cells is a
    /// number (a row of both is an error that asks you to say).
    #[arg(long, value_enum, default_value = "auto")]
    pub header: HeaderArg,
    /// Name or 0-based index of the ground-truth column ("none" for no label column).
    #[arg(long, value_name = "NAME|INDEX", default_value = "label")]
    pub label_column: String,
    /// Number of clusters or components (for the algorithms that do not find K themselves).
    #[arg(long, short)]
    pub k: Option<usize>,
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

/// `--header`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HeaderArg {
    /// Detected from the first row.
    Auto,
    /// The first row is a header.
    True,
    /// The first row is data.
    False,
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
        use clusterlab_data::{CsvOptions, Header, LabelColumn};
        let label_column = match self.label_column.as_str() {
            "label" => LabelColumn::Auto,
            "none" => LabelColumn::None,
            s => match s.parse::<usize>() {
                Ok(i) => LabelColumn::Index(i),
                Err(_) => LabelColumn::Name(s.to_string()),
            },
        };
        let header = match self.header {
            HeaderArg::Auto => Header::Auto,
            HeaderArg::True => Header::Present,
            HeaderArg::False => Header::Absent,
        };
        let options = CsvOptions {
            label_column,
            header,
            ..CsvOptions::default()
        };
        let read = clusterlab_data::read_csv_detailed(&self.data, &options)?;
        if read.header_detected
            && let Some(names) = &read.header
        {
            // Said, because a first row taken for a header is one sample fewer.
            eprintln!(
                "{}: the first row is a header ({}); --header false reads it as data",
                self.data.display(),
                names.join(", ")
            );
        }
        Ok(read.data)
    }
}

/// How a summary line says whether the fit converged.
fn convergence(converged: bool) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        fit: FitCommand,
    }

    fn parse(args: &[&str]) -> Result<FitCommand, clap::Error> {
        Cli::try_parse_from(std::iter::once("fit").chain(args.iter().copied())).map(|c| c.fit)
    }

    #[test]
    fn every_algorithm_is_a_subcommand_with_its_parameters() {
        let cmd = <Cli as clap::CommandFactory>::command();
        for a in Registry::builtin().all() {
            let sub = cmd.find_subcommand(command_name(a)).unwrap();
            for (param, _) in a.param_docs {
                let arg = sub.get_arguments().find(|x| x.get_id() == *param).unwrap();
                assert_eq!(arg.get_long(), Some(flag_name(param).as_str()));
            }
        }
    }

    #[test]
    fn flags_become_typed_params() {
        let f = parse(&[
            "gmm",
            "--data",
            "d.csv",
            "--k",
            "3",
            "--covariance-type",
            "diag",
            "--init-params",
            "k-means++",
            "--n-init",
            "2",
            "--tol",
            "1e-4",
        ])
        .unwrap();
        assert_eq!(f.algorithm.name, "gmm");
        assert_eq!(f.params["covariance_type"].as_str(), Some("diag"));
        assert_eq!(f.params["init_params"].as_str(), Some("k-means++"));
        assert_eq!(f.params["n_init"].as_integer(), Some(2));
        assert_eq!(f.params["tol"].as_float(), Some(1e-4));
        let mut t = f.params.clone();
        t.insert("n_components".into(), 3.into());
        assert_eq!(f.algorithm.resolve(t).unwrap()["max_iter"], 100);
    }

    #[test]
    fn defaults_in_help_are_the_structs() {
        let cmd = <Cli as clap::CommandFactory>::command();
        let km = cmd.find_subcommand("kmeans").unwrap();
        let help = |id: &str| {
            km.get_arguments()
                .find(|a| a.get_id() == id)
                .and_then(|a| a.get_help())
                .map(|h| h.to_string())
                .unwrap()
        };
        assert!(
            help("max_iter").ends_with("[default: 300]"),
            "{}",
            help("max_iter")
        );
        assert!(
            help("init").ends_with("[default: k-means++]"),
            "{}",
            help("init")
        );
        assert!(
            help("n_init").ends_with("[default: auto]"),
            "{}",
            help("n_init")
        );
    }

    #[test]
    fn a_value_is_toml_or_a_file_or_text() {
        assert_eq!(parse_value("300").unwrap(), toml::Value::Integer(300));
        assert_eq!(
            parse_value("lloyd").unwrap(),
            toml::Value::String("lloyd".into())
        );
        assert_eq!(
            parse_value("k-means++").unwrap(),
            toml::Value::String("k-means++".into())
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "x0,x1\n0,1\n2,3\n").unwrap();
        let v = parse_value(path.to_str().unwrap()).unwrap();
        assert_eq!(v.to_string(), "[[0.0, 1.0], [2.0, 3.0]]");
        let json = dir.path().join("p.json");
        std::fs::write(&json, "[1.0, 2.0]").unwrap();
        assert_eq!(
            parse_value(json.to_str().unwrap()).unwrap().to_string(),
            "[1.0, 2.0]"
        );
        assert!(parse_value("/nonexistent/centers.csv").is_err());
    }

    #[test]
    fn explicit_centers_from_a_file_reach_kmeans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "x0,x1\n0,1\n2,3\n").unwrap();
        let f = parse(&[
            "kmeans",
            "--data",
            "d.csv",
            "--k",
            "2",
            "--init",
            path.to_str().unwrap(),
        ])
        .unwrap();
        let mut t = f.params.clone();
        t.insert("n_clusters".into(), 2.into());
        assert!(f.algorithm.build(t).is_ok());
    }

    #[test]
    fn a_bad_value_names_its_flag() {
        let f = parse(&[
            "kmeans",
            "--data",
            "d.csv",
            "--k",
            "2",
            "--algorithm",
            "elkin",
        ])
        .unwrap();
        let err = f.execute().unwrap_err().to_string();
        assert!(
            err.starts_with("--algorithm: unknown variant `elkin`"),
            "{err}"
        );
        assert!(err.contains("did you mean `elkan`?"), "{err}");
        assert!(parse(&["kmeans", "--data", "d.csv", "--k", "2", "--max-iterr", "3"]).is_err());
    }
}
