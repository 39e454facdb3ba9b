//! Variational EM, in scikit-learn's order of operations (`BaseMixture.fit_predict` with
//! `BayesianGaussianMixture`'s steps).
//!
//! One restart: initial responsibilities (as `GaussianMixture` makes them), an M-step from
//! them; then each iteration an E-step with the current variational parameters (the
//! expectations of the log-weights and log-precisions, through digamma), an M-step
//! (`weight_concentration_`, `mean_precision_`, `means_`, `degrees_of_freedom_`,
//! `covariances_`, `precisions_cholesky_`), and the lower bound from the E-step's
//! responsibilities and the new parameters, until it changes by less than `tol`. The E-step,
//! the entropy of the responsibilities and the M-step's sufficient statistics come from one
//! pass over chunks of samples, through the Gaussian mixture's kernels
//! ([`crate::kernels`]): the per-component expectations are constants per component, so they
//! enter the same weighted log-density as a mixture's log-weights do.

use std::f64::consts::LN_2;

use clusterlab_core::{Error, Result, layout::contiguous, validate};
use ndarray::{Array1, Array2, Array3, ArrayView2};
use pulp::{Arch, Simd, WithSimd};

use super::{
    model::WeightConcentration,
    params::{BayesianGaussianMixture, CovariancePrior, WeightConcentrationPriorType},
    special::{digamma, ln_beta, ln_gamma},
};
use crate::{
    arrays::{CovarianceArray, CovarianceType},
    em::{
        Data, estimate_from_responsibilities, estimate_parameters, map_chunks, precision_cholesky,
    },
    kernels::{self, Estimator, Stats},
};

/// The priors in force for one fit: scikit-learn's `weight_concentration_prior_`,
/// `mean_precision_prior_`, `mean_prior_`, `degrees_of_freedom_prior_` and
/// `covariance_prior_` (the parameters, or what scikit-learn derives from the data).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Priors {
    pub weight_concentration: f64,
    pub mean_precision: f64,
    pub mean: Array1<f64>,
    pub degrees_of_freedom: f64,
    /// In the covariance type's shape (checked).
    pub covariance: CovariancePrior,
}

/// The variational parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VbState {
    pub weight_concentration: WeightConcentration,
    pub mean_precision: Array1<f64>,
    pub means: Array2<f64>,
    /// One per component; for `tied`, the shared value repeated (scikit-learn keeps a scalar).
    pub degrees_of_freedom: Array1<f64>,
    pub covariances: CovarianceArray,
    pub precisions_cholesky: CovarianceArray,
}

/// The outcome of one restart.
#[derive(Debug)]
pub(crate) struct VbRun {
    pub state: VbState,
    pub lower_bound: f64,
    pub lower_bounds: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
}

impl BayesianGaussianMixture {
    /// Checks the data against the configuration (before any work).
    pub(crate) fn check_data(&self, x: ArrayView2<'_, f64>) -> Result<()> {
        validate::check_samples(x)?;
        let n = x.nrows();
        if n < 2 {
            // scikit-learn's `ensure_min_samples=2`: the covariance prior needs two samples.
            return Err(Error::ShapeMismatch {
                what: "x (samples)".into(),
                expected: "at least 2 samples".into(),
                found: format!("{n} sample"),
            });
        }
        validate::check_n_clusters("n_components", self.params.n_components, n)
    }

