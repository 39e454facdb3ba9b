//! The EM loop, in scikit-learn's order of operations.
//!
//! One restart: initialise (responsibilities from `init_params`, then an M-step, overridden by
//! any explicit initial weights, means and precisions), then for each iteration an E-step
//! (weighted log-probabilities, log-sum-exp, responsibilities, the lower bound as the mean of
//! `log p(x_i)`) and an M-step (weights, means, covariances, precision Cholesky factors), until
//! the lower bound changes by less than `tol`. The E-step and the statistics of the M-step are
//! computed in one pass over chunks of samples (see [`crate::kernels`]), so the data is read
//! once per iteration and no `n x k` array is kept. After the best restart, a last E-step gives
//! labels consistent with the returned parameters.

use clusterlab_core::{
    Error, Result,
    layout::contiguous,
    par::chunk_rows,
    seed::{ChaCha8Rng, derive, rng},
    validate,
};
use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use rand::Rng;
use rayon::prelude::*;

use crate::{
    GaussianMixture, GaussianMixtureModel,
    arrays::{CovarianceArray, CovarianceType},
    kernels::{self, Estimator, Scratch, Stats},
    linalg,
    params::InitParams,
};

/// The parameters of a mixture during EM.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub weights: Array1<f64>,
    pub means: Array2<f64>,
    /// `None` only when explicit precisions started EM and no M-step has run yet (as in
    /// scikit-learn, covariances are then unknown).
    pub covariances: Option<CovarianceArray>,
    pub precisions_cholesky: CovarianceArray,
}

/// The samples of one fit, row-major, with what is computed from them once.
pub(crate) struct Data<'a> {
    pub x: &'a [f64],
    pub n: usize,
    pub d: usize,
    /// `x^T x`, for `tied` only.
    pub gram: Vec<f64>,
}

impl<'a> Data<'a> {
    pub fn new(x: &'a [f64], n: usize, d: usize, ct: CovarianceType) -> Self {
        let gram = if ct == CovarianceType::Tied {
            let parts = map_chunks(x, d, 0, |_, xc, _| {
                let mut g = vec![0.0; d * d];
                kernels::accumulate_gram(xc, d, &mut g);
                g
            });
            let mut g = vec![0.0; d * d];
            for p in &parts {
                for (a, b) in g.iter_mut().zip(p) {
                    *a += b;
                }
            }
            g
        } else {
            Vec::new()
        };
        Data { x, n, d, gram }
    }
}

/// The responsibilities (posterior probability of each of the `k` components) of every row of
/// `x` under `est`, `n x k`: `predict_proba` of both mixtures.
pub(crate) fn responsibilities(
    est: &Estimator,
    x: &[f64],
    d: usize,
    k: usize,
) -> clusterlab_core::Result<Array2<f64>> {
    let parts = map_chunks(x, d, k, |_, xc, s| {
        let m = xc.len() / d;
        let mut wlp = vec![0.0; m * k];
        kernels::weighted_log_prob_into(est, xc, &mut s.kernel, &mut wlp);
        kernels::responsibilities_in_place(&mut wlp, k, &mut s.lpn[..m]);
        wlp
    });
    let n = x.len() / d.max(1);
    Array2::from_shape_vec((n, k), parts.concat())
        .map_err(|e| clusterlab_core::Error::Numerical(e.to_string()))
}

/// The log-sum-exp over the `k` components of the weighted log-densities of every row of `x`
/// under `est`: `score_samples` of both mixtures.
pub(crate) fn log_sum_exp_rows(est: &Estimator, x: &[f64], d: usize, k: usize) -> Array1<f64> {
    let parts = map_chunks(x, d, k, |_, xc, s| {
        let m = xc.len() / d;
        let wlp = &mut s.wlp[..m * k];
        kernels::weighted_log_prob_into(est, xc, &mut s.kernel, wlp);
        wlp.chunks_exact(k)
            .map(kernels::log_sum_exp)
            .collect::<Vec<f64>>()
    });
    Array1::from(parts.concat())
}

