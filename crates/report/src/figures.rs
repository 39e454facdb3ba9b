//! From the results folder to figures: one builder per kind of plot. Each reads the files it
//! needs, turns rows into series (with [`super::series`]) and returns a figure for
//! [`super::draw`]; errors say which file lacks what.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use clusterlab_experiment::{
    plots::{PlotSpec, ScatterSource, ScatterSpec},
    schema::{BestKRow, group_text},
};
use clusterlab_metrics::select::Criterion;

use crate::{
    draw::{LegendEntry, Line, LineFigure, Panel, ScatterFigure, Swatch},
    error::{PlotError, Result},
    results::{DataFile, ModelFile, RunRow, Runs, Summary, read_best_k},
    series::{
        Band, GroupKey, bands_from_runs, bands_from_summary, covariance_ellipse, ellipse_path,
        group_labels, normalise,
    },
    style::{LineLook, label_color, line_look},
};

/// The lines of several panels, coloured and labelled consistently: a group keeps its colour
/// and legend entry across panels.
struct Legend {
    keys: Vec<GroupKey>,
}

impl Legend {
    fn new<'a>(bands: impl IntoIterator<Item = &'a Band>) -> Self {
        let mut keys: Vec<GroupKey> = Vec::new();
        for b in bands {
            if !keys.contains(&b.key) {
                keys.push(b.key.clone());
            }
        }
        Legend { keys }
    }

    fn look(&self, key: &GroupKey) -> LineLook {
        line_look(self.keys.iter().position(|k| k == key).unwrap_or(0))
    }

    fn entries(&self) -> Vec<LegendEntry> {
        let refs: Vec<&GroupKey> = self.keys.iter().collect();
        group_labels(&refs)
            .into_iter()
            .zip(&self.keys)
            .map(|(label, key)| LegendEntry {
                label,
                swatch: Swatch::Line(self.look(key)),
            })
            .collect()
    }

    fn lines(&self, bands: &[Band]) -> Vec<Line> {
        bands
            .iter()
            .map(|b| Line {
                look: self.look(&b.key),
                points: b.points.clone(),
                stars: Vec::new(),
            })
            .collect()
    }
}

fn spread_note(bands: &[Band]) -> &'static str {
    if bands.iter().flat_map(|b| &b.points).any(|p| p.n > 1) {
        " (mean ± std over seeds)"
    } else {
        ""
    }
}

/// Inertia against K.
pub(crate) fn elbow(dir: &Path, spec: &PlotSpec, name: &str) -> Result<LineFigure> {
    let runs = Runs::read(dir)?;
    let bands = bands_from_runs(&runs.rows, &runs.axes, "inertia");
    if bands.is_empty() {
        return Err(nothing(
            spec,
            format!("no ok row of {} has an inertia", runs.path.display()),
        ));
    }
    let legend = Legend::new(&bands);
    Ok(LineFigure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| format!("{name}: inertia against K{}", spread_note(&bands))),
        panels: vec![Panel {
            caption: None,
            y_desc: "inertia (sum of squared distances)".into(),
            lines: legend.lines(&bands),
            y_range: None,
        }],
        columns: 1,
        size: (800, 600),
        legend: legend.entries(),
    })
}

/// BIC and mean log-likelihood against K, side by side.
pub(crate) fn selection(dir: &Path, spec: &PlotSpec, name: &str) -> Result<LineFigure> {
    let runs = Runs::read(dir)?;
    let bic = bands_from_runs(&runs.rows, &runs.axes, "bic");
    let ll = bands_from_runs(&runs.rows, &runs.axes, "log_likelihood");
    if bic.is_empty() && ll.is_empty() {
        return Err(nothing(
            spec,
            format!(
                "no ok row of {} has a bic or a log_likelihood (is there a gmm model?)",
                runs.path.display()
            ),
        ));
    }
    let legend = Legend::new(bic.iter().chain(&ll));
    let mut all = bic.clone();
    all.extend(ll.iter().cloned());
    Ok(LineFigure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| format!("{name}: model selection against K{}", spread_note(&all))),
        panels: vec![
            Panel {
                caption: Some("BIC (lower is better)".into()),
                y_desc: "BIC".into(),
                lines: legend.lines(&bic),
                y_range: None,
            },
            Panel {
                caption: Some("log-likelihood (higher is better)".into()),
                y_desc: "mean log-likelihood per sample".into(),
                lines: legend.lines(&ll),
                y_range: None,
            },
        ],
        columns: 2,
        size: (1200, 560),
        legend: legend.entries(),
    })
}

