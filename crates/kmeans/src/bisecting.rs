//! Bisecting K-means, as scikit-learn's `BisectingKMeans`: a hierarchy of 2-means splits.
//!
//! # The algorithm
//!
//! It starts from one cluster holding every sample, and `n_clusters - 1` times:
//!
//! 1. picks the leaf of the tree to split, by `bisecting_strategy`: the leaf with the largest
//!    inertia (`"biggest_inertia"`, the sum of the weighted squared distances of its samples to
//!    its center) or with the most samples (`"largest_cluster"`, a plain count, as
//!    scikit-learn's `np.bincount`); leaves are visited in tree order (left subtree first) and a
//!    tie goes to the first;
//! 2. runs K-means with two clusters on that leaf's samples `n_init` times (the inner runs are
//!    the crate's own Lloyd or Elkan and `"random"` or `"k-means++"` seeding, see
//!    [`KMeans`]), keeping a later run only when its inertia is below the best
//!    one's times `1 - 1e-6` (scikit-learn's rule, which differs from `KMeans`' restarts);
//! 3. makes the two clusters the leaf's children: label 0 left, label 1 right, each with the
//!    center the 2-means returned.
//!
//! The final clusters are the leaves, numbered in tree order (scikit-learn's
//! `_BisectingTree.iter_leaves`); `labels` come from the tree (each sample's leaf) and
//! `inertia` is that of these labels and centers on the whole data. [`predict`] descends the
//! tree, sending a sample at each split to the nearer of the two children's centers (ties to
//! the left), which is not always the nearest final center: scikit-learn's `predict` does the
//! same.
//!
//! Details kept from scikit-learn: `tol` is passed to the inner runs as it is, an absolute
//! bound on the squared shift of the centers (`KMeans` scales its `tol` by the data's
//! variance, `BisectingKMeans` does not); the root's center is the unweighted mean of the
//! samples even with sample weights (it is the final center when `n_clusters = 1`).
//!
//! Differences:
//!
//! - Random numbers come from our ChaCha streams, not NumPy's: restart `r` of bisection `i`
//!   draws from `seed::derive(seed::derive(seed, i), r)`, the stream that
//!   [`KMeans::fit`](crate::KMeans::fit) with seed `derive(seed, i)` gives its restart `r`.
//!   Results are therefore the same *procedure* as scikit-learn's, not the same numbers, except
//!   where they do not depend on the initial centers (the tests check both).
//! - A leaf with fewer than two samples of positive weight is never picked (scikit-learn would
//!   pick it when every larger leaf has inertia 0, and then fail with `init="random"` or make
//!   an empty cluster). So `n_clusters` may not exceed the number of samples with a positive
//!   weight, an error before any work.
//! - scikit-learn subtracts the data's mean before fitting; our distance kernels shift the
//!   centers instead (see the crate's `kernels`). Both only change rounding.
//! - `copy_x` is accepted for compatibility and has no effect: the data is never modified.
//!
//! The tree is kept in the model ([`BisectingKMeansModel::tree`]) and serialized with it.
//!
//! [`predict`]: BisectingKMeansModel::predict

use clusterlab_core::{
    Clusterer, Error, FitSummary, Model, Result, Trace,
    distance::sq_euclidean,
    layout::contiguous,
    par::ordered_sum,
    seed::{self, ChaCha8Rng},
    validate,
};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    fit::Run,
    kernels::{self, Layout, Samples, Weights},
    params::{Algorithm, Init, KMeans, KMeansParams, NInit},
};

/// Which leaf is split next.
///
/// ```
/// use clusterlab_kmeans::bisecting::BisectingStrategy;
/// let s: BisectingStrategy = serde_json::from_str("\"largest_cluster\"")?;
/// assert_eq!(s, BisectingStrategy::LargestCluster);
/// assert_eq!(BisectingStrategy::default().to_string(), "biggest_inertia");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BisectingStrategy {
    /// The leaf with the largest inertia (sum of weighted squared distances to its center).
    #[default]
    BiggestInertia,
    /// The leaf with the most samples (counted without weights).
    LargestCluster,
}

impl std::fmt::Display for BisectingStrategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BisectingStrategy::BiggestInertia => "biggest_inertia",
            BisectingStrategy::LargestCluster => "largest_cluster",
        })
    }
}

/// Bisecting K-means parameters, with scikit-learn's names and defaults.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `n_clusters` | 8 | clusters to form (leaves of the tree) |
/// | `init` | `"random"` | seeding of each 2-means: `"random"` or `"k-means++"` |
/// | `n_init` | 1 | 2-means runs per bisection; the lowest inertia wins |
/// | `max_iter` | 300 | iterations of each 2-means run |
/// | `tol` | 1e-4 | absolute bound on the squared center shift of each 2-means run |
/// | `copy_x` | true | accepted for compatibility; the data is never modified |
/// | `algorithm` | `"lloyd"` | `"lloyd"` or `"elkan"` for the 2-means runs |
/// | `bisecting_strategy` | `"biggest_inertia"` | or `"largest_cluster"` |
///
/// ```
/// use clusterlab_kmeans::{BisectingKMeansParams, Init, bisecting::BisectingStrategy};
///
/// let p: BisectingKMeansParams = toml::from_str(r#"
///     n_clusters = 4
///     init = "k-means++"
///     bisecting_strategy = "largest_cluster"
/// "#).unwrap();
/// assert_eq!(p.init, Init::KMeansPlusPlus);
/// assert_eq!(p.bisecting_strategy, BisectingStrategy::LargestCluster);
/// assert_eq!(p.n_init, 1);
/// assert!(p.build().is_ok());
/// assert!(toml::from_str::<BisectingKMeansParams>("n_cluster = 4").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BisectingKMeansParams {
    /// Number of clusters (default 8; at least 1, at most the number of samples).
    pub n_clusters: usize,
    /// Seeding of each bisection's 2-means (default `"random"`, as scikit-learn; or
    /// `"k-means++"`). Explicit centers are refused.
    pub init: Init,
    /// 2-means runs per bisection (default 1); the lowest inertia wins.
    pub n_init: usize,
    /// Maximum iterations of each 2-means run (default 300).
    pub max_iter: usize,
    /// Tolerance of each 2-means run (default 1e-4): it stops when the squared shift of the two
    /// centers is at most `tol`. Absolute, as in scikit-learn's `BisectingKMeans` (not scaled by
    /// the data's variance as in `KMeans`).
    pub tol: f64,
    /// Accepted for compatibility with scikit-learn (default true); the data is never modified,
    /// so it has no effect.
    pub copy_x: bool,
    /// The 2-means algorithm, Lloyd (default) or Elkan.
    pub algorithm: Algorithm,
    /// Which leaf is split next (default `"biggest_inertia"`).
    pub bisecting_strategy: BisectingStrategy,
}

