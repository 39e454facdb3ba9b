//! The tables of a run, `runs.csv`, `summary.csv` and `best_k.csv`, made from the journal's
//! records in grid order (never in completion order) and written through the
//! [schema](crate::schema) that the report reads them with, atomically.

use std::{collections::HashMap, path::Path};

use clusterlab_metrics::select::{Criterion, SeedSpread, vote};

use super::{CellRecord, write_atomic};
use crate::{
    Error,
    grid::{Cell, CellId, Plan, value_text},
    schema::{BestKRow, COLUMNS_FILE, Columns, RunRow, Status, SummaryRow, group_text},
};

/// The layout of the plan's tables for these records.
pub fn columns(plan: &Plan, records: &HashMap<CellId, CellRecord>) -> Columns {
    let warnings = plan
        .cells
        .iter()
        .any(|c| records.get(&c.id).is_some_and(|r| !r.warnings.is_empty()));
    Columns {
        warnings,
        data_ids: plan.datasets.len() > 1 || plan.datasets.iter().any(|d| d.id.is_some()),
        axes: plan.axis_columns.clone(),
        scores: plan
            .grid
            .registry
            .score_columns()
            .into_iter()
            .map(String::from)
            .collect(),
        metrics: plan.metric_columns(),
    }
}

/// A cell's value of each axis column, as text (empty where the axis does not apply).
fn axis_texts(plan: &Plan, cell: &Cell) -> Vec<String> {
    plan.axis_columns
        .iter()
        .map(|col| {
            cell.axes
                .iter()
                .find(|(n, _)| n == col)
                .map(|(_, v)| value_text(v))
                .unwrap_or_default()
        })
        .collect()
}

