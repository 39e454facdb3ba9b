//! [`PlotSpec`]: one `[[plot]]` table of a grid file, parsed and checked.
//!
//! The table's keys are few and fixed (`kind`, `title`, and for scatter plots `model`, `k`,
//! `seed`, `truth`), except that a scatter plot may also pin any other axis of the grid
//! (`covariance_type = "full"`, `data.cluster_std = 0.5`) to pick one cell. Those extra keys are
//! why the table is read into a raw struct that keeps unknown keys and then checked by hand:
//! serde's `deny_unknown_fields` cannot be combined with a catch-all map. Every key that is not
//! allowed is still an error, with a "did you mean" suggestion when a known key is close.

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One plot to draw, as written in a `[[plot]]` table.
///
/// # Examples
///
/// ```
/// use clusterlab_experiment::plots::PlotSpec;
///
/// #[derive(Debug, serde::Deserialize)]
/// struct Grid {
///     plot: Vec<PlotSpec>,
/// }
///
/// let grid: Grid = toml::from_str(
///     r#"
///     [[plot]]
///     kind = "elbow"
///     [[plot]]
///     kind = "scatter"
///     model = "gmm"
///     k = 4
///     seed = 0
///     covariance_type = "full"
///     "#,
/// )?;
/// assert_eq!(grid.plot[0].file_stem(), "elbow");
/// assert_eq!(grid.plot[1].file_stem(), "scatter_gmm_k4_seed0_covariance_type-full");
///
/// // A typo is an error that suggests the key meant.
/// let err = toml::from_str::<Grid>("[[plot]]\nkind = \"elbow\"\ntitel = \"x\"\n").unwrap_err();
/// assert!(err.to_string().contains("did you mean `title`"));
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPlotSpec", into = "RawPlotSpec")]
pub struct PlotSpec {
    /// What to draw.
    pub kind: PlotKind,
    /// A title to use instead of the default one (which names the experiment and the plot).
    pub title: Option<String>,
}

/// The kinds of plot, with what each needs.
#[derive(Debug, Clone, PartialEq)]
pub enum PlotKind {
    /// Inertia against K, mean and seed spread, one line per model and axis group.
    Elbow,
    /// BIC and mean log-likelihood against K, one line per covariance type (two panels).
    Selection,
    /// The data, coloured by one cell's labels or by the true labels.
    Scatter(ScatterSpec),
    /// Every recorded criterion against K, normalised to [0, 1], with the picked K marked.
    Criteria,
    /// The objective of chosen cells at every iteration of their fit (K-means' inertia, a
    /// mixture's lower bound): one panel per model and axis group, one line per K.
    Trace(TraceSpec),
    /// Every dataset (rows) against every model (columns), each panel the data coloured by
    /// one cell's labels with its ARI and fit time: which model finds which shape.
    Gallery,
}

/// Which cells a convergence-trace plot draws. Every key narrows the choice; none given means
/// every model's cells, every K, and the first seed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TraceSpec {
    /// Only this model's cells (`[[model]] name`); every model when `None`.
    pub model: Option<String>,
    /// Only these K (`k = 4` or `k = [2, 4, 8]`); every K when empty.
    pub ks: Vec<usize>,
    /// The seed of the cells drawn; the smallest seed of the results when `None`.
    pub seed: Option<u64>,
    /// Values of other axes that the cells must have (`covariance_type = "full"`), as for a
    /// scatter plot.
    pub axes: BTreeMap<String, AxisValue>,
}

/// What a scatter plot colours the data by, and which dataset it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterSpec {
    /// Ground truth, or one cell's labels.
    pub source: ScatterSource,
    /// Values of other axes that pin the cell (or, for truth, the dataset): `covariance_type`,
    /// `init`, `data.cluster_std`, ... Keys are runs.csv column names.
    pub axes: BTreeMap<String, AxisValue>,
}

