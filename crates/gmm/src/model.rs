//! The fitted mixture: parameters in scikit-learn's shapes, scoring, sampling, serde.

use clusterlab_core::{
    Clusterer, Error, FitSummary, Model, Result, Trace, layout::contiguous, seed::rng, validate,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::{
    GaussianMixture,
    arrays::{CovarianceArray, CovarianceType, NestedArray},
    em::{Data, Run, log_sum_exp_rows, map_chunks, responsibilities},
    kernels::{self, Estimator},
    linalg,
};

/// A Gaussian mixture fitted by EM (see [`GaussianMixture::fit`]).
///
/// Arrays follow scikit-learn's attribute shapes (`weights_`, `means_`, `covariances_`,
/// `precisions_cholesky_`). Serialized (serde) as the same JSON object [`Model::to_json`]
/// writes, with nested lists, and read back with every shape checked.
///
/// # Examples
///
/// ```
/// use clusterlab_gmm::{GaussianMixtureModel, GaussianMixtureParams, InitParams};
/// use ndarray::array;
///
/// let x = array![[0.0, 0.1], [0.2, 0.0], [0.1, 0.3], [5.0, 5.1], [5.2, 4.9], [4.9, 5.0]];
/// let params = GaussianMixtureParams { init_params: InitParams::KMeansPlusPlus, ..GaussianMixtureParams::new(2) };
/// let model = params.build()?.fit(x.view(), 7)?;
/// assert_eq!(model.weights().len(), 2);
/// let p = model.predict_proba(x.view())?;
/// assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
///
/// let json = serde_json::to_string(&model).unwrap();
/// let back: GaussianMixtureModel = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.predict(x.view())?, model.predict(x.view())?);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelRepr", into = "ModelRepr")]
pub struct GaussianMixtureModel {
    covariance_type: CovarianceType,
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: CovarianceArray,
    precisions_cholesky: CovarianceArray,
    converged: bool,
    n_iter: usize,
    lower_bound: f64,
    lower_bounds: Vec<f64>,
    labels: Vec<usize>,
    n_samples: usize,
    score: f64,
    /// `sum_i log z_{i, label_i}` on the training data (at most 0): the log-likelihood of the
    /// hard classification that ICL penalises.
    classification_log_likelihood: f64,
}

impl GaussianMixtureModel {
    pub(crate) fn from_run(run: Run, data: &Data<'_>, ct: CovarianceType) -> Result<Self> {
        let s = run.state;
        let covariances = s
            .covariances
            .ok_or_else(|| Error::Numerical("no M-step ran, so covariances are unknown".into()))?;
        let mut model = GaussianMixtureModel {
            covariance_type: ct,
            weights: s.weights,
            means: s.means,
            covariances,
            precisions_cholesky: s.precisions_cholesky,
            converged: run.converged,
            n_iter: run.n_iter,
            lower_bound: run.lower_bound,
            lower_bounds: run.lower_bounds,
            labels: Vec::new(),
            n_samples: data.n,
            score: 0.0,
            classification_log_likelihood: 0.0,
        };
        // The final E-step: labels and score belong to the returned parameters.
        let pass = model.final_e_step(data.x);
        model.labels = pass.labels;
        model.score = pass.log_likelihood / data.n as f64;
        model.classification_log_likelihood = pass.classification;
        Ok(model)
    }

    fn estimator(&self) -> Estimator {
        Estimator::new(&self.weights, &self.means, &self.precisions_cholesky)
    }

    fn k(&self) -> usize {
        self.weights.len()
    }

    fn d(&self) -> usize {
        self.means.ncols()
    }

    /// One E-step over `x`: each row's most probable component, the log-likelihood, and the
    /// log-likelihood of that hard classification (`sum_i log z_{i, label_i}`).
    fn final_e_step(&self, x: &[f64]) -> EStep {
        let est = self.estimator();
        let (k, d) = (self.k(), self.d());
        let parts = map_chunks(x, d, k, |_, xc, s| {
            let m = xc.len() / d;
            let wlp = &mut s.wlp[..m * k];
            kernels::weighted_log_prob_into(&est, xc, &mut s.kernel, wlp);
            let mut labels = Vec::with_capacity(m);
            let (mut sum, mut classification) = (0.0, 0.0);
            for row in wlp.chunks_exact(k) {
                let label = argmax(row);
                let lse = kernels::log_sum_exp(row);
                labels.push(label);
                sum += lse;
                classification += row[label] - lse;
            }
            (labels, sum, classification)
        });
        let mut out = EStep {
            labels: Vec::with_capacity(x.len() / d),
            log_likelihood: 0.0,
            classification: 0.0,
        };
        // Chunks in order: the sums do not depend on the thread count.
        for (l, s, c) in parts {
            out.labels.extend(l);
            out.log_likelihood += s;
            out.classification += c;
        }
        out
    }

    fn check_x<'a>(
        &self,
        x: ArrayView2<'a, f64>,
    ) -> Result<ndarray::CowArray<'a, f64, ndarray::Ix2>> {
        validate::check_matrix("x", x, None, self.d())?;
        Ok(if x.is_standard_layout() {
            ndarray::CowArray::from(x)
        } else {
            ndarray::CowArray::from(x.as_standard_layout().into_owned())
        })
    }

    /// Mixture weights, `(n_components,)`.
    pub fn weights(&self) -> ArrayView1<'_, f64> {
        self.weights.view()
    }

    /// Component means, `(n_components, n_features)`.
    pub fn means(&self) -> ArrayView2<'_, f64> {
        self.means.view()
    }

    /// Covariances in scikit-learn's shape for the covariance type (see
    /// [`Model::covariances`] for full `d x d` matrices of every type).
    pub fn covariances(&self) -> &CovarianceArray {
        &self.covariances
    }

    /// Cholesky factors of the precisions (`U` with `precision = U U^T`, upper triangular), in
    /// scikit-learn's shape.
    pub fn precisions_cholesky(&self) -> &CovarianceArray {
        &self.precisions_cholesky
    }

    /// Precisions (inverse covariances), `U U^T` from their factors, as scikit-learn's
    /// `precisions_`.
    pub fn precisions(&self) -> CovarianceArray {
        match &self.precisions_cholesky {
            CovarianceArray::Full(u) => {
                let mut p = u.clone();
                for (mut pj, uj) in p.outer_iter_mut().zip(u.outer_iter()) {
                    pj.assign(&uj.dot(&uj.t()));
                }
                CovarianceArray::Full(p)
            }
            CovarianceArray::Tied(u) => CovarianceArray::Tied(u.dot(&u.t())),
            CovarianceArray::Diag(u) => CovarianceArray::Diag(u.mapv(|v| v * v)),
            CovarianceArray::Spherical(u) => CovarianceArray::Spherical(u.mapv(|v| v * v)),
        }
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }

    /// Whether the best restart's lower bound changed by less than `tol` before `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// EM iterations run by the best restart.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The best restart's lower bound (mean per-sample log-likelihood at its last E-step).
    pub fn lower_bound(&self) -> f64 {
        self.lower_bound
    }

    /// The best restart's lower bound at every iteration (its last value is
    /// [`lower_bound`](Self::lower_bound)); EM never lets it decrease beyond rounding.
    pub fn lower_bounds(&self) -> &[f64] {
        &self.lower_bounds
    }

    /// The label of every training sample (from the final E-step).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Number of free parameters, as scikit-learn's `_n_parameters`.
    pub fn n_parameters(&self) -> usize {
        let (k, d) = (self.k(), self.d());
        self.covariance_type.n_parameters(k, d)
    }

    /// The most probable component of every row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let x = self.check_x(x)?;
        Ok(self.final_e_step(contiguous(&x)).labels)
    }

    /// Posterior probability of each component for every row of `x` (`n x k`).
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let x = self.check_x(x)?;
        responsibilities(&self.estimator(), contiguous(&x), self.d(), self.k())
    }

    /// Log-likelihood `log p(x_i)` of every row of `x`.
    pub fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let x = self.check_x(x)?;
        Ok(log_sum_exp_rows(
            &self.estimator(),
            contiguous(&x),
            self.d(),
            self.k(),
        ))
    }

    /// Mean log-likelihood of the rows of `x`.
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let x = self.check_x(x)?;
        Ok(self.final_e_step(contiguous(&x)).log_likelihood / x.nrows() as f64)
    }

    /// Bayesian information criterion on `x`: `-2 n score + p ln n` (lower is better).
    pub fn bic(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }

    /// Akaike information criterion on `x`: `-2 n score + 2 p` (lower is better).
    pub fn aic(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + 2.0 * self.n_parameters() as f64)
    }

    /// Mean log-likelihood of the training data (the `score` of the training samples).
    pub fn training_score(&self) -> f64 {
        self.score
    }

    /// BIC on the training data.
    pub fn training_bic(&self) -> f64 {
        let n = self.n_samples as f64;
        -2.0 * self.score * n + self.n_parameters() as f64 * n.ln()
    }

    /// Integrated completed likelihood (Biernacki, Celeux and Govaert, 2000) on `x`, in
    /// scikit-learn's sign (lower is better): the BIC plus twice the entropy of the hard
    /// classification, `BIC - 2 sum_i log z_{i, label_i}`, where `z` are the responsibilities
    /// and `label_i` the most probable component. It is never below the BIC, and equals it when
    /// every point belongs to one component for sure: it prefers well-separated clusters.
    /// mclust's `icl` is the same number with mclust's sign (`2 logL - p log n`, higher is
    /// better): `-icl`.
    ///
    /// ```
    /// # use clusterlab_gmm::{GaussianMixtureParams, InitParams};
    /// let x = ndarray::array![[0.0, 0.1], [0.2, 0.0], [0.1, 0.3], [5.0, 5.1], [5.2, 4.9], [4.9, 5.0]];
    /// let model = GaussianMixtureParams::new(2).build()?.fit(x.view(), 0)?;
    /// assert!(model.icl(x.view())? >= model.bic(x.view())?);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn icl(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let checked = self.check_x(x)?;
        let pass = self.final_e_step(contiguous(&checked));
        let n = x.nrows() as f64;
        Ok(
            -2.0 * pass.log_likelihood + self.n_parameters() as f64 * n.ln()
                - 2.0 * pass.classification,
        )
    }

    /// ICL on the training data (see [`GaussianMixtureModel::icl`]).
    pub fn training_icl(&self) -> f64 {
        self.training_bic() - 2.0 * self.classification_log_likelihood
    }

    /// AIC on the training data.
    pub fn training_aic(&self) -> f64 {
        let n = self.n_samples as f64;
        -2.0 * self.score * n + 2.0 * self.n_parameters() as f64
    }

    /// Draws `n` samples from the mixture with the random stream of `seed`: the number per
    /// component is multinomial in the weights, and samples come grouped by component (as in
    /// scikit-learn). Returns the samples and their components.
    ///
    /// ```
    /// # use clusterlab_gmm::{GaussianMixtureParams, InitParams};
    /// # let x = ndarray::array![[0.0], [0.2], [0.1], [5.0], [5.2], [4.9]];
    /// # let p = GaussianMixtureParams { init_params: InitParams::RandomFromData, ..GaussianMixtureParams::new(2) };
    /// let model = p.build()?.fit(x.view(), 0)?;
    /// let (s, labels) = model.sample(100, 1)?;
    /// assert_eq!(s.dim(), (100, 1));
    /// assert!(labels.windows(2).all(|w| w[0] <= w[1]));
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn sample(&self, n: usize, seed: u64) -> Result<(Array2<f64>, Vec<usize>)> {
        validate::check_positive_count("n_samples", n)?;
        let (k, d) = (self.k(), self.d());
        let mut r = rng(seed);
        let total: f64 = self.weights.sum();
        let mut cum = Vec::with_capacity(k);
        let mut acc = 0.0;
        for w in &self.weights {
            acc += w;
            cum.push(acc);
        }
        let mut counts = vec![0usize; k];
        for _ in 0..n {
            let u = r.random::<f64>() * total;
            counts[cum.partition_point(|&c| c <= u).min(k - 1)] += 1;
        }
        let mut out = Array2::zeros((n, d));
        let mut labels = Vec::with_capacity(n);
        let mut rows = out.outer_iter_mut();
        let mut z = vec![0.0; d];
        for (j, &c) in counts.iter().enumerate() {
            for _ in 0..c {
                for v in z.iter_mut() {
                    *v = r.sample(StandardNormal);
                }
                match &self.precisions_cholesky {
                    CovarianceArray::Full(u) => {
                        linalg::solve_upper_transposed_in_place(u.index_axis(Axis(0), j), &mut z)
                    }
                    CovarianceArray::Tied(u) => {
                        linalg::solve_upper_transposed_in_place(u.view(), &mut z)
                    }
                    CovarianceArray::Diag(u) => {
                        for (v, s) in z.iter_mut().zip(u.row(j)) {
                            *v /= s;
                        }
                    }
                    CovarianceArray::Spherical(u) => {
                        for v in z.iter_mut() {
                            *v /= u[j];
                        }
                    }
                }
                if let Some(mut row) = rows.next() {
                    for ((o, m), v) in row.iter_mut().zip(self.means.row(j)).zip(&z) {
                        *o = m + v;
                    }
                }
                labels.push(j);
            }
        }
        Ok((out, labels))
    }
}

