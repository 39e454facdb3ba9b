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

// NbClust's rules.
//
// The functions below read a series of per-clustering values (one per K) as NbClust 3.0's
// `NbClust()` does (Charrad, Ghazzali, Boiteau and Niknafs, 2014, J. Stat. Softw. 61(6); the
// rules are those of Milligan and Cooper, 1985). Indices defined from consecutive levels need
// the exact neighbours `K - 1` or `K + 1` in the series: a grid with Ks 2, 4, 6 has no
// Hartigan value. NbClust's `which.max` skips undefined values and takes the first K on ties;
// so do these functions (through [`argmax_k`]).

/// The finite points of a series by K; `None` if the series is malformed (mismatched lengths or
/// a repeated K).
fn by_k(ks: &[usize], values: &[f64]) -> Option<std::collections::BTreeMap<usize, f64>> {
    if ks.len() != values.len() {
        return None;
    }
    let mut seen = std::collections::BTreeSet::new();
    if !ks.iter().all(|k| seen.insert(*k)) {
        return None;
    }
    Some(
        ks.iter()
            .copied()
            .zip(values.iter().copied())
            .filter(|(_, v)| v.is_finite())
            .collect(),
    )
}

/// `(K, value)` pairs to the two slices [`argmax_k`] reads.
fn argmax_of(points: impl Iterator<Item = (usize, Option<f64>)>) -> Option<usize> {
    let (ks, vs): (Vec<usize>, Vec<f64>) = points.filter_map(|(k, v)| v.map(|v| (k, v))).unzip();
    argmax_k(&ks, &vs)
}

/// The differences between hierarchy levels, `|v(K) - v(K - 1)|`, parallel to `ks`: NbClust's
/// `DiffLev` for Hartigan and Ball-Hall (`None` where `K - 1` is missing or either value is
/// not finite; all `None` for a malformed series).
///
/// ```
/// use clusterlab_metrics::select::level_differences;
/// let d = level_differences(&[2, 3, 5], &[10.0, 4.0, 1.0]);
/// assert_eq!(d, vec![None, Some(6.0), None]);
/// ```
pub fn level_differences(ks: &[usize], values: &[f64]) -> Vec<Option<f64>> {
    let Some(v) = by_k(ks, values) else {
        return vec![None; ks.len()];
    };
    ks.iter()
        .map(|&k| {
            let prev = v.get(&k.checked_sub(1)?)?;
            let diff = (v.get(&k)? - prev).abs();
            diff.is_finite().then_some(diff)
        })
        .collect()
}

/// Hartigan's index from the within sums of squares `w` (parallel to `ks`, as
/// [`crate::within_ss`] gives them) of data with `n_samples` samples, parallel to `ks`:
///
/// `H(K) = (W(K) / W(K + 1) - 1) (n - K - 1)`
///
/// as Hartigan (1975) and NbClust's paper (Charrad et al., 2014, table 1) define it, and as
/// clusterSim's `index.H` computes it. NbClust 3.0's code (`indice.hart`) multiplies by
/// `n - K` instead: it takes `g` from the first column of its `(K - 1, K, K + 1)` labels, a
/// column copied from clusterSim's `(K, K + 1)`. The two differ by the factor
/// `(n - K) / (n - K - 1)`, which can move the pick only between nearly tied differences.
///
/// `None` where `K + 1` is missing, `W(K + 1) = 0`, or `W` is not finite.
///
/// ```
/// use clusterlab_metrics::select::hartigan_values;
/// let h = hartigan_values(&[1, 2, 3], &[100.0, 20.0, 16.0], 50);
/// // H(1) = (100 / 20 - 1) * 48, H(2) = (20 / 16 - 1) * 47; H(3) needs W(4).
/// assert_eq!(h, vec![Some(192.0), Some(11.75), None]);
/// ```
pub fn hartigan_values(ks: &[usize], w: &[f64], n_samples: usize) -> Vec<Option<f64>> {
    let Some(w) = by_k(ks, w) else {
        return vec![None; ks.len()];
    };
    ks.iter()
        .map(|&k| {
            let next = *w.get(&(k + 1))?;
            if next <= 0.0 {
                return None;
            }
            let h = (w.get(&k)? / next - 1.0) * (n_samples as f64 - k as f64 - 1.0);
            h.is_finite().then_some(h)
        })
        .collect()
}

