//! What X-means and G-means share: K-means that grows by splitting clusters in two, and the
//! fitted model both return.
//!
//! The two algorithms differ only in the test that decides whether a cluster splits (a BIC
//! comparison, a normality test), so the loop is written once here and takes the test as a
//! function; [`SplitModel`]'s documentation describes it for users.

use clusterlab_core::{Error, FitSummary, Model, Result, seed, validate};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    model::KMeansModel,
    params::{Init, KMeans, KMeansParams, NInit},
};

/// The parameters of the growing loop (both algorithms' params resolve to this).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Growth {
    pub(crate) kind: &'static str,
    pub(crate) k_min: usize,
    pub(crate) k_max: usize,
    pub(crate) n_init: NInit,
    pub(crate) max_iter: usize,
    pub(crate) tol: f64,
    /// Clusters with fewer samples are never split.
    pub(crate) min_split_size: usize,
}

impl Growth {
    /// K-means with this loop's `max_iter` and `tol`; explicit centers run once (`n_init` is
    /// then `"auto"`, which says so without a warning).
    fn kmeans(&self, n_clusters: usize, init: Init) -> Result<KMeans> {
        let n_init = match init {
            Init::Centers(_) => NInit::Auto,
            _ => self.n_init,
        };
        KMeansParams {
            init,
            n_init,
            max_iter: self.max_iter,
            tol: self.tol,
            ..KMeansParams::new(n_clusters)
        }
        .build()
    }