pub(crate) fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (j, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = j;
        }
    }
    best
}

impl Model for GaussianMixtureModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        GaussianMixtureModel::predict(self, x)
    }

    fn centers(&self) -> Option<ArrayView2<'_, f64>> {
        Some(self.means.view())
    }

    /// Full `d x d` covariance matrices for every covariance type (tied repeated, diagonals
    /// expanded).
    fn covariances(&self) -> Option<Vec<Array2<f64>>> {
        Some(self.covariances.full_matrices(self.k(), self.d()))
    }

    fn trace(&self) -> Option<Trace<'_>> {
        Some(Trace {
            objective: "lower_bound",
            values: &self.lower_bounds,
        })
    }

    fn summary(&self) -> FitSummary {
        // scikit-learn's ConvergenceWarning, said where a run collects warnings.
        let warnings = if self.converged {
            Vec::new()
        } else {
            vec![format!(
                "did not converge in {} iterations: try a larger max_iter or tol, other \
                 init_params, or check for degenerate data",
                self.n_iter
            )]
        };
        FitSummary::new(self.n_iter, self.converged)
            .with_score("log_likelihood", self.score)
            .with_score("lower_bound", self.lower_bound)
            .with_score("bic", self.training_bic())
            .with_score("aic", self.training_aic())
            .with_score("icl", self.training_icl())
            .with_warnings(warnings)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(ModelRepr::from(self.clone())).unwrap_or(serde_json::Value::Null)
    }
}