/// The K NbClust's rule picks from Hartigan's index: "the maximum difference between
/// hierarchy levels" (Milligan and Cooper, 1985), the K with the largest
/// `|H(K) - H(K - 1)|` ([`hartigan_values`], [`level_differences`]).
///
/// To reproduce NbClust over `K = a..=b`, give `W` at `a..=b + 1` (`H(b)` needs `W(b + 1)`);
/// the pick is then among `a + 1..=b`, as NbClust's, since `a` has no `H(a - 1)`.
///
/// ```
/// use clusterlab_metrics::select::hartigan_pick;
/// // Three well separated groups: W falls steeply up to K = 3, then slowly.
/// let ks = [1, 2, 3, 4, 5, 6];
/// let w = [1000.0, 400.0, 60.0, 50.0, 42.0, 36.0];
/// assert_eq!(hartigan_pick(&ks, &w, 300), Some(3));
/// ```
pub fn hartigan_pick(ks: &[usize], w: &[f64], n_samples: usize) -> Option<usize> {
    let h = hartigan_values(ks, w, n_samples);
    let h: Vec<f64> = h.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    argmax_of(ks.iter().copied().zip(level_differences(ks, &h)))
}

/// Krzanowski and Lai's index (1988) from the within sums of squares `w` of data with
/// `n_features` features `p`, parallel to `ks`:
///
/// `DIFF(K) = (K - 1)^(2/p) W(K - 1) - K^(2/p) W(K)`, `KL(K) = |DIFF(K) / DIFF(K + 1)|`
///
/// as NbClust's `indice.kl` computes it. `None` where `K - 1` or `K + 1` is missing, for
/// `K < 2`, where `DIFF(K + 1) = 0`, or for `p = 0`.
///
/// ```
/// use clusterlab_metrics::select::krzanowski_lai_values;
/// // p = 2: DIFF(K) = (K - 1) W(K - 1) - K W(K).
/// let kl = krzanowski_lai_values(&[1, 2, 3, 4], &[100.0, 30.0, 15.0, 11.0], 2);
/// // DIFF(2) = 100 - 60 = 40, DIFF(3) = 60 - 45 = 15, DIFF(4) = 45 - 44 = 1.
/// assert_eq!(kl, vec![None, Some(40.0 / 15.0), Some(15.0), None]);
/// ```
pub fn krzanowski_lai_values(ks: &[usize], w: &[f64], n_features: usize) -> Vec<Option<f64>> {
    let Some(w) = by_k(ks, w) else {
        return vec![None; ks.len()];
    };
    if n_features == 0 {
        return vec![None; ks.len()];
    }
    let e = 2.0 / n_features as f64;
    let diff = |k: usize| -> Option<f64> {
        let prev = *w.get(&k.checked_sub(1).filter(|&k| k >= 1)?)?;
        Some(((k - 1) as f64).powf(e) * prev - (k as f64).powf(e) * w.get(&k)?)
    };
    ks.iter()
        .map(|&k| {
            let kl = (diff(k)? / diff(k + 1)?).abs();
            kl.is_finite().then_some(kl)
        })
        .collect()
}

/// The K NbClust's rule picks from Krzanowski and Lai's index: the largest
/// [`krzanowski_lai_values`] ("the value of K which maximizes KL(K)").
///
/// NbClust over `K = a..=b` needs `W` at `a - 1..=b + 1`.
///
/// ```
/// use clusterlab_metrics::select::krzanowski_lai_pick;
/// let ks = [1, 2, 3, 4, 5, 6];
/// let w = [1000.0, 400.0, 60.0, 50.0, 42.0, 36.0];
/// assert_eq!(krzanowski_lai_pick(&ks, &w, 2), Some(3));
/// ```
pub fn krzanowski_lai_pick(ks: &[usize], w: &[f64], n_features: usize) -> Option<usize> {
    argmax_of(
        ks.iter()
            .copied()
            .zip(krzanowski_lai_values(ks, w, n_features)),
    )
}