    /// scikit-learn's `_check_parameters`: the priors, from the parameters or the data, with
    /// the checks that need the number of features.
    pub(crate) fn priors(&self, data: &Data<'_>) -> Result<Priors> {
        let p = &self.params;
        let (k, d) = (p.n_components, data.d);
        let data_mean = data_mean(data);
        let mean = match &p.mean_prior {
            Some(m) if m.len() != d => {
                return Err(Error::ShapeMismatch {
                    what: "mean_prior".into(),
                    expected: format!("({d},), one value per feature"),
                    found: format!("({},)", m.len()),
                });
            }
            Some(m) => Array1::from(m.clone()),
            None => data_mean.clone(),
        };
        let degrees_of_freedom = match p.degrees_of_freedom_prior {
            None => d as f64,
            Some(v) if v > d as f64 - 1.0 => v,
            Some(v) => {
                return Err(Error::invalid(
                    "degrees_of_freedom_prior",
                    v,
                    format!(
                        "must be greater than n_features - 1 = {} (the Wishart prior is \
                         improper otherwise)",
                        d - 1
                    ),
                ));
            }
        };
        let covariance = match &p.covariance_prior {
            Some(c) => {
                if let Some(cd) = c.n_features()
                    && cd != d
                {
                    return Err(Error::ShapeMismatch {
                        what: format!("covariance_prior ({})", p.covariance_type),
                        expected: match p.covariance_type {
                            CovarianceType::Diag => format!("({d},)"),
                            _ => format!("({d}, {d})"),
                        },
                        found: match c {
                            CovariancePrior::Matrix(_) => format!("({cd}, {cd})"),
                            _ => format!("({cd},)"),
                        },
                    });
                }
                c.clone()
            }
            None => empirical_in_shape(p.covariance_type, empirical_covariance(data, &data_mean)?),
        };
        Ok(Priors {
            weight_concentration: p.weight_concentration_prior.unwrap_or(1.0 / k as f64),
            mean_precision: p.mean_precision_prior.unwrap_or(1.0),
            mean,
            degrees_of_freedom,
            covariance,
        })
    }

    /// One restart from the responsibilities `resp` (`n x k`).
    pub(crate) fn run(
        &self,
        data: &Data<'_>,
        priors: &Priors,
        resp: ArrayView2<'_, f64>,
    ) -> Result<VbRun> {
        let p = &self.params;
        let ct = p.covariance_type;
        let mut state = self.initialize(data, priors, resp)?;
        let mut lower_bound = f64::NEG_INFINITY;
        let mut lower_bounds = Vec::new();
        let mut converged = false;
        let mut n_iter = 0;
        for it in 1..=p.max_iter {
            let prev = lower_bound;
            let est = estimator(&state, data.d);
            let shift = contiguous(&state.means).to_vec();
            let (stats, entropy) = e_step(data, &est, ct, &shift);
            let (nk, xk, sk) =
                estimate_parameters(ct, &stats, &shift, &data.gram, p.reg_covar, data.d);
            state = self.m_step(priors, &nk, &xk, sk)?;
            lower_bound = self.lower_bound(&state, data.d, entropy);
            if !lower_bound.is_finite() {
                return Err(Error::Numerical(format!(
                    "the variational lower bound is {lower_bound} at iteration {it}: the \
                     data's scale may be extreme; try scaling it"
                )));
            }
            lower_bounds.push(lower_bound);
            n_iter = it;
            if (lower_bound - prev).abs() < p.tol {
                converged = true;
                break;
            }
        }
        Ok(VbRun {
            state,
            lower_bound,
            lower_bounds,
            n_iter,
            converged,
        })
    }

    /// scikit-learn's `_initialize`: an M-step from the initial responsibilities.
    fn initialize(
        &self,
        data: &Data<'_>,
        priors: &Priors,
        resp: ArrayView2<'_, f64>,
    ) -> Result<VbState> {
        let ct = self.params.covariance_type;
        let k = self.params.n_components;
        // Second moments about the data's mean keep the one-off estimate free of cancellation
        // (the iterations take them about the current means).
        let mean = data_mean(data);
        let resp = resp.as_standard_layout();
        let (nk, xk, sk) = estimate_from_responsibilities(
            data,
            contiguous(&resp),
            &mean.to_vec(),
            ct,
            k,
            self.params.reg_covar,
        );
        self.m_step(priors, &nk, &xk, sk)
    }