impl Clusterer for GaussianMixture {
    fn kind(&self) -> &'static str {
        "gmm"
    }

    fn n_clusters(&self) -> Option<usize> {
        Some(self.params.n_components)
    }

    fn n_parameters(&self, n_features: usize) -> Option<usize> {
        Some(
            self.params
                .covariance_type
                .n_parameters(self.params.n_components, n_features),
        )
    }

    /// One EM iteration costs, per sample and component, a triangular solve of `d^2 / 2`
    /// multiply-adds with a full or tied covariance and `d` with a diagonal or spherical one
    /// (plus the exponentials, counted as a few multiply-adds each); a full covariance also
    /// costs a Cholesky factorization of `d^3 / 3` per component and iteration. A fit makes a
    /// few tens of iterations (up to `max_iter`) for each of its `n_init` restarts.
    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        const EXP: f64 = 8.0;
        let (n, d) = (n_samples as f64, n_features as f64);
        let k = self.params.n_components as f64;
        let per_sample = match self.params.covariance_type {
            CovarianceType::Full | CovarianceType::Tied => d * d / 2.0 + 2.0 * d,
            CovarianceType::Diag | CovarianceType::Spherical => 2.0 * d,
        } + EXP;
        let factor = match self.params.covariance_type {
            CovarianceType::Full => k * d * d * d / 3.0,
            CovarianceType::Tied => d * d * d / 3.0,
            CovarianceType::Diag | CovarianceType::Spherical => 0.0,
        };
        let iterations = (self.params.max_iter as f64).min(30.0);
        (n * k * per_sample + factor) * iterations * self.params.n_init as f64
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }
}