/// The labels a scatter plot colours by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScatterSource {
    /// The dataset's ground-truth labels (`truth = true`).
    Truth,
    /// The training labels of the cell with this model, K and seed.
    Cell {
        /// The model's name (`[[model]] name`, which defaults to its kind).
        model: String,
        /// Number of clusters or components.
        k: usize,
        /// The model's seed.
        seed: u64,
    },
}

/// A value of an axis, as written in the grid file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AxisValue {
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
}

impl AxisValue {
    /// Whether a runs.csv cell holds this value. Numbers compare as numbers, so `0.5` matches
    /// `0.50` and `1` matches `1.0`.
    pub fn matches(&self, cell: &str) -> bool {
        let cell = cell.trim();
        match self {
            AxisValue::Bool(b) => cell.parse::<bool>().is_ok_and(|c| c == *b),
            AxisValue::Int(i) => cell.parse::<f64>().is_ok_and(|c| c == *i as f64),
            AxisValue::Float(f) => cell.parse::<f64>().is_ok_and(|c| c == *f),
            AxisValue::Str(s) => cell == s,
        }
    }

    fn from_toml(key: &str, value: toml::Value) -> Result<Self, PlotSpecError> {
        match value {
            toml::Value::Boolean(b) => Ok(AxisValue::Bool(b)),
            toml::Value::Integer(i) => Ok(AxisValue::Int(i)),
            toml::Value::Float(f) => Ok(AxisValue::Float(f)),
            toml::Value::String(s) => Ok(AxisValue::Str(s)),
            other => Err(PlotSpecError::NotAScalar {
                key: key.to_string(),
                found: other.type_str().to_string(),
            }),
        }
    }
}

impl fmt::Display for AxisValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AxisValue::Bool(b) => write!(f, "{b}"),
            AxisValue::Int(i) => write!(f, "{i}"),
            AxisValue::Float(x) => write!(f, "{x}"),
            AxisValue::Str(s) => f.write_str(s),
        }
    }
}

/// A `[[plot]]` table that cannot be drawn as written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PlotSpecError {
    /// `kind` is not one of the plot kinds.
    #[error("unknown plot kind `{found}`{}; expected one of {}", suggest(.suggestion), KINDS.join(", "))]
    UnknownKind {
        /// The kind written.
        found: String,
        /// The closest kind, when one is close.
        suggestion: Option<String>,
    },
    /// A key that this kind of plot does not take.
    #[error("unknown key `{key}` in a `{kind}` plot{}; it takes {}", suggest(.suggestion), .allowed.join(", "))]
    UnknownKey {
        /// The plot's kind.
        kind: String,
        /// The key written.
        key: String,
        /// The closest allowed key, when one is close.
        suggestion: Option<String>,
        /// The keys this kind takes.
        allowed: Vec<String>,
    },
    /// A value of the wrong type (`k = "four"`), or a table that is not a plot table.
    #[error("{message}")]
    Invalid {
        /// What is wrong, as the TOML reader says it.
        message: String,
    },
    /// `k` is a list where one K is needed (a scatter plot shows one cell).
    #[error("a `{kind}` plot takes one K, not a list: `k = {example}`")]
    OneK {
        /// The plot's kind.
        kind: String,
        /// The first K of the list, as the fix.
        example: usize,
    },
    /// A key the plot needs is missing.
    #[error("a `{kind}` plot needs `{key}`{hint}")]
    MissingKey {
        /// The plot's kind.
        kind: String,
        /// The missing key.
        key: String,
        /// How to fix it.
        hint: String,
    },
    /// `truth = true` together with a model's cell.
    #[error("a scatter plot takes either `truth = true` or `model`, `k` and `seed`, not both")]
    TruthAndCell,
    /// An axis value that is a table or an array.
    #[error("axis value `{key}` must be a string, number or boolean, found {found}")]
    NotAScalar {
        /// The key.
        key: String,
        /// The TOML type found.
        found: String,
    },
    /// The scatter plot names a model that the grid does not have.
    #[error("scatter plot: no model named `{found}`{}; models: {}", suggest(.suggestion), .known.join(", "))]
    UnknownModel {
        /// The name written.
        found: String,
        /// The closest model name.
        suggestion: Option<String>,
        /// The grid's model names.
        known: Vec<String>,
    },
    /// The scatter plot pins an axis that the grid does not have.
    #[error("scatter plot: no axis named `{found}`{}; axes: {}", suggest(.suggestion), .known.join(", "))]
    UnknownAxis {
        /// The axis written.
        found: String,
        /// The closest axis name.
        suggestion: Option<String>,
        /// The grid's axis names (other than `k` and `seed`).
        known: Vec<String>,
    },
}

