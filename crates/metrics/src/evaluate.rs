//! Every metric of one clustering at once: what `fit` prints and the runner writes.

use clusterlab_core::{
    Error, Result,
    validate::{check_labels_len, check_samples},
};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::{
    dunn::dunn_of_validated,
    external::{ami, ari, hcv, nmi},
    internal::{SilhouetteSample, davies_bouldin_from, mean_silhouette},
    labels::{Contingency, Encoded},
    scatter::ClusterScatter,
};

/// Up to this many samples the default silhouette (and Dunn's index) is exact, as
/// scikit-learn's `silhouette_score`; above, it is computed on a seeded sample of
/// [`DEFAULT_SILHOUETTE_SAMPLE`] samples.
pub const DEFAULT_SILHOUETTE_EXACT_LIMIT: usize = 10_000;

/// The size of the default silhouette's (and Dunn's) seeded sample above
/// [`DEFAULT_SILHOUETTE_EXACT_LIMIT`] samples. Its cost is quadratic in this size: at 5,000
/// the metrics of a 200,000-point K-means cell take no longer than its fit, and the mean
/// silhouette's sampling error (its spread over samples) stays near 0.003.
pub const DEFAULT_SILHOUETTE_SAMPLE: usize = 5_000;

/// How [`evaluate`] computes the silhouette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluateOptions {
    /// Compute the silhouette, and Dunn's index, on a seeded random sample of this many
    /// samples (the same for both); `None` for the exact values on all samples. A size at
    /// least the number of samples is exact too.
    pub silhouette_sample_size: Option<usize>,
    /// Seed of the silhouette's (and Dunn's) sample.
    pub seed: u64,
}

impl EvaluateOptions {
    /// The runner's and the `fit` command's default: exact up to
    /// [`DEFAULT_SILHOUETTE_EXACT_LIMIT`] samples, a seeded sample of
    /// [`DEFAULT_SILHOUETTE_SAMPLE`] above.
    ///
    /// ```
    /// use clusterlab_metrics::EvaluateOptions;
    /// assert_eq!(EvaluateOptions::default_for(10_000, 0).silhouette_sample_size, None);
    /// assert_eq!(EvaluateOptions::default_for(10_001, 0).silhouette_sample_size, Some(5_000));
    /// ```
    pub fn default_for(n_samples: usize, seed: u64) -> Self {
        EvaluateOptions {
            silhouette_sample_size: (n_samples > DEFAULT_SILHOUETTE_EXACT_LIMIT)
                .then_some(DEFAULT_SILHOUETTE_SAMPLE),
            seed,
        }
    }

    /// Exact silhouette, whatever the size.
    pub fn exact() -> Self {
        EvaluateOptions {
            silhouette_sample_size: None,
            seed: 0,
        }
    }
}

/// One metric, as named in grid files (`[experiment] metrics = [...]`), CSV columns and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Mean silhouette coefficient (higher is better).
    Silhouette,
    /// Calinski-Harabasz index (higher is better).
    CalinskiHarabasz,
    /// Davies-Bouldin index (lower is better).
    DaviesBouldin,
    /// Adjusted Rand index against the ground truth.
    Ari,
    /// Normalized mutual information against the ground truth.
    Nmi,
    /// Adjusted mutual information against the ground truth.
    Ami,
    /// Homogeneity against the ground truth.
    Homogeneity,
    /// Completeness against the ground truth.
    Completeness,
    /// V-measure against the ground truth.
    VMeasure,
    /// Pooled within-cluster sum of squares `W` around the cluster means (defined for every
    /// K, 1 included): what Hartigan's and Krzanowski-Lai's indices are read from.
    WithinSs,
    /// NbClust's Ball-Hall index `W / K` (defined for every K).
    BallHall,
    /// NbClust's Ratkowsky-Lance index (higher is better).
    RatkowskyLance,
    /// Dunn's index (higher is better; `O(n^2)`, sampled like the silhouette).
    Dunn,
}