/// Applies `f` (first row, rows) to every chunk of [`chunk_rows`] rows of `x` in parallel, with
/// a scratch buffer for `k` components, and returns the results in chunk order.
pub(crate) fn map_chunks<T: Send>(
    x: &[f64],
    d: usize,
    k: usize,
    f: impl Fn(usize, &[f64], &mut ChunkScratch) -> T + Sync + Send,
) -> Vec<T> {
    let rows = chunk_rows(d);
    let n = x.len() / d.max(1);
    (0..n.div_ceil(rows))
        .into_par_iter()
        .map_init(
            || ChunkScratch::new(rows, d, k),
            |s, c| {
                let hi = n.min((c + 1) * rows);
                f(c * rows, &x[c * rows * d..hi * d], s)
            },
        )
        .collect()
}

/// Buffers of one chunk: kernel scratch, the `m x k` log-probabilities, `m` log-norms.
pub(crate) struct ChunkScratch {
    pub kernel: Scratch,
    pub wlp: Vec<f64>,
    pub lpn: Vec<f64>,
}

impl ChunkScratch {
    fn new(rows: usize, d: usize, k: usize) -> Self {
        ChunkScratch {
            kernel: Scratch::new(rows, d, k),
            wlp: vec![0.0; rows * k],
            lpn: vec![0.0; rows],
        }
    }
}

/// The outcome of one restart.
pub(crate) struct Run {
    pub state: State,
    pub lower_bound: f64,
    pub lower_bounds: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
}

