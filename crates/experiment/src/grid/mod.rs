//! Grid files: reading (raw, as written), then planning (every cell typed and validated).
//!
//! A grid file is read in two steps, after ripgrep's `LowArgs` -> `HiArgs`:
//!
//! 1. [`GridFile::parse`] reads the TOML into structures that mirror the file (sections, models,
//!    axes), each value keeping its line and column. Structural problems (unknown keys, wrong
//!    types, empty axes, duplicate model names) are collected, not returned at the first one.
//! 2. [`GridFile::plan`] generates or reads the data, expands the grid once (generically, for
//!    every model kind) and builds every cell's parameters through the
//!    [registry](crate::registry), so that a bad value is found before any fit runs. Every
//!    problem of the file is reported together in one [`GridError`].
//!
//! # Cell order
//!
//! Cells are listed model by model in file order; within a model, dataset by dataset (the
//! `[grid.data]` axes, in file order, first axis outermost); then the model's other axes (those
//! of `[grid]`, then those of `[grid.NAME]`, each in file order, first outermost); then `k`;
//! then `seed`, innermost. `runs.csv` follows this order whatever order the cells finished in.

mod decode;
mod plan;
mod source;

use std::{
    fmt,
    ops::Range,
    path::{Path, PathBuf},
};

pub use crate::text::{did_you_mean, with_suggestion};
pub use plan::{Cell, CellId, ModelPlan, Plan, PlannedDataset, value_text};
pub use source::{Key, Node, NodeValue, Problem, Source};

use crate::registry::{Algorithm, Registry};

/// The sections a grid file may have.
const TOP_KEYS: [&str; 5] = ["experiment", "data", "model", "grid", "plot"];
/// The keys of `[experiment]`.
const EXPERIMENT_KEYS: [&str; 5] = ["name", "description", "metrics", "gap", "stability"];

/// Every problem found in a grid file, each with its line, column and key.
#[derive(Debug, Clone, PartialEq)]
pub struct GridError {
    /// The grid file.
    pub path: PathBuf,
    /// The problems, sorted by position.
    pub problems: Vec<Problem>,
}

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{} has {n} problem{}; nothing was run",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  {}:{}:{}: ", self.path.display(), p.line, p.column)?;
            if !p.key.is_empty() {
                write!(f, "`{}`: ", p.key)?;
            }
            f.write_str(&p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for GridError {}

/// `[experiment]`.
#[derive(Debug, Clone)]
pub struct ExperimentSection {
    /// The experiment's name: results go to `results/NAME/`. Defaults to the file's stem.
    pub name: String,
    /// A sentence on what the experiment asks.
    pub description: Option<String>,
    /// `metrics = [...]` as written, with the span of each name; `None` for the defaults.
    pub metrics: Option<Vec<(String, Range<usize>)>>,
    /// `gap = { n_refs = B }`: compute the gap statistic of every cell against `B` uniform
    /// reference sets (costs `B` extra fits per cell).
    pub gap_refs: Option<usize>,
    /// `stability = true` or `stability = { threshold = T }`: the prediction strength and the
    /// clusterwise stability of every cell (three more fits per cell, on resamples drawn from
    /// the cell's seed), with the prediction-strength threshold (0.8 by default).
    pub stability: Option<f64>,
}

/// `[data]`: the dataset's kind and its other keys, as written.
#[derive(Debug, Clone)]
pub struct DataSection {
    /// `kind`.
    pub kind: String,
    /// Where `kind` was written (or the section's header).
    pub kind_span: Range<usize>,
    /// Where the section starts.
    pub span: Range<usize>,
    /// The other keys.
    pub entries: Vec<(Key, Node)>,
}

/// One `[[model]]` table.
#[derive(Debug, Clone)]
pub struct ModelSection {
    /// The model's name (its kind unless `name` is given).
    pub name: String,
    /// The algorithm.
    pub kind: &'static Algorithm,
    /// Where the table starts.
    pub span: Range<usize>,
    /// The table's other keys (parameters), as written.
    pub entries: Vec<(Key, Node)>,
}

/// Which cells an axis applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `[grid]`: every model that has the parameter (`k` and `seed`: every model).
    All,
    /// `[grid.NAME]`: the model of that index.
    Model(usize),
    /// `[grid.data]`: the dataset.
    Data,
}