fn suggest(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

const KINDS: [&str; 6] = [
    "elbow",
    "selection",
    "scatter",
    "criteria",
    "trace",
    "gallery",
];
const SCATTER_KEYS: [&str; 6] = ["kind", "title", "model", "k", "seed", "truth"];
const TRACE_KEYS: [&str; 5] = ["kind", "title", "model", "k", "seed"];

impl PlotSpec {
    /// A plot of `kind` with the default title.
    pub fn new(kind: PlotKind) -> Self {
        PlotSpec { kind, title: None }
    }

    /// The scatter plot of the ground truth of the (single) dataset.
    pub fn truth() -> Self {
        PlotSpec::new(PlotKind::Scatter(ScatterSpec {
            source: ScatterSource::Truth,
            axes: BTreeMap::new(),
        }))
    }

    /// The scatter plot of one cell's labels.
    pub fn scatter(model: impl Into<String>, k: usize, seed: u64) -> Self {
        PlotSpec::new(PlotKind::Scatter(ScatterSpec {
            source: ScatterSource::Cell {
                model: model.into(),
                k,
                seed,
            },
            axes: BTreeMap::new(),
        }))
    }

    /// Reads one `[[plot]]` table already parsed as TOML, for callers that parse the grid
    /// file themselves (and know the table's position, to report it). Wrong value types are
    /// [`PlotSpecError::Invalid`]; everything else is the specific variant.
    ///
    /// ```
    /// use clusterlab_experiment::plots::{PlotSpec, PlotSpecError};
    /// let table: toml::Table = toml::from_str("kind = \"selection\"")?;
    /// assert_eq!(PlotSpec::from_table(&table)?.file_stem(), "selection");
    /// let table: toml::Table = toml::from_str("kind = \"scatter\"\nmodel = \"km\"\nk = \"four\"")?;
    /// assert!(matches!(PlotSpec::from_table(&table), Err(PlotSpecError::Invalid { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_table(table: &toml::Table) -> Result<Self, PlotSpecError> {
        let raw: RawPlotSpec =
            toml::Value::Table(table.clone())
                .try_into()
                .map_err(|e: toml::de::Error| PlotSpecError::Invalid {
                    message: e.message().trim().to_string(),
                })?;
        PlotSpec::try_from(raw)
    }

    /// The kind's name as written in the grid (`"elbow"`, `"scatter"`, ...).
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            PlotKind::Elbow => "elbow",
            PlotKind::Selection => "selection",
            PlotKind::Scatter(_) => "scatter",
            PlotKind::Criteria => "criteria",
            PlotKind::Trace(_) => "trace",
            PlotKind::Gallery => "gallery",
        }
    }

    /// The file name (without extension) of this plot under `plots/`: `elbow`, `selection`,
    /// `criteria`, `scatter_truth`, `scatter_<model>_k<k>_seed<seed>`, `trace_<model>` (or
    /// `trace_all`, then `_k<k>-<k>...` and `_seed<seed>` for the keys given), each pinned axis
    /// adding `_<axis>-<value>`, made [file-safe](crate::text::file_safe).
    ///
    /// ```
    /// use clusterlab_experiment::plots::{PlotKind, PlotSpec, TraceSpec};
    /// let spec = PlotSpec::new(PlotKind::Trace(TraceSpec {
    ///     model: Some("kmeans".into()),
    ///     ks: vec![3, 4],
    ///     ..TraceSpec::default()
    /// }));
    /// assert_eq!(spec.file_stem(), "trace_kmeans_k3-4");
    /// let every_model = PlotSpec::new(PlotKind::Trace(TraceSpec::default()));
    /// assert_eq!(every_model.file_stem(), "trace_all");
    /// ```
    pub fn file_stem(&self) -> String {
        let stem = match &self.kind {
            PlotKind::Trace(t) => {
                let mut stem = format!("trace_{}", t.model.as_deref().unwrap_or("all"));
                if !t.ks.is_empty() {
                    let ks: Vec<String> = t.ks.iter().map(usize::to_string).collect();
                    stem.push_str(&format!("_k{}", ks.join("-")));
                }
                if let Some(seed) = t.seed {
                    stem.push_str(&format!("_seed{seed}"));
                }
                for (axis, value) in &t.axes {
                    stem.push_str(&format!("_{axis}-{value}"));
                }
                stem
            }
            PlotKind::Scatter(s) => {
                let mut stem = match &s.source {
                    ScatterSource::Truth => "scatter_truth".to_string(),
                    ScatterSource::Cell { model, k, seed } => {
                        format!("scatter_{model}_k{k}_seed{seed}")
                    }
                };
                for (axis, value) in &s.axes {
                    stem.push_str(&format!("_{axis}-{value}"));
                }
                stem
            }
            _ => self.kind_name().to_string(),
        };
        crate::text::file_safe(&stem)
    }

    /// Checks a scatter plot's model and pinned axes against the grid's model names and axis
    /// names (runs.csv column names other than `k` and `seed`, such as `covariance_type` or
    /// `data.cluster_std`). Other kinds always pass. The runner calls this while it validates
    /// a grid, so that a bad plot table is reported before anything runs.
    ///
    /// ```
    /// use clusterlab_experiment::plots::PlotSpec;
    /// let spec = PlotSpec::scatter("kmeans", 4, 0);
    /// assert!(spec.check_against(&["kmeans", "gmm"], &["covariance_type"]).is_ok());
    /// let err = PlotSpec::scatter("kmean", 4, 0).check_against(&["kmeans"], &[]).unwrap_err();
    /// assert!(err.to_string().contains("did you mean `kmeans`"));
    /// ```
    pub fn check_against(&self, models: &[&str], axes: &[&str]) -> Result<(), PlotSpecError> {
        let (model, pinned) = match &self.kind {
            PlotKind::Scatter(s) => (
                match &s.source {
                    ScatterSource::Cell { model, .. } => Some(model),
                    ScatterSource::Truth => None,
                },
                &s.axes,
            ),
            PlotKind::Trace(t) => (t.model.as_ref(), &t.axes),
            _ => return Ok(()),
        };
        if let Some(model) = model
            && !models.contains(&model.as_str())
        {
            return Err(PlotSpecError::UnknownModel {
                found: model.clone(),
                suggestion: closest(model, models.iter().copied()),
                known: models.iter().map(|m| m.to_string()).collect(),
            });
        }
        for axis in pinned.keys() {
            if !axes.contains(&axis.as_str()) {
                return Err(PlotSpecError::UnknownAxis {
                    found: axis.clone(),
                    suggestion: closest(axis, axes.iter().copied()),
                    known: axes.iter().map(|a| a.to_string()).collect(),
                });
            }
        }
        Ok(())
    }
}

