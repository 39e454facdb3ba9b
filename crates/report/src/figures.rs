//! From the results folder to figures: one builder per kind of plot. Each reads the files it
//! needs, turns rows into series (with [`super::series`]) and returns a figure for
//! [`super::draw`]; errors say which file lacks what.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use clusterlab_core::ndarray::Axis;
use clusterlab_experiment::{
    plots::{AxisValue, PlotSpec, ScatterSource, ScatterSpec, TraceSpec},
    schema::{BestKRow, group_text},
};
use clusterlab_metrics::{
    DEFAULT_SILHOUETTE_EXACT_LIMIT, DEFAULT_SILHOUETTE_SAMPLE, SilhouetteSample, select::Criterion,
    silhouette_samples,
};
use plotters::style::RGBColor;

use crate::{
    draw::{
        AgreementFigure, GalleryFigure, GalleryPanel, KnifeFigure, LegendEntry, Line, LineFigure,
        MEAN_RULE, Mark, Panel, ScatterFigure, Star, Swatch, TraceFigure, TracePanel,
    },
    error::{PlotError, Result},
    palette::Palette,
    pca::Projection,
    results::{DataFile, ModelFile, RunRow, Runs, Summary, TraceFile, read_best_k},
    series::{
        Band, GroupKey, bands_from_runs, bands_from_summary, covariance_ellipse, ellipse_path,
        normalise,
    },
    style::{LineLook, label_color, viridis},
};

/// The lines of several panels, coloured and labelled by the folder's [`Palette`]: a series
/// keeps its colour and legend label across panels and across figures.
struct Legend {
    palette: Palette,
    /// The series this figure draws, in the palette's order.
    keys: Vec<GroupKey>,
}

