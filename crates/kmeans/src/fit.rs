//! Fitting: restarts, and one run of Lloyd or Elkan in scikit-learn's order of operations.

use clusterlab_core::{
    Clusterer, Error, Model, Result,
    layout::contiguous,
    seed::{self, ChaCha8Rng},
    validate,
};
use ndarray::{Array2, ArrayView2};

use crate::{
    init,
    kernels::{self, ElkanBounds, Layout, Prepared, Samples, Weights},
    model::KMeansModel,
    params::{Algorithm, Init, KMeans, NInit},
};

/// One run's result.
pub(crate) struct Run {
    pub(crate) centers: Array2<f64>,
    pub(crate) labels: Vec<usize>,
    pub(crate) inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    pub(crate) trace: Vec<f64>,
}

impl KMeans {
    /// Fits to `x` (one sample per row) with the random stream of `seed`.
    ///
    /// Restart `r` draws its initial centers from `seed::derive(seed, r)`; the lowest inertia
    /// wins, ties to the earliest restart. Errors (before any work) if `x` is empty or holds a
    /// non-finite value, if `n_clusters > n_samples`, or if explicit centers do not have
    /// `n_features` columns.
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<KMeansModel> {
        self.fit_impl(x, None, seed)
    }

    /// As [`fit`](Self::fit), with one non-negative weight per sample (not all zero). Weights
    /// act as repeated samples: in the centers, the inertia and the random initialisations.
    ///
    /// ```
    /// use clusterlab_kmeans::KMeansParams;
    /// let x = ndarray::array![[0.0], [4.0]];
    /// let m = KMeansParams::new(1).build()?.fit_weighted(x.view(), &[3.0, 1.0], 0)?;
    /// assert_eq!(m.centers()[[0, 0]], 1.0);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn fit_weighted(
        &self,
        x: ArrayView2<'_, f64>,
        sample_weight: &[f64],
        seed: u64,
    ) -> Result<KMeansModel> {
        self.fit_impl(x, Some(sample_weight), seed)
    }

    fn fit_impl(
        &self,
        x: ArrayView2<'_, f64>,
        sample_weight: Option<&[f64]>,
        seed: u64,
    ) -> Result<KMeansModel> {
        let p = &self.params;
        validate::check_samples(x)?;
        let (n, d) = x.dim();
        validate::check_n_clusters("n_clusters", p.n_clusters, n)?;
        if let Init::Centers(c) = &p.init {
            validate::check_matrix("init", c.view(), Some(p.n_clusters), d)?;
        }
        if let Some(w) = sample_weight {
            validate::check_sample_weight(w, n)?;
        }
        let w = sample_weight.map_or(Weights::Unit, Weights::Given);
        let owned = x.as_standard_layout();
        let data = Samples::new(owned.view())
            .ok_or_else(|| Error::Numerical("samples are not contiguous after copying".into()))?;
        let layout = Layout::new(n, d);

        let mut warnings = Vec::new();
        let mut algorithm = p.algorithm;
        if algorithm == Algorithm::Elkan && p.n_clusters == 1 {
            warnings.push(
                "algorithm = \"elkan\" does not make sense for a single cluster: using \"lloyd\""
                    .to_string(),
            );
            algorithm = Algorithm::Lloyd;
        }
        if let (Init::Centers(_), NInit::Count(c)) = (&p.init, p.n_init)
            && c != 1
        {
            warnings.push(format!(
                "explicit initial centers: running once instead of n_init = {c}"
            ));
        }
        let tol = if p.tol == 0.0 {
            0.0
        } else {
            kernels::mean_variance(data, layout) * p.tol
        };

        let mut best: Option<Run> = None;
        for r in 0..self.effective_n_init() {
            let mut rng = seed::rng(seed::derive(seed, r as u64));
            let run = self.run_once(data, w, algorithm, tol, layout, &mut rng)?;
            // As scikit-learn: a later run wins only with a strictly lower inertia and a
            // clustering that is not the same partition under another numbering.
            let better = match &best {
                None => true,
                Some(b) => {
                    run.inertia < b.inertia
                        && !same_clustering(&run.labels, &b.labels, p.n_clusters)
                }
            };
            if better {
                best = Some(run);
            }
        }
        let best = best.ok_or_else(|| Error::invalid("n_init", 0, "must be at least 1"))?;
        let mut seen = vec![false; p.n_clusters];
        for &l in &best.labels {
            seen[l] = true;
        }
        let distinct = seen.iter().filter(|&&s| s).count();
        if distinct < p.n_clusters {
            warnings.push(format!(
                "number of distinct clusters ({distinct}) found smaller than n_clusters ({}): \
                 possibly due to duplicate points in the data",
                p.n_clusters
            ));
        }
        Ok(KMeansModel {
            centers: best.centers,
            labels: best.labels,
            inertia: best.inertia,
            n_iter: best.n_iter,
            converged: best.converged,
            algorithm,
            warnings,
            inertia_trace: best.trace,
        })
    }

    /// One run (scikit-learn's `_init_centroids` then `_kmeans_single_*`): initial centers
    /// drawn from `rng` (or the explicit ones), then `algorithm` (the effective one: Elkan with
    /// one cluster is already Lloyd) until the squared center shift is at most `tol`, an
    /// absolute tolerance (what `fit` passes is scaled by the data's variance; bisecting
    /// K-means passes its `tol` as it is, as scikit-learn does).
    pub(crate) fn run_once(
        &self,
        data: Samples<'_>,
        w: Weights<'_>,
        algorithm: Algorithm,
        tol: f64,
        layout: Layout,
        rng: &mut ChaCha8Rng,
    ) -> Result<Run> {
        let p = &self.params;
        let centers = match &p.init {
            Init::KMeansPlusPlus => init::greedy_plusplus(data, w, p.n_clusters, rng).0,
            Init::Random => init::random(data, w, p.n_clusters, rng)?,
            Init::Centers(c) => c.as_standard_layout().into_owned(),
        };
        Ok(match algorithm {
            Algorithm::Lloyd => lloyd(data, w, centers, p.max_iter, tol, layout),
            Algorithm::Elkan => elkan(data, w, centers, p.max_iter, tol, layout),
        })
    }
}

