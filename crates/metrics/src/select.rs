//! Choosing K from a series of criterion values: pure functions over `(K, value)` pairs.
//!
//! The runner computes, for each model, one value per K of each criterion (mean inertia,
//! silhouette, ...), and asks each [`Criterion`] which K it picks; no caller needs a `match` of
//! its own. Every function takes the Ks and the values as two parallel slices, in any order of
//! K; values that are not finite (a criterion undefined at some K, such as the silhouette at
//! K = 1) are left out. A series with mismatched lengths, a repeated K or nothing left gives
//! `None`.
//!
//! # Examples
//!
//! ```
//! use clusterlab_metrics::select::Criterion;
//!
//! let ks = [1, 2, 3, 4, 5, 6];
//! let inertia = [1000.0, 520.0, 260.0, 60.0, 52.0, 45.0];
//! let silhouette = [f64::NAN, 0.48, 0.55, 0.68, 0.59, 0.51];
//! assert_eq!(Criterion::Elbow.pick(&ks, &inertia), Some(4));
//! assert_eq!(Criterion::Silhouette.pick(&ks, &silhouette), Some(4));
//! assert_eq!(Criterion::Silhouette.name(), "silhouette");
//! ```

use std::{fmt, str::FromStr};

use clusterlab_core::Error;
use serde::{Deserialize, Serialize};

use crate::gap::{GapPoint, gap_pick};

/// The finite points of a series, sorted by K; `None` if the series is malformed or empty.
fn clean(ks: &[usize], values: &[f64]) -> Option<Vec<(usize, f64)>> {
    if ks.len() != values.len() {
        return None;
    }
    let mut pts: Vec<(usize, f64)> = ks
        .iter()
        .copied()
        .zip(values.iter().copied())
        .filter(|(_, v)| v.is_finite())
        .collect();
    pts.sort_by_key(|p| p.0);
    if pts.is_empty() || pts.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    Some(pts)
}

/// The K with the largest value (the smallest such K on ties).
///
/// ```
/// use clusterlab_metrics::select::argmax_k;
/// assert_eq!(argmax_k(&[2, 3, 4], &[0.5, 0.7, 0.7]), Some(3));
/// assert_eq!(argmax_k(&[2, 3], &[f64::NAN, f64::NAN]), None);
/// ```
pub fn argmax_k(ks: &[usize], values: &[f64]) -> Option<usize> {
    let pts = clean(ks, values)?;
    pts.iter()
        .fold(None::<(usize, f64)>, |best, &(k, v)| match best {
            Some((_, bv)) if bv >= v => best,
            _ => Some((k, v)),
        })
        .map(|(k, _)| k)
}

/// The K with the smallest value (the smallest such K on ties).
///
/// ```
/// use clusterlab_metrics::select::argmin_k;
/// assert_eq!(argmin_k(&[2, 3, 4], &[0.9, 0.4, 0.6]), Some(3));
/// ```
pub fn argmin_k(ks: &[usize], values: &[f64]) -> Option<usize> {
    let neg: Vec<f64> = values.iter().map(|v| -v).collect();
    argmax_k(ks, &neg)
}

