//! Expanding a parsed grid into cells, each with a built, validated configuration.

use std::{collections::BTreeMap, fmt, ops::Range, sync::Arc};

use clusterlab_core::{Clusterer, Dataset};

use clusterlab_data::DatasetSpec;
use clusterlab_metrics::Metric;

use super::{
    Axis, GridError, GridFile, Scope,
    decode::{self, Entry, Whole},
    source::{self, Key, Node, NodeValue, Problem},
};
use crate::{
    plots::{PlotKind, PlotSpec, PlotSpecError, ScatterSource, ScatterSpec},
    registry::{self, Algorithm, BuildError},
    text::file_safe,
};

/// A cell's stable identity: a 64-bit FNV-1a hash of its model kind and name, its resolved
/// parameters, its seed and its data's content. Never its position in the grid, so adding a K
/// or a seed to a grid leaves every other cell's id, and recorded result, as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u64);

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for CellId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(s, 16).map(CellId)
    }
}

/// 64-bit FNV-1a, incrementally.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// The content hash of a dataset: shape, every value's bits, labels.
pub(crate) fn dataset_hash(data: &Dataset) -> u64 {
    let mut h = Fnv::new();
    h.write(&(data.n_samples() as u64).to_le_bytes());
    h.write(&(data.n_features() as u64).to_le_bytes());
    for v in data.x().iter() {
        h.write(&v.to_bits().to_le_bytes());
    }
    match data.labels() {
        Some(labels) => {
            h.write(b"L");
            for &l in labels {
                h.write(&(l as u64).to_le_bytes());
            }
        }
        None => h.write(b"-"),
    }
    h.finish()
}

/// One dataset the cells run on.
#[derive(Debug)]
pub struct PlannedDataset {
    /// `None` for a grid without `[grid.data]` axes (the data is `data.csv`), else a name made
    /// of the axis values (`cluster_std-0.5`), used for `data/<id>.csv` and the `data_id` column.
    pub id: Option<String>,
    /// The `[grid.data]` values this dataset was made with, as `data.<key>` columns.
    pub axes: Vec<(String, toml::Value)>,
    /// The samples and labels.
    pub data: Dataset,
    /// Its content hash (part of every cell id).
    pub hash: u64,
    /// The header of a CSV file whose first row was detected as one (`header = "auto"`).
    pub detected_header: Option<Vec<String>>,
}

/// One cell of the grid: a configuration, a seed and a dataset.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Position in grid order.
    pub index: usize,
    /// Stable identity.
    pub id: CellId,
    /// The model's name.
    pub model: String,
    /// The model's algorithm.
    pub kind: &'static Algorithm,
    /// Number of clusters or components; `None` for an algorithm that finds K itself.
    pub k: Option<usize>,
    /// The model's random seed.
    pub seed: u64,
    /// Values of the other axes (model axes by parameter name, then data axes as
    /// `data.<key>`), in grid order.
    pub axes: Vec<(String, toml::Value)>,
    /// Index into [`Plan::datasets`].
    pub data: usize,
    /// The validated configuration (shared by the cells that differ only by seed or data).
    pub clusterer: Arc<dyn Clusterer>,
}

/// A model's share of the grid, for `--dry-run`.
#[derive(Debug, Clone)]
pub struct ModelPlan {
    /// The model's name.
    pub name: String,
    /// Its algorithm.
    pub kind: &'static Algorithm,
    /// Its axes, each with its values rendered (`k: 1, 2, 3`).
    pub axes: Vec<(String, Vec<String>)>,
    /// Number of cells.
    pub n_cells: usize,
}

/// A grid, expanded and validated: everything needed to run it, nothing left to check.
#[derive(Debug)]
pub struct Plan {
    /// The parsed file.
    pub grid: GridFile,
    /// The datasets, in grid order.
    pub datasets: Vec<PlannedDataset>,
    /// Every cell, in grid order.
    pub cells: Vec<Cell>,
    /// The columns of the other axes, in grid order (model axes, then `data.<key>`).
    pub axis_columns: Vec<String>,
    /// Per-model summary.
    pub models: Vec<ModelPlan>,
    /// The plots to draw: the `[[plot]]` tables, or the defaults when there are none.
    pub plots: Vec<PlotSpec>,
    /// Whether `plots` are the defaults (then `experiment.toml` gets them appended).
    pub default_plots: bool,
    /// The metrics every cell computes after its fit (`[experiment] metrics`, or the
    /// internal ones plus ARI and NMI when the data has labels).
    pub metrics: Vec<Metric>,
    /// Reference sets of the gap statistic, when the grid asks for it.
    pub gap_refs: Option<usize>,
    /// The prediction-strength threshold, when the grid asks for the stability measures.
    pub stability: Option<f64>,
    /// What a user should know before the cells run (not errors): models with more free
    /// parameters than the data has samples, ...
    pub warnings: Vec<String>,
    /// Cells that `[grid] exclude` left out.
    pub excluded: usize,
}