impl Default for BisectingKMeansParams {
    fn default() -> Self {
        BisectingKMeansParams {
            n_clusters: 8,
            init: Init::Random,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            copy_x: true,
            algorithm: Algorithm::Lloyd,
            bisecting_strategy: BisectingStrategy::BiggestInertia,
        }
    }
}

impl BisectingKMeansParams {
    /// Parameters for `n_clusters` clusters, everything else at scikit-learn's defaults.
    pub fn new(n_clusters: usize) -> Self {
        BisectingKMeansParams {
            n_clusters,
            ..Self::default()
        }
    }

    /// Checks what does not need the data: `n_clusters >= 1`, `init` not explicit centers,
    /// `n_init >= 1`, `max_iter >= 1`, `tol` finite and `>= 0`. `n_clusters <= n_samples` is
    /// checked at fit, before any work.
    ///
    /// ```
    /// use clusterlab_kmeans::BisectingKMeansParams;
    /// let err = BisectingKMeansParams { n_init: 0, ..BisectingKMeansParams::new(3) }
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `n_init` = 0: must be at least 1");
    /// ```
    pub fn build(&self) -> Result<BisectingKMeans> {
        validate::check_positive_count("n_clusters", self.n_clusters)?;
        if let Init::Centers(_) = &self.init {
            return Err(Error::invalid(
                "init",
                &self.init,
                "BisectingKMeans takes \"random\" or \"k-means++\": every bisection draws two new \
                 centers from the samples it splits",
            ));
        }
        validate::check_positive_count("n_init", self.n_init)?;
        validate::check_positive_count("max_iter", self.max_iter)?;
        validate::check_non_negative("tol", self.tol)?;
        // Each bisection is one 2-means run of the crate's K-means (restarts are chosen here,
        // by scikit-learn's rule for bisections).
        let inner = KMeansParams {
            init: self.init.clone(),
            n_init: NInit::Count(1),
            max_iter: self.max_iter,
            tol: self.tol,
            algorithm: self.algorithm,
            ..KMeansParams::new(2)
        }
        .build()?;
        Ok(BisectingKMeans {
            params: self.clone(),
            inner,
        })
    }
}

/// A validated bisecting K-means configuration (kind `"bisecting_kmeans"`): fit it to data
/// with a seed.
///
/// Made by [`BisectingKMeansParams::build`]; the algorithm is described in the
/// [module documentation](self).
///
/// ```
/// use clusterlab_kmeans::BisectingKMeansParams;
/// use ndarray::array;
///
/// // scikit-learn's example: three groups, one of them far from the other two.
/// let x = array![[1.0, 1.0], [10.0, 1.0], [3.0, 1.0], [10.0, 0.0], [2.0, 1.0], [10.0, 2.0],
///                [10.0, 8.0], [10.0, 9.0], [10.0, 10.0]];
/// let model = BisectingKMeansParams::new(3).build()?.fit(x.view(), 0)?;
/// let l = model.labels();
/// assert!(l[0] == l[2] && l[2] == l[4] && l[1] == l[3] && l[3] == l[5] && l[6] == l[7]);
/// assert_eq!(model.inertia(), 6.0);
/// assert_eq!(model.tree().len(), 5);
/// assert_eq!(model.predict(array![[0.0, 0.0], [13.0, 2.0]].view())?, [l[0], l[1]]);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BisectingKMeans {
    params: BisectingKMeansParams,
    /// The 2-means of one bisection.
    inner: KMeans,
}

/// What one bisection returns: the 2-means labels (0 or 1) of the leaf's samples, in the
/// leaf's order, and the two centers.
pub(crate) struct Bisection {
    pub(crate) labels: Vec<usize>,
    pub(crate) centers: Array2<f64>,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
}

/// The random stream of restart `restart` of bisection `bisection`: the one
/// `KMeans::fit(leaf, derive(seed, bisection))` would give its restart `restart`, so a
/// bisection can be reproduced with the crate's `KMeans` alone. This is the one place to change
/// for scikit-learn's NumPy stream (one `RandomState` drawn from sequentially by every
/// bisection).
fn restart_rng(seed: u64, bisection: usize, restart: usize) -> ChaCha8Rng {
    seed::rng(seed::derive(
        seed::derive(seed, bisection as u64),
        restart as u64,
    ))
}