/// One value of an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisValue {
    /// The value.
    pub value: toml::Value,
    /// Where it was written (for a range, the range's table).
    pub span: Range<usize>,
}

/// One axis of the grid: a key and its list of values.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Where the axis applies.
    pub scope: Scope,
    /// The key, as written.
    pub key: Key,
    /// The dotted path for messages (`grid.gmm.covariance_type`).
    pub path: String,
    /// The values, in order.
    pub values: Vec<AxisValue>,
    /// Whether the axis is one of `[grid.zip]`'s paired axes, whose values advance together
    /// instead of as a product.
    pub zip: bool,
}

/// One table of `[grid] exclude = [...]`: the cells whose values match every key are left out
/// of the grid.
#[derive(Debug, Clone)]
pub struct Exclusion {
    /// Where the table was written.
    pub span: Range<usize>,
    /// The keys (`model`, `k`, `seed`, a parameter axis or `data.<key>`) and their values.
    pub conditions: Vec<(Key, AxisValue)>,
}

/// A grid file as written: sections, models, axes and plot tables, with positions.
#[derive(Debug, Clone)]
pub struct GridFile {
    /// The file's text and path.
    pub source: Source,
    /// `[experiment]`.
    pub experiment: ExperimentSection,
    /// `[data]`.
    pub data: DataSection,
    /// `[[model]]`, in file order.
    pub models: Vec<ModelSection>,
    /// Every axis, in file order.
    pub axes: Vec<Axis>,
    /// `[grid] exclude = [...]`, in file order.
    pub exclusions: Vec<Exclusion>,
    /// The `[[plot]]` tables, as written.
    pub plots: Vec<Node>,
    /// The algorithms the file's models were looked up in.
    pub registry: Registry,
}

impl GridFile {
    /// Reads a grid file and plans it: the usual way in.
    ///
    /// The problems of both steps are reported together: a typo in one model does not hide a
    /// `k` too large for the data in another.
    pub fn load(path: &Path) -> Result<Plan, crate::Error> {
        GridFile::load_with(path, Registry::builtin())
    }

    /// [`GridFile::load`] with the algorithms of `registry`.
    pub fn load_with(path: &Path, registry: Registry) -> Result<Plan, crate::Error> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        GridFile::load_text(path, text, registry)
    }

    /// Plans `text` as the grid file `path` (whose folder relative paths resolve against, and
    /// which messages name): `merge` plans the grid saved in a results folder as the file it
    /// was run from.
    pub fn load_text(path: &Path, text: String, registry: Registry) -> Result<Plan, crate::Error> {
        let (grid, mut problems) = GridFile::parse_collect(Source::new(path, text), registry)?;
        let plan = grid.plan_collect(&mut problems);
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(GridError {
                path: path.to_path_buf(),
                problems,
            }
            .into());
        }
        Ok(plan)
    }

    /// Reads and parses a grid file (without planning it).
    pub fn read(path: &Path) -> Result<GridFile, crate::Error> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(GridFile::parse(Source::new(path, text))?)
    }

    /// Parses a grid file's text, collecting every structural problem.
    pub fn parse(source: Source) -> Result<GridFile, GridError> {
        let (grid, mut problems) = GridFile::parse_collect(source, Registry::builtin())?;
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(GridError {
                path: grid.source.path().to_path_buf(),
                problems,
            });
        }
        Ok(grid)
    }

    /// Parses what can be parsed and returns it with the problems found. Only a file that is
    /// not TOML at all is an error here.
    fn parse_collect(
        source: Source,
        registry: Registry,
    ) -> Result<(GridFile, Vec<Problem>), GridError> {
        let mut problems = Vec::new();
        let root = match Node::parse(source.text()) {
            Ok(root) => root,
            Err(err) => {
                let span = err.span().unwrap_or(0..0);
                problems.push(source.problem(&span, "", err.message().trim().to_owned()));
                return Err(GridError {
                    path: source.path().to_path_buf(),
                    problems,
                });
            }
        };
        let table = root.as_table().unwrap_or_default();
        let mut p = Parser {
            src: &source,
            problems: &mut problems,
            registry,
        };
        for (k, _) in table {
            if !TOP_KEYS.contains(&k.name.as_str()) {
                p.unknown(k, &k.name, "a section", &TOP_KEYS);
            }
        }
        let experiment = p.experiment(source::get(table, "experiment"));
        let data = p.data(source::get(table, "data"));
        let models = p.models(source::get(table, "model"));
        let (axes, exclusions) = p.axes(source::get(table, "grid"), &models);
        let plots = p.plots(source::get(table, "plot"));
        let grid = GridFile {
            source,
            experiment,
            data,
            models,
            axes,
            exclusions,
            plots,
            registry,
        };
        Ok((grid, problems))
    }

    /// The folder relative paths in the file are resolved against: the file's own folder.
    pub fn base_dir(&self) -> PathBuf {
        match self.source.path().parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

struct Parser<'a> {
    src: &'a Source,
    problems: &'a mut Vec<Problem>,
    registry: Registry,
}