impl GaussianMixture {
    /// Fits the mixture to `x` (one sample per row) with the random stream of `seed`; restart
    /// `r` of `n_init` draws from `clusterlab_core::seed::derive(seed, r)`.
    ///
    /// Errors name what is wrong: `n_components` larger than the number of samples, explicit
    /// initial arrays of the wrong width, a NaN in `x`, or a covariance that is not positive
    /// definite (with its component).
    ///
    /// # Examples
    ///
    /// ```
    /// use clusterlab_gmm::{GaussianMixtureParams, InitParams};
    /// use ndarray::array;
    ///
    /// let x = array![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [10.0, 2.0], [10.0, 4.0], [10.0, 0.0]];
    /// let params = GaussianMixtureParams {
    ///     init_params: InitParams::KMeansPlusPlus,
    ///     n_init: 3,
    ///     ..GaussianMixtureParams::new(2)
    /// };
    /// let model = params.build()?.fit(x.view(), 0)?;
    /// let labels = model.predict(x.view())?;
    /// assert_eq!(labels[0], labels[1]);
    /// assert_ne!(labels[0], labels[3]);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<GaussianMixtureModel> {
        validate::check_samples(x)?;
        let (n, d) = x.dim();
        let p = &self.params;
        let k = p.n_components;
        validate::check_n_clusters("n_components", k, n)?;
        if let Some(m) = &self.means_init {
            validate::check_matrix("means_init", m.view(), Some(k), d)?;
        }
        if let Some(u) = &self.precisions_cholesky_init {
            let want = CovarianceArray::shape_of(p.covariance_type, k, d);
            let found = CovarianceArray::shape_of(p.covariance_type, k, precision_dim(u, d));
            if want != found {
                return Err(Error::ShapeMismatch {
                    what: format!("precisions_init ({})", p.covariance_type),
                    expected: format!("{want:?}"),
                    found: format!("{found:?}"),
                });
            }
        }
        let x = x.as_standard_layout();
        let xs = x
            .as_slice()
            .ok_or_else(|| Error::Numerical("samples not contiguous".into()))?;
        let data = Data::new(xs, n, d, p.covariance_type);
        let mut best: Option<Run> = None;
        for r in 0..p.n_init {
            let run = self.run(&data, &mut rng(derive(seed, r as u64)))?;
            if best
                .as_ref()
                .is_none_or(|b| run.lower_bound > b.lower_bound)
            {
                best = Some(run);
            }
        }
        let best = best.ok_or_else(|| Error::Numerical("no restart ran".into()))?;
        GaussianMixtureModel::from_run(best, &data, p.covariance_type)
    }

    fn run(&self, data: &Data<'_>, rng: &mut ChaCha8Rng) -> Result<Run> {
        let p = &self.params;
        let ct = p.covariance_type;
        let mut state = self.initialize(data, rng)?;
        let mut lower_bound = f64::NEG_INFINITY;
        let mut lower_bounds = Vec::new();
        let mut converged = false;
        let mut n_iter = 0;
        for it in 1..=p.max_iter {
            let prev = lower_bound;
            let est = Estimator::new(&state.weights, &state.means, &state.precisions_cholesky);
            let shift = contiguous(&state.means).to_vec();
            let stats = e_step_stats(data, &est, ct, &shift);
            lower_bound = stats.log_prob_norm / data.n as f64;
            if !lower_bound.is_finite() {
                return Err(Error::Numerical(format!(
                    "the log-likelihood is {lower_bound} at iteration {it}: the data's scale \
                     may be extreme; try scaling it"
                )));
            }
            let (mut weights, means, covariances) =
                estimate_parameters(ct, &stats, &shift, &data.gram, p.reg_covar, data.d);
            let total: f64 = weights.sum();
            weights /= total;
            let precisions_cholesky = precision_cholesky(&covariances, p.reg_covar)?;
            state = State {
                weights,
                means,
                covariances: Some(covariances),
                precisions_cholesky,
            };
            lower_bounds.push(lower_bound);
            n_iter = it;
            if (lower_bound - prev).abs() < p.tol {
                converged = true;
                break;
            }
        }
        Ok(Run {
            state,
            lower_bound,
            lower_bounds,
            n_iter,
            converged,
        })
    }

    /// scikit-learn's `_initialize_parameters` and `_initialize`.
    fn initialize(&self, data: &Data<'_>, rng: &mut ChaCha8Rng) -> Result<State> {
        let p = &self.params;
        let (n, d, k) = (data.n, data.d, p.n_components);
        if let (Some(w), Some(m), Some(u)) = (
            &self.weights_init,
            &self.means_init,
            &self.precisions_cholesky_init,
        ) {
            return Ok(State {
                weights: w.clone(),
                means: m.clone(),
                covariances: None,
                precisions_cholesky: u.clone(),
            });
        }
        let resp = self.initial_responsibilities(data, rng)?;
        // Second moments about the data's mean keep the one-off estimate free of cancellation.
        let mean: Vec<f64> = (0..d)
            .map(|j| data.x.iter().skip(j).step_by(d).sum::<f64>() / n as f64)
            .collect();
        let (weights, means, covariances) = estimate_from_responsibilities(
            data,
            contiguous(&resp),
            &mean,
            p.covariance_type,
            k,
            p.reg_covar,
        );
        let weights = match &self.weights_init {
            Some(w) => w.clone(),
            None => weights / n as f64,
        };
        let means = self.means_init.clone().unwrap_or(means);
        Ok(match &self.precisions_cholesky_init {
            Some(u) => State {
                weights,
                means,
                covariances: None,
                precisions_cholesky: u.clone(),
            },
            None => State {
                weights,
                means,
                precisions_cholesky: precision_cholesky(&covariances, p.reg_covar)?,
                covariances: Some(covariances),
            },
        })
    }

    pub(crate) fn initial_responsibilities(
        &self,
        data: &Data<'_>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Array2<f64>> {
        let (n, k) = (data.n, self.params.n_components);
        let mut resp = Array2::<f64>::zeros((n, k));
        match self.params.init_params {
            InitParams::Random => {
                for mut row in resp.outer_iter_mut() {
                    row.mapv_inplace(|_| rng.random::<f64>());
                    let s = row.sum();
                    row /= s;
                }
            }
            InitParams::RandomFromData => {
                let idx = rand::seq::index::sample(rng, n, k);
                for (j, i) in idx.iter().enumerate() {
                    resp[[i, j]] = 1.0;
                }
            }
            InitParams::KMeansPlusPlus => {
                let x = ArrayView2::from_shape((n, data.d), data.x)
                    .map_err(|e| Error::Numerical(e.to_string()))?;
                let (_, indices) = clusterlab_kmeans::kmeans_plusplus(x, k, None, rng.random())?;
                for (j, i) in indices.into_iter().enumerate() {
                    resp[[i, j]] = 1.0;
                }
            }
            InitParams::Kmeans => {
                let x = ArrayView2::from_shape((n, data.d), data.x)
                    .map_err(|e| Error::Numerical(e.to_string()))?;
                for (i, l) in kmeans_labels(x, k, rng.random())?.into_iter().enumerate() {
                    resp[[i, l]] = 1.0;
                }
            }
        }
        Ok(resp)
    }
}