impl Legend {
    fn new<'a>(palette: &Palette, bands: impl IntoIterator<Item = &'a Band>) -> Self {
        let drawn: Vec<&GroupKey> = bands.into_iter().map(|b| &b.key).collect();
        let palette = palette.with(drawn.iter().copied());
        let keys = palette
            .keys()
            .iter()
            .filter(|k| drawn.contains(k))
            .cloned()
            .collect();
        Legend { palette, keys }
    }

    fn look(&self, key: &GroupKey) -> LineLook {
        self.palette.look(key)
    }

    /// One entry per series; `starred` series show the star of their picked K on their line.
    fn entries(&self, starred: &[GroupKey]) -> Vec<LegendEntry> {
        self.keys
            .iter()
            .map(|key| LegendEntry {
                label: self.palette.label(key),
                swatch: if starred.contains(key) {
                    Swatch::LineStar(self.look(key))
                } else {
                    Swatch::Line(self.look(key))
                },
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

/// The series of the results folder `dir`, in summary.csv's order (runs.csv's when there is
/// no summary, none when neither can be read: each figure then adds its own).
pub(crate) fn palette(dir: &Path) -> Palette {
    if let Ok(summary) = Summary::read(dir) {
        let keys: Vec<GroupKey> = summary
            .rows
            .iter()
            .map(|r| GroupKey::new(&r.model, &summary.axes, &r.axes))
            .collect();
        return Palette::new(&keys);
    }
    match Runs::read(dir) {
        Ok(runs) => {
            let keys: Vec<GroupKey> = runs
                .rows
                .iter()
                .map(|r| GroupKey::new(&r.model, &runs.axes, &r.axes))
                .collect();
            Palette::new(&keys)
        }
        Err(_) => Palette::new(&[]),
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
pub(crate) fn elbow(
    dir: &Path,
    spec: &PlotSpec,
    name: &str,
    palette: &Palette,
) -> Result<LineFigure> {
    let runs = Runs::read(dir)?;
    let bands = bands_from_runs(&runs.rows, &runs.axes, "inertia");
    if bands.is_empty() {
        return Err(nothing(
            spec,
            format!("no ok row of {} has an inertia", runs.path.display()),
        ));
    }
    let legend = Legend::new(palette, &bands);
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
        legend: legend.entries(&[]),
    })
}

/// BIC and mean log-likelihood against K, side by side.
pub(crate) fn selection(
    dir: &Path,
    spec: &PlotSpec,
    name: &str,
    palette: &Palette,
) -> Result<LineFigure> {
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
    let legend = Legend::new(palette, bic.iter().chain(&ll));
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
        legend: legend.entries(&[]),
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

/// Pixels between the centres of two stars side by side: a star is 20 pixels wide, so each
/// stays visible.
const STAR_SPACING: i32 = 15;

/// Two stars whose normalised heights differ by less than this would overlap (a panel is
/// about 200 pixels high, a star 20).
const STAR_CLOSE: f64 = 0.1;

/// Shifts the stars of a panel sideways where several sit on one spot. At one K, stars at
/// about the same height (several series picking the same K, often each at the top or the
/// bottom of its normalised curve) are spread in a row centred on K, in the series' order,
/// instead of the last one drawn hiding the others.
fn spread_stars(lines: &mut [Line]) {
    // (line, star) of every star, by K then height; the line order breaks ties.
    let mut at: Vec<(usize, usize)> = lines
        .iter()
        .enumerate()
        .flat_map(|(l, line)| (0..line.stars.len()).map(move |s| (l, s)))
        .collect();
    let star = |lines: &[Line], (l, s): (usize, usize)| lines[l].stars[s];
    at.sort_by(|a, b| {
        let (sa, sb) = (star(lines, *a), star(lines, *b));
        sa.k.cmp(&sb.k).then(sa.y.total_cmp(&sb.y)).then(a.cmp(b))
    });
    let mut start = 0;
    while start < at.len() {
        // A run of stars at one K, each close to the one below it.
        let mut end = start + 1;
        while end < at.len() {
            let (prev, next) = (star(lines, at[end - 1]), star(lines, at[end]));
            if next.k != prev.k || next.y - prev.y >= STAR_CLOSE {
                break;
            }
            end += 1;
        }
        let mut run: Vec<(usize, usize)> = at[start..end].to_vec();
        run.sort();
        let m = run.len() as i32;
        for (i, (l, s)) in run.into_iter().enumerate() {
            // Centred: offsets -7.5, 7.5 for two, -15, 0, 15 for three, ...
            lines[l].stars[s].dx = (2 * i as i32 - (m - 1)) * STAR_SPACING / 2;
        }
        start = end;
    }
}

/// Every criterion against K, normalised, one panel each, picked K starred.
pub(crate) fn criteria(
    dir: &Path,
    spec: &PlotSpec,
    name: &str,
    palette: &Palette,
) -> Result<LineFigure> {
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
    let legend = Legend::new(palette, panels_bands.iter().flat_map(|p| &p.2));
    let mut starred: Vec<GroupKey> = Vec::new();
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
                    line.stars.push(Star {
                        k: p.k,
                        y: p.mean,
                        dx: 0,
                    });
                    if !starred.contains(&band.key) {
                        starred.push(band.key.clone());
                    }
                }
            }
            spread_stars(&mut lines);
            Panel {
                caption: Some(caption.to_string()),
                y_desc: "normalised (0 = min, 1 = max)".into(),
                lines,
                y_range: Some((-0.08, 1.08)),
            }
        })
        .collect::<Vec<_>>();
    let any_star = !starred.is_empty();
    let mut entries = legend.entries(&starred);
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
            let (data, m) = cell_files(dir, spec, s, model, *k, *seed)?;
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
    let (pca, points) = plane(&data);
    let features_note = match (d, &pca) {
        (1, _) => " (1 feature, drawn on a line)".to_string(),
        (2, _) => String::new(),
        (_, Some(_)) => format!(" (first 2 principal components of {d} features)"),
        (_, None) => format!(" (first 2 of {d} features)"),
    };
    let place = |row: &[f64]| match &pca {
        Some(p) => p.point(row),
        None => (
            row.first().copied().unwrap_or(0.0),
            row.get(1).copied().unwrap_or(0.0),
        ),
    };
    let groups = by_label(&points, &labels, n_colors);
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
            .filter(|c| !c.is_empty())
            .map(|c| place(c))
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
                // A component's covariance seen in the plane: Pᵀ Σ P, or its top-left block
                // on raw axes.
                let in_plane = match &pca {
                    Some(p) => p.covariance(cov),
                    None => top_left_2x2(cov),
                };
                let block = in_plane.and_then(|b| covariance_ellipse(*center, b, 2.0));
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
        x_desc: match &pca {
            Some(p) => p.axis_titles()[0].clone(),
            None => data.features[0].clone(),
        },
        y_desc: match &pca {
            Some(p) => p.axis_titles()[1].clone(),
            None => data.features.get(1).cloned().unwrap_or_default(),
        },
        groups,
        centers,
        ellipses,
        legend,
    })
}

