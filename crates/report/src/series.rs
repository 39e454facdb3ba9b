//! Pure functions from result rows to the series a plot draws: grouping, means and spreads
//! over seeds, normalisation, covariance ellipses. Nothing here draws or reads files, so all
//! of it is tested on small hand-checked inputs.

use std::collections::HashMap;

use clusterlab_experiment::record::mean_std;

use crate::results::{RunRow, SummaryRow};

/// Which line a row belongs to: its model and its non-empty axis values (other than K, seed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey {
    pub model: String,
    /// (axis, value) pairs, in the table's axis order, empty values left out.
    pub axes: Vec<(String, String)>,
}

impl GroupKey {
    pub(crate) fn new(model: &str, names: &[String], values: &[String]) -> Self {
        GroupKey {
            model: model.to_string(),
            axes: names
                .iter()
                .zip(values)
                .filter(|(_, v)| !v.is_empty())
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
        }
    }
}

/// One value of a line at one K: the mean over seeds and its spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BandPoint {
    pub k: usize,
    pub mean: f64,
    /// Standard deviation over seeds (population, `ddof = 0`); 0 for a single seed.
    pub std: f64,
    /// Number of seeds behind the mean (0 when read from summary.csv, which says elsewhere).
    pub n: usize,
}

/// One line of a plot: a group's values against K, sorted by K.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Band {
    pub key: GroupKey,
    pub points: Vec<BandPoint>,
}

/// The lines of `score` against K from runs.csv's ok rows: one per (model, axis values),
/// in order of first appearance (grid order), each point the mean and spread over seeds.
/// Groups with no value of `score` are left out.
pub(crate) fn bands_from_runs(rows: &[RunRow], axes: &[String], score: &str) -> Vec<Band> {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut values: HashMap<GroupKey, Vec<(usize, f64)>> = HashMap::new();
    for row in rows.iter().filter(|r| r.ok) {
        let Some(v) = row.scores.get(score) else {
            continue;
        };
        let key = GroupKey::new(&row.model, axes, &row.axes);
        if !values.contains_key(&key) {
            order.push(key.clone());
        }
        values.entry(key).or_default().push((row.k, *v));
    }
    order
        .into_iter()
        .map(|key| {
            let mut by_k: Vec<(usize, f64)> = values.remove(&key).unwrap_or_default();
            by_k.sort_by_key(|(k, _)| *k);
            let points = by_k
                .chunk_by(|a, b| a.0 == b.0)
                .map(|chunk| {
                    let vs: Vec<f64> = chunk.iter().map(|(_, v)| *v).collect();
                    // The statistics summary.csv holds (population std, ddof = 0).
                    let (mean, std) = mean_std(&vs);
                    BandPoint {
                        k: chunk[0].0,
                        mean,
                        std,
                        n: vs.len(),
                    }
                })
                .collect();
            Band { key, points }
        })
        .collect()
}

/// The lines of `score` against K from summary.csv (`<score>_mean`, `<score>_std`).
pub(crate) fn bands_from_summary(rows: &[SummaryRow], axes: &[String], score: &str) -> Vec<Band> {
    let mut order: Vec<GroupKey> = Vec::new();
    let mut points: HashMap<GroupKey, Vec<BandPoint>> = HashMap::new();
    for row in rows {
        let Some(mean) = row.mean.get(score) else {
            continue;
        };
        let key = GroupKey::new(&row.model, axes, &row.axes);
        if !points.contains_key(&key) {
            order.push(key.clone());
        }
        points.entry(key).or_default().push(BandPoint {
            k: row.k,
            mean: *mean,
            std: row.std.get(score).copied().unwrap_or(0.0),
            n: 0,
        });
    }
    order
        .into_iter()
        .map(|key| {
            let mut pts = points.remove(&key).unwrap_or_default();
            pts.sort_by_key(|p| p.k);
            Band { key, points: pts }
        })
        .collect()
}

/// Legend labels for groups: only what tells them apart. The model's name is shown when
/// models differ or when nothing else does; an axis is shown when its value differs between
/// groups (as `axis = value`).
pub(crate) fn group_labels(keys: &[&GroupKey]) -> Vec<String> {
    let models_differ = keys.windows(2).any(|w| w[0].model != w[1].model);
    let varying = |axis: &str| {
        let vals: Vec<Option<&String>> = keys
            .iter()
            .map(|k| k.axes.iter().find(|(a, _)| a == axis).map(|(_, v)| v))
            .collect();
        vals.windows(2).any(|w| w[0] != w[1])
    };
    keys.iter()
        .map(|key| {
            let mut parts: Vec<String> = key
                .axes
                .iter()
                .filter(|(a, _)| varying(a))
                .map(|(a, v)| format!("{a} = {v}"))
                .collect();
            if models_differ || parts.is_empty() {
                parts.insert(0, key.model.clone());
            }
            parts.join(", ")
        })
        .collect()
}