fn number(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// The rows of `runs.csv`: one per cell of the plan that has a record, in grid order.
pub fn run_rows(
    plan: &Plan,
    columns: &Columns,
    records: &HashMap<CellId, CellRecord>,
) -> Vec<RunRow> {
    plan.cells
        .iter()
        .filter_map(|cell| {
            let rec = records.get(&cell.id)?;
            Some(RunRow {
                cell_id: cell.id.to_string(),
                model: cell.model.clone(),
                kind: cell.kind.name.to_owned(),
                data_id: plan.datasets[cell.data].id.clone(),
                k: cell.k,
                seed: cell.seed,
                axes: axis_texts(plan, cell),
                scores: columns
                    .scores
                    .iter()
                    .map(|s| number(rec.score(s)))
                    .collect(),
                n_iter: rec.n_iter,
                converged: rec.converged,
                status: rec.status,
                error: rec.error.clone(),
                warnings: rec.warnings.clone(),
                fit_seconds: number(&rec.fit_seconds).unwrap_or(f64::NAN),
                metrics: columns
                    .metrics
                    .iter()
                    .map(|m| number(rec.score(m)))
                    .collect(),
            })
        })
        .collect()
}

/// What makes a row of `summary.csv`: model, dataset, K and the other axes' values.
type SummaryKey = (String, Option<String>, Option<usize>, Vec<String>);

/// The rows of `summary.csv`: per model and combination of every axis but `seed`, in grid
/// order, the number of seeds that succeeded (`n_seeds`) and failed (`n_failed`), and the mean
/// and standard deviation (population, ddof = 0, as numpy's default) of each summarised column
/// over the successful seeds; none where a value is missing or no seed succeeded.
pub fn summary_rows(
    plan: &Plan,
    columns: &Columns,
    records: &HashMap<CellId, CellRecord>,
) -> Vec<SummaryRow> {
    // Groups in order of first appearance, which is grid order.
    let mut groups: Vec<(SummaryRow, Vec<&CellRecord>)> = Vec::new();
    let mut index: HashMap<SummaryKey, usize> = HashMap::new();
    for cell in &plan.cells {
        let data_id = plan.datasets[cell.data].id.clone();
        let axes = axis_texts(plan, cell);
        let key = (cell.model.clone(), data_id.clone(), cell.k, axes.clone());
        let gi = *index.entry(key).or_insert_with(|| {
            let row = SummaryRow {
                model: cell.model.clone(),
                kind: cell.kind.name.to_owned(),
                data_id,
                k: cell.k,
                axes,
                n_seeds: 0,
                n_failed: 0,
                stats: Vec::new(),
            };
            groups.push((row, Vec::new()));
            groups.len() - 1
        });
        match records.get(&cell.id) {
            Some(rec) if rec.status == Status::Ok => groups[gi].1.push(rec),
            Some(_) => groups[gi].0.n_failed += 1,
            None => {}
        }
    }
    let summarised = columns.summarised();
    groups
        .into_iter()
        .map(|(mut row, recs)| {
            row.n_seeds = recs.len();
            row.stats = summarised
                .iter()
                .map(|s| {
                    let values: Option<Vec<f64>> = recs
                        .iter()
                        .map(|r| {
                            if s == "n_iter" {
                                r.n_iter.map(|n| n as f64)
                            } else {
                                number(r.score(s))
                            }
                        })
                        .collect();
                    match values {
                        Some(v) if !v.is_empty() => {
                            let (mean, std) = mean_std(&v);
                            (Some(mean), Some(std))
                        }
                        _ => (None, None),
                    }
                })
                .collect();
            row
        })
        .collect()
}

/// Mean and population standard deviation, summed first to last.
///
/// ```
/// use clusterlab_experiment::record::mean_std;
/// assert_eq!(mean_std(&[1.0, 3.0]), (2.0, 1.0));
/// ```
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The K one criterion picks for one model and group (every axis but K and seed).
#[derive(Debug, Clone, PartialEq)]
pub struct BestK {
    /// The model's name.
    pub model: String,
    /// The model's kind.
    pub kind: String,
    /// The dataset (`None` with a single dataset).
    pub data_id: Option<String>,
    /// The other axes' values, `name=value` separated by `, ` (empty when there are none).
    pub group: String,
    /// The criterion's name (`elbow`, `silhouette`, `bic`, ...).
    pub criterion: Criterion,
    /// The K picked from the mean over seeds; `None` when the criterion picks nothing.
    pub best_k: Option<usize>,
    /// The K each seed's own series picks, and their summary.
    pub spread: SeedSpread,
}

/// Picks K for every model, group and criterion whose series was recorded, from the mean
/// over seeds (and, for the spread, from each seed alone). Groups follow grid order.
pub fn best_k(plan: &Plan, records: &HashMap<CellId, CellRecord>) -> Vec<BestK> {
    // (model, data, group) -> (ks in grid order, seeds in grid order, value by (k, seed, series))
    struct Group<'a> {
        model: &'a str,
        kind: &'static crate::registry::Algorithm,
        data_id: Option<String>,
        group: String,
        /// The data's `(n_samples, n_features)`, which some rules need.
        size: (usize, usize),
        ks: Vec<usize>,
        seeds: Vec<u64>,
        recs: Vec<(usize, u64, &'a CellRecord)>,
    }
    let mut groups: Vec<Group<'_>> = Vec::new();
    // K is chosen only among the values of K a model was run with.
    for (cell, k) in plan.cells.iter().filter_map(|c| Some((c, c.k?))) {
        let group = group_of(plan, cell);
        let data_id = plan.datasets[cell.data].id.clone();
        let gi = match groups
            .iter()
            .position(|g| g.model == cell.model && g.data_id == data_id && g.group == group)
        {
            Some(i) => i,
            None => {
                let data = &plan.datasets[cell.data].data;
                groups.push(Group {
                    model: &cell.model,
                    kind: cell.kind,
                    data_id,
                    group,
                    size: (data.n_samples(), data.n_features()),
                    ks: Vec::new(),
                    seeds: Vec::new(),
                    recs: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[gi];
        if !g.ks.contains(&k) {
            g.ks.push(k);
        }
        if !g.seeds.contains(&cell.seed) {
            g.seeds.push(cell.seed);
        }
        if let Some(rec) = records.get(&cell.id).filter(|r| r.status == Status::Ok) {
            g.recs.push((k, cell.seed, rec));
        }
    }
    let metrics = plan.metric_columns();
    let mut out = Vec::new();
    for g in &groups {
        let mut ks = g.ks.clone();
        ks.sort_unstable();
        // The criteria that read a metric of the grid or a score the model reports; a K the
        // model found itself is a row of `found_k`, not a pick along K.
        let criteria = Criterion::ALL.into_iter().filter(|c| {
            c.direction() != clusterlab_metrics::select::Direction::Found
                && (metrics.iter().any(|m| m == c.series())
                    || g.kind.scores.iter().any(|s| s.criterion == Some(*c)))
        });
        let first = out.len();
        for criterion in criteria {
            let series = criterion.series();
            let value = |k: usize, seed: u64| -> f64 {
                g.recs
                    .iter()
                    .find(|(rk, rs, _)| *rk == k && *rs == seed)
                    .and_then(|(_, _, r)| r.score(series).parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            let per_seed: Vec<Vec<f64>> = g
                .seeds
                .iter()
                .map(|&seed| ks.iter().map(|&k| value(k, seed)).collect())
                .collect();
            if per_seed.iter().flatten().all(|v| !v.is_finite()) {
                continue;
            }
            let mean: Vec<f64> = (0..ks.len())
                .map(|i| {
                    let vals: Vec<f64> = per_seed
                        .iter()
                        .map(|s| s[i])
                        .filter(|v| v.is_finite())
                        .collect();
                    if vals.is_empty() {
                        f64::NAN
                    } else {
                        vals.iter().sum::<f64>() / vals.len() as f64
                    }
                })
                .collect();
            // The grid's own prediction-strength threshold; the criterion's rule otherwise.
            let pick = |values: &[f64], se: Option<&[f64]>| match (criterion, plan.stability) {
                (Criterion::PredictionStrength, Some(t)) => {
                    clusterlab_metrics::stability::prediction_strength_pick(&ks, values, t)
                }
                _ => criterion.pick_in(&ks, values, se, Some(g.size)),
            };
            // The gap rule weighs each K's gap by its standard error, averaged like the gap.
            let se: Vec<f64> = ks
                .iter()
                .map(|&k| {
                    let v: Vec<f64> = g
                        .seeds
                        .iter()
                        .filter_map(|&seed| {
                            g.recs
                                .iter()
                                .find(|(rk, rs, _)| *rk == k && *rs == seed)
                                .and_then(|(_, _, r)| r.score("gap_se").parse::<f64>().ok())
                        })
                        .collect();
                    if v.is_empty() {
                        0.0
                    } else {
                        v.iter().sum::<f64>() / v.len() as f64
                    }
                })
                .collect();
            out.push(BestK {
                model: g.model.to_owned(),
                kind: g.kind.name.to_owned(),
                data_id: g.data_id.clone(),
                group: g.group.clone(),
                criterion,
                best_k: pick(&mean, Some(&se)),
                spread: SeedSpread::new(per_seed.iter().map(|v| pick(v, None)).collect()),
            });
        }
        // The vote: the K most criteria pick, from the mean and for each seed alone.
        let picked = &out[first..];
        if picked.len() >= 2 {
            let picks: Vec<Option<usize>> = picked.iter().map(|b| b.best_k).collect();
            let per_seed: Vec<Option<usize>> = (0..g.seeds.len())
                .map(|s| {
                    let seed_picks: Vec<Option<usize>> = picked
                        .iter()
                        .map(|b| b.spread.picks.get(s).copied().flatten())
                        .collect();
                    vote(&seed_picks)
                })
                .collect();
            out.push(BestK {
                model: g.model.to_owned(),
                kind: g.kind.name.to_owned(),
                data_id: g.data_id.clone(),
                group: g.group.clone(),
                criterion: Criterion::Vote,
                best_k: vote(&picks),
                spread: SeedSpread::new(per_seed),
            });
        }
    }
    out.extend(found_k(plan, records));
    out
}

/// A cell's group as `best_k.csv` names it: its axis values in column order, empty ones left
/// out (the text the report rebuilds from a summary row to find a group's picks).
fn group_of(plan: &Plan, cell: &Cell) -> String {
    let texts = axis_texts(plan, cell);
    group_text(
        plan.axis_columns
            .iter()
            .zip(&texts)
            .filter(|(_, t)| !t.is_empty())
            .map(|(n, t)| (n.as_str(), t.as_str())),
    )
}

/// The rows of the algorithms that find K themselves: X-means and G-means (their
/// `n_clusters`), and a variational mixture (its `effective_n_components`). Each seed's pick
/// is read from its cell, or, when the model has a K axis (the variational mixture's
/// `n_components`, an upper bound), from its cell of the largest K; the most frequent pick
/// heads the row.
fn found_k(plan: &Plan, records: &HashMap<CellId, CellRecord>) -> Vec<BestK> {
    let found = |c: &Cell| {
        c.kind.scores.iter().filter_map(|spec| {
            spec.criterion
                .filter(|c| c.direction() == clusterlab_metrics::select::Direction::Found)
                .map(|criterion| (spec, criterion))
        })
    };
    let mut out: Vec<BestK> = Vec::new();
    let mut seen: Vec<(String, Option<String>, String)> = Vec::new();
    for cell in plan.cells.iter().filter(|c| found(c).next().is_some()) {
        let group = group_of(plan, cell);
        let data_id = plan.datasets[cell.data].id.clone();
        let key = (cell.model.clone(), data_id.clone(), group.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        // The group's cells, in grid order; per seed, the one of the largest K.
        let group_cells: Vec<&Cell> = plan
            .cells
            .iter()
            .filter(|c| {
                c.model == cell.model
                    && plan.datasets[c.data].id == data_id
                    && group_of(plan, c) == group
            })
            .collect();
        let mut members: Vec<&Cell> = Vec::new();
        for c in &group_cells {
            match members.iter_mut().find(|m| m.seed == c.seed) {
                Some(m) if c.k > m.k => *m = c,
                Some(_) => {}
                None => members.push(c),
            }
        }
        for (spec, criterion) in found(cell) {
            let picks: Vec<Option<usize>> = members
                .iter()
                .map(|c| {
                    let r = records.get(&c.id).filter(|r| r.status == Status::Ok)?;
                    let v = r.score(spec.name).parse::<f64>().ok()?;
                    (v.is_finite() && v >= 0.0).then(|| v.round() as usize)
                })
                .collect();
            let spread = SeedSpread::new(picks);
            out.push(BestK {
                model: cell.model.clone(),
                kind: cell.kind.name.to_owned(),
                data_id: data_id.clone(),
                group: group.clone(),
                criterion,
                best_k: spread.mode,
                spread,
            });
        }
    }
    out
}

/// The rows of `best_k.csv`: one per model, group and criterion ([`best_k`]).
pub fn best_k_rows(best: &[BestK]) -> Vec<BestKRow> {
    best.iter()
        .map(|b| BestKRow {
            model: b.model.clone(),
            kind: b.kind.clone(),
            data_id: b.data_id.clone(),
            group: b.group.clone(),
            criterion: b.criterion.name().to_owned(),
            best_k: b.best_k,
            seeds_mode: b.spread.mode,
            seeds_min: b.spread.min,
            seeds_max: b.spread.max,
            seeds_agreeing: b.spread.agreeing,
            seed_picks: b.spread.picks.clone(),
        })
        .collect()
}

/// Writes `columns.json`, `runs.csv`, `summary.csv` and `best_k.csv` from the records,
/// atomically.
pub fn write_tables(
    plan: &Plan,
    records: &HashMap<CellId, CellRecord>,
    dir: &Path,
) -> Result<(), Error> {
    let columns = columns(plan, records);
    write_atomic(&dir.join(COLUMNS_FILE), columns.to_json().as_bytes())?;
    let write = |name: &str, bytes: Result<Vec<u8>, csv::Error>| {
        let path = dir.join(name);
        let bytes = bytes.map_err(|source| Error::Csv {
            path: path.clone(),
            source,
        })?;
        write_atomic(&path, &bytes)
    };
    write(
        "runs.csv",
        columns.runs_csv(&run_rows(plan, &columns, records)),
    )?;
    write(
        "summary.csv",
        columns.summary_csv(&summary_rows(plan, &columns, records)),
    )?;
    write(
        "best_k.csv",
        columns.best_k_csv(&best_k_rows(&best_k(plan, records))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_std_population() {
        let (m, s) = mean_std(&[1.0, 3.0]);
        assert_eq!((m, s), (2.0, 1.0));
    }
}