/// The criteria plot's panels, one per criterion of best_k.csv (the metrics crate's list):
/// the summary column it reads, its caption, and its name in best_k.csv.
fn criterion_panels() -> Vec<(&'static str, String, &'static str)> {
    Criterion::ALL
        .iter()
        .map(|c| {
            let better = if c.higher_is_better() {
                "higher is better"
            } else {
                "lower is better"
            };
            (c.series(), format!("{} ({better})", c.title()), c.name())
        })
        .collect()
}

/// Whether a best_k.csv `group` names this line's group: the writer's own text of its axis
/// values ([`group_text`], axes in column order, empty values left out).
fn group_matches(group: &str, key: &GroupKey) -> bool {
    group == group_text(key.axes.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// The K picked by the criterion named `criterion` on the line `key`, if best_k.csv says.
fn picked_k(best: &[BestKRow], criterion: &str, key: &GroupKey) -> Option<usize> {
    best.iter()
        .find(|b| b.model == key.model && b.criterion == criterion && group_matches(&b.group, key))
        .and_then(|b| b.best_k)
}

/// Every criterion against K, normalised, one panel each, picked K starred.
pub(crate) fn criteria(dir: &Path, spec: &PlotSpec, name: &str) -> Result<LineFigure> {
    let summary = Summary::read(dir)?;
    let best = read_best_k(dir)?;
    let all = criterion_panels();
    let mut panels_bands: Vec<(&str, &str, Vec<Band>)> = Vec::new();
    for (series, caption, criterion) in &all {
        let bands = bands_from_summary(&summary.rows, &summary.axes, series);
        if !bands.is_empty() {
            panels_bands.push((caption, criterion, bands));
        }
    }
    if panels_bands.is_empty() {
        return Err(nothing(
            spec,
            format!(
                "{} has none of the columns {}",
                summary.path.display(),
                all.iter()
                    .map(|c| format!("{}_mean", c.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let legend = Legend::new(panels_bands.iter().flat_map(|p| &p.2));
    let mut any_star = false;
    let panels = panels_bands
        .iter()
        .map(|(caption, criterion, bands)| {
            let normalised: Vec<Band> = bands.iter().map(normalise).collect();
            let mut lines = legend.lines(&normalised);
            for (line, band) in lines.iter_mut().zip(&normalised) {
                let picked = best
                    .as_deref()
                    .and_then(|b| picked_k(b, criterion, &band.key));
                if let Some(p) = picked.and_then(|k| band.points.iter().find(|p| p.k == k)) {
                    line.stars.push((p.k, p.mean));
                    any_star = true;
                }
            }
            Panel {
                caption: Some(caption.to_string()),
                y_desc: "normalised (0 = min, 1 = max)".into(),
                lines,
                y_range: Some((-0.08, 1.08)),
            }
        })
        .collect::<Vec<_>>();
    let mut entries = legend.entries();
    if any_star {
        entries.push(LegendEntry {
            label: "picked K (best_k.csv)".into(),
            swatch: Swatch::Star,
        });
    }
    let n = panels.len();
    let columns = match n {
        1 | 2 => n,
        3 | 4 => 2,
        _ => 3,
    };
    let rows = n.div_ceil(columns);
    let note = match &best {
        None => ", no best_k.csv",
        Some(_) if !any_star => ", no pick in best_k.csv",
        Some(_) => "",
    };
    Ok(LineFigure {
        title: spec.title.clone().unwrap_or_else(|| {
            format!("{name}: criteria against K, each normalised to [0, 1]{note}")
        }),
        panels,
        columns,
        size: ((360 * columns as u32).max(800), 285 * rows as u32 + 110),
        legend: entries,
    })
}

/// The data coloured by truth or by one cell's labels.
pub(crate) fn scatter(
    dir: &Path,
    spec: &PlotSpec,
    s: &ScatterSpec,
    name: &str,
) -> Result<ScatterFigure> {
    let axes_text = s
        .axes
        .iter()
        .map(|(a, v)| format!("{a} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let (data, labels, n_colors, model, what, word) = match &s.source {
        ScatterSource::Truth => {
            let data = DataFile::read(&truth_data_path(dir, spec, s)?)?;
            let Some(labels) = data.labels.clone() else {
                return Err(nothing(
                    spec,
                    format!(
                        "{} has no `label` column: the dataset has no ground truth",
                        data.path.display()
                    ),
                ));
            };
            let n = labels.iter().max().map_or(1, |m| m + 1);
            let what = if axes_text.is_empty() {
                "true labels".to_string()
            } else {
                format!("true labels ({axes_text})")
            };
            (data, labels, n, None, what, "class")
        }
        ScatterSource::Cell { model, k, seed } => {
            let row = find_cell(dir, spec, s, model, *k, *seed)?;
            let data_path = match &row.data_id {
                Some(id) => dir.join("data").join(format!("{id}.csv")),
                None => dir.join("data.csv"),
            };
            let data = DataFile::read(&data_path)?;
            let model_path = dir.join("models").join(format!("{}.json", row.cell_id));
            let m = ModelFile::read(&model_path)?;
            check_model(&model_path, &m, &data)?;
            let n = m.labels.iter().max().map_or(0, |m| m + 1).max(*k);
            let mut what = format!("{model}, k = {k}, seed = {seed}");
            if !axes_text.is_empty() {
                what.push_str(&format!(", {axes_text}"));
            }
            let labels = m.labels.clone();
            (data, labels, n, Some(m), what, "cluster")
        }
    };
    let d = data.features.len();
    let features_note = match d {
        1 => " (1 feature, drawn on a line)".to_string(),
        2 => String::new(),
        _ => format!(" (first 2 of {d} features)"),
    };
    let mut groups: Vec<(plotters::style::RGBColor, Vec<(f64, f64)>)> = (0..n_colors)
        .map(|c| (label_color(c, n_colors), Vec::new()))
        .collect();
    for (p, l) in data.points.iter().zip(&labels) {
        if let Some(g) = groups.get_mut(*l) {
            g.1.push(*p);
        }
    }
    let mut legend: Vec<LegendEntry> = if n_colors <= 12 {
        groups
            .iter()
            .enumerate()
            .map(|(i, (c, _))| LegendEntry {
                label: format!("{word} {i}"),
                swatch: Swatch::Dot(*c),
            })
            .collect()
    } else {
        vec![LegendEntry {
            label: format!("{word}s 0 to {} (viridis)", n_colors - 1),
            swatch: Swatch::Dot(label_color(n_colors / 2, n_colors)),
        }]
    };
    let mut centers = Vec::new();
    let mut ellipses = Vec::new();
    if let Some(m) = &model {
        centers = m
            .centers
            .iter()
            .filter_map(|c| Some((*c.first()?, c.get(1).copied().unwrap_or(0.0))))
            .collect();
        if !centers.is_empty() {
            legend.push(LegendEntry {
                label: "centers".into(),
                swatch: Swatch::Cross,
            });
        }
        if let (Some(covs), true) = (&m.covariances, d >= 2) {
            // One shared matrix (a tied mixture saved compactly) serves every component.
            let per_component = covs.iter().cycle().take(centers.len());
            for (j, (cov, center)) in per_component.zip(&centers).enumerate() {
                let block = top_left_2x2(cov).and_then(|b| covariance_ellipse(*center, b, 2.0));
                if let Some(e) = block {
                    ellipses.push((label_color(j, n_colors), ellipse_path(&e, 72)));
                }
            }
            if !ellipses.is_empty() {
                legend.push(LegendEntry {
                    label: "2σ covariance ellipses".into(),
                    swatch: Swatch::Ellipse,
                });
            }
        }
    }
    Ok(ScatterFigure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| format!("{name}: {what}{features_note}")),
        x_desc: data.features[0].clone(),
        y_desc: data.features.get(1).cloned().unwrap_or_default(),
        groups,
        centers,
        ellipses,
        legend,
    })
}

fn top_left_2x2(cov: &[Vec<f64>]) -> Option<[[f64; 2]; 2]> {
    let r0 = cov.first()?;
    let r1 = cov.get(1)?;
    Some([[*r0.first()?, *r0.get(1)?], [*r1.first()?, *r1.get(1)?]])
}

fn check_model(path: &Path, m: &ModelFile, data: &DataFile) -> Result<()> {
    if m.labels.len() != data.points.len() {
        return Err(PlotError::Mismatch {
            path: path.to_path_buf(),
            what: format!(
                "{} labels for the {} rows of {}",
                m.labels.len(),
                data.points.len(),
                data.path.display()
            ),
        });
    }
    if let Some(covs) = &m.covariances
        && covs.len() != m.centers.len()
        && covs.len() != 1
    {
        return Err(PlotError::Mismatch {
            path: path.to_path_buf(),
            what: format!("{} covariances for {} centers", covs.len(), m.centers.len()),
        });
    }
    Ok(())
}

fn nothing(spec: &PlotSpec, reason: String) -> PlotError {
    PlotError::NothingToDraw {
        plot: spec.file_stem(),
        reason,
    }
}

fn describe(model: &str, k: usize, seed: u64, s: &ScatterSpec) -> String {
    let mut d = format!("model {model}, k = {k}, seed = {seed}");
    for (a, v) in &s.axes {
        d.push_str(&format!(", {a} = {v}"));
    }
    d
}

/// Whether `row` has every axis value `s` pins (an axis runs.csv lacks is an error).
fn axes_match(runs: &Runs, row: &RunRow, s: &ScatterSpec) -> bool {
    s.axes.iter().all(|(axis, value)| {
        runs.axes
            .iter()
            .position(|a| a == axis)
            .is_some_and(|i| value.matches(&row.axes[i]))
    })
}

fn check_axes_exist(runs: &Runs, spec: &PlotSpec, s: &ScatterSpec) -> Result<()> {
    if let Some(missing) = s.axes.keys().find(|a| !runs.axes.contains(a)) {
        let known = if runs.axes.is_empty() {
            "none".to_string()
        } else {
            runs.axes.join(", ")
        };
        return Err(nothing(
            spec,
            format!(
                "{} has no axis `{missing}` (axes: {known})",
                runs.path.display()
            ),
        ));
    }
    Ok(())
}

/// The one ok cell a scatter plot shows: an error when none or several match.
fn find_cell(
    dir: &Path,
    spec: &PlotSpec,
    s: &ScatterSpec,
    model: &str,
    k: usize,
    seed: u64,
) -> Result<RunRow> {
    let runs = Runs::read(dir)?;
    check_axes_exist(&runs, spec, s)?;
    let candidates: Vec<&RunRow> = runs
        .rows
        .iter()
        .filter(|r| r.model == model && r.k == k && r.seed == seed && axes_match(&runs, r, s))
        .collect();
    let ok: Vec<&RunRow> = candidates.iter().copied().filter(|r| r.ok).collect();
    match ok.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let failed = candidates
                .first()
                .map(|r| format!(" (cell {}, failed)", r.cell_id))
                .unwrap_or_default();
            Err(nothing(
                spec,
                format!(
                    "no ok cell with {} in {}{failed}",
                    describe(model, k, seed, s),
                    runs.path.display()
                ),
            ))
        }
        many => {
            // Name the axes whose values tell the candidates apart.
            let hint: Vec<String> = runs
                .axes
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let vals: BTreeSet<&str> = many.iter().map(|r| r.axes[i].as_str()).collect();
                    (vals.len() > 1).then(|| {
                        format!("{a} = {}", vals.into_iter().collect::<Vec<_>>().join(" | "))
                    })
                })
                .collect();
            Err(nothing(
                spec,
                format!(
                    "{} ok cells in {} match {}; pin one with {}",
                    many.len(),
                    runs.path.display(),
                    describe(model, k, seed, s),
                    hint.join(", ")
                ),
            ))
        }
    }
}

/// The dataset a truth scatter shows: `data.csv`, or with data axes the one dataset whose
/// cells match the pinned values.
fn truth_data_path(dir: &Path, spec: &PlotSpec, s: &ScatterSpec) -> Result<PathBuf> {
    let single = dir.join("data.csv");
    if s.axes.is_empty() && single.exists() {
        return Ok(single);
    }
    let runs = Runs::read(dir)?;
    check_axes_exist(&runs, spec, s)?;
    let ids: BTreeSet<Option<&str>> = runs
        .rows
        .iter()
        .filter(|r| axes_match(&runs, r, s))
        .map(|r| r.data_id.as_deref())
        .collect();
    match ids.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(id)] => Ok(dir.join("data").join(format!("{id}.csv"))),
        [None] => Ok(single),
        [] => Err(nothing(
            spec,
            format!("no cell of {} matches the pinned axes", runs.path.display()),
        )),
        many => Err(nothing(
            spec,
            format!(
                "{} datasets match (data_id {}); pin one with its data.<axis> values",
                many.len(),
                many.iter()
                    .map(|i| i.unwrap_or("none"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_k_groups_are_the_writers_own_text() {
        let key = GroupKey {
            model: "gmm".into(),
            axes: vec![
                ("covariance_type".into(), "full".into()),
                ("data.kind".into(), "varied".into()),
            ],
        };
        assert!(group_matches(
            "covariance_type=full, data.kind=varied",
            &key
        ));
        assert!(!group_matches("covariance_type=full", &key));
        assert!(!group_matches("", &key));
        let km = GroupKey {
            model: "kmeans".into(),
            axes: vec![],
        };
        assert!(group_matches("", &km));
    }

    #[test]
    fn picked_k_reads_the_criterions_own_name() {
        let key = GroupKey {
            model: "kmeans".into(),
            axes: vec![],
        };
        let best = vec![BestKRow {
            model: "kmeans".into(),
            kind: "kmeans".into(),
            data_id: None,
            group: String::new(),
            criterion: "elbow".into(),
            best_k: Some(4),
            seeds_mode: Some(4),
            seeds_min: Some(4),
            seeds_max: Some(4),
            seeds_agreeing: 1,
            seed_picks: vec![Some(4)],
        }];
        assert_eq!(picked_k(&best, "elbow", &key), Some(4));
        assert_eq!(picked_k(&best, "bic", &key), None);
    }
}