/// The K NbClust's rule picks from the Ball-Hall index ([`crate::ball_hall_score`]): "the
/// largest difference between levels", the K with the largest `|B(K) - B(K - 1)|`
/// ([`level_differences`]); never the smallest K of the series.
///
/// ```
/// use clusterlab_metrics::select::ball_hall_pick;
/// // W / K for the W of the other examples.
/// let ks = [1, 2, 3, 4];
/// let b = [1000.0, 200.0, 20.0, 12.5];
/// assert_eq!(ball_hall_pick(&ks, &b), Some(2));
/// assert_eq!(ball_hall_pick(&ks[1..], &b[1..]), Some(3));
/// ```
pub fn ball_hall_pick(ks: &[usize], values: &[f64]) -> Option<usize> {
    argmax_of(ks.iter().copied().zip(level_differences(ks, values)))
}

/// The K NbClust's rule picks from the Ratkowsky-Lance index
/// ([`crate::ratkowsky_lance_score`]): its largest value.
///
/// ```
/// use clusterlab_metrics::select::ratkowsky_lance_pick;
/// assert_eq!(ratkowsky_lance_pick(&[2, 3, 4], &[0.45, 0.52, 0.47]), Some(3));
/// ```
pub fn ratkowsky_lance_pick(ks: &[usize], values: &[f64]) -> Option<usize> {
    argmax_k(ks, values)
}

/// The K NbClust's rule picks from Dunn's index ([`crate::dunn_score`]): its largest value.
///
/// ```
/// use clusterlab_metrics::select::dunn_pick;
/// assert_eq!(dunn_pick(&[2, 3, 4], &[0.1, 0.4, f64::NAN]), Some(3));
/// ```
pub fn dunn_pick(ks: &[usize], values: &[f64]) -> Option<usize> {
    argmax_k(ks, values)
}

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
    /// One of NbClust's rules on differences between consecutive K (Hartigan,
    /// Krzanowski-Lai, Ball-Hall).
    NbClust,
    /// Counted from the other criteria's picks ([`vote`]).
    Vote,
    /// The largest K whose value reaches a threshold (prediction strength).
    Threshold,
    /// The value is the K an algorithm found itself (X-means, G-means): not picked from a
    /// series over K.
    Found,
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
    /// Lowest ICL (mixtures): the BIC plus the entropy of the hard classification.
    Icl,
    /// Hartigan's index on the within-cluster sum of squares, NbClust's rule ([`hartigan_pick`];
    /// needs the number of samples).
    Hartigan,
    /// Krzanowski and Lai's index on the within-cluster sum of squares ([`krzanowski_lai_pick`];
    /// needs the number of features).
    KrzanowskiLai,
    /// Ball and Hall's index, NbClust's rule ([`ball_hall_pick`]).
    BallHall,
    /// Highest Ratkowsky-Lance index.
    RatkowskyLance,
    /// Highest Dunn index.
    Dunn,
    /// Tibshirani and Walther's prediction strength: the largest K whose strength is at least
    /// a threshold ([`crate::stability::prediction_strength_pick`], 0.8 by default).
    PredictionStrength,
    /// Highest clusterwise Jaccard stability under bootstrap resampling (as fpc's
    /// `clusterboot`; undefined at K = 1).
    ClusterStability,
    /// The K that X-means finds (BIC-driven splits): an automatic-K baseline, read from its
    /// cells' `n_clusters` (the most frequent over seeds).
    XMeans,
    /// The K that G-means finds (Anderson-Darling tests of each cluster's projection).
    GMeans,
    /// The effective number of components of a variational Bayesian mixture (its components
    /// of non-negligible weight), read from `effective_n_components` at the largest
    /// `n_components` of the grid.
    BayesianGmm,
    /// The K picked by most of the other criteria: not read from a series, but counted from
    /// their picks ([`vote`]).
    Vote,
}