impl BisectingKMeans {
    /// The validated parameters.
    pub fn params(&self) -> &BisectingKMeansParams {
        &self.params
    }

    /// Fits to `x` (one sample per row) with the random stream of `seed`.
    ///
    /// Errors, before any work, if `x` is empty or holds a non-finite value, or if
    /// `n_clusters > n_samples`.
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<BisectingKMeansModel> {
        self.fit_impl(x, None, seed)
    }

    /// As [`fit`](Self::fit), with one non-negative weight per sample. Weights act as repeated
    /// samples in the 2-means runs, the inertias and the random seeding; `"largest_cluster"`
    /// still counts samples. At least `n_clusters` weights must be positive.
    ///
    /// ```
    /// use clusterlab_kmeans::BisectingKMeansParams;
    /// let x = ndarray::array![[0.0], [1.0], [10.0], [11.0]];
    /// let m = BisectingKMeansParams::new(2).build()?.fit_weighted(x.view(), &[1.0, 1.0, 3.0, 1.0], 0)?;
    /// let mut c: Vec<f64> = m.centers().column(0).to_vec();
    /// c.sort_by(f64::total_cmp);
    /// assert_eq!(c, [0.5, 10.25]);
    /// assert_eq!(m.inertia(), 0.5 + 3.0 * 0.0625 + 0.5625);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn fit_weighted(
        &self,
        x: ArrayView2<'_, f64>,
        sample_weight: &[f64],
        seed: u64,
    ) -> Result<BisectingKMeansModel> {
        self.fit_impl(x, Some(sample_weight), seed)
    }

    fn fit_impl(
        &self,
        x: ArrayView2<'_, f64>,
        sample_weight: Option<&[f64]>,
        seed: u64,
    ) -> Result<BisectingKMeansModel> {
        self.fit_with(x, sample_weight, |step, _, data, w| {
            self.bisect(seed, step, data, w)
        })
    }

    /// Validates, grows the tree with `bisect` doing each split, and assembles the model. The
    /// fit passes the 2-means of [`bisect`](Self::bisect); the tests replay scikit-learn's
    /// splits through the same path.
    pub(crate) fn fit_with<F>(
        &self,
        x: ArrayView2<'_, f64>,
        sample_weight: Option<&[f64]>,
        bisect: F,
    ) -> Result<BisectingKMeansModel>
    where
        F: FnMut(usize, &[usize], Samples<'_>, Weights<'_>) -> Result<Bisection>,
    {
        let p = &self.params;
        validate::check_samples(x)?;
        let (n, d) = x.dim();
        validate::check_n_clusters("n_clusters", p.n_clusters, n)?;
        if let Some(w) = sample_weight {
            validate::check_sample_weight(w, n)?;
            let positive = w.iter().filter(|&&v| v > 0.0).count();
            if positive < p.n_clusters {
                return Err(Error::invalid(
                    "n_clusters",
                    p.n_clusters,
                    format!(
                        "must be at most the number of samples with a positive weight \
                         ({positive}): only those can be split apart"
                    ),
                ));
            }
        }
        let owned = x.as_standard_layout();
        let data = Samples::new(owned.view())
            .ok_or_else(|| Error::Numerical("samples are not contiguous after copying".into()))?;
        let w = sample_weight.map_or(Weights::Unit, Weights::Given);
        let Grown { mut nodes, members } =
            grow(data, w, p.n_clusters, p.bisecting_strategy, bisect)?;

        let leaves = leaves(&nodes);
        let mut labels = vec![0usize; n];
        let mut centers = Array2::zeros((leaves.len(), d));
        let mut empty = 0;
        for (label, &leaf) in leaves.iter().enumerate() {
            nodes[leaf].label = Some(label);
            for &i in &members[leaf] {
                labels[i] = label;
            }
            empty += usize::from(members[leaf].is_empty());
            for (c, v) in centers.row_mut(label).iter_mut().zip(&nodes[leaf].center) {
                *c = *v;
            }
        }
        let inertia = kernels::inertia(data, w, contiguous(&centers), &labels, Layout::new(n, d));
        let mut warnings = Vec::new();
        if empty > 0 {
            warnings.push(format!(
                "number of distinct clusters ({}) found smaller than n_clusters ({}): possibly \
                 due to duplicate points in the data",
                leaves.len() - empty,
                leaves.len()
            ));
        }
        let inertia_trace = inertia_trace(&nodes);
        Ok(BisectingKMeansModel {
            cluster_centers: centers,
            labels,
            inertia,
            tree: nodes,
            bisecting_strategy: p.bisecting_strategy,
            algorithm: p.algorithm,
            warnings,
            inertia_trace,
        })
    }

    /// One bisection: `n_init` 2-means runs on the leaf's samples, the first kept unless a
    /// later one's inertia is below `best * (1 - 1e-6)` (scikit-learn's rule).
    fn bisect(
        &self,
        seed: u64,
        step: usize,
        data: Samples<'_>,
        w: Weights<'_>,
    ) -> Result<Bisection> {
        let p = &self.params;
        let layout = Layout::new(data.n(), data.d);
        let mut best: Option<Run> = None;
        for r in 0..p.n_init {
            let mut rng = restart_rng(seed, step, r);
            let run = self
                .inner
                .run_once(data, w, p.algorithm, p.tol, layout, &mut rng)?;
            if best
                .as_ref()
                .is_none_or(|b| run.inertia < b.inertia * (1.0 - 1e-6))
            {
                best = Some(run);
            }
        }
        let best = best.ok_or_else(|| Error::invalid("n_init", 0, "must be at least 1"))?;
        Ok(Bisection {
            labels: best.labels,
            centers: best.centers,
            n_iter: best.n_iter,
            converged: best.converged,
        })
    }
}