impl Metric {
    /// Every metric: scikit-learn's internal ones, the external ones, then NbClust's.
    pub const ALL: [Metric; 13] = [
        Metric::Silhouette,
        Metric::CalinskiHarabasz,
        Metric::DaviesBouldin,
        Metric::Ari,
        Metric::Nmi,
        Metric::Ami,
        Metric::Homogeneity,
        Metric::Completeness,
        Metric::VMeasure,
        Metric::WithinSs,
        Metric::BallHall,
        Metric::RatkowskyLance,
        Metric::Dunn,
    ];

    /// The default set of a grid: the internal metrics (the silhouette, Calinski-Harabasz,
    /// Davies-Bouldin, and NbClust's indices that cost one pass over the data: the
    /// within-cluster sum of squares that Hartigan's and Krzanowski-Lai's rules read,
    /// Ball-Hall and Ratkowsky-Lance), and ARI and NMI when the data has labels. Dunn is asked
    /// for by name: on large data it costs as much again as the sampled silhouette.
    ///
    /// ```
    /// use clusterlab_metrics::Metric;
    /// assert_eq!(Metric::defaults(false).len(), 6);
    /// assert!(Metric::defaults(true).contains(&Metric::Ari));
    /// ```
    pub fn defaults(has_truth: bool) -> Vec<Metric> {
        let mut v = vec![
            Metric::Silhouette,
            Metric::CalinskiHarabasz,
            Metric::DaviesBouldin,
            Metric::WithinSs,
            Metric::BallHall,
            Metric::RatkowskyLance,
        ];
        if has_truth {
            v.extend([Metric::Ari, Metric::Nmi]);
        }
        v
    }

    /// The name used in grid files, CSV columns and JSON keys.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Silhouette => "silhouette",
            Metric::CalinskiHarabasz => "calinski_harabasz",
            Metric::DaviesBouldin => "davies_bouldin",
            Metric::Ari => "ari",
            Metric::Nmi => "nmi",
            Metric::Ami => "ami",
            Metric::Homogeneity => "homogeneity",
            Metric::Completeness => "completeness",
            Metric::VMeasure => "v_measure",
            Metric::WithinSs => "within_ss",
            Metric::BallHall => "ball_hall",
            Metric::RatkowskyLance => "ratkowsky_lance",
            Metric::Dunn => "dunn",
        }
    }

    /// Whether the metric compares with ground-truth labels.
    pub fn needs_truth(self) -> bool {
        matches!(
            self,
            Metric::Ari
                | Metric::Nmi
                | Metric::Ami
                | Metric::Homogeneity
                | Metric::Completeness
                | Metric::VMeasure
        )
    }

    /// Whether larger values of one clustering are better: all but Davies-Bouldin and the
    /// dispersions `within_ss` and `ball_hall` (which fall as K grows, and pick K by their
    /// differences, not by their best value: see [`crate::select`]).
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Metric::DaviesBouldin | Metric::WithinSs | Metric::BallHall
        )
    }

    /// This metric's value in a report (`None` if it was not computed or is undefined).
    pub fn value(self, report: &MetricsReport) -> Option<f64> {
        match self {
            Metric::Silhouette => report.silhouette,
            Metric::CalinskiHarabasz => report.calinski_harabasz,
            Metric::DaviesBouldin => report.davies_bouldin,
            Metric::Ari => report.ari,
            Metric::Nmi => report.nmi,
            Metric::Ami => report.ami,
            Metric::Homogeneity => report.homogeneity,
            Metric::Completeness => report.completeness,
            Metric::VMeasure => report.v_measure,
            Metric::WithinSs => report.within_ss,
            Metric::BallHall => report.ball_hall,
            Metric::RatkowskyLance => report.ratkowsky_lance,
            Metric::Dunn => report.dunn,
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Metric {
    type Err = Error;

    /// Parses a metric's [`name`](Metric::name).
    fn from_str(s: &str) -> Result<Self> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                Error::invalid("metrics", s, format!("must be one of {}", names.join(", ")))
            })
    }
}