    /// A rough cost in multiply-adds (see [`clusterlab_core::Clusterer::work_estimate`]): about
    /// `log2(k_max)` rounds, each a 2-means over all samples per restart plus a K-means
    /// refinement with up to `k_max` centers, each of a few tens of passes.
    pub(crate) fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        const PASSES: f64 = 20.0;
        let restarts = match self.n_init {
            NInit::Auto => 1.0,
            NInit::Count(c) => c as f64,
        };
        let rounds = (self.k_max as f64).log2().max(1.0) + 1.0;
        n_samples as f64
            * n_features as f64
            * PASSES
            * rounds
            * (2.0 * restarts + self.k_max as f64)
    }

    /// Runs the loop of the module doc; `keep(samples, children)` says whether the split of a
    /// cluster's `samples` into the 2-means `children` is kept, with its score (higher is a
    /// stronger case for splitting).
    pub(crate) fn fit<F>(&self, x: ArrayView2<'_, f64>, seed: u64, keep: F) -> Result<SplitModel>
    where
        F: Fn(ArrayView2<'_, f64>, &KMeansModel) -> Option<f64> + Sync,
    {
        validate::check_samples(x)?;
        validate::check_n_clusters("k_min", self.k_min, x.nrows())?;
        let x = x.as_standard_layout();
        let mut model = self
            .kmeans(self.k_min, Init::KMeansPlusPlus)?
            .fit(x.view(), seed)?;
        let splitter = self.kmeans(2, Init::KMeansPlusPlus)?;
        let mut k_trace = vec![self.k_min];
        let mut warnings = Vec::new();
        let mut n_rounds = 0;
        let converged = loop {
            n_rounds += 1;
            let round_seed = seed::derive(seed, n_rounds as u64);
            let k = model.centers().nrows();
            let mut members = vec![Vec::new(); k];
            for (i, &l) in model.labels().iter().enumerate() {
                members[l].push(i);
            }
            let tried: Vec<Option<(f64, Array2<f64>)>> = members
                .par_iter()
                .enumerate()
                .map(|(j, idx)| {
                    if idx.len() < self.min_split_size.max(2) {
                        return Ok(None);
                    }
                    let samples = x.select(Axis(0), idx);
                    let children =
                        splitter.fit(samples.view(), seed::derive(round_seed, j as u64))?;
                    let mut sizes = [0usize; 2];
                    for &l in children.labels() {
                        sizes[l] += 1;
                    }
                    if sizes.contains(&0) {
                        // Duplicate samples: 2-means found one distinct cluster.
                        return Ok(None);
                    }
                    Ok(keep(samples.view(), &children)
                        .map(|score| (score, children.centers().to_owned())))
                })
                .collect::<Result<_>>()?;
            let mut kept: Vec<(usize, f64)> = tried
                .iter()
                .enumerate()
                .filter_map(|(j, t)| t.as_ref().map(|(s, _)| (j, *s)))
                .collect();
            if kept.is_empty() {
                break true;
            }
            let room = self.k_max.saturating_sub(k);
            if room == 0 {
                warnings.push(format!(
                    "{}: stopped at k_max = {} with {} cluster(s) still splitting in round \
                     {n_rounds}: the K found is a bound, not converged; raise k_max",
                    self.kind,
                    self.k_max,
                    kept.len()
                ));
                break false;
            }
            if kept.len() > room {
                kept.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                kept.truncate(room);
            }
            let mut split = vec![false; k];
            for &(j, _) in &kept {
                split[j] = true;
            }
            let d = x.ncols();
            let mut centers = Vec::with_capacity((k + kept.len()) * d);
            for (j, t) in tried.iter().enumerate() {
                match t {
                    Some((_, children)) if split[j] => centers.extend(children.iter()),
                    _ => centers.extend(model.centers().row(j).iter()),
                }
            }
            let centers = Array2::from_shape_vec((k + kept.len(), d), centers)
                .map_err(|e| Error::Numerical(format!("split centers: {e}")))?;
            let new_k = centers.nrows();
            model = self
                .kmeans(new_k, Init::Centers(centers))?
                .fit(x.view(), seed)?;
            k_trace.push(new_k);
        };
        Ok(SplitModel {
            kind: self.kind.to_owned(),
            kmeans: model,
            n_rounds,
            converged,
            k_trace,
            warnings,
        })
    }
}

/// A fitted X-means or G-means model: the final K-means fit, with the number of clusters the
/// algorithm found and how it got there.
///
/// # How X-means and G-means grow
///
/// They differ only in the test that decides whether a cluster splits. One *round*:
///
/// 1. groups the samples by their current label;
/// 2. splits every cluster with enough samples (3 for X-means, 8 for G-means) in two by 2-means on its own samples (k-means++,
///    `n_init` restarts), seeded by `derive(derive(seed, round), cluster)`: the seed depends on
///    the round and the cluster's position only, never on a thread, so clusters are tried in
///    parallel with the same result on any number of threads;
/// 3. asks the test whether each split is worth keeping, and with what score;
/// 4. if no split is kept, stops (*converged*); if the clusters already number `k_max`, stops
///    too (*not converged*, with a warning); otherwise replaces every kept parent by its two
///    children (if there are more kept splits than room below `k_max`, those with the highest
///    score win, ties to the lowest cluster index) and refines all centers by K-means started
///    from them.
///
/// The first clustering is exactly [`KMeans::fit`](crate::KMeans::fit) with `k_min` clusters,
/// k-means++ and the user's seed, so a user can reproduce it; every later step lowers the inertia or leaves it
/// (each child's center is the mean of its samples, and Lloyd's steps never increase it), which
/// the tests check.
///
/// It serializes (serde) with the final K-means model inside, so a saved model can be read by a
/// person and loaded back.
///
/// ```
/// use clusterlab_kmeans::{SplitModel, XMeansParams};
/// use ndarray::array;
///
/// let x = array![[0.0], [0.1], [0.2], [0.3], [10.0], [10.1], [10.2], [10.3]];
/// let model = XMeansParams::default().build()?.fit(x.view(), 0)?;
/// assert_eq!(model.kind(), "xmeans");
/// assert_eq!(model.n_clusters(), 2);
/// assert_eq!(model.k_trace(), &[1, 2]);
/// assert!(model.converged());
/// assert_eq!(model.predict(array![[0.05], [9.0]].view())?, [model.labels()[0], model.labels()[4]]);
///
/// let saved = serde_json::to_string(&model).unwrap();
/// let loaded: SplitModel = serde_json::from_str(&saved).unwrap();
/// assert_eq!(loaded.labels(), model.labels());
/// assert_eq!(loaded.k_trace(), model.k_trace());
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitModel {
    kind: String,
    kmeans: KMeansModel,
    n_rounds: usize,
    converged: bool,
    k_trace: Vec<usize>,
    #[serde(default)]
    warnings: Vec<String>,
}

impl SplitModel {
    /// The algorithm that made it: `"xmeans"` or `"gmeans"`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The number of clusters found.
    pub fn n_clusters(&self) -> usize {
        self.kmeans.centers().nrows()
    }

    /// The cluster centers, `n_clusters x n_features`.
    pub fn centers(&self) -> ArrayView2<'_, f64> {
        self.kmeans.centers()
    }

    /// The label (in `0..n_clusters`) of every training sample.
    pub fn labels(&self) -> &[usize] {
        self.kmeans.labels()
    }

    /// Sum of the squared distances of the training samples to their center.
    pub fn inertia(&self) -> f64 {
        self.kmeans.inertia()
    }

    /// The number of split rounds run, the last one included (the one that kept no split, or
    /// that met `k_max`).
    pub fn n_rounds(&self) -> usize {
        self.n_rounds
    }

    /// Whether the algorithm stopped because no cluster wanted to split (`false` when `k_max`
    /// stopped it).
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// The number of clusters at the start and after every round that kept a split.
    pub fn k_trace(&self) -> &[usize] {
        &self.k_trace
    }

    /// The final K-means refinement (its `n_iter` is that of the last refinement only).
    pub fn kmeans(&self) -> &KMeansModel {
        &self.kmeans
    }

    /// What a user should know that is not an error: `k_max` reached, and the final K-means
    /// fit's own warnings.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.warnings.clone();
        w.extend(self.kmeans.warnings().iter().cloned());
        w
    }

    /// The nearest center of every row of `x` (ties to the lowest index).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        self.kmeans.predict(x)
    }
}