impl Clusterer for BisectingKMeans {
    fn kind(&self) -> &'static str {
        "bisecting_kmeans"
    }

    fn n_clusters(&self) -> Option<usize> {
        Some(self.params.n_clusters)
    }

    /// A 2-means pass over a leaf costs `2 x d` multiply-adds per sample; the leaves split at
    /// one depth of the tree hold at most the `n` samples, and a balanced tree has
    /// `ceil(log2 K)` depths. Each split makes a few tens of passes per restart.
    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        const PASSES: f64 = 20.0;
        let depth = (self.params.n_clusters as f64).log2().ceil();
        n_samples as f64
            * n_features as f64
            * (1.0 + 2.0 * PASSES * self.params.n_init as f64 * depth)
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }
}

/// The tree and, for every leaf, its samples (ascending indices; empty for split nodes).
struct Grown {
    nodes: Vec<Node>,
    members: Vec<Vec<usize>>,
}

/// Grows the tree of the module doc: `n_clusters - 1` bisections, each of the leaf `strategy`
/// picks, by `bisect(step, leaf's sample indices, leaf's samples, their weights)`.
fn grow<F>(
    data: Samples<'_>,
    w: Weights<'_>,
    n_clusters: usize,
    strategy: BisectingStrategy,
    mut bisect: F,
) -> Result<Grown>
where
    F: FnMut(usize, &[usize], Samples<'_>, Weights<'_>) -> Result<Bisection>,
{
    let (n, d) = (data.n(), data.d);
    // scikit-learn's root center is `X.mean(axis=0)`, without the weights.
    let root_center = data
        .x
        .mean_axis(Axis(0))
        .ok_or_else(|| Error::Numerical("the mean of no sample".into()))?
        .to_vec();
    let root_inertia = cluster_inertia(data, w, &root_center, &vec![0; n], 1)[0];
    let mut nodes = vec![Node::leaf(root_center, n, root_inertia)];
    let mut members = vec![(0..n).collect::<Vec<usize>>()];
    let mut splittable = vec![positive_weights(w, &members[0]) >= 2];
    for step in 0..n_clusters - 1 {
        let chosen = choose(&nodes, &splittable, strategy).ok_or_else(|| {
            Error::Numerical(format!(
                "bisection {step}: no cluster has two samples of positive weight left to split"
            ))
        })?;
        let idx = std::mem::take(&mut members[chosen]);
        // Indices are ascending and distinct: a leaf of all `n` samples holds them in order.
        let gathered;
        let gathered_w;
        let (sub, sub_w) = if idx.len() == n {
            (reborrow(data), w)
        } else {
            gathered = gather_rows(data, &idx);
            gathered_w = match w {
                Weights::Unit => None,
                Weights::Given(ws) => Some(idx.iter().map(|&i| ws[i]).collect::<Vec<f64>>()),
            };
            let sub = Samples::new(gathered.view())
                .ok_or_else(|| Error::Numerical("gathered samples are not contiguous".into()))?;
            (
                sub,
                gathered_w.as_deref().map_or(Weights::Unit, Weights::Given),
            )
        };
        let b = bisect(step, &idx, sub, sub_w)?;
        if b.labels.len() != idx.len()
            || b.labels.iter().any(|&l| l > 1)
            || b.centers.dim() != (2, d)
        {
            return Err(Error::Numerical(format!(
                "bisection {step}: expected {} labels in 0..2 and 2 x {d} centers, found {} \
                 labels and {:?} centers",
                idx.len(),
                b.labels.len(),
                b.centers.dim()
            )));
        }
        let centers = b.centers.as_standard_layout();
        let inertias = cluster_inertia(sub, sub_w, contiguous(&centers), &b.labels, 2);
        let mut kids = [Vec::new(), Vec::new()];
        for (&i, &l) in idx.iter().zip(&b.labels) {
            kids[l].push(i);
        }
        let first = nodes.len();
        for (c, kid) in kids.into_iter().enumerate() {
            nodes.push(Node::leaf(centers.row(c).to_vec(), kid.len(), inertias[c]));
            splittable.push(positive_weights(w, &kid) >= 2);
            members.push(kid);
        }
        nodes[chosen].split = Some(NodeSplit {
            children: [first, first + 1],
            n_iter: b.n_iter,
            converged: b.converged,
        });
    }
    Ok(Grown { nodes, members })
}

/// The number of samples among `idx` with a positive weight.
fn positive_weights(w: Weights<'_>, idx: &[usize]) -> usize {
    match w {
        Weights::Unit => idx.len(),
        Weights::Given(ws) => idx.iter().filter(|&&i| ws[i] > 0.0).count(),
    }
}

/// scikit-learn's `get_cluster_to_bisect`: the leaf with the highest score in tree order, ties
/// to the first, among the leaves that can be split.
fn choose(nodes: &[Node], splittable: &[bool], strategy: BisectingStrategy) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for leaf in leaves(nodes) {
        if !splittable[leaf] {
            continue;
        }
        let node = &nodes[leaf];
        let score = match strategy {
            BisectingStrategy::BiggestInertia => node.inertia,
            BisectingStrategy::LargestCluster => node.n_samples as f64,
        };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((leaf, score));
        }
    }
    best.map(|(leaf, _)| leaf)
}