    /// scikit-learn's `_estimate_weights`, `_estimate_means` and `_estimate_precisions` from
    /// `nk` (with its `10 eps`), the responsibility-weighted means `xk` and covariances `sk`
    /// (with `reg_covar`), in its order of floating-point operations.
    pub(crate) fn m_step(
        &self,
        priors: &Priors,
        nk: &Array1<f64>,
        xk: &Array2<f64>,
        sk: CovarianceArray,
    ) -> Result<VbState> {
        let (k, d) = xk.dim();
        let wcp = priors.weight_concentration;
        let weight_concentration = match self.params.weight_concentration_prior_type {
            WeightConcentrationPriorType::DirichletProcess => {
                // beta_j = prior + sum_{l > j} nk_l, accumulated from the last component as
                // NumPy's cumsum of the reversed nk.
                let mut beta = Array1::from_elem(k, wcp);
                let mut acc = 0.0;
                for j in (1..k).rev() {
                    acc += nk[j];
                    beta[j - 1] = wcp + acc;
                }
                WeightConcentration::DirichletProcess {
                    alpha: nk.mapv(|v| 1.0 + v),
                    beta,
                }
            }
            WeightConcentrationPriorType::DirichletDistribution => {
                WeightConcentration::DirichletDistribution(nk.mapv(|v| wcp + v))
            }
        };
        let mpp = priors.mean_precision;
        let mean_precision = nk.mapv(|v| mpp + v);
        let mut means = Array2::<f64>::zeros((k, d));
        for ((j, l), m) in means.indexed_iter_mut() {
            *m = (mpp * priors.mean[l] + nk[j] * xk[[j, l]]) / mean_precision[j];
        }
        let diff = |j: usize, l: usize| xk[[j, l]] - priors.mean[l];
        let dofp = priors.degrees_of_freedom;
        let (degrees_of_freedom, covariances) = match (&sk, &priors.covariance) {
            (CovarianceArray::Full(s), CovariancePrior::Matrix(cp)) => {
                let dof = nk.mapv(|v| dofp + v);
                let mut cov = Array3::<f64>::zeros((k, d, d));
                for j in 0..k {
                    let c = nk[j] * mpp / mean_precision[j];
                    for a in 0..d {
                        for b in 0..d {
                            let outer = diff(j, a) * diff(j, b);
                            cov[[j, a, b]] = (cp[a][b] + nk[j] * s[[j, a, b]] + c * outer) / dof[j];
                        }
                    }
                }
                (dof, CovarianceArray::Full(cov))
            }
            (CovarianceArray::Tied(s), CovariancePrior::Matrix(cp)) => {
                let total: f64 = nk.sum();
                let kf = k as f64;
                let dof = dofp + total / kf;
                let mut cov = Array2::<f64>::zeros((d, d));
                for ((a, b), c) in cov.indexed_iter_mut() {
                    let dot: f64 = (0..k)
                        .map(|j| nk[j] / mean_precision[j] * diff(j, a) * diff(j, b))
                        .sum();
                    *c = (cp[a][b] + s[[a, b]] * total / kf + mpp / kf * dot) / dof;
                }
                (Array1::from_elem(k, dof), CovarianceArray::Tied(cov))
            }
            (CovarianceArray::Diag(s), CovariancePrior::Vector(cp)) => {
                let dof = nk.mapv(|v| dofp + v);
                let mut cov = Array2::<f64>::zeros((k, d));
                for ((j, l), c) in cov.indexed_iter_mut() {
                    let dl = diff(j, l);
                    *c = (cp[l] + nk[j] * (s[[j, l]] + mpp / mean_precision[j] * (dl * dl)))
                        / dof[j];
                }
                (dof, CovarianceArray::Diag(cov))
            }
            (CovarianceArray::Spherical(s), CovariancePrior::Scalar(cp)) => {
                let dof = nk.mapv(|v| dofp + v);
                let cov = Array1::from_shape_fn(k, |j| {
                    let msq = (0..d).map(|l| diff(j, l) * diff(j, l)).sum::<f64>() / d as f64;
                    (cp + nk[j] * (s[j] + mpp / mean_precision[j] * msq)) / dof[j]
                });
                (dof, CovarianceArray::Spherical(cov))
            }
            _ => {
                return Err(Error::Numerical(
                    "the covariance prior's shape does not match the covariance type".into(),
                ));
            }
        };
        let precisions_cholesky = precision_cholesky(&covariances, self.params.reg_covar)?;
        Ok(VbState {
            weight_concentration,
            mean_precision,
            means,
            degrees_of_freedom,
            covariances,
            precisions_cholesky,
        })
    }