/// The knee or elbow of a curve by the Kneedle method (Satopaa, Albrecht, Irwin and Raghavan,
/// 2011), offline form: K and the values are normalised to `[0, 1]`, the curve is turned into
/// an increasing concave one, and the K where it rises furthest above the diagonal (the
/// maximum of the difference curve) is the knee.
///
/// `decreasing_convex = true` is the elbow of a decreasing convex curve such as inertia against
/// K; `false` the knee of an increasing concave curve. `None` with fewer than 3 points, a flat
/// curve, or no point above the diagonal (no knee: a straight or wrongly curved series).
///
/// ```
/// use clusterlab_metrics::select::kneedle;
/// let ks = [1, 2, 3, 4, 5, 6, 7, 8];
/// let inertia = [900.0, 500.0, 250.0, 100.0, 90.0, 82.0, 75.0, 70.0];
/// assert_eq!(kneedle(&ks, &inertia, true), Some(4));
/// // A straight line has no knee, nor has a curve bent the other way.
/// assert_eq!(kneedle(&ks, &[8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0], true), None);
/// assert_eq!(kneedle(&ks, &[8.0, 7.9, 7.7, 7.3, 6.5, 5.0, 3.0, 0.0], true), None);
/// ```
pub fn kneedle(ks: &[usize], values: &[f64], decreasing_convex: bool) -> Option<usize> {
    let pts = clean(ks, values)?;
    if pts.len() < 3 {
        return None;
    }
    let (k0, k1) = (pts[0].0 as f64, pts[pts.len() - 1].0 as f64);
    let vmin = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let vmax = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if vmax <= vmin {
        return None;
    }
    let mut best: Option<(usize, f64)> = None;
    for &(k, v) in &pts {
        let xn = (k as f64 - k0) / (k1 - k0);
        let yn = (v - vmin) / (vmax - vmin);
        // A decreasing convex curve flipped upside down is increasing concave.
        let y = if decreasing_convex { 1.0 - yn } else { yn };
        let diff = y - xn;
        // Rounding can lift a straight line a hair above the diagonal; that is no knee.
        if diff > best.map_or(KNEE_MIN, |b| b.1) {
            best = Some((k, diff));
        }
    }
    best.map(|b| b.0)
}

/// Smallest height above the diagonal (in normalised units) that counts as a knee.
const KNEE_MIN: f64 = 1e-9;

/// Whether a criterion wants its largest value, its smallest, or an elbow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The largest value wins.
    Maximize,
    /// The smallest value wins.
    Minimize,
    /// The elbow of a decreasing convex curve ([`kneedle`]).
    Elbow,
    /// Tibshirani's gap rule ([`gap_pick`]).
    GapRule,
}

/// A way of choosing K, as it appears in `best_k.csv` and the criteria plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Elbow of the mean inertia by [`kneedle`].
    Elbow,
    /// Highest mean silhouette.
    Silhouette,
    /// Highest Calinski-Harabasz index.
    CalinskiHarabasz,
    /// Lowest Davies-Bouldin index.
    DaviesBouldin,
    /// Lowest BIC (mixtures).
    Bic,
    /// Tibshirani's rule on the gap statistic (with its standard errors: [`Criterion::pick_with_se`]).
    Gap,
}

impl Criterion {
    /// Every criterion, in the order of the tables.
    pub const ALL: [Criterion; 6] = [
        Criterion::Elbow,
        Criterion::Silhouette,
        Criterion::CalinskiHarabasz,
        Criterion::DaviesBouldin,
        Criterion::Bic,
        Criterion::Gap,
    ];