impl Parser<'_> {
    fn push(&mut self, span: &Range<usize>, key: &str, message: impl Into<String>) {
        self.problems.push(self.src.problem(span, key, message));
    }

    fn unknown(&mut self, key: &Key, path: &str, what: &str, allowed: &[&str]) {
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut msg = format!("unknown key, expected {what}: one of {list}");
        msg.push_str(&crate::text::suggestion(&key.name, allowed.iter().copied()));
        self.push(&key.span, path, msg);
    }

    fn expect_table<'n>(
        &mut self,
        entry: &'n (Key, Node),
        path: &str,
    ) -> Option<&'n [(Key, Node)]> {
        let (k, v) = entry;
        match v.as_table() {
            Some(t) => Some(t),
            None => {
                self.push(
                    &k.span,
                    path,
                    format!("expected a table, found {}", v.value.type_name()),
                );
                None
            }
        }
    }

    fn string(&mut self, entry: &(Key, Node), path: &str) -> Option<String> {
        let (_, v) = entry;
        match v.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.push(
                    &v.span,
                    path,
                    format!("expected a string, found {}", v.value.type_name()),
                );
                None
            }
        }
    }

    fn experiment(&mut self, entry: Option<&(Key, Node)>) -> ExperimentSection {
        let stem = self.src.path().file_stem().map_or_else(
            || "experiment".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        );
        let mut out = ExperimentSection {
            name: stem,
            description: None,
            metrics: None,
            gap_refs: None,
            stability: None,
        };
        // The name becomes the results folder's: a file named `...toml` must not make it `..`.
        let named = entry
            .and_then(|(_, v)| v.as_table())
            .is_some_and(|t| source::get(t, "name").is_some());
        if !named && !is_folder_name(&out.name) {
            self.push(
                &(0..0),
                "experiment.name",
                format!(
                    "the file's name gives no usable experiment name (`{}`): add \
                     [experiment] name = \"...\" (letters, digits, `_`, `-` and `.`, not first)",
                    out.name
                ),
            );
        }
        let Some(entry) = entry else { return out };
        let Some(table) = self.expect_table(entry, "experiment") else {
            return out;
        };
        for e in table {
            let path = format!("experiment.{}", e.0.name);
            match e.0.name.as_str() {
                "name" => {
                    if let Some(name) = self.string(e, &path) {
                        if is_folder_name(&name) {
                            out.name = name;
                        } else {
                            self.push(
                                &e.1.span,
                                &path,
                                "a name is a folder name: letters, digits, `_`, `-` and `.` only",
                            );
                        }
                    }
                }
                "description" => out.description = self.string(e, &path),
                "gap" => {
                    let n_refs = e.1.as_table().and_then(|t| source::get(t, "n_refs"));
                    let unknown =
                        e.1.as_table()
                            .into_iter()
                            .flatten()
                            .find(|(k, _)| k.name != "n_refs");
                    match (n_refs, unknown) {
                        (_, Some((k, _))) => {
                            self.unknown(
                                k,
                                &format!("{path}.{}", k.name),
                                "a gap setting",
                                &["n_refs"],
                            );
                        }
                        (
                            Some((
                                _,
                                Node {
                                    value: NodeValue::Int(b),
                                    ..
                                },
                            )),
                            None,
                        ) if *b >= 1 => {
                            out.gap_refs = usize::try_from(*b).ok();
                        }
                        _ => self.push(
                            &e.1.span,
                            &path,
                            "expected `gap = { n_refs = B }` with B >= 1 reference sets",
                        ),
                    }
                }
                "stability" => match &e.1.value {
                    NodeValue::Bool(on) => {
                        out.stability = on.then_some(
                            clusterlab_metrics::stability::PREDICTION_STRENGTH_THRESHOLD,
                        );
                    }
                    NodeValue::Table(t) => {
                        for (k, v) in t {
                            let key_path = format!("{path}.{}", k.name);
                            if k.name != "threshold" {
                                self.unknown(k, &key_path, "a stability setting", &["threshold"]);
                                continue;
                            }
                            let x = match v.value {
                                NodeValue::Float(x) => Some(x),
                                NodeValue::Int(i) => Some(i as f64),
                                _ => None,
                            };
                            match x {
                                Some(x) if x > 0.0 && x <= 1.0 => out.stability = Some(x),
                                _ => self.push(
                                    &v.span,
                                    &key_path,
                                    "the prediction-strength threshold is a number in (0, 1] \
                                     (Tibshirani and Walther use 0.8 to 0.9)",
                                ),
                            }
                        }
                        if t.is_empty() {
                            out.stability =
                                Some(clusterlab_metrics::stability::PREDICTION_STRENGTH_THRESHOLD);
                        }
                    }
                    other => self.push(
                        &e.1.span,
                        &path,
                        format!(
                            "expected `stability = true` or `stability = {{ threshold = 0.8 }}`, \
                             found {}",
                            other.type_name()
                        ),
                    ),
                },
                "metrics" => match &e.1.value {
                    NodeValue::Array(items) => {
                        let mut names = Vec::new();
                        for item in items {
                            match item.as_str() {
                                Some(n) => names.push((n.to_owned(), item.span.clone())),
                                None => {
                                    self.push(&item.span, &path, "a metric is a name (a string)")
                                }
                            }
                        }
                        out.metrics = Some(names);
                    }
                    other => self.push(
                        &e.1.span,
                        &path,
                        format!(
                            "expected a list of metric names, found {}",
                            other.type_name()
                        ),
                    ),
                },
                _ => self.unknown(&e.0, &path, "a key of [experiment]", &EXPERIMENT_KEYS),
            }
        }
        out
    }

    fn data(&mut self, entry: Option<&(Key, Node)>) -> DataSection {
        let mut out = DataSection {
            kind: String::new(),
            kind_span: 0..0,
            span: 0..0,
            entries: Vec::new(),
        };
        let Some(entry) = entry else {
            self.push(
                &(0..0),
                "data",
                "the file has no [data] section: say which data to cluster (kind = \"blobs\", ...)",
            );
            return out;
        };
        out.span = entry.0.span.clone();
        out.kind_span = entry.0.span.clone();
        let Some(table) = self.expect_table(entry, "data") else {
            return out;
        };
        for e in table {
            if e.0.name == "kind" {
                out.kind_span = e.1.span.clone();
                if let Some(kind) = self.string(e, "data.kind") {
                    out.kind = kind;
                }
            } else {
                out.entries.push(e.clone());
            }
        }
        out
    }

    fn models(&mut self, entry: Option<&(Key, Node)>) -> Vec<ModelSection> {
        let Some((key, node)) = entry else {
            let kinds = self.registry.names().join("\" or \"");
            self.push(
                &(0..0),
                "model",
                format!("the file has no [[model]] table: add one (kind = \"{kinds}\")"),
            );
            return Vec::new();
        };
        let NodeValue::Array(items) = &node.value else {
            self.push(
                &key.span,
                "model",
                "expected [[model]] tables (an array of tables)",
            );
            return Vec::new();
        };
        let mut out: Vec<ModelSection> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(table) = item.as_table() else {
                self.push(&item.span, "model", "expected a table");
                continue;
            };
            let mut kind = None;
            let mut name = None;
            let mut entries = Vec::new();
            for e in table {
                match e.0.name.as_str() {
                    "kind" => {
                        let Some(k) = self.string(e, "model.kind") else {
                            continue;
                        };
                        match self.registry.get(&k) {
                            Some(k) => kind = Some(k),
                            None => {
                                let names = self.registry.names();
                                let mut msg = format!(
                                    "unknown model kind `{k}`, expected one of {}",
                                    names
                                        .iter()
                                        .map(|n| format!("`{n}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                );
                                msg.push_str(&crate::text::suggestion(&k, names.iter().copied()));
                                self.push(&e.1.span, "model.kind", msg);
                                kind = None;
                            }
                        }
                    }
                    "name" => name = self.string(e, "model.name").map(|n| (n, e.1.span.clone())),
                    _ => entries.push(e.clone()),
                }
            }
            let span = table
                .first()
                .map_or(item.span.clone(), |(k, _)| k.span.clone());
            if source::get(table, "kind").is_none() {
                self.push(&span, &format!("model[{i}]"), "a [[model]] needs a `kind`");
            }
            let Some(kind) = kind else { continue };
            let (name, name_span) = name.unwrap_or_else(|| (kind.name.to_owned(), span.clone()));
            if name == "data" || name.is_empty() {
                self.push(
                    &name_span,
                    "model.name",
                    "`data` and \"\" are not model names",
                );
            }
            if out.iter().any(|m| m.name == name) {
                self.push(
                    &name_span,
                    "model.name",
                    format!(
                        "two models are named `{name}`: give each model of one kind its own `name`"
                    ),
                );
            }
            out.push(ModelSection {
                name,
                kind,
                span,
                entries,
            });
        }
        out
    }

    fn axes(
        &mut self,
        entry: Option<&(Key, Node)>,
        models: &[ModelSection],
    ) -> (Vec<Axis>, Vec<Exclusion>) {
        let mut out = Vec::new();
        let mut exclusions = Vec::new();
        let Some(entry) = entry else {
            return (out, exclusions);
        };
        let Some(table) = self.expect_table(entry, "grid") else {
            return (out, exclusions);
        };
        for e in table {
            let (key, node) = e;
            if key.name == "exclude" {
                exclusions = self.exclusions(node);
                continue;
            }
            if key.name == "zip" && node.as_table().is_some() && !is_range(node) {
                self.zip(node, &mut out);
                continue;
            }
            let scope = if key.name == "data" {
                Some(Scope::Data)
            } else {
                models
                    .iter()
                    .position(|m| m.name == key.name)
                    .map(Scope::Model)
            };
            match (scope, node.as_table()) {
                (Some(scope), Some(sub)) => {
                    for (k, v) in sub {
                        let path = format!("grid.{}.{}", key.name, k.name);
                        if let Some(values) = self.axis_values(v, &path) {
                            out.push(Axis {
                                scope,
                                key: k.clone(),
                                path,
                                values,
                                zip: false,
                            });
                        }
                    }
                }
                (None, Some(_)) if !is_range(node) => {
                    let names: Vec<&str> = models
                        .iter()
                        .map(|m| m.name.as_str())
                        .chain(["data"])
                        .collect();
                    let mut msg = format!(
                        "[grid.{}] names no model: expected `data`, `zip` or a model's name ({})",
                        key.name,
                        names[..names.len() - 1]
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    msg.push_str(&crate::text::suggestion(
                        &key.name,
                        names.iter().copied().chain(["zip"]),
                    ));
                    self.push(&key.span, &format!("grid.{}", key.name), msg);
                }
                _ => {
                    let path = format!("grid.{}", key.name);
                    if let Some(values) = self.axis_values(node, &path) {
                        out.push(Axis {
                            scope: Scope::All,
                            key: key.clone(),
                            path,
                            values,
                            zip: false,
                        });
                    }
                }
            }
        }
        // The same key in [grid] and [grid.NAME] would make a cell's value ambiguous.
        for (i, a) in out.iter().enumerate() {
            for b in &out[..i] {
                let clash = a.key.name == b.key.name
                    && match (a.scope, b.scope) {
                        (Scope::Data, _) | (_, Scope::Data) => false,
                        (x, y) => x == y || x == Scope::All || y == Scope::All,
                    };
                if clash {
                    let msg = format!(
                        "`{}` is already an axis in `{}`: give an axis in [grid] or in \
                         [grid.NAME], not both",
                        a.key.name,
                        b.path.rsplit_once('.').map_or("grid", |(p, _)| p)
                    );
                    self.problems
                        .push(self.src.problem(&a.key.span, &a.path, msg));
                }
            }
        }
        (out, exclusions)
    }

    /// `[grid.zip]`: axes of one length whose values advance together (the i-th value of each
    /// goes into the same cells), applying to every model that has the parameter, like `[grid]`.
    fn zip(&mut self, node: &Node, out: &mut Vec<Axis>) {
        let Some(sub) = node.as_table() else { return };
        let mut first: Option<(String, usize)> = None;
        for (k, v) in sub {
            let path = format!("grid.zip.{}", k.name);
            if k.name == "seed" {
                self.push(
                    &k.span,
                    &path,
                    "seeds cannot be paired: every configuration runs with every seed; put \
                     `seed` in [grid]",
                );
                continue;
            }
            let Some(values) = self.axis_values(v, &path) else {
                continue;
            };
            match &first {
                None => first = Some((path.clone(), values.len())),
                Some((p, n)) if *n != values.len() => {
                    let msg = format!(
                        "paired axes advance together, so they need lists of one length: this one \
                         has {} values, `{p}` has {n}",
                        values.len()
                    );
                    self.push(&v.span, &path, msg);
                    continue;
                }
                Some(_) => {}
            }
            out.push(Axis {
                scope: Scope::All,
                key: k.clone(),
                path,
                values,
                zip: true,
            });
        }
        if first.is_none() {
            self.push(&node.span, "grid.zip", "[grid.zip] needs at least one axis");
        }
    }

    /// `[grid] exclude = [{ model = "gmm", k = 1 }, ...]`: tables of scalar values.
    fn exclusions(&mut self, node: &Node) -> Vec<Exclusion> {
        let mut out = Vec::new();
        let NodeValue::Array(items) = &node.value else {
            self.push(
                &node.span,
                "grid.exclude",
                format!(
                    "expected a list of tables such as [{{ model = \"gmm\", k = 1 }}], found {}",
                    node.value.type_name()
                ),
            );
            return out;
        };
        for item in items {
            let Some(table) = item.as_table() else {
                self.push(
                    &item.span,
                    "grid.exclude",
                    format!(
                        "an exclusion is a table such as {{ model = \"gmm\", k = 1 }}, found {}",
                        item.value.type_name()
                    ),
                );
                continue;
            };
            if table.is_empty() {
                self.push(
                    &item.span,
                    "grid.exclude",
                    "an empty exclusion would leave out every cell",
                );
                continue;
            }
            let mut conditions = Vec::new();
            // `data.kind = "moons"` is a dotted key: TOML reads it as a table `data`.
            let mut flat: Vec<(Key, Node)> = Vec::new();
            for (k, v) in table {
                match &v.value {
                    NodeValue::Table(sub) if k.name == "data" => {
                        flat.extend(sub.iter().map(|(sk, sv)| {
                            let mut key = sk.clone();
                            key.name = format!("data.{}", sk.name);
                            (key, sv.clone())
                        }));
                    }
                    _ => flat.push((k.clone(), v.clone())),
                }
            }
            for (k, v) in &flat {
                let path = format!("grid.exclude.{}", k.name);
                if matches!(v.value, NodeValue::Array(_) | NodeValue::Table(_)) {
                    self.push(
                        &v.span,
                        &path,
                        format!(
                            "an exclusion gives one value per key (write one exclusion per \
                             value), found {}",
                            v.value.type_name()
                        ),
                    );
                    continue;
                }
                conditions.push((
                    k.clone(),
                    AxisValue {
                        value: v.to_toml(),
                        span: v.span.clone(),
                    },
                ));
            }
            out.push(Exclusion {
                span: item.span.clone(),
                conditions,
            });
        }
        out
    }

    /// An axis: a non-empty list of scalars, or an inclusive integer range `{ from, to, step }`.
    fn axis_values(&mut self, node: &Node, path: &str) -> Option<Vec<AxisValue>> {
        match &node.value {
            NodeValue::Array(items) => {
                if items.is_empty() {
                    self.push(&node.span, path, "an axis needs at least one value");
                    return None;
                }
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    if matches!(item.value, NodeValue::Array(_) | NodeValue::Table(_)) {
                        self.push(
                            &item.span,
                            path,
                            format!(
                                "an axis value is a number, string or boolean, found {}",
                                item.value.type_name()
                            ),
                        );
                        return None;
                    }
                    if values.iter().any(|v: &AxisValue| v.value == item.to_toml()) {
                        self.push(&item.span, path, "this value is already on the axis");
                        return None;
                    }
                    values.push(AxisValue {
                        value: item.to_toml(),
                        span: item.span.clone(),
                    });
                }
                Some(values)
            }
            NodeValue::Table(t) if is_range(node) => {
                let mut get = |name: &str, default: Option<i64>| -> Option<i64> {
                    match source::get(t, name) {
                        Some((
                            _,
                            Node {
                                value: NodeValue::Int(i),
                                ..
                            },
                        )) => Some(*i),
                        Some((_, v)) => {
                            self.push(
                                &v.span,
                                &format!("{path}.{name}"),
                                format!("expected an integer, found {}", v.value.type_name()),
                            );
                            None
                        }
                        None => {
                            if default.is_none() {
                                self.push(
                                    &node.span,
                                    path,
                                    format!("a range needs `{name}`: {{ from = 1, to = 10 }}"),
                                );
                            }
                            default
                        }
                    }
                };
                let (from, to, step) = (get("from", None), get("to", None), get("step", Some(1)));
                for (k, _) in t {
                    if !["from", "to", "step"].contains(&k.name.as_str()) {
                        self.unknown(
                            k,
                            &format!("{path}.{}", k.name),
                            "a range key",
                            &["from", "to", "step"],
                        );
                    }
                }
                let (from, to, step) = (from?, to?, step?);
                if step < 1 || from > to {
                    self.push(
                        &node.span,
                        path,
                        format!("empty range: from = {from}, to = {to}, step = {step} (need from <= to and step >= 1)"),
                    );
                    return None;
                }
                let n = (to - from) / step + 1;
                if n > 1_000_000 {
                    self.push(
                        &node.span,
                        path,
                        format!("a range of {n} values is too long"),
                    );
                    return None;
                }
                Some(
                    (0..n)
                        .map(|i| AxisValue {
                            value: toml::Value::Integer(from + i * step),
                            span: node.span.clone(),
                        })
                        .collect(),
                )
            }
            _ => {
                self.push(
                    &node.span,
                    path,
                    format!(
                        "an axis is a list ([1, 2, 3]) or a range ({{ from = 1, to = 10 }}), found {}",
                        node.value.type_name()
                    ),
                );
                None
            }
        }
    }

    fn plots(&mut self, entry: Option<&(Key, Node)>) -> Vec<Node> {
        let Some((key, node)) = entry else {
            return Vec::new();
        };
        match &node.value {
            NodeValue::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    if item.as_table().is_some() {
                        out.push(item.clone());
                    } else {
                        self.push(&item.span, "plot", "expected a [[plot]] table");
                    }
                }
                out
            }
            _ => {
                self.push(
                    &key.span,
                    "plot",
                    "expected [[plot]] tables (an array of tables)",
                );
                Vec::new()
            }
        }
    }
}

/// Whether `name` can name a results folder under `results/`: letters, digits, `_`, `-` and
/// `.`, not first (so never `.`, `..` or a hidden folder).
fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        && !name.starts_with('.')
}

/// Whether a table is an integer range (`from` / `to` keys) rather than a `[grid.NAME]` table.
fn is_range(node: &Node) -> bool {
    node.as_table()
        .is_some_and(|t| source::get(t, "from").is_some() || source::get(t, "to").is_some())
}