/// The leaves in tree order, left subtree first (scikit-learn's `iter_leaves`).
fn leaves(nodes: &[Node]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![0];
    while let Some(j) = stack.pop() {
        match &nodes[j].split {
            None => out.push(j),
            Some(s) => {
                stack.push(s.children[1]);
                stack.push(s.children[0]);
            }
        }
    }
    out
}

/// `data` for a shorter lifetime (array views are invariant in theirs), to stand beside
/// samples gathered in a loop.
fn reborrow<'b, 'a: 'b>(data: Samples<'a>) -> Samples<'b> {
    Samples {
        x: data.x.reborrow(),
        xs: data.xs,
        d: data.d,
    }
}

/// The rows `idx` of `data`, in that order.
fn gather_rows(data: Samples<'_>, idx: &[usize]) -> Array2<f64> {
    let d = data.d;
    let mut buf = Vec::with_capacity(idx.len() * d);
    for &i in idx {
        buf.extend_from_slice(data.row(i));
    }
    Array2::from_shape_vec((idx.len(), d), buf).expect("idx.len() rows of d values each")
}

/// The weighted inertia of each of the `k` clusters of `labels` about `centers` (row-major
/// `k x d`): scikit-learn's `_inertia_dense(..., single_label=c)` for every `c` at once. Blocks
/// of samples run in parallel and their sums are combined in block order.
fn cluster_inertia(
    data: Samples<'_>,
    w: Weights<'_>,
    centers: &[f64],
    labels: &[usize],
    k: usize,
) -> Vec<f64> {
    let d = data.d;
    let layout = Layout::new(data.n(), d);
    let parts: Vec<Vec<f64>> = labels
        .par_chunks(layout.block)
        .enumerate()
        .map(|(b, lab)| {
            let start = b * layout.block;
            let mut acc = vec![0.0; k];
            for (i, &l) in lab.iter().enumerate() {
                let r = start + i;
                acc[l] += sq_euclidean(data.row(r), &centers[l * d..(l + 1) * d]) * w.get(r);
            }
            acc
        })
        .collect();
    (0..k)
        .map(|c| ordered_sum(&parts.iter().map(|p| p[c]).collect::<Vec<f64>>()))
        .collect()
}

/// The sum of the leaves' inertia before the first bisection and after each one, summed in
/// node order.
fn inertia_trace(nodes: &[Node]) -> Vec<f64> {
    let mut parent = vec![usize::MAX; nodes.len()];
    for (j, node) in nodes.iter().enumerate() {
        if let Some(s) = &node.split {
            parent[s.children[0]] = j;
            parent[s.children[1]] = j;
        }
    }
    let mut active = vec![false; nodes.len()];
    let sum = |active: &[bool]| -> f64 {
        nodes
            .iter()
            .zip(active)
            .filter(|(_, a)| **a)
            .map(|(n, _)| n.inertia)
            .fold(0.0, |a, b| a + b)
    };
    active[0] = true;
    let mut trace = vec![sum(&active)];
    // Bisection s made nodes 2s + 1 and 2s + 2.
    for first in (1..nodes.len()).step_by(2) {
        if let Some(p) = parent.get(first).copied().filter(|&p| p < nodes.len()) {
            active[p] = false;
        }
        active[first] = true;
        if let Some(a) = active.get_mut(first + 1) {
            *a = true;
        }
        trace.push(sum(&active));
    }
    trace
}

/// How a node was split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeSplit {
    /// The left (2-means label 0) and right (label 1) children's indices in the tree.
    children: [usize; 2],
    /// Iterations of the kept 2-means run.
    n_iter: usize,
    /// Whether the kept 2-means run converged before `max_iter`.
    converged: bool,
}

/// A node of the tree of bisections: a cluster, and its two halves if it was split.
///
/// Nodes are stored in the order they were made: the root is node 0, bisection `s` made nodes
/// `2s + 1` (left, 2-means label 0) and `2s + 2` (right). Serialized as
/// `{"center": [..], "n_samples": .., "inertia": .., "split": {"children": [l, r], "n_iter": ..,
/// "converged": ..}}` for a split node and with `"label"` instead of `"split"` for a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    center: Vec<f64>,
    n_samples: usize,
    inertia: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    split: Option<NodeSplit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<usize>,
}

impl Node {
    fn leaf(center: Vec<f64>, n_samples: usize, inertia: f64) -> Self {
        Node {
            center,
            n_samples,
            inertia,
            split: None,
            label: None,
        }
    }

    /// The cluster's center: the mean of the samples for the root, the 2-means center for any
    /// other node.
    pub fn center(&self) -> &[f64] {
        &self.center
    }

    /// The number of training samples in the cluster (the `"largest_cluster"` score).
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    /// The weighted sum of squared distances of the cluster's samples to its center (the
    /// `"biggest_inertia"` score).
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The left and right children's indices in [`BisectingKMeansModel::tree`]; `None` for a
    /// leaf.
    pub fn children(&self) -> Option<[usize; 2]> {
        self.split.as_ref().map(|s| s.children)
    }

    /// Which bisection (from 0) split this node; `None` for a leaf.
    pub fn bisection(&self) -> Option<usize> {
        self.split.as_ref().map(|s| (s.children[0] - 1) / 2)
    }

    /// Iterations of the 2-means run that split this node; `None` for a leaf.
    pub fn n_iter(&self) -> Option<usize> {
        self.split.as_ref().map(|s| s.n_iter)
    }

    /// Whether the 2-means run that split this node converged; `None` for a leaf.
    pub fn converged(&self) -> Option<bool> {
        self.split.as_ref().map(|s| s.converged)
    }

    /// The final cluster label of a leaf; `None` for a split node.
    pub fn label(&self) -> Option<usize> {
        self.label
    }
}