    /// The name used in CSV columns and grid files (`"elbow"`, `"calinski_harabasz"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Criterion::Elbow => "elbow",
            Criterion::Silhouette => "silhouette",
            Criterion::CalinskiHarabasz => "calinski_harabasz",
            Criterion::DaviesBouldin => "davies_bouldin",
            Criterion::Bic => "bic",
            Criterion::Gap => "gap",
        }
    }

    /// Its name for a person, as a plot captions it (`"Calinski–Harabasz"`).
    ///
    /// ```
    /// use clusterlab_metrics::select::Criterion;
    /// assert_eq!(Criterion::Elbow.title(), "inertia, elbow");
    /// ```
    pub fn title(self) -> &'static str {
        match self {
            Criterion::Elbow => "inertia, elbow",
            Criterion::Silhouette => "silhouette",
            Criterion::CalinskiHarabasz => "Calinski–Harabasz",
            Criterion::DaviesBouldin => "Davies–Bouldin",
            Criterion::Bic => "BIC",
            Criterion::Gap => "gap statistic",
        }
    }

    /// Whether larger or smaller values of its series are better (the elbow reads a decreasing
    /// curve, the gap rule an increasing one).
    pub fn higher_is_better(self) -> bool {
        match self.direction() {
            Direction::Maximize | Direction::GapRule => true,
            Direction::Minimize | Direction::Elbow => false,
        }
    }

    /// The series this criterion reads, as a metric or result column name (`"inertia"` for
    /// the elbow; the others read the column of their own name).
    pub fn series(self) -> &'static str {
        match self {
            Criterion::Elbow => "inertia",
            other => other.name(),
        }
    }

    /// How the criterion picks.
    pub fn direction(self) -> Direction {
        match self {
            Criterion::Elbow => Direction::Elbow,
            Criterion::Silhouette | Criterion::CalinskiHarabasz => Direction::Maximize,
            Criterion::DaviesBouldin | Criterion::Bic => Direction::Minimize,
            Criterion::Gap => Direction::GapRule,
        }
    }

    /// The K this criterion picks from its series.
    ///
    /// For [`Criterion::Gap`] without standard errors this applies the rule with `s = 0` (the
    /// first K whose gap is not below the next one's); prefer [`Criterion::pick_with_se`].
    pub fn pick(self, ks: &[usize], values: &[f64]) -> Option<usize> {
        self.pick_with_se(ks, values, None)
    }

    /// As [`Criterion::pick`], with the gap's standard errors `s_k` (one per K, ignored by the
    /// other criteria).
    ///
    /// ```
    /// use clusterlab_metrics::select::Criterion;
    /// let ks = [1, 2, 3];
    /// let gap = [0.1, 0.5, 0.52];
    /// assert_eq!(Criterion::Gap.pick_with_se(&ks, &gap, Some(&[0.05, 0.05, 0.05])), Some(2));
    /// assert_eq!(Criterion::Gap.pick(&ks, &gap), None);
    /// ```
    pub fn pick_with_se(self, ks: &[usize], values: &[f64], se: Option<&[f64]>) -> Option<usize> {
        match self.direction() {
            Direction::Maximize => argmax_k(ks, values),
            Direction::Minimize => argmin_k(ks, values),
            Direction::Elbow => kneedle(ks, values, true),
            Direction::GapRule => {
                if ks.len() != values.len() || se.is_some_and(|s| s.len() != ks.len()) {
                    return None;
                }
                let points: Vec<GapPoint> = ks
                    .iter()
                    .enumerate()
                    .map(|(i, &k)| GapPoint {
                        k,
                        gap: values[i],
                        s_k: se.map_or(0.0, |s| s[i]),
                        log_w: f64::NAN,
                        ref_log_w_mean: f64::NAN,
                    })
                    .collect();
                gap_pick(&points)
            }
        }
    }

    /// The K picked by each seed's own series, with their summary: the spread over seeds.
    ///
    /// `per_seed[s]` holds seed `s`'s values, parallel to `ks`.
    ///
    /// ```
    /// use clusterlab_metrics::select::Criterion;
    /// let ks = [2, 3, 4];
    /// let seeds = vec![vec![0.5, 0.6, 0.7], vec![0.5, 0.8, 0.7], vec![0.4, 0.5, 0.9]];
    /// let spread = Criterion::Silhouette.pick_per_seed(&ks, &seeds);
    /// assert_eq!(spread.picks, vec![Some(4), Some(3), Some(4)]);
    /// assert_eq!((spread.mode, spread.min, spread.max), (Some(4), Some(3), Some(4)));
    /// assert_eq!(spread.agreeing, 2);
    /// ```
    pub fn pick_per_seed(self, ks: &[usize], per_seed: &[Vec<f64>]) -> SeedSpread {
        SeedSpread::new(per_seed.iter().map(|v| self.pick(ks, v)).collect())
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Criterion {
    type Err = Error;

    /// Parses a criterion's [`name`](Criterion::name).
    fn from_str(s: &str) -> Result<Self, Error> {
        Criterion::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Criterion::ALL.iter().map(|c| c.name()).collect();
                Error::invalid(
                    "criterion",
                    s,
                    format!("must be one of {}", names.join(", ")),
                )
            })
    }
}

/// The Ks picked by several seeds for one criterion, and how much they agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeedSpread {
    /// The K picked by each seed, in seed order (`None` where the series picks nothing).
    pub picks: Vec<Option<usize>>,
    /// The most frequent pick (the smallest K on ties).
    pub mode: Option<usize>,
    /// The smallest pick.
    pub min: Option<usize>,
    /// The largest pick.
    pub max: Option<usize>,
    /// How many seeds picked the mode.
    pub agreeing: usize,
}