    /// scikit-learn's `_compute_lower_bound`, with `entropy = sum r ln r` of the E-step that
    /// preceded the M-step which gave `state`.
    pub(crate) fn lower_bound(&self, state: &VbState, d: usize, entropy: f64) -> f64 {
        let df = d as f64;
        let k = self.params.n_components;
        let log_det = log_det_cholesky(&state.precisions_cholesky, d);
        let dof = &state.degrees_of_freedom;
        let log_wishart_norm = |dof: f64, log_det_chol: f64| {
            let log_det_precisions_chol = log_det_chol - 0.5 * df * dof.ln();
            let gammas: f64 = (0..d).map(|i| ln_gamma(0.5 * (dof - i as f64))).sum();
            -(dof * log_det_precisions_chol + dof * df * 0.5 * LN_2 + gammas)
        };
        let log_wishart = if self.params.covariance_type == CovarianceType::Tied {
            k as f64 * log_wishart_norm(dof[0], log_det[0])
        } else {
            (0..k).map(|j| log_wishart_norm(dof[j], log_det[j])).sum()
        };
        let log_norm_weight = match &state.weight_concentration {
            WeightConcentration::DirichletProcess { alpha, beta } => -alpha
                .iter()
                .zip(beta)
                .map(|(a, b)| ln_beta(*a, *b))
                .sum::<f64>(),
            WeightConcentration::DirichletDistribution(c) => {
                ln_gamma(c.sum()) - c.iter().map(|v| ln_gamma(*v)).sum::<f64>()
            }
        };
        let log_mean_precision: f64 = state.mean_precision.iter().map(|v| v.ln()).sum();
        -entropy - log_wishart - log_norm_weight - 0.5 * df * log_mean_precision
    }
}

/// `ln det U` of every component's precision factor (one value for `tied`), as
/// scikit-learn's `_compute_log_det_cholesky`.
fn log_det_cholesky(u: &CovarianceArray, d: usize) -> Vec<f64> {
    match u {
        CovarianceArray::Full(u) => u
            .outer_iter()
            .map(|m| (0..d).map(|i| m[[i, i]].ln()).sum())
            .collect(),
        CovarianceArray::Tied(u) => vec![(0..d).map(|i| u[[i, i]].ln()).sum()],
        CovarianceArray::Diag(u) => u
            .outer_iter()
            .map(|r| r.iter().map(|v| v.ln()).sum())
            .collect(),
        CovarianceArray::Spherical(u) => u.iter().map(|v| d as f64 * v.ln()).collect(),
    }
}

/// scikit-learn's `_estimate_log_weights`: `E[ln pi_j]` under the variational posterior.
pub(crate) fn expected_log_weights(wc: &WeightConcentration) -> Vec<f64> {
    match wc {
        WeightConcentration::DirichletProcess { alpha, beta } => {
            let mut out = Vec::with_capacity(alpha.len());
            let mut cum = 0.0;
            for (a, b) in alpha.iter().zip(beta) {
                let digamma_sum = digamma(a + b);
                out.push(digamma(*a) - digamma_sum + cum);
                cum += digamma(*b) - digamma_sum;
            }
            out
        }
        WeightConcentration::DirichletDistribution(c) => {
            let total = digamma(c.sum());
            c.iter().map(|v| digamma(*v) - total).collect()
        }
    }
}

/// scikit-learn's `weights_`: the expected weights, normalised.
pub(crate) fn expected_weights(wc: &WeightConcentration) -> Array1<f64> {
    let mut w = match wc {
        WeightConcentration::DirichletProcess { alpha, beta } => {
            let mut w = Array1::zeros(alpha.len());
            let mut prod = 1.0;
            for (j, (a, b)) in alpha.iter().zip(beta).enumerate() {
                let sum = a + b;
                w[j] = a / sum * prod;
                prod *= b / sum;
            }
            w
        }
        WeightConcentration::DirichletDistribution(c) => c.clone(),
    };
    let total = w.sum();
    w /= total;
    w
}

/// The E-step's estimator: the Gaussian log-densities of the means and precision factors,
/// plus per component the expected log-weight and the expectations of scikit-learn's
/// `_estimate_log_prob` (`-d/2 ln nu_j + (E[ln |Lambda_j|] - d / beta_j) / 2`).
pub(crate) fn estimator(state: &VbState, d: usize) -> Estimator {
    let df = d as f64;
    let log_weights = expected_log_weights(&state.weight_concentration);
    let offsets = log_weights
        .iter()
        .zip(&state.degrees_of_freedom)
        .zip(&state.mean_precision)
        .map(|((lw, &dof), mp)| {
            let digammas: f64 = (0..d).map(|i| digamma(0.5 * (dof - i as f64))).sum();
            let log_lambda = df * LN_2 + digammas;
            -0.5 * df * dof.ln() + 0.5 * (log_lambda - df / mp) + lw
        })
        .collect();
    Estimator::from_log_weights(offsets, &state.means, &state.precisions_cholesky)
}