impl Plan {
    /// The columns every ok cell records after its fit: the metrics, then `gap` and `gap_se`
    /// when the gap statistic is on, then `prediction_strength` and `cluster_stability` when
    /// the stability measures are.
    pub fn metric_columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = self.metrics.iter().map(|m| m.name().to_owned()).collect();
        if self.gap_refs.is_some() {
            cols.extend(["gap".to_owned(), "gap_se".to_owned()]);
        }
        if self.stability.is_some() {
            cols.extend([
                "prediction_strength".to_owned(),
                "cluster_stability".to_owned(),
            ]);
        }
        cols
    }
}

/// Renders an axis value for a CSV cell or a message: strings bare, floats in shortest
/// round-trip form.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Float(x) => crate::schema::fmt_f64(*x),
        other => {
            let mut s = String::new();
            decode::push_value(&mut s, other);
            s
        }
    }
}

impl GridFile {
    /// Reads or generates the data, expands the grid and builds every cell's configuration.
    /// Every problem is collected; no cell runs unless there are none.
    pub fn plan(self) -> Result<Plan, GridError> {
        let mut problems = Vec::new();
        let path = self.source.path().to_path_buf();
        let plan = self.plan_collect(&mut problems);
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(GridError { path, problems });
        }
        Ok(plan)
    }

    /// Plans what can be planned, adding every problem found to `problems`; the plan is only
    /// to be run when there are none.
    pub(crate) fn plan_collect(self, problems: &mut Vec<Problem>) -> Plan {
        let datasets = self.datasets(problems);
        let (cells, mut models) = self.cells(&datasets, problems);
        let before = cells.len();
        let cells = self.exclude(cells, &datasets, &mut models, problems);
        let excluded = before - cells.len();
        let mut axis_columns: Vec<String> = Vec::new();
        for c in &cells {
            for (name, _) in &c.axes {
                if !axis_columns.contains(name) {
                    axis_columns.push(name.clone());
                }
            }
        }
        let (plots, default_plots) = self.plots(&cells, &axis_columns, &datasets, problems);
        let metrics = self.metrics(&datasets, problems);
        let gap_refs = self.experiment.gap_refs;
        let stability = self.experiment.stability;
        let warnings = over_parameterised(&cells, &datasets);
        Plan {
            grid: self,
            datasets,
            cells,
            axis_columns,
            models,
            plots,
            default_plots,
            metrics,
            gap_refs,
            stability,
            warnings,
            excluded,
        }
    }

    /// `[grid] exclude`: leaves out the cells that match every key of an exclusion, and
    /// renumbers the others. A key that names nothing in the grid, and an exclusion that
    /// matches no cell (a typo in a value), are problems of the file.
    fn exclude(
        &self,
        cells: Vec<Cell>,
        datasets: &[PlannedDataset],
        models: &mut [ModelPlan],
        problems: &mut Vec<Problem>,
    ) -> Vec<Cell> {
        if self.exclusions.is_empty() {
            return cells;
        }
        let src = &self.source;
        let mut known: Vec<String> = vec!["model".into(), "k".into(), "seed".into()];
        for c in &cells {
            for (name, _) in &c.axes {
                if !known.contains(name) {
                    known.push(name.clone());
                }
            }
        }
        for m in &self.models {
            known.extend(m.kind.k_param.map(str::to_owned));
        }
        // The data's axes, by their runs.csv names (`data.kind`, `data.cluster_std`).
        for d in datasets {
            for (name, _) in &d.axes {
                if !known.contains(name) {
                    known.push(name.clone());
                }
            }
        }
        let mut usable = vec![true; self.exclusions.len()];
        for (i, ex) in self.exclusions.iter().enumerate() {
            for (key, _) in &ex.conditions {
                if !known.contains(&key.name) {
                    let mut msg = format!(
                        "an exclusion matches on `model`, `k`, `seed` or an axis of the grid; \
                         `{}` is none of them",
                        key.name
                    );
                    msg.push_str(&crate::text::suggestion(
                        &key.name,
                        known.iter().map(String::as_str),
                    ));
                    problems.push(src.problem(
                        &key.span,
                        format!("grid.exclude.{}", key.name),
                        msg,
                    ));
                    usable[i] = false;
                }
            }
        }
        let matches = |ex: &super::Exclusion, c: &Cell| {
            ex.conditions
                .iter()
                .all(|(key, v)| match key.name.as_str() {
                    "model" => v.value.as_str() == Some(c.model.as_str()),
                    "seed" => {
                        v.value.as_integer().and_then(|s| u64::try_from(s).ok()) == Some(c.seed)
                    }
                    n if n == "k" || c.kind.is_k(n) => {
                        c.k.is_some()
                            && v.value.as_integer().and_then(|k| usize::try_from(k).ok()) == c.k
                    }
                    n => c
                        .axes
                        .iter()
                        .chain(datasets.get(c.data).map_or(&[][..], |d| &d.axes[..]))
                        .any(|(name, val)| name == n && *val == v.value),
                })
        };
        let mut hits = vec![0usize; self.exclusions.len()];
        let mut kept: Vec<Cell> = cells
            .into_iter()
            .filter(|c| {
                let mut drop = false;
                for (i, ex) in self.exclusions.iter().enumerate() {
                    if usable[i] && matches(ex, c) {
                        hits[i] += 1;
                        drop = true;
                    }
                }
                !drop
            })
            .collect();
        for (i, ex) in self.exclusions.iter().enumerate() {
            if usable[i] && hits[i] == 0 {
                problems.push(src.problem(
                    &ex.span,
                    "grid.exclude",
                    "this exclusion matches no cell of the grid: check each value against the \
                     axes (`clusterlab run --dry-run` lists them)",
                ));
            }
        }
        for (i, c) in kept.iter_mut().enumerate() {
            c.index = i;
        }
        for m in models.iter_mut() {
            m.n_cells = kept.iter().filter(|c| c.model == m.name).count();
        }
        kept
    }

    /// The metrics to compute: as listed, or the defaults for the data.
    fn metrics(&self, datasets: &[PlannedDataset], problems: &mut Vec<Problem>) -> Vec<Metric> {
        // A dataset without labels leaves the external metrics of its cells blank.
        let has_truth = datasets.iter().any(|d| d.data.labels().is_some());
        let Some(names) = &self.experiment.metrics else {
            return Metric::defaults(has_truth);
        };
        let mut out = Vec::new();
        for (name, span) in names {
            match name.parse::<Metric>() {
                Ok(m) if m.needs_truth() && !has_truth && !datasets.is_empty() => {
                    problems.push(self.source.problem(
                        span,
                        "experiment.metrics",
                        format!("`{name}` compares with the true labels, and the data has none"),
                    ));
                }
                Ok(m) if !out.contains(&m) => out.push(m),
                Ok(_) => {}
                Err(_) => {
                    let all = Metric::ALL.map(Metric::name);
                    let mut msg = format!(
                        "unknown metric `{name}`, expected one of {}",
                        all.map(|n| format!("`{n}`")).join(", ")
                    );
                    msg.push_str(&crate::text::suggestion(name, all));
                    problems.push(self.source.problem(span, "experiment.metrics", msg));
                }
            }
        }
        out
    }

    /// Reads and checks the `[[plot]]` tables, or picks the default plots.
    fn plots(
        &self,
        cells: &[Cell],
        axis_columns: &[String],
        datasets: &[PlannedDataset],
        problems: &mut Vec<Problem>,
    ) -> (Vec<PlotSpec>, bool) {
        let src = &self.source;
        if self.plots.is_empty() {
            let has_truth = datasets.len() == 1
                && datasets[0].id.is_none()
                && datasets[0].data.labels().is_some();
            let kinds: Vec<&str> = self.models.iter().map(|m| m.kind.name).collect();
            return (self.registry.default_plots(has_truth, &kinds), true);
        }
        let models: Vec<&str> = self.models.iter().map(|m| m.name.as_str()).collect();
        let axes: Vec<&str> = axis_columns.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for (i, node) in self.plots.iter().enumerate() {
            let path = format!("plot[{i}]");
            let table = node.as_table().unwrap_or_default();
            let at = |key: &str, value: bool| -> Range<usize> {
                match source::get(table, key) {
                    Some((k, v)) => {
                        if value {
                            v.span.clone()
                        } else {
                            k.span.clone()
                        }
                    }
                    None => table
                        .first()
                        .map_or(node.span.clone(), |(k, _)| k.span.clone()),
                }
            };
            let toml::Value::Table(t) = node.to_toml() else {
                continue;
            };
            let spec = PlotSpec::from_table(&t).and_then(|spec| {
                spec.check_against(&models, &axes)?;
                Ok(spec)
            });
            let spec = match spec {
                Ok(spec) => spec,
                Err(err) => {
                    let span = match &err {
                        PlotSpecError::UnknownKind { .. } => at("kind", true),
                        PlotSpecError::UnknownKey { key, .. } => at(key, false),
                        PlotSpecError::UnknownModel { .. } => at("model", true),
                        PlotSpecError::UnknownAxis { found, .. } => at(found, false),
                        PlotSpecError::NotAScalar { key, .. } => at(key, true),
                        _ => at("kind", false),
                    };
                    problems.push(src.problem(&span, &path, err.to_string()));
                    continue;
                }
            };
            // A scatter of one cell must name a cell the grid has.
            if let PlotKind::Scatter(ScatterSpec {
                source: ScatterSource::Cell { model, k, seed },
                axes: pinned,
            }) = &spec.kind
            {
                let found = cells.iter().any(|c| {
                    &c.model == model
                        && c.k == Some(*k)
                        && c.seed == *seed
                        && pinned.iter().all(|(name, want)| {
                            c.axes
                                .iter()
                                .any(|(n, v)| n == name && want.matches(&value_text(v)))
                        })
                });
                if !found && models.contains(&model.as_str()) {
                    problems.push(src.problem(
                        &at("k", true),
                        &path,
                        format!(
                            "no cell of the grid has model `{model}`, k = {k}, seed = {seed}{}",
                            pinned
                                .iter()
                                .map(|(n, v)| format!(", {n} = {v}"))
                                .collect::<String>()
                        ),
                    ));
                }
            }
            out.push(spec);
        }
        (out, false)
    }

    fn entry(path_prefix: &str, key: &Key, node: &Node) -> Entry {
        Entry {
            name: key.name.clone(),
            value: node.to_toml(),
            path: format!("{path_prefix}.{}", key.name),
            key_span: key.span.clone(),
            value_span: node.span.clone(),
        }
    }

    fn datasets(&self, problems: &mut Vec<Problem>) -> Vec<PlannedDataset> {
        let src = &self.source;
        let axes: Vec<&Axis> = self
            .axes
            .iter()
            .filter(|a| a.scope == Scope::Data)
            .collect();
        // `kind` may itself be an axis of the data (`kind = ["anisotropic", "varied"]`).
        let kind_axis = axes.iter().position(|a| a.key.name == "kind");
        if self.data.kind.is_empty() && kind_axis.is_none() {
            if self.data.span != (0..0) {
                problems.push(src.problem(
                    &self.data.span,
                    "data.kind",
                    "[data] needs a `kind` (or a `kind` axis in [grid.data])",
                ));
            }
            return Vec::new();
        }
        if let Some(i) = kind_axis
            && !self.data.kind.is_empty()
        {
            problems.push(src.problem(
                &axes[i].key.span,
                &axes[i].path,
                "`kind` is both in [data] and an axis of [grid.data]: give one",
            ));
            return Vec::new();
        }
        let base_dir = self.base_dir();
        let mut out = Vec::new();
        // `[data.circles] noise = 0.05`: keys for the datasets of one kind only, so that kinds
        // with different parameters can share a grid.
        let (per_kind, shared): (Vec<_>, Vec<_>) = self.data.entries.iter().partition(|(k, v)| {
            matches!(v.value, NodeValue::Table(_)) && DatasetSpec::KINDS.contains(&k.name.as_str())
        });
        for (key, _) in &per_kind {
            let used = self.data.kind == key.name
                || kind_axis.is_some_and(|i| {
                    axes[i]
                        .values
                        .iter()
                        .any(|v| matches!(&v.value, toml::Value::String(s) if *s == key.name))
                });
            if !used {
                problems.push(src.problem(
                    &key.span,
                    format!("data.{}", key.name),
                    format!(
                        "[data.{0}] sets keys for `{0}` datasets, but the grid has none",
                        key.name
                    ),
                ));
            }
        }
        for combo in odometer(&axes.iter().map(|a| a.values.len()).collect::<Vec<_>>()) {
            let mut entries: Vec<Entry> = shared
                .iter()
                .map(|(k, v)| Self::entry("data", k, v))
                .collect();
            let mut values = Vec::new();
            let mut kind = self.data.kind.clone();
            let mut kind_span = self.data.kind_span.clone();
            for (a, &i) in axes.iter().zip(&combo) {
                let v = &a.values[i];
                if a.key.name == "kind" {
                    match &v.value {
                        toml::Value::String(k) => kind.clone_from(k),
                        _ => {
                            problems.push(src.problem(&v.span, &a.path, "a data kind is a string"))
                        }
                    }
                    kind_span = v.span.clone();
                    values.push(("data.kind".to_owned(), v.value.clone()));
                    continue;
                }
                entries.retain(|e| e.name != a.key.name);
                entries.push(Entry {
                    name: a.key.name.clone(),
                    value: v.value.clone(),
                    path: a.path.clone(),
                    key_span: a.key.span.clone(),
                    value_span: v.span.clone(),
                });
                values.push((format!("data.{}", a.key.name), v.value.clone()));
            }
            let own = per_kind.iter().find(|(k, _)| k.name == kind);
            if let Some((
                key,
                Node {
                    value: NodeValue::Table(table),
                    ..
                },
            )) = own
            {
                let prefix = format!("data.{}", key.name);
                for (k, v) in table {
                    // An axis of the data is the more specific value.
                    if axes.iter().any(|a| a.key.name == k.name) {
                        continue;
                    }
                    entries.retain(|e| e.name != k.name);
                    entries.push(Self::entry(&prefix, k, v));
                }
            }
            let whole = Whole {
                path: "data",
                span: &self.data.span,
            };
            if !DatasetSpec::KINDS.contains(&kind.as_str()) {
                let kinds = registry::data_kinds();
                let mut msg = format!(
                    "unknown data kind `{kind}`, expected one of {}",
                    kinds
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                msg.push_str(&crate::text::suggestion(&kind, kinds.iter().copied()));
                problems.push(src.problem(&kind_span, "data.kind", msg));
                continue;
            }
            let spec = registry::deserialize_tracked_with(
                toml::Value::Table(decode::table(&entries)),
                |de| DatasetSpec::from_kind(&kind, de),
            );
            let spec = match spec {
                Ok(spec) => spec,
                Err(BuildError::Parse { key, error }) => {
                    problems.push(decode::problem(
                        &entries,
                        src,
                        &whole,
                        &key,
                        error.message(),
                    ));
                    continue;
                }
                Err(BuildError::Invalid(e)) => {
                    problems.push(src.problem(&kind_span, "data", e.to_string()));
                    continue;
                }
            };
            // A CSV file says whether its first row was taken for a header.
            let made = match &spec {
                DatasetSpec::Csv(csv) => csv
                    .read_detailed(&base_dir)
                    .map(|r| (r.data, r.header.filter(|_| r.header_detected))),
                other => other.generate(&base_dir).map(|d| (d, None)),
            };
            match made {
                Ok((data, detected_header)) => {
                    let id = (!axes.is_empty()).then(|| {
                        axes.iter()
                            .zip(&combo)
                            .map(|(a, &i)| {
                                format!(
                                    "{}-{}",
                                    a.key.name,
                                    file_safe(&value_text(&a.values[i].value))
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("_")
                    });
                    let hash = dataset_hash(&data);
                    out.push(PlannedDataset {
                        id,
                        axes: values,
                        data,
                        hash,
                        detected_header,
                    });
                }
                Err(e) => problems.push(src.problem(&kind_span, "data", e.to_string())),
            }
        }
        out
    }

    fn cells(
        &self,
        datasets: &[PlannedDataset],
        problems: &mut Vec<Problem>,
    ) -> (Vec<Cell>, Vec<ModelPlan>) {
        let src = &self.source;
        // A [grid] axis must mean something to at least one model.
        for a in self.axes.iter().filter(|a| a.scope == Scope::All) {
            let name = a.key.name.as_str();
            let known = name == "seed"
                || self
                    .models
                    .iter()
                    .any(|m| m.kind.is_k(name) || m.kind.params().contains(&name));
            if !known {
                let all: Vec<&str> = self
                    .models
                    .iter()
                    .flat_map(|m| m.kind.params().iter().copied())
                    .chain(["k", "seed"])
                    .collect();
                let mut msg = "no model has this parameter".to_owned();
                msg.push_str(&crate::text::suggestion(name, all));
                problems.push(src.problem(&a.key.span, &a.path, msg));
            }
        }
        let mut cells = Vec::new();
        let mut plans = Vec::new();
        for (mi, model) in self.models.iter().enumerate() {
            let kind = model.kind;
            let applies = |a: &&Axis| match a.scope {
                Scope::All => {
                    let n = a.key.name.as_str();
                    kind.is_k(n) || n == "seed" || kind.params().contains(&n)
                }
                Scope::Model(i) => i == mi,
                Scope::Data => false,
            };
            let axes: Vec<&Axis> = self.axes.iter().filter(applies).collect();
            let model_path = format!("model.{}", model.name);
            let Some(ks) = self.ks(model, &axes, &model_path, problems) else {
                continue;
            };
            let seeds = self.seeds(model, &axes, &model_path, problems);
            let others: Vec<&Axis> = axes
                .iter()
                .copied()
                .filter(|a| !kind.is_k(&a.key.name) && a.key.name != "seed")
                .collect();
            let fixed: Vec<Entry> = model
                .entries
                .iter()
                .filter(|(k, _)| {
                    !kind.is_k(&k.name)
                        && k.name != "seed"
                        && !others.iter().any(|a| a.key.name == k.name)
                })
                .map(|(k, v)| Self::entry(&model_path, k, v))
                .collect();
            let whole = Whole {
                path: &model_path,
                span: &model.span,
            };
            // A value an axis overrides is never built into a cell, but a typo in it is still a
            // typo of the file: build the model's table as written once, to check it.
            if let Some(k) = ks.first()
                && model
                    .entries
                    .iter()
                    .any(|(key, _)| others.iter().any(|a| a.key.name == key.name))
            {
                let mut entries: Vec<Entry> = model
                    .entries
                    .iter()
                    .filter(|(key, _)| !kind.is_k(&key.name) && key.name != "seed")
                    .map(|(key, v)| Self::entry(&model_path, key, v))
                    .collect();
                entries.extend(k_entry(kind, k, &model_path));
                if let Err(BuildError::Parse { key, error }) = kind.build(decode::table(&entries)) {
                    problems.push(decode::problem(
                        &entries,
                        src,
                        &whole,
                        &key,
                        error.message(),
                    ));
                }
            }
            let mut n_cells = 0;
            // The free axes each advance on their own (first outermost); the paired axes of
            // [grid.zip] (K among them, when it is paired) share one index, innermost of the
            // axes and outside K.
            let zip_len = axes.iter().filter(|a| a.zip).map(|a| a.values.len()).min();
            let k_zipped = axes.iter().any(|a| a.zip && kind.is_k(&a.key.name));
            let free: Vec<usize> = (0..others.len()).filter(|&i| !others[i].zip).collect();
            let mut lens: Vec<usize> = free.iter().map(|&i| others[i].values.len()).collect();
            lens.extend(zip_len);
            let combos = odometer(&lens);
            // Configurations do not depend on the data or the seed: build each once.
            let mut built: Vec<Built> = Vec::new();
            for combo in &combos {
                let zip_at = zip_len.map(|_| combo[combo.len() - 1]);
                let index: Vec<usize> = (0..others.len())
                    .map(|i| match free.iter().position(|&f| f == i) {
                        Some(p) => combo[p],
                        None => zip_at.unwrap_or(0),
                    })
                    .collect();
                let axis_values: Vec<(String, toml::Value)> = others
                    .iter()
                    .zip(&index)
                    .map(|(a, &i)| (a.key.name.clone(), a.values[i].value.clone()))
                    .collect();
                let ks_here: Vec<&KValue> = match (k_zipped, zip_at) {
                    (true, Some(i)) => ks.get(i).into_iter().collect(),
                    _ => ks.iter().collect(),
                };
                for k in ks_here {
                    let mut entries = fixed.clone();
                    for (a, &i) in others.iter().zip(&index) {
                        entries.push(Entry {
                            name: a.key.name.clone(),
                            value: a.values[i].value.clone(),
                            path: a.path.clone(),
                            key_span: a.key.span.clone(),
                            value_span: a.values[i].span.clone(),
                        });
                    }
                    entries.extend(k_entry(kind, k, &model_path));
                    match kind.build(decode::table(&entries)) {
                        Ok(c) => built.push(Built {
                            axis_values: axis_values.clone(),
                            k: k.as_ref().map(|(k, _)| *k),
                            clusterer: Arc::from(c),
                            canon: canonical(&entries),
                        }),
                        Err(BuildError::Parse { key, error }) => problems.push(decode::problem(
                            &entries,
                            src,
                            &whole,
                            &key,
                            error.message(),
                        )),
                        Err(BuildError::Invalid(err)) => {
                            let key = match &err {
                                clusterlab_core::Error::InvalidParameter { name, .. } => *name,
                                _ => "",
                            };
                            let message = err.to_string();
                            problems.push(decode::problem(&entries, src, &whole, key, &message));
                        }
                    }
                }
            }
            for (di, d) in datasets.iter().enumerate() {
                too_large_k(src, d, &ks, &model_path, problems);
                for b in &built {
                    for &seed in &seeds {
                        let mut h = Fnv::new();
                        h.write(kind.name.as_bytes());
                        h.write(b"\0");
                        h.write(model.name.as_bytes());
                        for (name, value) in &b.canon {
                            h.write(b"\0");
                            h.write(name.as_bytes());
                            h.write(b"=");
                            h.write(value.as_bytes());
                        }
                        h.write(b"\0seed=");
                        h.write(&seed.to_le_bytes());
                        h.write(b"\0data=");
                        h.write(&d.hash.to_le_bytes());
                        let mut axes = b.axis_values.clone();
                        axes.extend(d.axes.iter().cloned());
                        cells.push(Cell {
                            index: cells.len(),
                            id: CellId(h.finish()),
                            model: model.name.clone(),
                            kind,
                            k: b.k,
                            seed,
                            axes,
                            data: di,
                            clusterer: Arc::clone(&b.clusterer),
                        });
                        n_cells += 1;
                    }
                }
            }
            let mut summary: Vec<(String, Vec<String>)> = Vec::new();
            if kind.k_param.is_some() && !k_zipped {
                let ks = ks.iter().flatten().map(|(k, _)| k.to_string()).collect();
                summary.push(("k".into(), ks));
            }
            summary.push(("seed".into(), seeds.iter().map(u64::to_string).collect()));
            for a in others.iter().filter(|a| !a.zip) {
                summary.push((
                    a.key.name.clone(),
                    a.values.iter().map(|v| value_text(&v.value)).collect(),
                ));
            }
            if let Some(n) = zip_len {
                // Paired values as tuples: `k + n_init: (2, 1), (3, 5)`.
                let paired: Vec<&Axis> = axes.iter().copied().filter(|a| a.zip).collect();
                let name = paired
                    .iter()
                    .map(|a| a.key.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" + ");
                let tuples = (0..n)
                    .map(|i| {
                        let vals: Vec<String> = paired
                            .iter()
                            .map(|a| value_text(&a.values[i].value))
                            .collect();
                        format!("({})", vals.join(", "))
                    })
                    .collect();
                summary.push((format!("{name} (paired)"), tuples));
            }
            plans.push(ModelPlan {
                name: model.name.clone(),
                kind,
                axes: summary,
                n_cells,
            });
        }
        // Two cells with one id would share one result; it happens only when two models of one
        // kind have the same name, which parsing already refused, or on a hash collision.
        let mut ids: BTreeMap<CellId, usize> = BTreeMap::new();
        for c in &cells {
            if let Some(first) = ids.insert(c.id, c.index) {
                problems.push(src.problem(
                    &(0..0),
                    "",
                    format!("cells {first} and {} have the same id {}", c.index, c.id),
                ));
            }
        }
        (cells, plans)
    }

    /// A model's values of K, each with where it was written: an axis, else a fixed value in
    /// the model's table, never a default. `Some(vec![None])` for an algorithm that finds K
    /// itself; `None` (with a problem) when K is missing.
    fn ks(
        &self,
        model: &super::ModelSection,
        axes: &[&Axis],
        model_path: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<Vec<KValue>> {
        let src = &self.source;
        let kind = model.kind;
        if kind.k_param.is_none() {
            if let Some((k, _)) = model.entries.iter().find(|(k, _)| k.name == "k") {
                problems.push(src.problem(
                    &k.span,
                    format!("{model_path}.k"),
                    format!(
                        "`{}` finds the number of clusters itself: it has no K",
                        kind.name
                    ),
                ));
            }
            return Some(vec![None]);
        }
        let values: Vec<(toml::Value, Range<usize>)> =
            match axes.iter().find(|a| kind.is_k(&a.key.name)) {
                Some(a) => a
                    .values
                    .iter()
                    .map(|v| (v.value.clone(), v.span.clone()))
                    .collect(),
                None => match model.entries.iter().find(|(k, _)| kind.is_k(&k.name)) {
                    Some((_, v)) => vec![(v.to_toml(), v.span.clone())],
                    None => {
                        problems.push(src.problem(
                            &model.span,
                            model_path,
                            format!(
                                "model `{}` has no K: add `k = [...]` to [grid] or [grid.{}], \
                                 or `k = ...` to the model",
                                model.name, model.name
                            ),
                        ));
                        return None;
                    }
                },
            };
        let mut ks = Vec::new();
        for (v, span) in values {
            match v.as_integer().and_then(|k| usize::try_from(k).ok()) {
                Some(k) if k >= 1 => ks.push(Some((k, span))),
                _ => problems.push(src.problem(&span, model_path, "k must be an integer >= 1")),
            }
        }
        Some(ks)
    }

    /// A model's seeds: an axis, else a fixed value, else 0.
    fn seeds(
        &self,
        model: &super::ModelSection,
        axes: &[&Axis],
        model_path: &str,
        problems: &mut Vec<Problem>,
    ) -> Vec<u64> {
        let values: Vec<(toml::Value, Range<usize>)> =
            match axes.iter().find(|a| a.key.name == "seed") {
                Some(a) => a
                    .values
                    .iter()
                    .map(|v| (v.value.clone(), v.span.clone()))
                    .collect(),
                None => match model.entries.iter().find(|(k, _)| k.name == "seed") {
                    Some((_, v)) => vec![(v.to_toml(), v.span.clone())],
                    None => vec![(toml::Value::Integer(0), model.span.clone())],
                },
            };
        let mut seeds = Vec::new();
        for (v, span) in &values {
            match v.as_integer().and_then(|s| u64::try_from(s).ok()) {
                Some(s) => seeds.push(s),
                None => problems.push(self.source.problem(
                    span,
                    format!("{model_path}.seed"),
                    "a seed is an integer >= 0",
                )),
            }
        }
        seeds
    }
}

/// One warning per model and dataset whose configurations have more free parameters than the
/// data has samples: such a fit is degenerate without a large `reg_covar`, and slow (a full
/// covariance on 3,000 features is 4.5 million parameters per component).
fn over_parameterised(cells: &[Cell], datasets: &[PlannedDataset]) -> Vec<String> {
    let mut worst: Vec<(&str, usize, usize, Option<usize>)> = Vec::new();
    for c in cells {
        let d = &datasets[c.data].data;
        let Some(p) = c.clusterer.n_parameters(d.n_features()) else {
            continue;
        };
        if p <= d.n_samples() {
            continue;
        }
        match worst
            .iter_mut()
            .find(|(m, di, _, _)| *m == c.model && *di == c.data)
        {
            Some(w) if w.2 < p => (w.2, w.3) = (p, c.k),
            Some(_) => {}
            None => worst.push((&c.model, c.data, p, c.k)),
        }
    }
    worst
        .into_iter()
        .map(|(model, di, p, k)| {
            let d = &datasets[di];
            let on =
                d.id.as_deref()
                    .map(|id| format!(" ({id})"))
                    .unwrap_or_default();
            let at = k.map(|k| format!(" at k = {k}")).unwrap_or_default();
            format!(
                "model `{model}` fits more free parameters than the data{on} has samples (up to \
                 {p}{at}, for {} samples of {} features): such fits are degenerate without a \
                 large reg_covar, and slow",
                d.data.n_samples(),
                d.data.n_features()
            )
        })
        .collect()
}

/// One value of K and where it was written; `None` for an algorithm that finds K itself.
type KValue = Option<(usize, Range<usize>)>;

/// The entry that sets K under the algorithm's own name for it (none without K).
fn k_entry(kind: &Algorithm, k: &Option<(usize, Range<usize>)>, model_path: &str) -> Option<Entry> {
    let (k, span) = k.as_ref()?;
    Some(Entry {
        name: kind.k_param?.to_owned(),
        value: toml::Value::Integer(i64::try_from(*k).ok()?),
        path: format!("{model_path}.k"),
        key_span: span.clone(),
        value_span: span.clone(),
    })
}

/// A configuration's parameters as sorted `(name, TOML text)` pairs: what its cells' ids hash.
fn canonical(entries: &[Entry]) -> Vec<(String, String)> {
    let mut canon: Vec<(String, String)> = entries
        .iter()
        .map(|e| {
            let mut s = String::new();
            decode::push_value(&mut s, &e.value);
            (e.name.clone(), s)
        })
        .collect();
    canon.sort();
    canon
}

/// One problem per place in the file where K is larger than the data, however many of its
/// values are: `k = { from = 1, to = 200 }` on 100 samples is one mistake.
fn too_large_k(
    src: &super::Source,
    d: &PlannedDataset,
    ks: &[KValue],
    model_path: &str,
    problems: &mut Vec<Problem>,
) {
    let mut too_large: Vec<(&Range<usize>, Vec<usize>)> = Vec::new();
    for (k, k_span) in ks.iter().flatten().filter(|(k, _)| *k > d.data.n_samples()) {
        match too_large.iter_mut().find(|(span, _)| *span == k_span) {
            Some((_, list)) => list.push(*k),
            None => too_large.push((k_span, vec![*k])),
        }
    }
    for (k_span, list) in too_large {
        let on =
            d.id.as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default();
        let which = match list.as_slice() {
            [k] => format!("k = {k} is"),
            [first, .., last] if list.len() > 4 => {
                format!("{} values of k ({first} to {last}) are", list.len())
            }
            _ => {
                let ks: Vec<String> = list.iter().map(usize::to_string).collect();
                format!("k = {} are", ks.join(", "))
            }
        };
        problems.push(src.problem(
            k_span,
            format!("{model_path}.k"),
            format!(
                "{which} larger than the data{on}: n_samples = {}",
                d.data.n_samples()
            ),
        ));
    }
}

/// A configuration built for one combination of axis values and one K.
struct Built {
    /// The other axes' values.
    axis_values: Vec<(String, toml::Value)>,
    /// K, for an algorithm that has one.
    k: Option<usize>,
    /// The validated configuration.
    clusterer: Arc<dyn Clusterer>,
    /// Its parameters in canonical text, for the cell id.
    canon: Vec<(String, String)>,
}

/// Every combination of indices into lists of the given lengths, first list outermost.
fn odometer(lens: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for &n in lens {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..n).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odometer_first_outermost() {
        assert_eq!(
            odometer(&[2, 2]),
            vec![vec![0, 0], vec![0, 1], vec![1, 0], vec![1, 1]]
        );
        assert_eq!(odometer(&[]), vec![Vec::<usize>::new()]);
        assert!(odometer(&[2, 0]).is_empty());
    }

    #[test]
    fn fnv_known_value() {
        let mut h = Fnv::new();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn cell_id_is_16_hex_chars_and_round_trips() {
        let id = CellId(0xab);
        assert_eq!(id.to_string(), "00000000000000ab");
        assert_eq!("00000000000000ab".parse::<CellId>().unwrap(), id);
    }
}