/// The dataset and the model file of the one ok cell a scatter plot names, checked against
/// each other.
fn cell_files(
    dir: &Path,
    spec: &PlotSpec,
    s: &ScatterSpec,
    model: &str,
    k: usize,
    seed: u64,
) -> Result<(DataFile, ModelFile)> {
    let row = find_cell(dir, spec, s, model, k, seed)?;
    let data_path = match &row.data_id {
        Some(id) => dir.join("data").join(format!("{id}.csv")),
        None => dir.join("data.csv"),
    };
    let data = DataFile::read(&data_path)?;
    let model_path = dir.join("models").join(format!("{}.json", row.cell_id));
    let m = ModelFile::read(&model_path)?;
    check_model(&model_path, &m, &data)?;
    Ok((data, m))
}

/// The silhouette "knife" plot of the cell a scatter plot shows: every sample's silhouette,
/// sorted within its cluster, clusters coloured as in the scatter plot, a dashed line at the
/// mean. Above [`DEFAULT_SILHOUETTE_EXACT_LIMIT`] samples, the silhouettes of the seeded
/// subset the runner scored ([`DEFAULT_SILHOUETTE_SAMPLE`] samples, the same draw), so that the line is at
/// runs.csv's silhouette. `Ok(None)` when the silhouette is not defined (fewer than two
/// clusters, or as many as samples).
pub(crate) fn silhouette(
    dir: &Path,
    spec: &PlotSpec,
    s: &ScatterSpec,
    name: &str,
) -> Result<Option<KnifeFigure>> {
    let ScatterSource::Cell { model, k, seed } = &s.source else {
        return Ok(None);
    };
    let (data, m) = cell_files(dir, spec, s, model, *k, *seed)?;
    let n = m.labels.len();
    let (x, labels, note) = if n > DEFAULT_SILHOUETTE_EXACT_LIMIT {
        let idx = SilhouetteSample {
            size: DEFAULT_SILHOUETTE_SAMPLE,
            seed: *seed,
        }
        .indices(n);
        let labels: Vec<usize> = idx.iter().map(|&i| m.labels[i]).collect();
        let note = format!(" ({DEFAULT_SILHOUETTE_SAMPLE} of {n} samples, drawn with seed {seed})");
        (data.x.select(Axis(0), &idx), labels, note)
    } else {
        (data.x.clone(), m.labels.clone(), String::new())
    };
    let distinct: BTreeSet<usize> = labels.iter().copied().collect();
    if distinct.len() < 2 || distinct.len() >= labels.len() {
        return Ok(None);
    }
    let values = silhouette_samples(x.view(), &labels)
        .map_err(|e| nothing(spec, format!("silhouettes of {}: {e}", data.path.display())))?;
    let n_colors = m.labels.iter().max().map_or(0, |m| m + 1).max(*k);
    let mut clusters: Vec<(RGBColor, String, Vec<f64>)> = distinct
        .iter()
        .map(|&c| (label_color(c, n_colors), c.to_string(), Vec::new()))
        .collect();
    for (v, l) in values.iter().zip(&labels) {
        if let Some(i) = distinct.iter().position(|c| c == l) {
            clusters[i].2.push(*v);
        }
    }
    for c in &mut clusters {
        c.2.sort_by(f64::total_cmp);
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let axes_text: String = s.axes.iter().map(|(a, v)| format!(", {a} = {v}")).collect();
    Ok(Some(KnifeFigure {
        title: format!("{name}: silhouettes, {model}, k = {k}, seed = {seed}{axes_text}{note}"),
        clusters,
        mean,
        legend: vec![LegendEntry {
            label: format!("mean silhouette = {mean:.3}"),
            swatch: Swatch::DashedRule(MEAN_RULE),
        }],
    }))
}

/// Where each criterion of best_k.csv picks K, for every series: one row per criterion, a
/// column per K, a mark per series in its colour at a fixed place within the K (so that
/// series picking the same K stand side by side). `Ok(None)` without best_k.csv or without
/// a single pick.
pub(crate) fn agreement(
    dir: &Path,
    name: &str,
    palette: &Palette,
) -> Result<Option<AgreementFigure>> {
    let Some(best) = read_best_k(dir)? else {
        return Ok(None);
    };
    let picks: Vec<&BestKRow> = best.iter().filter(|b| b.best_k.is_some()).collect();
    if picks.is_empty() {
        return Ok(None);
    }
    // Rows: the criteria in the metrics crate's order, then any it does not know.
    let mut names: Vec<&str> = Criterion::ALL
        .iter()
        .map(|c| c.name())
        .filter(|c| picks.iter().any(|b| b.criterion == *c))
        .collect();
    for b in &picks {
        if !names.contains(&b.criterion.as_str()) {
            names.push(&b.criterion);
        }
    }
    let rows: Vec<String> = names
        .iter()
        .map(|n| {
            Criterion::ALL
                .iter()
                .find(|c| c.name() == *n)
                .map_or_else(|| n.to_string(), |c| c.title().to_string())
        })
        .collect();
    // Each pick's series: the palette's, else one made from best_k.csv's group text.
    let key_of = |b: &BestKRow| {
        palette
            .keys()
            .iter()
            .find(|k| k.model == b.model && group_matches(&b.group, k))
            .cloned()
            .unwrap_or_else(|| GroupKey {
                model: b.model.clone(),
                axes: b
                    .group
                    .split(", ")
                    .filter_map(|p| p.split_once('='))
                    .map(|(a, v)| (a.to_string(), v.to_string()))
                    .collect(),
            })
    };
    let keys: Vec<GroupKey> = picks.iter().map(|b| key_of(b)).collect();
    let palette = palette.with(&keys);
    let series: Vec<&GroupKey> = palette.keys().iter().filter(|k| keys.contains(k)).collect();
    let slot = 0.84 / series.len() as f64;
    let marks: Vec<Mark> = picks
        .iter()
        .zip(&keys)
        .filter_map(|(b, key)| {
            let k = b.best_k?;
            let place = series.iter().position(|s| *s == key)?;
            let row = names.iter().position(|n| *n == b.criterion)?;
            Some(Mark {
                row,
                k,
                x: k as f64 + (place as f64 - 0.5 * (series.len() - 1) as f64) * slot,
                color: palette.look(key).color,
                agreed: b.seeds_agreeing == b.seed_picks.len() && b.seeds_mode == Some(k),
            })
        })
        .collect();
    // K across: every K the grid tried (summary.csv), and at least every K picked.
    let tried = Summary::read(dir)
        .map(|s| s.rows.iter().map(|r| r.k).collect::<Vec<_>>())
        .unwrap_or_default();
    let all_k = tried.iter().copied().chain(marks.iter().map(|m| m.k));
    let k_range = all_k.fold((usize::MAX, 0), |(lo, hi), k| (lo.min(k), hi.max(k)));
    let mut legend: Vec<LegendEntry> = series
        .iter()
        .map(|key| LegendEntry {
            label: palette.label(key),
            swatch: Swatch::Dot(palette.look(key).color),
        })
        .collect();
    if marks.iter().any(|m| !m.agreed) {
        legend.push(LegendEntry {
            label: "seeds disagree (the pick of the mean over seeds)".into(),
            swatch: Swatch::Ring(RGBColor(0x66, 0x66, 0x66)),
        });
    }
    let legend_rows = legend.len().div_ceil(3) as u32;
    Ok(Some(AgreementFigure {
        title: format!("{name}: the K each criterion picks (best_k.csv)"),
        size: (900, 130 + 56 * rows.len() as u32 + 24 * legend_rows),
        rows,
        k_range,
        marks,
        slot,
        legend,
    }))
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

/// The objective of chosen cells at each iteration: one panel per series (a model and its
/// axis values, captioned as in the other figures), one line per K coloured along viridis,
/// the cells of one seed. Inertia, which falls by orders of magnitude across K, is drawn on a
/// log axis. Cells that recorded no trace (K-means with Elkan) are named under their panel.
pub(crate) fn trace(
    dir: &Path,
    spec: &PlotSpec,
    t: &TraceSpec,
    name: &str,
    palette: &Palette,
) -> Result<TraceFigure> {
    let runs = Runs::read(dir)?;
    check_axes_exist(&runs, spec, &t.axes)?;
    let chosen: Vec<&RunRow> = runs
        .rows
        .iter()
        .filter(|r| {
            r.ok && t.model.as_ref().is_none_or(|m| &r.model == m)
                && (t.ks.is_empty() || t.ks.contains(&r.k))
                && axes_match(&runs, r, &t.axes)
        })
        .collect();
    let Some(seed) = t.seed.or_else(|| chosen.iter().map(|r| r.seed).min()) else {
        return Err(nothing(
            spec,
            format!("no ok cell of {} matches the plot", runs.path.display()),
        ));
    };
    let chosen: Vec<&RunRow> = chosen.into_iter().filter(|r| r.seed == seed).collect();
    if chosen.is_empty() {
        return Err(nothing(
            spec,
            format!("no ok cell of {} has seed {seed}", runs.path.display()),
        ));
    }
    // Panels in the palette's order of series, lines in increasing K.
    let mut groups: BTreeMap<usize, (GroupKey, Vec<&RunRow>)> = BTreeMap::new();
    let order = |key: &GroupKey| palette.keys().iter().position(|k| k == key);
    for row in chosen {
        let key = GroupKey::new(&row.model, &runs.axes, &row.axes);
        let at = order(&key).unwrap_or(usize::MAX - groups.len());
        groups
            .entry(at)
            .or_insert_with(|| (key, Vec::new()))
            .1
            .push(row);
    }
    let ks: BTreeSet<usize> = groups
        .values()
        .flat_map(|(_, rows)| rows.iter().map(|r| r.k))
        .collect();
    let color_of = |k: usize| {
        let i = ks.iter().position(|&x| x == k).unwrap_or(0);
        if ks.len() <= 1 {
            viridis(0.0)
        } else {
            viridis(0.9 * i as f64 / (ks.len() - 1) as f64)
        }
    };
    let mut panels = Vec::new();
    for (key, mut rows) in groups.into_values() {
        rows.sort_by_key(|r| r.k);
        let mut lines = Vec::new();
        let mut missing = Vec::new();
        let mut objective: Option<String> = None;
        for row in rows {
            let path = dir.join("models").join(format!("{}.json", row.cell_id));
            match TraceFile::read(&path)?.trace {
                Some(tr) if !tr.values.is_empty() => {
                    objective.get_or_insert(tr.objective);
                    lines.push((row.k, color_of(row.k), tr.values));
                }
                _ => missing.push(row.k.to_string()),
            }
        }
        let note = (!missing.is_empty()).then(|| {
            format!(
                "no trace recorded for K = {} (only Lloyd's K-means and EM record one)",
                missing.join(", ")
            )
        });
        let Some(objective) = objective else {
            panels.push(TracePanel {
                caption: palette.label(&key),
                y_desc: String::new(),
                log_y: false,
                lines,
                note,
            });
            continue;
        };
        let positive = lines.iter().flat_map(|l| &l.2).all(|v| *v > 0.0);
        let (lo, hi) = lines
            .iter()
            .flat_map(|l| &l.2)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        let log_y = positive && hi > 20.0 * lo;
        let mut y_desc = objective_desc(&objective);
        if log_y {
            y_desc.push_str(", log scale");
        }
        panels.push(TracePanel {
            caption: palette.label(&key),
            y_desc,
            log_y,
            lines,
            note,
        });
    }
    if panels.iter().all(|p| p.lines.is_empty()) {
        return Err(nothing(
            spec,
            format!(
                "no chosen cell of {} recorded a trace (only Lloyd's K-means and EM record one; \
                 Elkan, X-means and G-means do not)",
                runs.path.display()
            ),
        ));
    }
    let legend = ks
        .iter()
        .map(|&k| LegendEntry {
            label: format!("K = {k}"),
            swatch: Swatch::Line(LineLook {
                color: color_of(k),
                dash: None,
            }),
        })
        .collect();
    let columns = if panels.len() == 1 { 1 } else { 2 };
    let rows = panels.len().div_ceil(columns) as u32;
    Ok(TraceFigure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| format!("{name}: convergence per iteration (seed {seed})")),
        panels,
        columns,
        size: (if columns == 1 { 800 } else { 1100 }, 330 * rows + 130),
        legend,
    })
}