/// A fitted bisecting K-means model: the final clusters (the leaves of the tree of
/// bisections), the training labels, and the tree.
///
/// It serializes (serde, [`Model::to_json`]) with scikit-learn's names: `cluster_centers_`,
/// `labels_`, `inertia_`, and `bisecting_tree_` (scikit-learn's private `_bisecting_tree`, as
/// the list of [`Node`]s), with `bisecting_strategy`, `algorithm` and `warnings`. A saved model
/// is checked when it is loaded back (the tree's shape, the leaves' labels and centers).
///
/// ```
/// use clusterlab_kmeans::{BisectingKMeansModel, BisectingKMeansParams};
/// use ndarray::array;
///
/// let x = array![[0.0], [1.0], [10.0], [11.0], [30.0], [31.0]];
/// let model = BisectingKMeansParams::new(3).build()?.fit(x.view(), 0)?;
/// assert_eq!(model.n_clusters(), 3);
/// // The first bisection sets {30, 31} apart; the second splits {0, 1, 10, 11}.
/// let root = &model.tree()[0];
/// assert_eq!(root.bisection(), Some(0));
/// assert_eq!(model.tree().iter().filter(|n| n.label().is_some()).count(), 3);
/// assert_eq!(model.inertia(), 1.5);
/// assert_eq!(model.inertia_trace().last(), Some(&1.5));
///
/// let saved = serde_json::to_string(&model).unwrap();
/// let loaded: BisectingKMeansModel = serde_json::from_str(&saved).unwrap();
/// assert_eq!(loaded, model);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelRepr", into = "ModelRepr")]
pub struct BisectingKMeansModel {
    cluster_centers: Array2<f64>,
    labels: Vec<usize>,
    inertia: f64,
    tree: Vec<Node>,
    bisecting_strategy: BisectingStrategy,
    algorithm: Algorithm,
    warnings: Vec<String>,
    /// Derived from the tree.
    inertia_trace: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRepr {
    #[serde(rename = "cluster_centers_", with = "crate::matrix")]
    cluster_centers: Array2<f64>,
    #[serde(rename = "labels_")]
    labels: Vec<usize>,
    #[serde(rename = "inertia_")]
    inertia: f64,
    #[serde(rename = "bisecting_tree_")]
    tree: Vec<Node>,
    bisecting_strategy: BisectingStrategy,
    algorithm: Algorithm,
    #[serde(default)]
    warnings: Vec<String>,
}

impl From<BisectingKMeansModel> for ModelRepr {
    fn from(m: BisectingKMeansModel) -> Self {
        ModelRepr {
            cluster_centers: m.cluster_centers,
            labels: m.labels,
            inertia: m.inertia,
            tree: m.tree,
            bisecting_strategy: m.bisecting_strategy,
            algorithm: m.algorithm,
            warnings: m.warnings,
        }
    }
}

impl TryFrom<ModelRepr> for BisectingKMeansModel {
    type Error = String;

    /// Checks everything `predict` and the accessors rely on.
    fn try_from(r: ModelRepr) -> std::result::Result<Self, String> {
        let (k, d) = r.cluster_centers.dim();
        let tree = &r.tree;
        if k == 0 || tree.len() != 2 * k - 1 {
            return Err(format!(
                "bisecting_tree_ has {} nodes: {k} clusters need 2 x {k} - 1",
                tree.len()
            ));
        }
        let mut has_parent = vec![false; tree.len()];
        for (j, node) in tree.iter().enumerate() {
            if node.center.len() != d {
                return Err(format!(
                    "node {j} has a center of {} values, cluster_centers_ have {d}",
                    node.center.len()
                ));
            }
            match (&node.split, node.label) {
                (Some(s), None) => {
                    let [a, b] = s.children;
                    if a <= j || b != a + 1 || a % 2 == 0 || b >= tree.len() {
                        return Err(format!(
                            "node {j} has children {:?}: bisection s makes nodes 2s + 1 and \
                             2s + 2, after their parent",
                            s.children
                        ));
                    }
                    for c in [a, b] {
                        if std::mem::replace(&mut has_parent[c], true) {
                            return Err(format!("node {c} has two parents"));
                        }
                    }
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(format!(
                        "node {j} must have either a split or a label (a leaf), not both or neither"
                    ));
                }
            }
        }
        if let Some(j) = (1..tree.len()).find(|&j| !has_parent[j]) {
            return Err(format!("node {j} has no parent"));
        }
        for (label, leaf) in leaves(tree).into_iter().enumerate() {
            if tree[leaf].label != Some(label) {
                return Err(format!(
                    "leaf {leaf} is cluster {label} in tree order but has label {:?}",
                    tree[leaf].label
                ));
            }
            if r.cluster_centers
                .row(label)
                .iter()
                .ne(tree[leaf].center.iter())
            {
                return Err(format!(
                    "cluster_centers_ row {label} differs from the center of its leaf {leaf}"
                ));
            }
        }
        if let Some(l) = r.labels.iter().find(|&&l| l >= k) {
            return Err(format!("labels_ holds {l}, outside 0..{k}"));
        }
        let inertia_trace = inertia_trace(tree);
        Ok(BisectingKMeansModel {
            cluster_centers: r.cluster_centers,
            labels: r.labels,
            inertia: r.inertia,
            tree: r.tree,
            bisecting_strategy: r.bisecting_strategy,
            algorithm: r.algorithm,
            warnings: r.warnings,
            inertia_trace,
        })
    }
}

impl BisectingKMeansModel {
    /// The number of clusters (leaves).
    pub fn n_clusters(&self) -> usize {
        self.cluster_centers.nrows()
    }