/// The metrics of one clustering. Undefined or not computed values are `None` (`null` in JSON;
/// the external ones are left out of JSON when there was no ground truth).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct MetricsReport {
    /// Mean silhouette; `None` with fewer than 2 or more than `n - 1` clusters.
    pub silhouette: Option<f64>,
    /// Number of samples the silhouette was computed on; `None` when exact (all samples).
    pub silhouette_sample_size: Option<usize>,
    /// Calinski-Harabasz index; `None` with fewer than 2 or more than `n - 1` clusters.
    pub calinski_harabasz: Option<f64>,
    /// Davies-Bouldin index; `None` with fewer than 2 or more than `n - 1` clusters.
    pub davies_bouldin: Option<f64>,
    /// Adjusted Rand index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ari: Option<f64>,
    /// Normalized mutual information (arithmetic mean).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nmi: Option<f64>,
    /// Adjusted mutual information (arithmetic mean).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ami: Option<f64>,
    /// Homogeneity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homogeneity: Option<f64>,
    /// Completeness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completeness: Option<f64>,
    /// V-measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v_measure: Option<f64>,
    /// Pooled within-cluster sum of squares `W`; defined for every K.
    pub within_ss: Option<f64>,
    /// NbClust's Ball-Hall index `W / K`; defined for every K.
    pub ball_hall: Option<f64>,
    /// NbClust's Ratkowsky-Lance index; `None` with 1 cluster or only constant features.
    pub ratkowsky_lance: Option<f64>,
    /// Dunn's index; `None` with fewer than 2 clusters (among the sampled samples) or when
    /// every cluster is one repeated point.
    pub dunn: Option<f64>,
    /// Number of samples Dunn's index was computed on (the silhouette's subset); `None` when
    /// exact.
    pub dunn_sample_size: Option<usize>,
}

/// Every metric of `labels` on `x` (and against `truth` when given). See [`evaluate_metrics`].
///
/// # Examples
///
/// ```
/// use clusterlab_core::ndarray::array;
/// use clusterlab_metrics::{EvaluateOptions, evaluate};
///
/// let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]];
/// let r = evaluate(x.view(), &[0, 0, 1, 1], Some(&[1, 1, 0, 0]), &EvaluateOptions::exact())?;
/// assert!(r.silhouette.unwrap() > 0.8);
/// assert_eq!(r.ari, Some(1.0));
/// assert_eq!(r.silhouette_sample_size, None);
///
/// // One cluster: the internal metrics are undefined, the external ones are not.
/// let r = evaluate(x.view(), &[0, 0, 0, 0], Some(&[1, 1, 0, 0]), &EvaluateOptions::exact())?;
/// assert_eq!(r.silhouette, None);
/// assert_eq!(r.ari, Some(0.0));
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn evaluate(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    truth: Option<&[usize]>,
    opts: &EvaluateOptions,
) -> Result<MetricsReport> {
    evaluate_metrics(x, labels, truth, opts, &Metric::ALL)
}