impl SeedSpread {
    /// Summarises per-seed picks.
    ///
    /// ```
    /// use clusterlab_metrics::select::SeedSpread;
    /// let s = SeedSpread::new(vec![Some(3), None, Some(5), Some(5)]);
    /// assert_eq!((s.mode, s.min, s.max, s.agreeing), (Some(5), Some(3), Some(5), 2));
    /// ```
    pub fn new(picks: Vec<Option<usize>>) -> Self {
        let mut ks: Vec<usize> = picks.iter().flatten().copied().collect();
        ks.sort_unstable();
        let mut mode: Option<(usize, usize)> = None;
        for run in ks.chunk_by(|a, b| a == b) {
            if mode.is_none_or(|m| run.len() > m.1) {
                mode = Some((run[0], run.len()));
            }
        }
        SeedSpread {
            min: ks.first().copied(),
            max: ks.last().copied(),
            mode: mode.map(|m| m.0),
            agreeing: mode.map_or(0, |m| m.1),
            picks,
        }
    }

    /// A short text for tables: `"4"` when all seeds agree, `"4 (3-5, 7/10 seeds)"` otherwise,
    /// `"-"` when nothing was picked.
    ///
    /// ```
    /// use clusterlab_metrics::select::SeedSpread;
    /// assert_eq!(SeedSpread::new(vec![Some(4), Some(4)]).summary(), "4");
    /// assert_eq!(SeedSpread::new(vec![Some(4), Some(5), Some(4)]).summary(), "4 (4-5, 2/3 seeds)");
    /// assert_eq!(SeedSpread::new(vec![None]).summary(), "-");
    /// ```
    pub fn summary(&self) -> String {
        match (self.mode, self.min, self.max) {
            (Some(m), Some(lo), Some(hi)) if self.agreeing == self.picks.len() && lo == hi => {
                m.to_string()
            }
            (Some(m), Some(lo), Some(hi)) => format!(
                "{m} ({lo}-{hi}, {}/{} seeds)",
                self.agreeing,
                self.picks.len()
            ),
            _ => "-".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for c in Criterion::ALL {
            assert_eq!(c.name().parse::<Criterion>().unwrap(), c);
        }
        let mut names: Vec<&str> = Criterion::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Criterion::ALL.len());
        assert!("elbw".parse::<Criterion>().is_err());
    }

    #[test]
    fn malformed_series_pick_nothing() {
        assert_eq!(argmax_k(&[1, 2], &[1.0]), None);
        assert_eq!(argmax_k(&[2, 2], &[1.0, 2.0]), None);
        assert_eq!(kneedle(&[1, 2], &[2.0, 1.0], true), None);
        assert_eq!(kneedle(&[1, 2, 3], &[2.0, 2.0, 2.0], true), None);
    }

    #[test]
    fn order_of_ks_does_not_matter() {
        let ks = [4, 1, 3, 2, 5];
        let v = [100.0, 900.0, 200.0, 500.0, 90.0];
        assert_eq!(kneedle(&ks, &v, true), Some(3));
        assert_eq!(argmin_k(&ks, &v), Some(5));
    }

    #[test]
    fn increasing_concave_knee() {
        let ks = [1, 2, 3, 4, 5, 6];
        let v = [0.0, 0.6, 0.9, 0.95, 0.97, 1.0];
        assert_eq!(kneedle(&ks, &v, false), Some(3));
    }

    #[test]
    fn direction_of_each_criterion() {
        assert_eq!(Criterion::DaviesBouldin.pick(&[2, 3], &[0.5, 0.4]), Some(3));
        assert_eq!(Criterion::Bic.pick(&[2, 3], &[10.0, 12.0]), Some(2));
        assert_eq!(
            Criterion::CalinskiHarabasz.pick(&[2, 3], &[10.0, 12.0]),
            Some(3)
        );
        assert_eq!(Criterion::Elbow.series(), "inertia");
    }
}