    /// The cluster centers, `n_clusters x n_features`, in the leaves' order (scikit-learn's
    /// `cluster_centers_`).
    pub fn centers(&self) -> ArrayView2<'_, f64> {
        self.cluster_centers.view()
    }

    /// The label (in `0..n_clusters`) of every training sample: its leaf.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Sum of the weighted squared distances of the training samples to their cluster's center.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The tree of bisections, in the order its nodes were made (see [`Node`]).
    pub fn tree(&self) -> &[Node] {
        &self.tree
    }

    /// The strategy that picked the leaves to split.
    pub fn bisecting_strategy(&self) -> BisectingStrategy {
        self.bisecting_strategy
    }

    /// The 2-means algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// What a user should know that is not an error: empty clusters (duplicate samples).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The sum of the leaves' inertia before the first bisection and after each one
    /// (`n_clusters` values; the last equals [`inertia`](Self::inertia) up to rounding).
    pub fn inertia_trace(&self) -> &[f64] {
        &self.inertia_trace
    }

    /// The iterations of all the kept 2-means runs.
    pub fn n_iter(&self) -> usize {
        self.tree.iter().filter_map(Node::n_iter).sum()
    }

    /// Whether every kept 2-means run converged before `max_iter` (true with one cluster).
    pub fn converged(&self) -> bool {
        self.tree.iter().filter_map(Node::converged).all(|c| c)
    }

    /// The cluster of every row of `x`, found by descending the tree: at each split, the
    /// nearer of the two children's centers (ties to the left), as scikit-learn's `predict`.
    /// On the training data it gives [`labels`](Self::labels) (up to distance ties, rounded
    /// differently by Elkan's bounds).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let d = self.cluster_centers.ncols();
        validate::check_matrix("x", x, None, d)?;
        let n = x.nrows();
        let mut out = vec![0; n];
        let owned = x.as_standard_layout();
        let data = Samples::new(owned.view())
            .ok_or_else(|| Error::Numerical("samples are not contiguous after copying".into()))?;
        let mut stack = vec![(0usize, (0..n).collect::<Vec<usize>>())];
        while let Some((j, idx)) = stack.pop() {
            if idx.is_empty() {
                continue;
            }
            let node = &self.tree[j];
            let Some(s) = &node.split else {
                let label = node.label.ok_or_else(|| {
                    Error::Numerical(format!("leaf {j} of the tree has no label"))
                })?;
                for i in idx {
                    out[i] = label;
                }
                continue;
            };
            let [a, b] = s.children;
            let mut flat = self.tree[a].center.clone();
            flat.extend_from_slice(&self.tree[b].center);
            let centers = Array2::from_shape_vec((2, d), flat)
                .map_err(|e| Error::Numerical(format!("children of node {j}: {e}")))?;
            // Indices are ascending and distinct: all `n` of them are the data as it is.
            let gathered;
            let sub = if idx.len() == n {
                reborrow(data)
            } else {
                gathered = gather_rows(data, &idx);
                Samples::new(gathered.view())
                    .ok_or_else(|| Error::Numerical("gathered samples are not contiguous".into()))?
            };
            let side = kernels::assign(sub, centers.view());
            let (mut left, mut right) = (Vec::new(), Vec::new());
            for (&i, &l) in idx.iter().zip(&side) {
                if l == 0 { &mut left } else { &mut right }.push(i);
            }
            stack.push((b, right));
            stack.push((a, left));
        }
        Ok(out)
    }
}