/// The `[[plot]]` table as written; [`PlotSpec`] is checked from it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RawPlotSpec {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<RawK>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    truth: Option<bool>,
    #[serde(flatten)]
    rest: BTreeMap<String, toml::Value>,
}

/// `k = 4` or `k = [2, 4]`: a scatter plot takes the first, a trace plot either.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
enum RawK {
    One(usize),
    Many(Vec<usize>),
}

impl TryFrom<RawPlotSpec> for PlotSpec {
    type Error = PlotSpecError;

    fn try_from(raw: RawPlotSpec) -> Result<Self, Self::Error> {
        let kind = match raw.kind.as_str() {
            "elbow" => PlotKind::Elbow,
            "selection" => PlotKind::Selection,
            "criteria" => PlotKind::Criteria,
            "gallery" => PlotKind::Gallery,
            "scatter" => PlotKind::Scatter(scatter_from_raw(&raw)?),
            "trace" => PlotKind::Trace(trace_from_raw(&raw)?),
            other => {
                return Err(PlotSpecError::UnknownKind {
                    found: other.to_string(),
                    suggestion: closest(other, KINDS),
                });
            }
        };
        if !matches!(kind, PlotKind::Scatter(_) | PlotKind::Trace(_)) {
            let unknown = [
                raw.model.as_ref().map(|_| "model"),
                raw.k.map(|_| "k"),
                raw.seed.map(|_| "seed"),
                raw.truth.map(|_| "truth"),
            ]
            .into_iter()
            .flatten()
            .map(str::to_string)
            .chain(raw.rest.keys().cloned())
            .next();
            if let Some(key) = unknown {
                let allowed = ["kind", "title"];
                return Err(PlotSpecError::UnknownKey {
                    kind: raw.kind.clone(),
                    suggestion: closest(&key, allowed),
                    key,
                    allowed: allowed.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        Ok(PlotSpec {
            kind,
            title: raw.title,
        })
    }
}

/// The pinned axes of a plot that takes them (`covariance_type = "full"`,
/// `data.cluster_std = 0.5`): every key of the table that is not one of `keys`.
fn pinned_axes(
    kind: &str,
    keys: &[&str],
    rest: &BTreeMap<String, toml::Value>,
) -> Result<BTreeMap<String, AxisValue>, PlotSpecError> {
    let mut axes = BTreeMap::new();
    for (key, value) in rest {
        // A key close to a known one is a typo, not an axis: `sed = 0` must not silently
        // become an axis that matches no cell.
        if let Some(known) = closest(key, keys.iter().copied()) {
            return Err(PlotSpecError::UnknownKey {
                kind: kind.into(),
                key: key.clone(),
                suggestion: Some(known),
                allowed: keys
                    .iter()
                    .map(|s| s.to_string())
                    .chain(["<axis> = <value>".to_string()])
                    .collect(),
            });
        }
        match value {
            // `data.cluster_std = 0.5` is a dotted key: TOML reads it as a table `data`.
            toml::Value::Table(table) if key == "data" => {
                for (sub, v) in table {
                    let name = format!("data.{sub}");
                    let v = AxisValue::from_toml(&name, v.clone())?;
                    axes.insert(name, v);
                }
            }
            v => {
                axes.insert(key.clone(), AxisValue::from_toml(key, v.clone())?);
            }
        }
    }
    Ok(axes)
}

fn trace_from_raw(raw: &RawPlotSpec) -> Result<TraceSpec, PlotSpecError> {
    if raw.truth.is_some() {
        return Err(PlotSpecError::UnknownKey {
            kind: "trace".into(),
            key: "truth".into(),
            suggestion: None,
            allowed: TRACE_KEYS
                .iter()
                .map(|s| s.to_string())
                .chain(["<axis> = <value>".to_string()])
                .collect(),
        });
    }
    let mut ks = match &raw.k {
        None => Vec::new(),
        Some(RawK::One(k)) => vec![*k],
        Some(RawK::Many(ks)) => ks.clone(),
    };
    ks.sort_unstable();
    ks.dedup();
    Ok(TraceSpec {
        model: raw.model.clone(),
        ks,
        seed: raw.seed,
        axes: pinned_axes("trace", &TRACE_KEYS, &raw.rest)?,
    })
}

fn scatter_from_raw(raw: &RawPlotSpec) -> Result<ScatterSpec, PlotSpecError> {
    let axes = pinned_axes("scatter", &SCATTER_KEYS, &raw.rest)?;
    let k = match &raw.k {
        None => None,
        Some(RawK::One(k)) => Some(*k),
        Some(RawK::Many(ks)) => {
            return Err(PlotSpecError::OneK {
                kind: "scatter".into(),
                example: ks.first().copied().unwrap_or(2),
            });
        }
    };
    let source = match (raw.truth, &raw.model, k, raw.seed) {
        (Some(true), None, None, None) => ScatterSource::Truth,
        (Some(true), ..) => return Err(PlotSpecError::TruthAndCell),
        (_, Some(model), Some(k), Some(seed)) => ScatterSource::Cell {
            model: model.clone(),
            k,
            seed,
        },
        (_, model, k, _) => {
            let key = if model.is_none() {
                "model"
            } else if k.is_none() {
                "k"
            } else {
                "seed"
            };
            return Err(PlotSpecError::MissingKey {
                kind: "scatter".into(),
                key: key.into(),
                hint: " (with `k` and `seed`), or `truth = true` to colour by the true labels"
                    .into(),
            });
        }
    };
    Ok(ScatterSpec { source, axes })
}

impl From<PlotSpec> for RawPlotSpec {
    fn from(spec: PlotSpec) -> Self {
        let kind = spec.kind_name().to_string();
        let mut raw = RawPlotSpec {
            kind,
            title: spec.title,
            model: None,
            k: None,
            seed: None,
            truth: None,
            rest: BTreeMap::new(),
        };
        let axes = match spec.kind {
            PlotKind::Scatter(s) => {
                match s.source {
                    ScatterSource::Truth => raw.truth = Some(true),
                    ScatterSource::Cell { model, k, seed } => {
                        raw.model = Some(model);
                        raw.k = Some(RawK::One(k));
                        raw.seed = Some(seed);
                    }
                }
                s.axes
            }
            PlotKind::Trace(t) => {
                raw.model = t.model;
                raw.k = match t.ks.as_slice() {
                    [] => None,
                    [k] => Some(RawK::One(*k)),
                    ks => Some(RawK::Many(ks.to_vec())),
                };
                raw.seed = t.seed;
                t.axes
            }
            _ => BTreeMap::new(),
        };
        for (axis, value) in axes {
            let v = match value {
                AxisValue::Bool(b) => toml::Value::Boolean(b),
                AxisValue::Int(i) => toml::Value::Integer(i),
                AxisValue::Float(f) => toml::Value::Float(f),
                AxisValue::Str(s) => toml::Value::String(s),
            };
            // Written back as the dotted key the user wrote (`data.cluster_std = 0.5`).
            match axis.strip_prefix("data.") {
                Some(sub) => {
                    if let toml::Value::Table(t) = raw
                        .rest
                        .entry("data".into())
                        .or_insert_with(|| toml::Value::Table(Default::default()))
                    {
                        t.insert(sub.to_string(), v);
                    }
                }
                None => {
                    raw.rest.insert(axis, v);
                }
            }
        }
        raw
    }
}

/// The known name a typo meant, if one is close enough ([`crate::text::did_you_mean`]); an
/// exact match is not a suggestion.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    crate::text::did_you_mean(word, candidates.into_iter().filter(|c| *c != word))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    struct Grid {
        plot: Vec<PlotSpec>,
    }

    fn parse(s: &str) -> Result<Vec<PlotSpec>, String> {
        toml::from_str::<Grid>(s)
            .map(|g| g.plot)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_every_kind() {
        let plots = parse(
            r#"
            [[plot]]
            kind = "elbow"
            title = "My elbow"
            [[plot]]
            kind = "selection"
            [[plot]]
            kind = "criteria"
            [[plot]]
            kind = "scatter"
            truth = true
            [[plot]]
            kind = "scatter"
            model = "kmeans"
            k = 4
            seed = 0
            "#,
        )
        .unwrap();
        let stems: Vec<_> = plots.iter().map(PlotSpec::file_stem).collect();
        assert_eq!(
            stems,
            [
                "elbow",
                "selection",
                "criteria",
                "scatter_truth",
                "scatter_kmeans_k4_seed0"
            ]
        );
        assert_eq!(plots[0].title.as_deref(), Some("My elbow"));
    }

    #[test]
    fn scatter_takes_axis_values_including_dotted_data_keys() {
        let plots = parse(
            r#"
            [[plot]]
            kind = "scatter"
            model = "gmm"
            k = 3
            seed = 1
            covariance_type = "tied"
            data.cluster_std = 0.5
            "#,
        )
        .unwrap();
        let PlotKind::Scatter(s) = &plots[0].kind else {
            panic!("not a scatter")
        };
        assert_eq!(
            s.axes.get("covariance_type"),
            Some(&AxisValue::Str("tied".into()))
        );
        assert_eq!(s.axes.get("data.cluster_std"), Some(&AxisValue::Float(0.5)));
        assert_eq!(
            plots[0].file_stem(),
            "scatter_gmm_k3_seed1_covariance_type-tied_data.cluster_std-0.5"
        );
    }

    #[test]
    fn round_trips_through_toml() {
        let text = r#"
            [[plot]]
            kind = "scatter"
            model = "gmm"
            k = 3
            seed = 1
            covariance_type = "tied"
            data.cluster_std = 0.5
            [[plot]]
            kind = "elbow"
            title = "t"
            [[plot]]
            kind = "scatter"
            truth = true
            "#;
        let plots = parse(text).unwrap();
        let written = toml::to_string(&Grid {
            plot: plots.clone(),
        })
        .unwrap();
        assert_eq!(parse(&written).unwrap(), plots);
    }

    #[test]
    fn from_table_gives_typed_errors() {
        let t: toml::Table = toml::from_str("kind = \"elbow\"\ntitel = \"x\"").unwrap();
        assert!(matches!(
            PlotSpec::from_table(&t),
            Err(PlotSpecError::UnknownKey { .. })
        ));
        let t: toml::Table = toml::from_str("title = \"x\"").unwrap();
        let err = PlotSpec::from_table(&t).unwrap_err();
        assert!(err.to_string().contains("kind"), "{err}");
    }

    #[test]
    fn typo_in_a_key_is_rejected_with_a_suggestion() {
        let err = parse("[[plot]]\nkind = \"elbow\"\ntitel = \"x\"\n").unwrap_err();
        assert!(err.contains("unknown key `titel`"), "{err}");
        assert!(err.contains("did you mean `title`"), "{err}");
        let err = parse("[[plot]]\nkind = \"scatter\"\nmodel = \"kmeans\"\nk = 2\nsed = 0\n")
            .unwrap_err();
        assert!(err.contains("did you mean `seed`"), "{err}");
    }

    #[test]
    fn unknown_kind_is_rejected_with_a_suggestion() {
        let err = parse("[[plot]]\nkind = \"elbo\"\n").unwrap_err();
        assert!(err.contains("unknown plot kind `elbo`"), "{err}");
        assert!(err.contains("did you mean `elbow`"), "{err}");
    }

    #[test]
    fn elbow_refuses_scatter_keys() {
        let err = parse("[[plot]]\nkind = \"elbow\"\nmodel = \"kmeans\"\n").unwrap_err();
        assert!(
            err.contains("unknown key `model` in a `elbow` plot"),
            "{err}"
        );
    }

    #[test]
    fn scatter_needs_a_source() {
        let err =
            parse("[[plot]]\nkind = \"scatter\"\nmodel = \"kmeans\"\nseed = 0\n").unwrap_err();
        assert!(err.contains("needs `k`"), "{err}");
        let err =
            parse("[[plot]]\nkind = \"scatter\"\ntruth = true\nmodel = \"kmeans\"\n").unwrap_err();
        assert!(err.contains("not both"), "{err}");
        let err = parse("[[plot]]\nkind = \"scatter\"\ntruth = false\n").unwrap_err();
        assert!(err.contains("needs `model`"), "{err}");
    }

    #[test]
    fn axis_values_must_be_scalars() {
        let err =
            parse("[[plot]]\nkind = \"scatter\"\nmodel = \"g\"\nk = 2\nseed = 0\ninit = [\"a\"]\n")
                .unwrap_err();
        assert!(err.contains("must be a string, number or boolean"), "{err}");
    }

    #[test]
    fn check_against_names_unknown_axes() {
        let spec = parse(
            "[[plot]]\nkind = \"scatter\"\nmodel = \"gmm\"\nk = 2\nseed = 0\ncovariance = \"full\"\n",
        )
        .unwrap()
        .remove(0);
        let err = spec
            .check_against(&["gmm"], &["covariance_type"])
            .unwrap_err();
        assert!(matches!(err, PlotSpecError::UnknownAxis { .. }));
        assert!(
            spec.check_against(&["gmm"], &["covariance"]).is_ok(),
            "a real axis passes"
        );
    }

    #[test]
    fn trace_takes_a_model_ks_a_seed_and_axes() {
        let plots = parse(
            r#"
            [[plot]]
            kind = "trace"
            [[plot]]
            kind = "trace"
            model = "gmm"
            k = [4, 2, 4]
            seed = 1
            covariance_type = "full"
            [[plot]]
            kind = "trace"
            k = 3
            "#,
        )
        .unwrap();
        assert_eq!(plots[0].kind, PlotKind::Trace(TraceSpec::default()));
        let PlotKind::Trace(t) = &plots[1].kind else {
            panic!("not a trace")
        };
        assert_eq!(t.ks, [2, 4], "sorted, repeats dropped");
        assert_eq!(t.seed, Some(1));
        let stems: Vec<_> = plots.iter().map(PlotSpec::file_stem).collect();
        assert_eq!(
            stems,
            [
                "trace_all",
                "trace_gmm_k2-4_seed1_covariance_type-full",
                "trace_all_k3"
            ]
        );
        let written = toml::to_string(&Grid {
            plot: plots.clone(),
        })
        .unwrap();
        assert_eq!(parse(&written).unwrap(), plots, "round trip");
        let spec = &plots[1];
        assert!(spec.check_against(&["gmm"], &["covariance_type"]).is_ok());
        let err = spec
            .check_against(&["gmn"], &["covariance_type"])
            .unwrap_err();
        assert!(matches!(err, PlotSpecError::UnknownModel { .. }), "{err}");
    }

    #[test]
    fn trace_refuses_truth_and_typos_and_scatter_refuses_a_list_of_k() {
        let err = parse("[[plot]]\nkind = \"trace\"\ntruth = true\n").unwrap_err();
        assert!(
            err.contains("unknown key `truth` in a `trace` plot"),
            "{err}"
        );
        let err = parse("[[plot]]\nkind = \"trace\"\nmodle = \"kmeans\"\n").unwrap_err();
        assert!(err.contains("did you mean `model`"), "{err}");
        let err = parse("[[plot]]\nkind = \"scatter\"\nmodel = \"g\"\nk = [2, 3]\nseed = 0\n")
            .unwrap_err();
        assert!(err.contains("takes one K, not a list: `k = 2`"), "{err}");
        let err = parse("[[plot]]\nkind = \"elbow\"\nk = [2]\n").unwrap_err();
        assert!(err.contains("unknown key `k`"), "{err}");
    }

    #[test]
    fn axis_values_match_csv_cells_numerically() {
        assert!(AxisValue::Float(0.5).matches("0.50"));
        assert!(AxisValue::Int(1).matches("1.0"));
        assert!(!AxisValue::Int(1).matches(""));
        assert!(AxisValue::Str("full".into()).matches("full"));
        assert!(AxisValue::Bool(true).matches("true"));
    }
}