/// The metrics of `which` (others stay `None`): the silhouette and Dunn's index are the costly
/// ones, so a grid that does not ask for them does not pay for them. External metrics need
/// `truth`.
///
/// The work is shared: the data are validated and the labels encoded once; `within_ss`,
/// `ball_hall`, `ratkowsky_lance`, `calinski_harabasz` and `davies_bouldin` are read from one
/// parallel pass of per-cluster statistics ([`ClusterScatter`]; Davies-Bouldin adds one pass
/// for the distances to the cluster means), and every external metric from one contingency
/// table of `truth` against `labels`. Each value is the one its own function
/// ([`crate::calinski_harabasz_score`], [`crate::adjusted_rand_score`], ...) returns, to the bit.
///
/// A metric undefined for this partition (scikit-learn's internal ones with one cluster, or one
/// sample per cluster; see each field of [`MetricsReport`]) is `None`, never NaN.
///
/// # Errors
///
/// Empty or non-finite data, labels (or truth) not one per sample, or a silhouette sample size
/// of 0.
pub fn evaluate_metrics(
    x: ArrayView2<'_, f64>,
    labels: &[usize],
    truth: Option<&[usize]>,
    opts: &EvaluateOptions,
    which: &[Metric],
) -> Result<MetricsReport> {
    check_samples(x)?;
    let n = x.nrows();
    check_labels_len(labels, n)?;
    if let Some(t) = truth
        && t.len() != n
    {
        return Err(Error::ShapeMismatch {
            what: "ground-truth labels".into(),
            expected: format!("{n} labels"),
            found: format!("{} labels", t.len()),
        });
    }
    if opts.silhouette_sample_size == Some(0) {
        return Err(Error::invalid(
            "silhouette_sample_size",
            0,
            "must be at least 1 (or `all` for the exact value)",
        ));
    }
    let wants = |m: Metric| which.contains(&m);
    // One validation (above), one copy at most (a view that is not row-major), one encoding of
    // the labels, one pass of per-cluster statistics for every index read from the cluster
    // means, and one contingency table for every external index.
    let x = x.as_standard_layout();
    let xs = x.as_slice().ok_or_else(|| {
        Error::Numerical("internal: a standard-layout matrix was not contiguous".into())
    })?;
    let d = x.ncols();
    let enc = Encoded::new(labels);
    let k = enc.n_labels();
    let internal_defined = 2 <= k && k < n;
    let sample = opts
        .silhouette_sample_size
        .filter(|&s| s < n)
        .map(|size| SilhouetteSample {
            size,
            seed: opts.seed,
        });
    let mut r = MetricsReport::default();
    let scatter_metrics = [
        Metric::WithinSs,
        Metric::BallHall,
        Metric::RatkowskyLance,
        Metric::CalinskiHarabasz,
        Metric::DaviesBouldin,
    ];
    let scatter = if scatter_metrics.into_iter().any(wants) {
        Some(ClusterScatter::from_encoded(xs, d, &enc)?)
    } else {
        None
    };
    if let Some(s) = &scatter {
        r.within_ss = wants(Metric::WithinSs).then(|| s.within_ss());
        r.ball_hall = wants(Metric::BallHall).then(|| s.ball_hall());
        // Undefined (one cluster, or constant data) is `None`, not an error of the call.
        r.ratkowsky_lance = wants(Metric::RatkowskyLance)
            .then(|| s.ratkowsky_lance().ok())
            .flatten();
        if internal_defined {
            r.calinski_harabasz = wants(Metric::CalinskiHarabasz).then(|| s.calinski_harabasz());
            r.davies_bouldin =
                wants(Metric::DaviesBouldin).then(|| davies_bouldin_from(xs, d, &enc, s.means()));
        }
    }
    if wants(Metric::Dunn) && k >= 2 {
        // As for the silhouette, a sample can miss every cluster but one.
        r.dunn = dunn_of_validated(x.view(), labels, sample).ok();
        r.dunn_sample_size = sample.map(|s| s.size);
    }
    if internal_defined && wants(Metric::Silhouette) {
        // A sample can miss every cluster but one; the value is then undefined, not an error
        // of the call.
        r.silhouette = mean_silhouette(x.view(), labels, sample).ok();
        r.silhouette_sample_size = sample.map(|s| s.size);
    }
    if let Some(t) = truth
        && which.iter().any(|m| m.needs_truth())
    {
        let table = Contingency::from_encoded(Encoded::new(t), &enc);
        r.ari = wants(Metric::Ari).then(|| ari(&table));
        r.nmi = wants(Metric::Nmi).then(|| nmi(&table));
        r.ami = wants(Metric::Ami).then(|| ami(&table));
        if wants(Metric::Homogeneity) || wants(Metric::Completeness) || wants(Metric::VMeasure) {
            let (h, c, v) = hcv(&table);
            r.homogeneity = wants(Metric::Homogeneity).then_some(h);
            r.completeness = wants(Metric::Completeness).then_some(c);
            r.v_measure = wants(Metric::VMeasure).then_some(v);
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ClusterScatter, adjusted_mutual_info_score, adjusted_rand_score, calinski_harabasz_score,
        davies_bouldin_score, dunn::dunn_score, homogeneity_completeness_v_measure,
        internal::tests::lcg_data, normalized_mutual_info_score, silhouette_score,
    };
    use ndarray::array;

    #[test]
    fn shared_passes_give_each_functions_own_bits() {
        // Every metric from the shared encoding, scatter pass and contingency table has the
        // bits of its own function, on row-major and on transposed (strided) data, sampled
        // and not.
        for (n, d, k, kt, sample_size) in [
            (300usize, 2usize, 4usize, 3usize, None),
            (500, 3, 7, 5, Some(200)),
            (200, 20, 3, 4, None),
        ] {
            let x = lcg_data(n, d, (n + d) as u64);
            let xt = x.t().to_owned();
            let strided = xt.t();
            let labels: Vec<usize> = (0..n).map(|i| (i * 13 + i / 7) % k * 10).collect();
            let truth: Vec<usize> = (0..n).map(|i| (i * 5 + i / 3) % kt).collect();
            let opts = EvaluateOptions {
                silhouette_sample_size: sample_size,
                seed: 3,
            };
            let sample = sample_size.map(|size| SilhouetteSample { size, seed: 3 });
            for view in [x.view(), strided] {
                let r = evaluate(view, &labels, Some(&truth), &opts).unwrap();
                let s = ClusterScatter::new(view, &labels).unwrap();
                let (h, c, v) = homogeneity_completeness_v_measure(&truth, &labels).unwrap();
                let want = [
                    (r.silhouette, silhouette_score(view, &labels, sample).ok()),
                    (
                        r.calinski_harabasz,
                        calinski_harabasz_score(view, &labels).ok(),
                    ),
                    (r.davies_bouldin, davies_bouldin_score(view, &labels).ok()),
                    (r.ari, adjusted_rand_score(&truth, &labels).ok()),
                    (r.nmi, normalized_mutual_info_score(&truth, &labels).ok()),
                    (r.ami, adjusted_mutual_info_score(&truth, &labels).ok()),
                    (r.homogeneity, Some(h)),
                    (r.completeness, Some(c)),
                    (r.v_measure, Some(v)),
                    (r.within_ss, Some(s.within_ss())),
                    (r.ball_hall, Some(s.ball_hall())),
                    (r.ratkowsky_lance, s.ratkowsky_lance().ok()),
                    (r.dunn, dunn_score(view, &labels, sample).ok()),
                ];
                for (i, (got, want)) in want.into_iter().enumerate() {
                    assert!(got.is_some(), "metric {i} missing");
                    assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "metric {i}");
                }
            }
        }
    }

    #[test]
    fn metric_names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(m.name().parse::<Metric>().unwrap(), m);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
        }
        assert!("silhuette".parse::<Metric>().is_err());
    }

    #[test]
    fn each_point_its_own_cluster_gives_none_not_nan() {
        let x = array![[0.0], [1.0], [2.0]];
        let r = evaluate(
            x.view(),
            &[0, 1, 2],
            Some(&[0, 0, 1]),
            &EvaluateOptions::exact(),
        )
        .unwrap();
        assert_eq!(
            (r.silhouette, r.calinski_harabasz, r.davies_bouldin),
            (None, None, None)
        );
        assert!(r.ari.is_some_and(f64::is_finite));
        assert!(r.ami.is_some_and(f64::is_finite));
    }

    #[test]
    fn json_leaves_out_external_metrics_without_truth() {
        let x = array![[0.0], [1.0], [5.0], [6.0]];
        let r = evaluate(x.view(), &[0, 0, 1, 1], None, &EvaluateOptions::exact()).unwrap();
        let json = serde_json::to_value(r).unwrap();
        assert!(json.get("ari").is_none());
        assert!(json.get("silhouette").is_some_and(|v| v.is_f64()));
        assert!(
            json.get("silhouette_sample_size")
                .is_some_and(|v| v.is_null())
        );
    }

    #[test]
    fn nbclust_metrics_at_one_cluster_and_by_request() {
        let x = array![[0.0], [2.0], [10.0], [12.0]];
        let nb = [
            Metric::WithinSs,
            Metric::BallHall,
            Metric::RatkowskyLance,
            Metric::Dunn,
        ];
        let opts = EvaluateOptions::exact();
        // One cluster: W (the total sum of squares) is what Krzanowski-Lai needs at K = 1.
        let r = evaluate_metrics(x.view(), &[0, 0, 0, 0], None, &opts, &nb).unwrap();
        assert_eq!((r.within_ss, r.ball_hall), (Some(104.0), Some(104.0)));
        assert_eq!((r.ratkowsky_lance, r.dunn), (None, None));
        let r = evaluate_metrics(x.view(), &[0, 0, 1, 1], None, &opts, &nb).unwrap();
        assert_eq!(
            (r.within_ss, r.ball_hall, r.dunn),
            (Some(4.0), Some(2.0), Some(4.0))
        );
        assert!(r.ratkowsky_lance.is_some());
        assert_eq!(r.dunn_sample_size, None);
        // Not asked for, not computed.
        let r = evaluate_metrics(x.view(), &[0, 0, 1, 1], None, &opts, &[Metric::Dunn]).unwrap();
        assert_eq!((r.within_ss, r.ratkowsky_lance), (None, None));
        assert!(!Metric::Dunn.needs_truth() && !Metric::WithinSs.higher_is_better());
        // The defaults include the one-pass ones (the vote counts their picks), not Dunn.
        assert!(nb[..3].iter().all(|m| Metric::defaults(true).contains(m)));
        assert!(!Metric::defaults(true).contains(&Metric::Dunn));
    }

    #[test]
    fn dunn_uses_the_silhouettes_sample() {
        let x = ndarray::Array2::from_shape_fn((40, 1), |(i, _)| {
            (i % 2) as f64 * 10.0 + i as f64 * 0.01
        });
        let labels: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let opts = EvaluateOptions {
            silhouette_sample_size: Some(20),
            seed: 1,
        };
        let r = evaluate_metrics(x.view(), &labels, None, &opts, &[Metric::Dunn]).unwrap();
        assert_eq!(r.dunn_sample_size, Some(20));
        let sample = SilhouetteSample { size: 20, seed: 1 };
        assert_eq!(
            r.dunn,
            Some(dunn_score(x.view(), &labels, Some(sample)).unwrap())
        );
    }

    #[test]
    fn sampled_silhouette_says_its_size() {
        let x = ndarray::Array2::from_shape_fn((40, 1), |(i, _)| {
            (i % 2) as f64 * 10.0 + i as f64 * 0.01
        });
        let labels: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let opts = EvaluateOptions {
            silhouette_sample_size: Some(20),
            seed: 1,
        };
        let r = evaluate(x.view(), &labels, None, &opts).unwrap();
        assert_eq!(r.silhouette_sample_size, Some(20));
        assert!(r.silhouette.is_some());
        let only_ch =
            evaluate_metrics(x.view(), &labels, None, &opts, &[Metric::CalinskiHarabasz]).unwrap();
        assert_eq!(
            (only_ch.silhouette, only_ch.silhouette_sample_size),
            (None, None)
        );
        assert!(only_ch.calinski_harabasz.is_some());
    }
}