/// One E-step pass: the M-step's statistics (from the responsibilities) and
/// `sum_i sum_j r_ij ln r_ij`, over chunks in parallel, combined in chunk order.
pub(crate) fn e_step(
    data: &Data<'_>,
    est: &Estimator,
    ct: CovarianceType,
    shift: &[f64],
) -> (Stats, f64) {
    let (k, d) = (est.n_components(), data.d);
    let parts = map_chunks(data.x, d, k, |_, xc, s| {
        let m = xc.len() / d;
        let (wlp, lpn) = (&mut s.wlp[..m * k], &mut s.lpn[..m]);
        kernels::weighted_log_prob_into(est, xc, &mut s.kernel, wlp);
        let entropy = responsibilities_with_entropy(wlp, k, lpn, &mut vec![0.0; k]);
        let mut st = Stats::zeros(ct, k, d);
        st.log_prob_norm = lpn.iter().sum();
        kernels::accumulate_stats(ct, xc, wlp, shift, &mut s.kernel, &mut st);
        (st, entropy)
    });
    let mut stats = Stats::zeros(ct, k, d);
    let mut entropy = 0.0;
    for (st, e) in &parts {
        stats.add(st);
        entropy += e;
    }
    (stats, entropy)
}

/// As [`kernels::responsibilities_in_place`] (log-sum-exp per row, responsibilities in place,
/// `log p(x_i)` into `log_prob_norm`), and returns `sum r ln r` over the rows: with `t_j` the
/// row shifted by its maximum, `e_j = exp(t_j)` and `s = sum e_j`, a row's `sum_j r_j ln r_j`
/// is `sum_j e_j t_j / s - ln s`, so it costs no logarithm per entry. `t` is scratch for one
/// row (`k` values).
pub(crate) fn responsibilities_with_entropy(
    wlp: &mut [f64],
    k: usize,
    log_prob_norm: &mut [f64],
    t: &mut [f64],
) -> f64 {
    struct Op<'a>(&'a mut [f64], usize, &'a mut [f64], &'a mut [f64]);
    impl WithSimd for Op<'_> {
        type Output = f64;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> f64 {
            responsibilities_with_entropy_impl(self.0, self.1, self.2, self.3)
        }
    }
    Arch::new().dispatch(Op(wlp, k, log_prob_norm, t))
}

#[inline(always)]
fn responsibilities_with_entropy_impl(
    wlp: &mut [f64],
    k: usize,
    log_prob_norm: &mut [f64],
    t: &mut [f64],
) -> f64 {
    let t = &mut t[..k];
    let mut total = 0.0;
    for (row, lpn) in wlp.chunks_exact_mut(k).zip(log_prob_norm.iter_mut()) {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let shift = if max.is_finite() { max } else { 0.0 };
        // Separate loops: the subtractions and exponentials are independent and vectorise,
        // the sums are ordered.
        for (ti, v) in t.iter_mut().zip(row.iter()) {
            *ti = v - shift;
        }
        for (v, ti) in row.iter_mut().zip(t.iter()) {
            *v = kernels::exp_fast(*ti);
        }
        let s: f64 = row.iter().sum();
        // An underflowed term adds nothing (and never 0 * -inf).
        let et: f64 = row
            .iter()
            .zip(t.iter())
            .map(|(e, ti)| if *e > 0.0 { e * ti } else { 0.0 })
            .sum();
        let inv = 1.0 / s;
        for v in row.iter_mut() {
            *v *= inv;
        }
        let ln_s = s.ln();
        *lpn = ln_s + shift;
        total += et * inv - ln_s;
    }
    total
}

/// The data's mean per feature (scikit-learn's `X.mean(axis=0)`), from per-chunk sums added
/// in chunk order.
pub(crate) fn data_mean(data: &Data<'_>) -> Array1<f64> {
    let d = data.d;
    let parts = map_chunks(data.x, d, 0, |_, xc, _| {
        let mut s = vec![0.0; d];
        for row in xc.chunks_exact(d) {
            for (a, v) in s.iter_mut().zip(row) {
                *a += v;
            }
        }
        s
    });
    let mut total = Array1::zeros(d);
    for p in &parts {
        for (a, v) in total.iter_mut().zip(p) {
            *a += v;
        }
    }
    total / data.n as f64
}