impl Model for SplitModel {
    fn labels(&self) -> &[usize] {
        SplitModel::labels(self)
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        SplitModel::predict(self, x)
    }

    fn centers(&self) -> Option<ArrayView2<'_, f64>> {
        Some(SplitModel::centers(self))
    }

    /// Scores `inertia` and `n_clusters` (the K found, as a number); `n_iter` is the number of
    /// split rounds.
    fn summary(&self) -> FitSummary {
        FitSummary::new(self.n_rounds, self.converged)
            .with_score("inertia", self.inertia())
            .with_score("n_clusters", self.n_clusters() as f64)
            .with_warnings(self.warnings())
    }

    fn to_json(&self) -> serde_json::Value {
        // Numbers, strings and lists of them: serialization cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// The checks both algorithms' parameters share, in the order of their fields.
pub(crate) fn check_common(
    k_min: usize,
    k_max: usize,
    n_init: NInit,
    max_iter: usize,
    tol: f64,
) -> Result<()> {
    validate::check_positive_count("k_min", k_min)?;
    if k_max < k_min {
        return Err(Error::invalid(
            "k_max",
            k_max,
            format!("must be at least k_min = {k_min}"),
        ));
    }
    validate::check_positive_count("max_iter", max_iter)?;
    if let NInit::Count(c) = n_init {
        validate::check_positive_count("n_init", c)?;
    }
    validate::check_non_negative("tol", tol)
}

/// The defaults X-means and G-means share: they start from one cluster, stop at 20, and run
/// their inner K-means with K-means' own `max_iter` and `tol`.
pub(crate) fn default_k_min() -> usize {
    1
}

pub(crate) fn default_k_max() -> usize {
    20
}

pub(crate) fn default_max_iter() -> usize {
    300
}

pub(crate) fn default_tol() -> f64 {
    1e-4
}