/// Each dataset (a row) against each series of models (a column): in every panel the data,
/// coloured by the labels of one cell, with its ARI against the truth and its fit time. The
/// cell is the one of the smallest seed at the dataset's own number of classes when the grid
/// has it, else at the smallest K. Data of more than two features are drawn on their first two
/// principal components.
pub(crate) fn gallery(
    dir: &Path,
    spec: &PlotSpec,
    name: &str,
    palette: &Palette,
) -> Result<GalleryFigure> {
    let runs = Runs::read(dir)?;
    // Columns are series without the data's axes; rows are datasets.
    let model_axes: Vec<String> = runs
        .axes
        .iter()
        .filter(|a| !a.starts_with("data."))
        .cloned()
        .collect();
    let key_of = |r: &RunRow| {
        let values: Vec<String> = runs
            .axes
            .iter()
            .zip(&r.axes)
            .filter(|(a, _)| !a.starts_with("data."))
            .map(|(_, v)| v.clone())
            .collect();
        GroupKey::new(&r.model, &model_axes, &values)
    };
    let mut columns: Vec<GroupKey> = Vec::new();
    let mut rows: Vec<Option<String>> = Vec::new();
    for r in &runs.rows {
        let key = key_of(r);
        if !columns.contains(&key) {
            columns.push(key);
        }
        if !rows.contains(&r.data_id) {
            rows.push(r.data_id.clone());
        }
    }
    if columns.is_empty() {
        return Err(nothing(
            spec,
            format!("{} has no cell with a K", runs.path.display()),
        ));
    }
    // The palette's order of series, where it knows them.
    columns.sort_by_key(|k| {
        palette
            .keys()
            .iter()
            .position(|p| p.model == k.model && k.axes.iter().all(|a| p.axes.contains(a)))
            .unwrap_or(usize::MAX)
    });
    let mut panels = Vec::with_capacity(rows.len());
    let mut row_labels = Vec::with_capacity(rows.len());
    for data_id in &rows {
        let path = match data_id {
            Some(id) => dir.join("data").join(format!("{id}.csv")),
            None => dir.join("data.csv"),
        };
        let data = DataFile::read(&path)?;
        let classes = data
            .labels
            .as_ref()
            .map(|l| l.iter().collect::<BTreeSet<_>>().len());
        let (_, points) = plane(&data);
        let label = runs
            .rows
            .iter()
            .find(|r| &r.data_id == data_id)
            .and_then(|r| {
                runs.axes
                    .iter()
                    .zip(&r.axes)
                    .filter(|(a, v)| a.starts_with("data.") && !v.is_empty())
                    .map(|(a, v)| {
                        if a == "data.kind" {
                            v.clone()
                        } else {
                            format!("{} = {v}", a.trim_start_matches("data."))
                        }
                    })
                    .reduce(|a, b| format!("{a}, {b}"))
            })
            .unwrap_or_else(|| "data".into());
        row_labels.push(label);
        let mut row = Vec::with_capacity(columns.len());
        for key in &columns {
            let candidates: Vec<&RunRow> = runs
                .rows
                .iter()
                .filter(|r| &r.data_id == data_id && r.ok && &key_of(r) == key)
                .collect();
            let k = classes
                .filter(|c| candidates.iter().any(|r| r.k == *c))
                .or_else(|| candidates.iter().map(|r| r.k).min());
            let cell = candidates
                .iter()
                .filter(|r| Some(r.k) == k)
                .min_by_key(|r| r.seed);
            let Some(cell) = cell else {
                row.push(None);
                continue;
            };
            let model =
                ModelFile::read(&dir.join("models").join(format!("{}.json", cell.cell_id)))?;
            let n_colors = model.labels.iter().max().map_or(1, |m| m + 1).max(cell.k);
            let groups = by_label(&points, &model.labels, n_colors);
            let mut corner = vec![format!("K = {}", cell.k)];
            if let Some(ari) = cell.scores.get("ari") {
                // No "-0.00": a chance-level ARI is 0.
                let ari = if ari.abs() < 0.005 { 0.0 } else { *ari };
                corner.push(format!("ARI {ari:.2}"));
            }
            if let Some(t) = cell.scores.get("fit_seconds") {
                corner.push(seconds_text(*t));
            }
            row.push(Some(GalleryPanel { groups, corner }));
        }
        panels.push(row);
    }
    let n_cols = columns.len() as u32;
    let n_rows = panels.len() as u32;
    Ok(GalleryFigure {
        title: spec.title.clone().unwrap_or_else(|| {
            format!("{name}: each model on each dataset (colours: fitted labels)")
        }),
        column_labels: columns.iter().map(|k| palette.label(k)).collect(),
        row_labels,
        panels,
        size: (130 + 200 * n_cols, 80 + 190 * n_rows),
    })
}