impl Criterion {
    /// Every criterion read from a series, in the order of the tables ([`Criterion::Vote`],
    /// counted from these, comes after them).
    pub const ALL: [Criterion; 17] = [
        Criterion::Elbow,
        Criterion::Silhouette,
        Criterion::CalinskiHarabasz,
        Criterion::DaviesBouldin,
        Criterion::Bic,
        Criterion::Icl,
        Criterion::Gap,
        Criterion::Hartigan,
        Criterion::KrzanowskiLai,
        Criterion::BallHall,
        Criterion::RatkowskyLance,
        Criterion::Dunn,
        Criterion::PredictionStrength,
        Criterion::ClusterStability,
        Criterion::XMeans,
        Criterion::GMeans,
        Criterion::BayesianGmm,
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
            Criterion::Icl => "icl",
            Criterion::Hartigan => "hartigan",
            Criterion::KrzanowskiLai => "krzanowski_lai",
            Criterion::BallHall => "ball_hall",
            Criterion::RatkowskyLance => "ratkowsky_lance",
            Criterion::Dunn => "dunn",
            Criterion::PredictionStrength => "prediction_strength",
            Criterion::ClusterStability => "cluster_stability",
            Criterion::XMeans => "xmeans",
            Criterion::GMeans => "gmeans",
            Criterion::BayesianGmm => "bayesian_gmm",
            Criterion::Vote => "vote",
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
            Criterion::Icl => "ICL",
            Criterion::Hartigan => "Hartigan",
            Criterion::KrzanowskiLai => "Krzanowski–Lai",
            Criterion::BallHall => "Ball–Hall",
            Criterion::RatkowskyLance => "Ratkowsky–Lance",
            Criterion::Dunn => "Dunn",
            Criterion::PredictionStrength => "prediction strength",
            Criterion::ClusterStability => "cluster stability (Jaccard)",
            Criterion::XMeans => "X-means",
            Criterion::GMeans => "G-means",
            Criterion::BayesianGmm => "Bayesian GMM, effective K",
            Criterion::Vote => "vote of the criteria",
        }
    }

    /// Whether larger or smaller values of its series are better (the elbow reads a decreasing
    /// curve, the gap rule an increasing one).
    pub fn higher_is_better(self) -> bool {
        match self.direction() {
            Direction::Maximize
            | Direction::GapRule
            | Direction::Vote
            | Direction::Threshold
            | Direction::Found => true,
            // The NbClust rules read series that fall with K (the within-cluster scatter).
            Direction::Minimize | Direction::Elbow | Direction::NbClust => false,
        }
    }

    /// The series this criterion reads, as a metric or result column name (`"inertia"` for
    /// the elbow, `"within_ss"` for Hartigan and Krzanowski-Lai; the others read the column of
    /// their own name).
    pub fn series(self) -> &'static str {
        match self {
            Criterion::Elbow => "inertia",
            Criterion::Hartigan | Criterion::KrzanowskiLai => "within_ss",
            Criterion::XMeans | Criterion::GMeans => "n_clusters",
            Criterion::BayesianGmm => "effective_n_components",
            other => other.name(),
        }
    }

    /// How the criterion picks.
    pub fn direction(self) -> Direction {
        match self {
            Criterion::Elbow => Direction::Elbow,
            Criterion::Silhouette
            | Criterion::CalinskiHarabasz
            | Criterion::RatkowskyLance
            | Criterion::Dunn
            | Criterion::ClusterStability => Direction::Maximize,
            Criterion::PredictionStrength => Direction::Threshold,
            Criterion::XMeans | Criterion::GMeans | Criterion::BayesianGmm => Direction::Found,
            Criterion::DaviesBouldin | Criterion::Bic | Criterion::Icl => Direction::Minimize,
            Criterion::Gap => Direction::GapRule,
            Criterion::Hartigan | Criterion::KrzanowskiLai | Criterion::BallHall => {
                Direction::NbClust
            }
            Criterion::Vote => Direction::Vote,
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
        self.pick_in(ks, values, se, None)
    }

    /// As [`Criterion::pick_with_se`], with the data's size `(n_samples, n_features)`, which
    /// Hartigan's and Krzanowski-Lai's indices need (without it they pick nothing).
    ///
    /// ```
    /// use clusterlab_metrics::select::Criterion;
    /// // The within-cluster sum of squares of four well-separated groups.
    /// let ks = [1, 2, 3, 4, 5, 6, 7];
    /// let w = [1000.0, 500.0, 230.0, 40.0, 36.0, 33.0, 30.5];
    /// assert_eq!(Criterion::Hartigan.pick_in(&ks, &w, None, Some((200, 2))), Some(4));
    /// assert_eq!(Criterion::Hartigan.pick(&ks, &w), None);
    /// ```
    pub fn pick_in(
        self,
        ks: &[usize],
        values: &[f64],
        se: Option<&[f64]>,
        size: Option<(usize, usize)>,
    ) -> Option<usize> {
        match self.direction() {
            Direction::Maximize => argmax_k(ks, values),
            Direction::Minimize => argmin_k(ks, values),
            Direction::Elbow => kneedle(ks, values, true),
            Direction::Vote | Direction::Found => None,
            Direction::Threshold => crate::stability::prediction_strength_pick(
                ks,
                values,
                crate::stability::PREDICTION_STRENGTH_THRESHOLD,
            ),
            Direction::NbClust => match self {
                Criterion::Hartigan => hartigan_pick(ks, values, size?.0),
                Criterion::KrzanowskiLai => krzanowski_lai_pick(ks, values, size?.1),
                _ => ball_hall_pick(ks, values),
            },
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
        self.pick_per_seed_in(ks, per_seed, None)
    }

    /// As [`Criterion::pick_per_seed`], with the data's size (see [`Criterion::pick_in`]).
    pub fn pick_per_seed_in(
        self,
        ks: &[usize],
        per_seed: &[Vec<f64>],
        size: Option<(usize, usize)>,
    ) -> SeedSpread {
        SeedSpread::new(
            per_seed
                .iter()
                .map(|v| self.pick_in(ks, v, None, size))
                .collect(),
        )
    }
}

/// The K picked by most criteria: each criterion's pick is one vote (`None`, no clear
/// optimum, is no vote). Ties go to the smaller K, as the other rules' ties do. `None` when no
/// criterion picked anything.
///
/// ```
/// use clusterlab_metrics::select::vote;
/// assert_eq!(vote(&[Some(4), Some(3), Some(4), None, Some(2)]), Some(4));
/// assert_eq!(vote(&[Some(3), Some(5)]), Some(3));
/// assert_eq!(vote(&[None, None]), None);
/// ```
pub fn vote(picks: &[Option<usize>]) -> Option<usize> {
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for k in picks.iter().flatten() {
        match counts.iter_mut().find(|(c, _)| c == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((*k, 1)),
        }
    }
    counts.sort_unstable();
    counts
        .iter()
        .fold(None::<(usize, usize)>, |best, &(k, n)| match best {
            Some((_, bn)) if bn >= n => best,
            _ => Some((k, n)),
        })
        .map(|(k, _)| k)
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
            .chain([Criterion::Vote])
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Criterion::ALL
                    .iter()
                    .chain(&[Criterion::Vote])
                    .map(|c| c.name())
                    .collect();
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
    fn nbclust_rules_need_neighbouring_ks() {
        // Ks 2, 4, 6: no K has its neighbour, so no Hartigan, KL or level difference.
        let ks = [2, 4, 6];
        let w = [100.0, 50.0, 40.0];
        assert_eq!(hartigan_values(&ks, &w, 100), vec![None; 3]);
        assert_eq!(hartigan_pick(&ks, &w, 100), None);
        assert_eq!(krzanowski_lai_pick(&ks, &w, 2), None);
        assert_eq!(ball_hall_pick(&ks, &w), None);
        // Malformed series: nothing.
        assert_eq!(hartigan_values(&[2, 2], &[1.0, 2.0], 10), vec![None; 2]);
        assert_eq!(level_differences(&[2, 3], &[1.0]), vec![None; 2]);
        assert_eq!(
            krzanowski_lai_values(&[1, 2, 3], &[3.0, 2.0, 1.0], 0),
            vec![None; 3]
        );
    }

    #[test]
    fn nbclust_rules_skip_undefined_values_and_take_the_first_tie() {
        // W(3) = 0: H(2) is undefined, and so are the differences next to it.
        let h = hartigan_values(&[1, 2, 3], &[10.0, 5.0, 0.0], 20);
        assert_eq!(h, vec![Some(18.0), None, None]);
        // Ties go to the smallest K, as R's which.max.
        assert_eq!(ball_hall_pick(&[1, 2, 3], &[10.0, 6.0, 2.0]), Some(2));
        // Order of the Ks does not matter.
        let ks = [3, 1, 2, 4];
        let w = [60.0, 1000.0, 400.0, 50.0];
        assert_eq!(
            hartigan_values(&ks, &w, 300),
            vec![
                Some((60.0 / 50.0 - 1.0) * 296.0),
                Some(447.0),
                Some((400.0 / 60.0 - 1.0) * 297.0),
                None
            ]
        );
        // KL where DIFF(K + 1) = 0 is undefined, not infinite.
        let kl = krzanowski_lai_values(&[1, 2, 3], &[5.0, 2.0, 4.0 / 3.0], 2);
        assert_eq!(kl, vec![None, None, None]);
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