/// The width `d` an explicit precision factor was given with (`fallback` for spherical, which
/// carries none).
fn precision_dim(u: &CovarianceArray, fallback: usize) -> usize {
    match u {
        CovarianceArray::Full(a) => a.len_of(Axis(2)),
        CovarianceArray::Tied(a) | CovarianceArray::Diag(a) => a.ncols(),
        CovarianceArray::Spherical(_) => fallback,
    }
}

/// Labels of one K-means run (`n_init = 1`, k-means++ seeding) seeded from `seed`, as
/// scikit-learn's `kmeans` initialisation.
fn kmeans_labels(x: ArrayView2<'_, f64>, k: usize, seed: u64) -> Result<Vec<usize>> {
    let params = clusterlab_kmeans::KMeansParams {
        n_init: clusterlab_kmeans::NInit::Count(1),
        ..clusterlab_kmeans::KMeansParams::new(k)
    };
    Ok(params.build()?.fit(x, seed)?.labels().to_vec())
}

/// One pass of E-step and M-step statistics over all chunks, combined in chunk order.
pub(crate) fn e_step_stats(
    data: &Data<'_>,
    est: &Estimator,
    ct: CovarianceType,
    shift: &[f64],
) -> Stats {
    let (k, d) = (est.n_components(), data.d);
    let parts = map_chunks(data.x, d, k, |_, xc, s| {
        let m = xc.len() / d;
        let (wlp, lpn) = (&mut s.wlp[..m * k], &mut s.lpn[..m]);
        kernels::weighted_log_prob_into(est, xc, &mut s.kernel, wlp);
        kernels::responsibilities_in_place(wlp, k, lpn);
        let mut st = Stats::zeros(ct, k, d);
        st.log_prob_norm = lpn.iter().sum();
        kernels::accumulate_stats(ct, xc, wlp, shift, &mut s.kernel, &mut st);
        st
    });
    sum_stats(ct, k, d, &parts)
}

pub(crate) fn sum_stats(ct: CovarianceType, k: usize, d: usize, parts: &[Stats]) -> Stats {
    let mut total = Stats::zeros(ct, k, d);
    for p in parts {
        total.add(p);
    }
    total
}

/// scikit-learn's `_estimate_gaussian_parameters` from responsibilities `resp` (`n x k`, row
/// major): each component's weight (`nk`), mean and covariance, the second moments taken about
/// `mean` (the data's mean, which keeps this one-off estimate free of cancellation). The first
/// M-step of both mixtures.
pub(crate) fn estimate_from_responsibilities(
    data: &Data<'_>,
    resp: &[f64],
    mean: &[f64],
    ct: CovarianceType,
    k: usize,
    reg_covar: f64,
) -> (Array1<f64>, Array2<f64>, CovarianceArray) {
    let d = data.d;
    let shift: Vec<f64> = (0..k).flat_map(|_| mean.iter().copied()).collect();
    let parts = map_chunks(data.x, d, k, |lo, xc, s| {
        let m = xc.len() / d;
        let mut st = Stats::zeros(ct, k, d);
        kernels::accumulate_stats(
            ct,
            xc,
            &resp[lo * k..(lo + m) * k],
            &shift,
            &mut s.kernel,
            &mut st,
        );
        st
    });
    let stats = sum_stats(ct, k, d, &parts);
    estimate_parameters(ct, &stats, &shift, &data.gram, reg_covar, d)
}