/// What one E-step over a data set gives.
struct EStep {
    labels: Vec<usize>,
    log_likelihood: f64,
    classification: f64,
}

/// The serialized form: nested lists in scikit-learn's shapes, plus training scores.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRepr {
    covariance_type: CovarianceType,
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: NestedArray,
    precisions_cholesky: NestedArray,
    converged: bool,
    n_iter: usize,
    lower_bound: f64,
    lower_bounds: Vec<f64>,
    labels: Vec<usize>,
    n_samples: usize,
    score: f64,
    bic: f64,
    aic: f64,
    /// ICL on the training data, for a reader of the file (recomputed, not read back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    icl: Option<f64>,
    /// `sum_i log z_{i, label_i}`; absent in files written before ICL was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classification_log_likelihood: Option<f64>,
}

impl From<GaussianMixtureModel> for ModelRepr {
    fn from(m: GaussianMixtureModel) -> Self {
        ModelRepr {
            covariance_type: m.covariance_type,
            weights: m.weights.to_vec(),
            means: m.means.rows().into_iter().map(|r| r.to_vec()).collect(),
            covariances: m.covariances.to_nested(),
            precisions_cholesky: m.precisions_cholesky.to_nested(),
            converged: m.converged,
            n_iter: m.n_iter,
            lower_bound: m.lower_bound,
            bic: m.training_bic(),
            aic: m.training_aic(),
            icl: Some(m.training_icl()),
            classification_log_likelihood: Some(m.classification_log_likelihood),
            lower_bounds: m.lower_bounds,
            labels: m.labels,
            n_samples: m.n_samples,
            score: m.score,
        }
    }
}