/// Where each sample is drawn: data of more than two features on their plane of most spread
/// (see `pca`, with the projection), not on two columns; others as they are.
fn plane(data: &DataFile) -> (Option<Projection>, Vec<(f64, f64)>) {
    let pca = (data.features.len() > 2)
        .then(|| Projection::principal(data.x.view()))
        .flatten();
    let points = match &pca {
        Some(p) => data
            .x
            .rows()
            .into_iter()
            .map(|r| p.point(&r.to_vec()))
            .collect(),
        None => data.points.clone(),
    };
    (pca, points)
}

/// The points of each of `n` labels, in the label's colour (a label out of range is left out).
fn by_label(points: &[(f64, f64)], labels: &[usize], n: usize) -> Vec<(RGBColor, Vec<(f64, f64)>)> {
    let mut groups: Vec<(RGBColor, Vec<(f64, f64)>)> =
        (0..n).map(|c| (label_color(c, n), Vec::new())).collect();
    for (p, l) in points.iter().zip(labels) {
        if let Some(g) = groups.get_mut(*l) {
            g.1.push(*p);
        }
    }
    groups
}

/// A fit time as the corner of a gallery panel shows it: `12 ms`, `1.3 s`.
fn seconds_text(t: f64) -> String {
    if t < 1.0 {
        format!("{:.0} ms", (t * 1000.0).max(1.0))
    } else {
        format!("{t:.1} s")
    }
}