/// scikit-learn's `_estimate_gaussian_parameters`: `nk` (with its `10 eps`), means and
/// covariances (with `reg_covar`), from the statistics of a pass.
pub(crate) fn estimate_parameters(
    ct: CovarianceType,
    st: &Stats,
    shift: &[f64],
    gram: &[f64],
    reg: f64,
    d: usize,
) -> (Array1<f64>, Array2<f64>, CovarianceArray) {
    let k = st.nk.len();
    let nk = Array1::from_iter(st.nk.iter().map(|v| v + 10.0 * f64::EPSILON));
    let mut means = Array2::<f64>::zeros((k, d));
    for ((j, l), m) in means.indexed_iter_mut() {
        *m = st.sx[j * d + l] / nk[j];
    }
    let cov = match ct {
        CovarianceType::Full => {
            let mut cov = Array3::<f64>::zeros((k, d, d));
            for j in 0..k {
                let delta: Vec<f64> = (0..d).map(|l| means[[j, l]] - shift[j * d + l]).collect();
                let s = &st.s[j * d..(j + 1) * d];
                let sm = &st.second[j * d * d..(j + 1) * d * d];
                let r = st.nk[j];
                let mut c = cov.index_axis_mut(Axis(0), j);
                for a in 0..d {
                    for b in 0..=a {
                        // sum r (x - mu)(x - mu)^T from moments about the shift c = mu - delta.
                        let v = sm[a * d + b] - delta[a] * s[b] - s[a] * delta[b]
                            + r * delta[a] * delta[b];
                        let v = v / nk[j];
                        c[[a, b]] = v;
                        c[[b, a]] = v;
                    }
                    c[[a, a]] += reg;
                }
            }
            CovarianceArray::Full(cov)
        }
        CovarianceType::Tied => {
            let total: f64 = nk.sum();
            let mut cov = Array2::<f64>::zeros((d, d));
            for ((a, b), c) in cov.indexed_iter_mut() {
                let m2: f64 = (0..k).map(|j| nk[j] * means[[j, a]] * means[[j, b]]).sum();
                *c = (gram[a * d + b] - m2) / total;
            }
            for a in 0..d {
                cov[[a, a]] += reg;
            }
            CovarianceArray::Tied(cov)
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            let mut cov = Array2::<f64>::zeros((k, d));
            for ((j, l), c) in cov.indexed_iter_mut() {
                let avg_x2 = st.second[j * d + l] / nk[j];
                let mu = means[[j, l]];
                let avg_x_means = mu * st.sx[j * d + l] / nk[j];
                *c = avg_x2 - 2.0 * avg_x_means + mu * mu + reg;
            }
            if ct == CovarianceType::Diag {
                CovarianceArray::Diag(cov)
            } else {
                CovarianceArray::Spherical(cov.sum_axis(Axis(1)) / d as f64)
            }
        }
    };
    (nk, means, cov)
}

/// scikit-learn's `_compute_precision_cholesky`, with an error naming the component whose
/// covariance is not positive definite.
pub(crate) fn precision_cholesky(cov: &CovarianceArray, reg_covar: f64) -> Result<CovarianceArray> {
    let err = |component| Error::NotPositiveDefinite {
        component,
        reg_covar,
    };
    Ok(match cov {
        CovarianceArray::Full(c) => {
            let mut u = Array3::zeros(c.raw_dim());
            for (j, m) in c.outer_iter().enumerate() {
                let f = linalg::precision_cholesky_from_covariance(m).ok_or_else(|| err(j))?;
                u.index_axis_mut(Axis(0), j).assign(&f);
            }
            CovarianceArray::Full(u)
        }
        CovarianceArray::Tied(c) => CovarianceArray::Tied(
            linalg::precision_cholesky_from_covariance(c.view()).ok_or_else(|| err(0))?,
        ),
        CovarianceArray::Diag(c) => {
            if let Some(((j, _), _)) = c.indexed_iter().find(|(_, v)| v.is_nan() || **v <= 0.0) {
                return Err(err(j));
            }
            CovarianceArray::Diag(c.mapv(|v| 1.0 / v.sqrt()))
        }
        CovarianceArray::Spherical(c) => {
            if let Some((j, _)) = c.iter().enumerate().find(|(_, v)| v.is_nan() || **v <= 0.0) {
                return Err(err(j));
            }
            CovarianceArray::Spherical(c.mapv(|v| 1.0 / v.sqrt()))
        }
    })
}