/// A band rescaled so that its means span [0, 1] (0 at the smallest mean, 1 at the largest);
/// spreads are scaled alike. A constant line sits at 0.5.
pub(crate) fn normalise(band: &Band) -> Band {
    let lo = band
        .points
        .iter()
        .map(|p| p.mean)
        .fold(f64::INFINITY, f64::min);
    let hi = band
        .points
        .iter()
        .map(|p| p.mean)
        .fold(f64::NEG_INFINITY, f64::max);
    let span = hi - lo;
    let points = band
        .points
        .iter()
        .map(|p| {
            if span > 0.0 && span.is_finite() {
                BandPoint {
                    mean: (p.mean - lo) / span,
                    std: p.std / span,
                    ..*p
                }
            } else {
                BandPoint {
                    mean: 0.5,
                    std: 0.0,
                    ..*p
                }
            }
        })
        .collect();
    Band {
        key: band.key.clone(),
        points,
    }
}

/// An ellipse: center, semi-axes and the angle of the major axis from the x axis (radians).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ellipse {
    pub center: (f64, f64),
    pub semi_major: f64,
    pub semi_minor: f64,
    pub angle: f64,
}

/// The `n_sigma` contour of a 2-D Gaussian with covariance `[[a, b], [b, c]]` (the top-left
/// block of a full covariance): semi-axes `n_sigma * sqrt(eigenvalue)`, major axis along the
/// first eigenvector. The 2x2 symmetric eigenproblem is closed form:
/// `lambda = (a + c) / 2 +- sqrt(((a - c) / 2)^2 + b^2)`, angle `atan2(2b, a - c) / 2`.
/// `None` when the block is not a finite positive semi-definite matrix.
pub(crate) fn covariance_ellipse(
    center: (f64, f64),
    cov: [[f64; 2]; 2],
    n_sigma: f64,
) -> Option<Ellipse> {
    let [[a, b1], [b2, c]] = cov;
    // Symmetrise: a stored covariance may differ in its last bits across the diagonal.
    let b = 0.5 * (b1 + b2);
    if ![a, b, c].iter().all(|v| v.is_finite()) {
        return None;
    }
    let mid = 0.5 * (a + c);
    let radius = (0.25 * (a - c) * (a - c) + b * b).sqrt();
    let (l1, l2) = (mid + radius, mid - radius);
    // Tiny negative eigenvalues are rounding; a clearly negative one is not a covariance.
    if l2 < -1e-12 * l1.abs().max(1.0) {
        return None;
    }
    Some(Ellipse {
        center,
        semi_major: n_sigma * l1.max(0.0).sqrt(),
        semi_minor: n_sigma * l2.max(0.0).sqrt(),
        angle: 0.5 * (2.0 * b).atan2(a - c),
    })
}