/// scikit-learn's default `covariance_prior_`: NumPy's `cov(X.T)` (`ddof = 1`), whole.
/// [`empirical_in_shape`] cuts it to the covariance type's shape.
fn empirical_covariance(data: &Data<'_>, mean: &Array1<f64>) -> Result<CovariancePrior> {
    let d = data.d;
    let mu = contiguous(mean);
    let parts = map_chunks(data.x, d, 0, |_, xc, _| {
        let centered: Vec<f64> = xc
            .chunks_exact(d)
            .flat_map(|row| row.iter().zip(mu).map(|(v, m)| v - m))
            .collect();
        let mut g = vec![0.0; d * d];
        kernels::accumulate_gram(&centered, d, &mut g);
        g
    });
    let mut g = vec![0.0; d * d];
    for p in &parts {
        for (a, b) in g.iter_mut().zip(p) {
            *a += b;
        }
    }
    // NumPy multiplies by 1 / (n - 1).
    let f = 1.0 / (data.n as f64 - 1.0);
    let cov: Vec<Vec<f64>> = g
        .chunks_exact(d)
        .map(|r| r.iter().map(|v| v * f).collect())
        .collect();
    if cov.iter().flatten().any(|v| !v.is_finite()) {
        return Err(Error::Numerical(
            "the data's covariance (the default covariance_prior) is not finite".into(),
        ));
    }
    Ok(CovariancePrior::Matrix(cov))
}

/// The empirical covariance in the shape of `ct`: the matrix for `full` and `tied`, the
/// variances (`var(X, ddof=1)`) for `diag`, their mean for `spherical`.
fn empirical_in_shape(ct: CovarianceType, c: CovariancePrior) -> CovariancePrior {
    match (ct, c) {
        (CovarianceType::Diag, CovariancePrior::Matrix(m)) => {
            CovariancePrior::Vector((0..m.len()).map(|i| m[i][i]).collect())
        }
        (CovarianceType::Spherical, CovariancePrior::Matrix(m)) => {
            let d = m.len();
            CovariancePrior::Scalar((0..d).map(|i| m[i][i]).sum::<f64>() / d as f64)
        }
        (_, c) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_responsibilities() {
        // Two rows: equal log-probabilities (entropy ln 2), and one certain component.
        let mut wlp = [-3.0, -3.0, 0.0, -2000.0];
        let mut lpn = [0.0; 2];
        let e = responsibilities_with_entropy(&mut wlp, 2, &mut lpn, &mut [0.0; 2]);
        assert!((e + 2f64.ln()).abs() < 1e-15, "{e}");
        assert_eq!(&wlp, &[0.5, 0.5, 1.0, 0.0]);
        assert!((lpn[0] - (-3.0 + 2f64.ln())).abs() < 1e-15);
        assert_eq!(lpn[1], 0.0);
        // Against the direct sum r ln r.
        let row = [-1.0, -2.5, 0.3, -7.0];
        let lse = kernels::log_sum_exp(&row);
        let want: f64 = row.iter().map(|v| (v - lse).exp() * (v - lse)).sum();
        let mut w = row;
        let got = responsibilities_with_entropy(&mut w, 4, &mut [0.0], &mut [0.0; 4]);
        assert!((got - want).abs() < 1e-15, "{got} vs {want}");
    }

    #[test]
    fn weights_of_the_stick_breaking_posterior() {
        // alpha = (1, 1), beta = (1, 1): E[v_0] = 1/2, so weights (1/2, 1/4) normalised.
        let wc = WeightConcentration::DirichletProcess {
            alpha: ndarray::array![1.0, 1.0],
            beta: ndarray::array![1.0, 1.0],
        };
        let w = expected_weights(&wc);
        assert!((w[0] - 2.0 / 3.0).abs() < 1e-15 && (w[1] - 1.0 / 3.0).abs() < 1e-15);
        // E[ln v] = psi(1) - psi(2) = -1 for both sticks; E[ln (1 - v_0)] = -1 too.
        let lw = expected_log_weights(&wc);
        assert!(
            (lw[0] + 1.0).abs() < 1e-14 && (lw[1] + 2.0).abs() < 1e-14,
            "{lw:?}"
        );
        let wc = WeightConcentration::DirichletDistribution(ndarray::array![1.0, 3.0]);
        assert_eq!(expected_weights(&wc).to_vec(), vec![0.25, 0.75]);
    }
}