impl TryFrom<ModelRepr> for GaussianMixtureModel {
    type Error = Error;

    fn try_from(r: ModelRepr) -> Result<Self> {
        let k = r.weights.len();
        let d = r.means.first().map_or(0, Vec::len);
        if k == 0 || d == 0 || r.means.len() != k || r.means.iter().any(|m| m.len() != d) {
            return Err(Error::ShapeMismatch {
                what: "means".into(),
                expected: format!("{k} x n_features, n_features >= 1"),
                found: format!("{} rows", r.means.len()),
            });
        }
        if let Some(l) = r.labels.iter().find(|l| **l >= k) {
            return Err(Error::invalid("labels", l, format!("must be below {k}")));
        }
        let ct = r.covariance_type;
        Ok(GaussianMixtureModel {
            covariance_type: ct,
            weights: Array1::from(r.weights),
            means: Array2::from_shape_fn((k, d), |(i, j)| r.means[i][j]),
            covariances: r.covariances.to_array("covariances", ct, k, d)?,
            precisions_cholesky: r
                .precisions_cholesky
                .to_array("precisions_cholesky", ct, k, d)?,
            converged: r.converged,
            n_iter: r.n_iter,
            lower_bound: r.lower_bound,
            lower_bounds: r.lower_bounds,
            labels: r.labels,
            n_samples: r.n_samples,
            score: r.score,
            // NaN (so ICL is NaN) when the file predates ICL.
            classification_log_likelihood: r.classification_log_likelihood.unwrap_or(f64::NAN),
        })
    }
}