/// scikit-learn's `_is_same_clustering`: equal up to a renumbering of the labels.
fn same_clustering(a: &[usize], b: &[usize], k: usize) -> bool {
    let mut map = vec![usize::MAX; k];
    for (&x, &y) in a.iter().zip(b) {
        if map[x] == usize::MAX {
            map[x] = y;
        } else if map[x] != y {
            return false;
        }
    }
    true
}

fn flat(c: &Array2<f64>) -> &[f64] {
    // Centers are always built in standard layout here.
    contiguous(c)
}

/// scikit-learn's `_kmeans_single_lloyd`.
fn lloyd(
    data: Samples<'_>,
    w: Weights<'_>,
    mut centers: Array2<f64>,
    max_iter: usize,
    tol: f64,
    layout: Layout,
) -> Run {
    let (k, d) = centers.dim();
    // usize::MAX marks "no label yet", so the first iteration never looks converged.
    let mut labels = vec![usize::MAX; data.n()];
    let mut shift = vec![0.0; k];
    let mut trace = Vec::new();
    let mut strict = false;
    let mut converged = false;
    let mut n_iter = 0;
    for i in 0..max_iter {
        n_iter = i + 1;
        let mut sums = {
            let p = Prepared::new(centers.view());
            kernels::lloyd_pass(data, w, &p, &mut labels, true, layout)
        };
        trace.push(sums.inertia);
        kernels::m_step(
            data,
            w,
            flat(&centers),
            &mut sums.sums,
            &mut sums.weights,
            &labels,
            &mut shift,
            layout,
        );
        centers = Array2::from_shape_vec((k, d), sums.sums).unwrap_or(centers);
        if sums.changed == 0 {
            strict = true;
            converged = true;
            break;
        }
        if shift.iter().map(|s| s * s).sum::<f64>() <= tol {
            converged = true;
            break;
        }
    }
    if !strict {
        // The final E-step, so that the labels belong to the returned centers.
        let p = Prepared::new(centers.view());
        kernels::lloyd_pass(data, w, &p, &mut labels, false, layout);
    }
    let inertia = kernels::inertia(data, w, flat(&centers), &labels, layout);
    Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
        trace,
    }
}

/// scikit-learn's `_kmeans_single_elkan`.
fn elkan(
    data: Samples<'_>,
    w: Weights<'_>,
    mut centers: Array2<f64>,
    max_iter: usize,
    tol: f64,
    layout: Layout,
) -> Run {
    let (k, d) = centers.dim();
    let n = data.n();
    let mut labels = vec![0usize; n];
    let mut upper = vec![0.0; n];
    let mut lower = vec![0.0f32; n * k];
    let (mut half, mut next) = kernels::center_half_distances(flat(&centers), k, d);
    kernels::elkan_init(
        data,
        flat(&centers),
        &half,
        &mut labels,
        &mut upper,
        &mut lower,
        layout,
    );
    let mut st = ElkanBounds {
        labels: &mut labels,
        upper: &mut upper,
        lower: &mut lower,
    };
    let mut shift = vec![0.0; k];
    let mut pending = false;
    let mut strict = false;
    let mut converged = false;
    let mut n_iter = 0;
    for i in 0..max_iter {
        n_iter = i + 1;
        let mut sums = kernels::elkan_pass(
            data,
            w,
            flat(&centers),
            &half,
            &next,
            pending.then_some(&shift[..]),
            &mut st,
            true,
            layout,
        );
        kernels::m_step(
            data,
            w,
            flat(&centers),
            &mut sums.sums,
            &mut sums.weights,
            st.labels,
            &mut shift,
            layout,
        );
        pending = true;
        centers = Array2::from_shape_vec((k, d), sums.sums).unwrap_or(centers);
        (half, next) = kernels::center_half_distances(flat(&centers), k, d);
        // The labels before the first iteration come from the bounds' initialisation, which
        // scikit-learn does not compare against: the first iteration never converges strictly.
        if i > 0 && sums.changed == 0 {
            strict = true;
            converged = true;
            break;
        }
        if shift.iter().map(|s| s * s).sum::<f64>() <= tol {
            converged = true;
            break;
        }
    }
    if !strict {
        kernels::elkan_pass(
            data,
            w,
            flat(&centers),
            &half,
            &next,
            pending.then_some(&shift[..]),
            &mut st,
            false,
            layout,
        );
    }
    let inertia = kernels::inertia(data, w, flat(&centers), st.labels, layout);
    Run {
        centers,
        labels,
        inertia,
        n_iter,
        converged,
        trace: Vec::new(),
    }
}

impl Clusterer for KMeans {
    fn kind(&self) -> &'static str {
        "kmeans"
    }

    fn n_clusters(&self) -> Option<usize> {
        Some(self.params.n_clusters)
    }

    /// One Lloyd pass costs `n x d x K` multiply-adds; a fit makes a few tens of passes (the
    /// same for every K-means cell, so it only matters against other algorithms), for each
    /// of its restarts.
    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        const PASSES: f64 = 20.0;
        n_samples as f64
            * n_features as f64
            * self.params.n_clusters as f64
            * self.effective_n_init() as f64
            * PASSES
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }
}