/// The y axis title of a traced objective.
fn objective_desc(objective: &str) -> String {
    match objective {
        "inertia" => "inertia".into(),
        "lower_bound" => "lower bound (mean log-likelihood)".into(),
        "elbo" => "ELBO (variational lower bound, total)".into(),
        other => other.replace('_', " "),
    }
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
fn axes_match(runs: &Runs, row: &RunRow, pinned: &BTreeMap<String, AxisValue>) -> bool {
    pinned.iter().all(|(axis, value)| {
        runs.axes
            .iter()
            .position(|a| a == axis)
            .is_some_and(|i| value.matches(&row.axes[i]))
    })
}

fn check_axes_exist(
    runs: &Runs,
    spec: &PlotSpec,
    pinned: &BTreeMap<String, AxisValue>,
) -> Result<()> {
    if let Some(missing) = pinned.keys().find(|a| !runs.axes.contains(a)) {
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
    check_axes_exist(&runs, spec, &s.axes)?;
    let candidates: Vec<&RunRow> = runs
        .rows
        .iter()
        .filter(|r| r.model == model && r.k == k && r.seed == seed && axes_match(&runs, r, &s.axes))
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
    check_axes_exist(&runs, spec, &s.axes)?;
    let ids: BTreeSet<Option<&str>> = runs
        .rows
        .iter()
        .filter(|r| axes_match(&runs, r, &s.axes))
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
    fn stars_on_one_spot_spread_in_series_order_and_others_stay() {
        let line = |stars: &[(usize, f64)]| Line {
            look: crate::style::line_look(0),
            points: Vec::new(),
            stars: stars.iter().map(|&(k, y)| Star { k, y, dx: 0 }).collect(),
        };
        let mut lines = vec![
            line(&[(3, 1.0)]),
            line(&[(3, 0.97)]),
            line(&[(3, 1.0), (5, 0.0)]),
            line(&[(3, 0.2)]),
        ];
        spread_stars(&mut lines);
        let dx: Vec<Vec<i32>> = lines
            .iter()
            .map(|l| l.stars.iter().map(|s| s.dx).collect())
            .collect();
        assert_eq!(dx, [vec![-15], vec![0], vec![15, 0], vec![0]]);
        let mut two = vec![line(&[(2, 0.0)]), line(&[(2, 0.0)])];
        spread_stars(&mut two);
        assert_eq!((two[0].stars[0].dx, two[1].stars[0].dx), (-7, 7));
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