/// `n` points around the ellipse, closed (the first point repeated at the end).
pub(crate) fn ellipse_path(e: &Ellipse, n: usize) -> Vec<(f64, f64)> {
    let (sin, cos) = e.angle.sin_cos();
    (0..=n)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            let (u, v) = (e.semi_major * t.cos(), e.semi_minor * t.sin());
            (
                e.center.0 + u * cos - v * sin,
                e.center.1 + u * sin + v * cos,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn row(model: &str, k: usize, seed: u64, axis: &str, score: Option<f64>, ok: bool) -> RunRow {
        RunRow {
            cell_id: format!("{model}{k}{seed}{axis}"),
            model: model.into(),
            k,
            seed,
            data_id: None,
            ok,
            axes: vec![axis.into()],
            scores: score.map(|v| ("bic".to_string(), v)).into_iter().collect(),
        }
    }

    #[test]
    fn bands_group_by_model_and_axes_in_grid_order_and_skip_failed_rows() {
        let axes = vec!["covariance_type".to_string()];
        let rows = vec![
            row("gmm", 2, 0, "tied", Some(10.0), true),
            row("gmm", 1, 0, "tied", Some(1.0), true),
            row("gmm", 1, 1, "tied", Some(3.0), true),
            row("gmm", 1, 0, "full", Some(5.0), true),
            row("gmm", 1, 1, "full", Some(500.0), false),
            row("kmeans", 1, 0, "", None, true),
        ];
        let bands = bands_from_runs(&rows, &axes, "bic");
        assert_eq!(bands.len(), 2, "kmeans has no bic, so no line");
        assert_eq!(
            bands[0].key.axes,
            [("covariance_type".into(), "tied".into())]
        );
        assert_eq!(
            bands[0].points,
            [
                BandPoint {
                    k: 1,
                    mean: 2.0,
                    std: 1.0,
                    n: 2
                },
                BandPoint {
                    k: 2,
                    mean: 10.0,
                    std: 0.0,
                    n: 1
                }
            ]
        );
        assert_eq!(bands[1].points.len(), 1);
        assert_eq!(bands[1].points[0].mean, 5.0, "the failed row is left out");
    }

    #[test]
    fn bands_from_summary_read_mean_and_std() {
        let r = |k, m: f64, s: f64| SummaryRow {
            model: "km".into(),
            k,
            axes: vec![],
            mean: BTreeMap::from([("inertia".to_string(), m)]),
            std: BTreeMap::from([("inertia".to_string(), s)]),
        };
        let bands = bands_from_summary(&[r(3, 1.0, 0.1), r(2, 4.0, 0.2)], &[], "inertia");
        assert_eq!(bands.len(), 1);
        assert_eq!(bands[0].points[0].k, 2);
        assert_eq!(bands[0].points[1].std, 0.1);
        assert!(bands_from_summary(&[r(2, 1.0, 0.0)], &[], "bic").is_empty());
    }

    #[test]
    fn labels_show_only_what_differs() {
        let k = |m: &str, a: &[(&str, &str)]| GroupKey {
            model: m.into(),
            axes: a
                .iter()
                .map(|(x, y)| (x.to_string(), y.to_string()))
                .collect(),
        };
        let full = k("gmm", &[("covariance_type", "full"), ("init", "kmeans")]);
        let tied = k("gmm", &[("covariance_type", "tied"), ("init", "kmeans")]);
        assert_eq!(
            group_labels(&[&full, &tied]),
            ["covariance_type = full", "covariance_type = tied"]
        );
        let km = k("kmeans", &[]);
        assert_eq!(
            group_labels(&[&km, &full]),
            ["kmeans", "gmm, covariance_type = full, init = kmeans"]
        );
        assert_eq!(group_labels(&[&km]), ["kmeans"]);
    }

    #[test]
    fn normalise_maps_means_to_unit_interval() {
        let b = Band {
            key: GroupKey {
                model: "m".into(),
                axes: vec![],
            },
            points: [(1, 10.0, 2.0), (2, 30.0, 0.0), (3, 20.0, 4.0)]
                .map(|(k, mean, std)| BandPoint { k, mean, std, n: 1 })
                .to_vec(),
        };
        let n = normalise(&b);
        let means: Vec<f64> = n.points.iter().map(|p| p.mean).collect();
        assert_eq!(means, [0.0, 1.0, 0.5]);
        assert_eq!(n.points[0].std, 0.1);
        let flat = Band {
            points: vec![b.points[0]; 2],
            ..b
        };
        assert!(normalise(&flat).points.iter().all(|p| p.mean == 0.5));
    }

    #[test]
    fn ellipse_of_a_diagonal_covariance_follows_the_axes() {
        let e = covariance_ellipse((1.0, 2.0), [[4.0, 0.0], [0.0, 1.0]], 2.0).unwrap();
        assert_eq!((e.semi_major, e.semi_minor, e.angle), (4.0, 2.0, 0.0));
        let tall = covariance_ellipse((0.0, 0.0), [[1.0, 0.0], [0.0, 9.0]], 1.0).unwrap();
        assert_eq!((tall.semi_major, tall.semi_minor), (3.0, 1.0));
        assert!((tall.angle - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
    }

    #[test]
    fn ellipse_of_a_correlated_covariance_is_at_45_degrees() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1, eigenvectors along the diagonals.
        let e = covariance_ellipse((0.0, 0.0), [[2.0, 1.0], [1.0, 2.0]], 1.0).unwrap();
        assert!((e.semi_major - 3f64.sqrt()).abs() < 1e-12);
        assert!((e.semi_minor - 1.0).abs() < 1e-12);
        assert!((e.angle - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
        // Every point of the 1-sigma path has Mahalanobis distance 1.
        let inv = [[2.0 / 3.0, -1.0 / 3.0], [-1.0 / 3.0, 2.0 / 3.0]];
        for (x, y) in ellipse_path(&e, 16) {
            let m = x * (inv[0][0] * x + inv[0][1] * y) + y * (inv[1][0] * x + inv[1][1] * y);
            assert!((m - 1.0).abs() < 1e-9, "{m}");
        }
    }

    #[test]
    fn ellipse_refuses_what_is_not_a_covariance() {
        assert!(covariance_ellipse((0.0, 0.0), [[1.0, 2.0], [2.0, 1.0]], 2.0).is_none());
        assert!(covariance_ellipse((0.0, 0.0), [[f64::NAN, 0.0], [0.0, 1.0]], 2.0).is_none());
    }

    #[test]
    fn ellipse_path_is_closed() {
        let e = covariance_ellipse((5.0, -1.0), [[3.0, 0.5], [0.5, 1.0]], 2.0).unwrap();
        let p = ellipse_path(&e, 40);
        assert_eq!(p.len(), 41);
        assert!((p[0].0 - p[40].0).abs() < 1e-12 && (p[0].1 - p[40].1).abs() < 1e-12);
    }
}