impl Model for BisectingKMeansModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        BisectingKMeansModel::predict(self, x)
    }

    fn centers(&self) -> Option<ArrayView2<'_, f64>> {
        Some(self.cluster_centers.view())
    }

    /// The sum of the leaves' inertia after each bisection.
    fn trace(&self) -> Option<Trace<'_>> {
        Some(Trace {
            objective: "inertia",
            values: &self.inertia_trace,
        })
    }

    /// Score `inertia`; `n_iter` is the total of the kept 2-means runs' iterations, and
    /// `converged` says whether they all converged.
    fn summary(&self) -> FitSummary {
        FitSummary::new(self.n_iter(), self.converged())
            .with_score("inertia", self.inertia)
            .with_warnings(self.warnings.clone())
    }

    fn to_json(&self) -> serde_json::Value {
        // Numbers, strings and lists of them: serialization cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn invalid_name(p: BisectingKMeansParams) -> &'static str {
        match p.build() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_sklearn_s() {
        let p = BisectingKMeansParams::default();
        assert_eq!(p.n_clusters, 8);
        assert_eq!(p.init, Init::Random);
        assert_eq!(p.n_init, 1);
        assert_eq!(p.max_iter, 300);
        assert_eq!(p.tol, 1e-4);
        assert!(p.copy_x);
        assert_eq!(p.algorithm, Algorithm::Lloyd);
        assert_eq!(p.bisecting_strategy, BisectingStrategy::BiggestInertia);
        assert_eq!(toml::from_str::<BisectingKMeansParams>("").unwrap(), p);
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let base = BisectingKMeansParams::new(3);
        assert_eq!(invalid_name(BisectingKMeansParams::new(0)), "n_clusters");
        let p = BisectingKMeansParams {
            n_init: 0,
            ..base.clone()
        };
        assert_eq!(invalid_name(p), "n_init");
        let p = BisectingKMeansParams {
            max_iter: 0,
            ..base.clone()
        };
        assert_eq!(invalid_name(p), "max_iter");
        for tol in [-1.0, f64::NAN, f64::INFINITY] {
            let p = BisectingKMeansParams {
                tol,
                ..base.clone()
            };
            assert_eq!(invalid_name(p), "tol");
        }
        let p = BisectingKMeansParams {
            init: Init::Centers(array![[0.0], [1.0]]),
            ..base
        };
        assert_eq!(invalid_name(p), "init");
    }

    fn node(inertia: f64, n_samples: usize) -> Node {
        Node::leaf(vec![0.0], n_samples, inertia)
    }

    fn split(mut parent: Node, first: usize) -> Node {
        parent.split = Some(NodeSplit {
            children: [first, first + 1],
            n_iter: 1,
            converged: true,
        });
        parent
    }

    /// Root split into 1 and 2, node 1 split into 3 and 4: leaves in tree order are 3, 4, 2.
    fn small_tree(inertias: [f64; 3], sizes: [usize; 3]) -> Vec<Node> {
        vec![
            split(node(10.0, 9), 1),
            split(node(6.0, 6), 3),
            node(inertias[2], sizes[2]),
            node(inertias[0], sizes[0]),
            node(inertias[1], sizes[1]),
        ]
    }

    #[test]
    fn leaves_come_in_tree_order() {
        assert_eq!(leaves(&small_tree([1.0; 3], [3; 3])), [3, 4, 2]);
    }

    #[test]
    fn ties_go_to_the_first_leaf_in_tree_order() {
        let all = [true; 5];
        let tree = small_tree([2.0, 2.0, 2.0], [3, 3, 3]);
        for s in [
            BisectingStrategy::BiggestInertia,
            BisectingStrategy::LargestCluster,
        ] {
            assert_eq!(choose(&tree, &all, s), Some(3));
        }
        let tree = small_tree([1.0, 2.0, 2.0], [3, 2, 4]);
        assert_eq!(
            choose(&tree, &all, BisectingStrategy::BiggestInertia),
            Some(4)
        );
        assert_eq!(
            choose(&tree, &all, BisectingStrategy::LargestCluster),
            Some(2)
        );
        // A leaf that cannot be split is passed over.
        let mut some = all;
        some[2] = false;
        assert_eq!(
            choose(&tree, &some, BisectingStrategy::LargestCluster),
            Some(3)
        );
    }

    #[test]
    fn the_trace_follows_the_bisections() {
        let tree = small_tree([1.0, 2.0, 3.0], [3, 3, 3]);
        assert_eq!(inertia_trace(&tree), [10.0, 6.0 + 3.0, 3.0 + 1.0 + 2.0]);
    }

    /// scikit-learn's splits, recorded by `tests/fixtures/make_bisecting_fixtures.py`.
    #[derive(Deserialize)]
    struct Replay {
        cases: Vec<ReplayCase>,
    }

    #[derive(Deserialize)]
    struct ReplayCase {
        name: String,
        x: Vec<Vec<f64>>,
        sample_weight: Option<Vec<f64>>,
        n_clusters: usize,
        bisecting_strategy: BisectingStrategy,
        steps: Vec<ReplayStep>,
        labels: Vec<usize>,
        cluster_centers: Vec<Vec<f64>>,
        inertia: f64,
        queries: Vec<Vec<f64>>,
        predict: Vec<usize>,
    }

    #[derive(Deserialize)]
    struct ReplayStep {
        indices: Vec<usize>,
        labels: Vec<usize>,
        centers: Vec<Vec<f64>>,
    }

    /// Given scikit-learn's split results, the leaf each strategy picks, the final numbering
    /// of the leaves, the centers, the inertia and `predict` are scikit-learn's.
    #[test]
    fn replaying_sklearn_s_splits_gives_its_choices_and_numbering() {
        let replay: Replay =
            serde_json::from_str(include_str!("../tests/fixtures/bisecting_replay.json")).unwrap();
        assert_eq!(replay.cases.len(), 8);
        for case in &replay.cases {
            let name = &case.name;
            let x = crate::matrix::from_rows(case.x.clone()).unwrap();
            let model = BisectingKMeansParams {
                bisecting_strategy: case.bisecting_strategy,
                ..BisectingKMeansParams::new(case.n_clusters)
            }
            .build()
            .unwrap();
            assert_eq!(case.steps.len(), case.n_clusters - 1, "{name}");
            let m = model
                .fit_with(
                    x.view(),
                    case.sample_weight.as_deref(),
                    |step, idx, _, _| {
                        let s = &case.steps[step];
                        assert_eq!(
                            idx,
                            &s.indices[..],
                            "{name}: leaf picked at bisection {step}"
                        );
                        Ok(Bisection {
                            labels: s.labels.clone(),
                            centers: crate::matrix::from_rows(s.centers.clone()).unwrap(),
                            n_iter: 1,
                            converged: true,
                        })
                    },
                )
                .unwrap();
            assert_eq!(m.labels(), &case.labels[..], "{name}");
            let expected = crate::matrix::from_rows(case.cluster_centers.clone()).unwrap();
            for (a, b) in m.centers().iter().zip(&expected) {
                assert!(
                    (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                    "{name}: {a} vs {b}"
                );
            }
            let rel = (m.inertia() - case.inertia).abs() / case.inertia.max(1e-300);
            assert!(
                case.inertia == m.inertia() || rel < 1e-9,
                "{name}: inertia {rel}"
            );
            let q = crate::matrix::from_rows(case.queries.clone()).unwrap();
            assert_eq!(
                m.predict(q.view()).unwrap(),
                case.predict,
                "{name}: predict"
            );
        }
    }
}
