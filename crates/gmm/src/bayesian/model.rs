//! The fitted variational mixture: scikit-learn's attributes, prediction, the `Model` impl and
//! serde.

use clusterlab_core::{
    Clusterer, Error, FitSummary, Model, Result, Trace, layout::contiguous, seed::derive,
    seed::rng, validate,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{
    params::{BayesianGaussianMixture, CovariancePrior, WeightConcentrationPriorType},
    vb::{self, Priors, VbRun, VbState},
};
use crate::{
    arrays::{CovarianceArray, CovarianceType, NestedArray},
    em::{Data, log_sum_exp_rows, map_chunks, responsibilities},
    kernels::{self, Estimator},
    model::argmax,
};

/// The parameters of the variational posterior of the weights (scikit-learn's
/// `weight_concentration_`).
#[derive(Debug, Clone, PartialEq)]
pub enum WeightConcentration {
    /// `dirichlet_process`: the Beta posteriors of the sticks, `(alpha, beta)` with
    /// `alpha_j = 1 + N_j` and `beta_j = weight_concentration_prior + sum_{l > j} N_l`
    /// (scikit-learn's tuple of two arrays).
    DirichletProcess {
        /// First Beta parameters, `(n_components,)`.
        alpha: Array1<f64>,
        /// Second Beta parameters, `(n_components,)`.
        beta: Array1<f64>,
    },
    /// `dirichlet_distribution`: the Dirichlet posterior's parameters,
    /// `weight_concentration_prior + N_j`, `(n_components,)`.
    DirichletDistribution(Array1<f64>),
}

impl WeightConcentration {
    fn len(&self) -> usize {
        match self {
            WeightConcentration::DirichletProcess { alpha, .. } => alpha.len(),
            WeightConcentration::DirichletDistribution(c) => c.len(),
        }
    }
}

/// A Gaussian mixture fitted by variational inference (see [`BayesianGaussianMixture::fit`]).
///
/// Arrays follow scikit-learn's attribute shapes (`weights_`, `means_`, `covariances_`,
/// `precisions_cholesky_`, `weight_concentration_`, `mean_precision_`,
/// `degrees_of_freedom_`, and the priors in force). Serialized (serde) as the JSON object
/// [`Model::to_json`] writes, with scikit-learn's names without the trailing underscore, and
/// read back with every shape checked.
///
/// # Examples
///
/// ```
/// use clusterlab_core::Model;
/// use clusterlab_gmm::{BayesianGaussianMixtureModel, BayesianGaussianMixtureParams};
/// use ndarray::array;
///
/// let x = array![[0.0, 0.1], [0.2, 0.0], [0.1, 0.3], [5.0, 5.1], [5.2, 4.9], [4.9, 5.0]];
/// let model = BayesianGaussianMixtureParams::new(3).build()?.fit(x.view(), 7)?;
/// assert!((model.weights().sum() - 1.0).abs() < 1e-12);
/// assert_eq!(model.summary().score("effective_n_components"), Some(model.effective_n_components() as f64));
///
/// let json = serde_json::to_string(&model).unwrap();
/// let back: BayesianGaussianMixtureModel = serde_json::from_str(&json).unwrap();
/// assert_eq!(back.predict(x.view())?, model.predict(x.view())?);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelRepr", into = "ModelRepr")]
pub struct BayesianGaussianMixtureModel {
    covariance_type: CovarianceType,
    weight_concentration_prior_type: WeightConcentrationPriorType,
    state: VbState,
    priors: Priors,
    weights: Array1<f64>,
    converged: bool,
    n_iter: usize,
    lower_bound: f64,
    lower_bounds: Vec<f64>,
    labels: Vec<usize>,
    weight_threshold: f64,
    effective_n_components: usize,
}

impl BayesianGaussianMixture {
    /// Fits the mixture to `x` (one sample per row) by variational inference, with the random
    /// stream of `seed` for the initial responsibilities; restart `r` of `n_init` draws from
    /// `clusterlab_core::seed::derive(seed, r)`, and the restart with the highest lower bound
    /// wins.
    ///
    /// Errors name what is wrong: fewer than 2 samples, `n_components` above the number of
    /// samples, a NaN in `x`, a prior of the wrong length or a `degrees_of_freedom_prior` not
    /// above `n_features - 1`, or a covariance that is not positive definite (with its
    /// component).
    ///
    /// # Examples
    ///
    /// ```
    /// use clusterlab_gmm::{BayesianGaussianMixtureParams, CovarianceType};
    /// use ndarray::Array2;
    ///
    /// // Two tight groups; a mixture of up to 5 components keeps about 2 of them.
    /// let x = Array2::from_shape_fn((60, 2), |(i, j)| {
    ///     let center = if i % 2 == 0 { 0.0 } else { 8.0 };
    ///     center + ((i * 7 + j * 3) % 10) as f64 * 0.05
    /// });
    /// let params = BayesianGaussianMixtureParams {
    ///     covariance_type: CovarianceType::Diag,
    ///     weight_concentration_prior: Some(0.01),
    ///     max_iter: 500,
    ///     ..BayesianGaussianMixtureParams::new(5)
    /// };
    /// let model = params.build()?.fit(x.view(), 0)?;
    /// assert_eq!(model.effective_n_components(), 2);
    /// assert_ne!(model.labels()[0], model.labels()[1]);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<BayesianGaussianMixtureModel> {
        self.check_data(x)?;
        let x = x.as_standard_layout();
        let (n, d) = x.dim();
        let data = Data::new(contiguous(&x), n, d, self.params.covariance_type);
        let priors = self.priors(&data)?;
        let mut best: Option<VbRun> = None;
        for r in 0..self.params.n_init {
            let resp = self
                .init
                .initial_responsibilities(&data, &mut rng(derive(seed, r as u64)))?;
            let run = self.run(&data, &priors, resp.view())?;
            if best
                .as_ref()
                .is_none_or(|b| run.lower_bound > b.lower_bound)
            {
                best = Some(run);
            }
        }
        let best = best.ok_or_else(|| Error::Numerical("no restart ran".into()))?;
        Ok(BayesianGaussianMixtureModel::from_run(
            best, &data, priors, self,
        ))
    }

    /// Fits from given initial responsibilities `resp` (`n_samples x n_components`, finite
    /// and `>= 0`; rows need not sum to 1) instead of `init_params`: scikit-learn's
    /// `_initialize(X, resp)` followed by its iterations. Use it to start from another
    /// model's soft assignment (a `GaussianMixture`'s `predict_proba`) or from known labels
    /// (one-hot rows). It runs once: every restart would start from the same state, so
    /// `n_init` does not apply.
    ///
    /// ```
    /// use clusterlab_gmm::BayesianGaussianMixtureParams;
    /// use ndarray::Array2;
    ///
    /// // Ten points near 0 and ten near 5, and one-hot responsibilities saying so.
    /// let x = Array2::from_shape_fn((20, 1), |(i, _)| 5.0 * (i / 10) as f64 + 0.03 * (i % 10) as f64);
    /// let resp = Array2::from_shape_fn((20, 2), |(i, j)| if i / 10 == j { 1.0 } else { 0.0 });
    /// let model = BayesianGaussianMixtureParams::new(2)
    ///     .build()?
    ///     .fit_from_responsibilities(x.view(), resp.view())?;
    /// assert_eq!(model.labels(), &[[0; 10], [1; 10]].concat()[..]);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn fit_from_responsibilities(
        &self,
        x: ArrayView2<'_, f64>,
        resp: ArrayView2<'_, f64>,
    ) -> Result<BayesianGaussianMixtureModel> {
        self.check_data(x)?;
        let (n, d) = x.dim();
        let k = self.params.n_components;
        if resp.dim() != (n, k) {
            return Err(Error::ShapeMismatch {
                what: "responsibilities".into(),
                expected: format!("{n} x {k} (n_samples x n_components)"),
                found: format!("{} x {}", resp.nrows(), resp.ncols()),
            });
        }
        if let Some(((i, j), v)) = resp
            .indexed_iter()
            .find(|(_, v)| !v.is_finite() || **v < 0.0)
        {
            return Err(Error::invalid(
                "responsibilities",
                v,
                format!("sample {i}, component {j}: every value must be finite and >= 0"),
            ));
        }
        let x = x.as_standard_layout();
        let data = Data::new(contiguous(&x), n, d, self.params.covariance_type);
        let priors = self.priors(&data)?;
        let run = self.run(&data, &priors, resp)?;
        Ok(BayesianGaussianMixtureModel::from_run(
            run, &data, priors, self,
        ))
    }
}

impl BayesianGaussianMixtureModel {
    fn from_run(
        run: VbRun,
        data: &Data<'_>,
        priors: Priors,
        config: &BayesianGaussianMixture,
    ) -> Self {
        let p = &config.params;
        let mut model = BayesianGaussianMixtureModel {
            covariance_type: p.covariance_type,
            weight_concentration_prior_type: p.weight_concentration_prior_type,
            weights: vb::expected_weights(&run.state.weight_concentration),
            state: run.state,
            priors,
            converged: run.converged,
            n_iter: run.n_iter,
            lower_bound: run.lower_bound,
            lower_bounds: run.lower_bounds,
            labels: Vec::new(),
            weight_threshold: p.weight_threshold,
            effective_n_components: 0,
        };
        model.effective_n_components = model.count_effective();
        // The final E-step: the labels belong to the returned parameters.
        model.labels = model.labels_of(data.x);
        model
    }

    fn count_effective(&self) -> usize {
        self.weights
            .iter()
            .filter(|w| **w > self.weight_threshold)
            .count()
    }

    fn estimator(&self) -> Estimator {
        vb::estimator(&self.state, self.d())
    }

    fn k(&self) -> usize {
        self.weights.len()
    }

    fn d(&self) -> usize {
        self.state.means.ncols()
    }

    fn labels_of(&self, x: &[f64]) -> Vec<usize> {
        let est = self.estimator();
        let (k, d) = (self.k(), self.d());
        map_chunks(x, d, k, |_, xc, s| {
            let m = xc.len() / d;
            let wlp = &mut s.wlp[..m * k];
            kernels::weighted_log_prob_into(&est, xc, &mut s.kernel, wlp);
            wlp.chunks_exact(k).map(argmax).collect::<Vec<_>>()
        })
        .concat()
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

    /// Expected mixture weights, `(n_components,)`, normalised (scikit-learn's `weights_`).
    pub fn weights(&self) -> ArrayView1<'_, f64> {
        self.weights.view()
    }

    /// The number of components whose weight exceeds [`weight_threshold`](Self::weight_threshold):
    /// the number of clusters the fit found (clusterlab's, not a scikit-learn attribute).
    pub fn effective_n_components(&self) -> usize {
        self.effective_n_components
    }

    /// The weight above which a component counts as effective.
    pub fn weight_threshold(&self) -> f64 {
        self.weight_threshold
    }

    /// Posterior means of the components, `(n_components, n_features)`.
    pub fn means(&self) -> ArrayView2<'_, f64> {
        self.state.means.view()
    }

    /// Covariances in scikit-learn's shape for the covariance type: the Wishart posteriors'
    /// scale matrices divided by their degrees of freedom (the expected covariances' inverse
    /// of the expected precisions).
    pub fn covariances(&self) -> &CovarianceArray {
        &self.state.covariances
    }

    /// Cholesky factors of the precisions (`U` with `precision = U U^T`), in scikit-learn's
    /// shape.
    pub fn precisions_cholesky(&self) -> &CovarianceArray {
        &self.state.precisions_cholesky
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }

    /// The type of the weight prior.
    pub fn weight_concentration_prior_type(&self) -> WeightConcentrationPriorType {
        self.weight_concentration_prior_type
    }

    /// The posterior parameters of the weights (scikit-learn's `weight_concentration_`).
    pub fn weight_concentration(&self) -> &WeightConcentration {
        &self.state.weight_concentration
    }

    /// The precisions of the posteriors of the means, `(n_components,)`.
    pub fn mean_precision(&self) -> ArrayView1<'_, f64> {
        self.state.mean_precision.view()
    }

    /// The degrees of freedom of the Wishart posteriors, `(n_components,)`; for `tied`,
    /// scikit-learn's single value repeated.
    pub fn degrees_of_freedom(&self) -> ArrayView1<'_, f64> {
        self.state.degrees_of_freedom.view()
    }

    /// The weight concentration prior in force (`weight_concentration_prior_`).
    pub fn weight_concentration_prior(&self) -> f64 {
        self.priors.weight_concentration
    }

    /// The precision prior on the means in force (`mean_precision_prior_`).
    pub fn mean_precision_prior(&self) -> f64 {
        self.priors.mean_precision
    }

    /// The prior mean in force (`mean_prior_`), `(n_features,)`.
    pub fn mean_prior(&self) -> ArrayView1<'_, f64> {
        self.priors.mean.view()
    }

    /// The degrees-of-freedom prior in force (`degrees_of_freedom_prior_`).
    pub fn degrees_of_freedom_prior(&self) -> f64 {
        self.priors.degrees_of_freedom
    }

    /// The covariance prior in force (`covariance_prior_`), in the covariance type's shape.
    pub fn covariance_prior(&self) -> &CovariancePrior {
        &self.priors.covariance
    }

    /// Whether the best restart's lower bound changed by less than `tol` before `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Iterations run by the best restart.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The best restart's variational lower bound (a total over the samples, without
    /// constant terms, as scikit-learn's `lower_bound_`).
    pub fn lower_bound(&self) -> f64 {
        self.lower_bound
    }

    /// The best restart's lower bound at every iteration; variational inference never lets
    /// it decrease beyond rounding.
    pub fn lower_bounds(&self) -> &[f64] {
        &self.lower_bounds
    }

    /// The label of every training sample (from the final E-step).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The most probable component of every row of `x` under the variational posterior
    /// (scikit-learn's `predict`).
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let x = self.check_x(x)?;
        Ok(self.labels_of(contiguous(&x)))
    }

    /// The responsibility of each component for every row of `x` (`n x k`, scikit-learn's
    /// `predict_proba`).
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let x = self.check_x(x)?;
        responsibilities(&self.estimator(), contiguous(&x), self.d(), self.k())
    }

    /// scikit-learn's `score_samples`: the log-sum-exp over components of the variational
    /// weighted log-densities of every row of `x` (not a normalised density).
    pub fn score_samples(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        let x = self.check_x(x)?;
        Ok(log_sum_exp_rows(
            &self.estimator(),
            contiguous(&x),
            self.d(),
            self.k(),
        ))
    }

    /// The mean of [`score_samples`](Self::score_samples) (scikit-learn's `score`).
    pub fn score(&self, x: ArrayView2<'_, f64>) -> Result<f64> {
        let s = self.score_samples(x)?;
        Ok(s.sum() / s.len() as f64)
    }
}

impl Model for BayesianGaussianMixtureModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        BayesianGaussianMixtureModel::predict(self, x)
    }

    fn centers(&self) -> Option<ArrayView2<'_, f64>> {
        Some(self.state.means.view())
    }

    /// Full `d x d` covariance matrices for every covariance type.
    fn covariances(&self) -> Option<Vec<Array2<f64>>> {
        Some(self.state.covariances.full_matrices(self.k(), self.d()))
    }

    fn trace(&self) -> Option<Trace<'_>> {
        Some(Trace {
            objective: "elbo",
            values: &self.lower_bounds,
        })
    }

    fn summary(&self) -> FitSummary {
        let mut warnings = Vec::new();
        if !self.converged {
            warnings.push(format!(
                "did not converge in {} iterations: the variational lower bound is a total \
                 over the samples, so tol = 1e-3 is strict on large data; try a larger \
                 max_iter or tol, or other init_params",
                self.n_iter
            ));
        }
        let n = self.labels.len() as f64;
        if self.weight_concentration_prior_type == WeightConcentrationPriorType::DirichletProcess
            && self.weight_threshold < 2.0 / n
        {
            warnings.push(format!(
                "weight_threshold = {} is below 2 / n_samples = {:.3}: an emptied component \
                 of the Dirichlet process keeps about 1 / (n_samples + 1) of the weight and \
                 may count in effective_n_components",
                self.weight_threshold,
                2.0 / n
            ));
        }
        FitSummary::new(self.n_iter, self.converged)
            .with_score("elbo", self.lower_bound)
            .with_score("effective_n_components", self.effective_n_components as f64)
            .with_warnings(warnings)
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(ModelRepr::from(self.clone())).unwrap_or(serde_json::Value::Null)
    }
}

impl Clusterer for BayesianGaussianMixture {
    fn kind(&self) -> &'static str {
        "bayesian_gmm"
    }

    /// The most components the fit may use (its `n_components`); the number it keeps is the
    /// model's `effective_n_components`.
    fn n_clusters(&self) -> Option<usize> {
        Some(self.params.n_components)
    }

    /// A pass costs what a Gaussian mixture's EM pass costs (the E-step's log-densities and
    /// exponentials, the M-step's statistics and, for `full`, a Cholesky factorization per
    /// component); the digamma and log-gamma terms are per component, not per sample. The
    /// variational bound is a total over the samples, so `tol` is met later than by EM's
    /// per-sample mean: a fit is counted as up to 100 passes (`max_iter`'s default) per
    /// restart.
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
        let iterations = (self.params.max_iter as f64).min(100.0);
        (n * k * per_sample + factor) * iterations * self.params.n_init as f64
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }
}

/// `weight_concentration` as scikit-learn holds it: a pair of arrays, or one array.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ConcentrationRepr {
    Distribution(Vec<f64>),
    Process(Vec<f64>, Vec<f64>),
}

/// `degrees_of_freedom`: scikit-learn's scalar for `tied`, an array otherwise.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum DofRepr {
    Shared(f64),
    PerComponent(Vec<f64>),
}

/// The serialized form: scikit-learn's attributes (without the trailing underscore) as nested
/// lists in its shapes.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRepr {
    covariance_type: CovarianceType,
    weight_concentration_prior_type: WeightConcentrationPriorType,
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: NestedArray,
    precisions_cholesky: NestedArray,
    weight_concentration: ConcentrationRepr,
    mean_precision: Vec<f64>,
    degrees_of_freedom: DofRepr,
    weight_concentration_prior: f64,
    mean_precision_prior: f64,
    mean_prior: Vec<f64>,
    degrees_of_freedom_prior: f64,
    covariance_prior: CovariancePrior,
    converged: bool,
    n_iter: usize,
    lower_bound: f64,
    lower_bounds: Vec<f64>,
    labels: Vec<usize>,
    weight_threshold: f64,
    /// For a reader of the file; recomputed from `weights` and `weight_threshold` on reading.
    effective_n_components: usize,
}

impl From<BayesianGaussianMixtureModel> for ModelRepr {
    fn from(m: BayesianGaussianMixtureModel) -> Self {
        let s = m.state;
        ModelRepr {
            covariance_type: m.covariance_type,
            weight_concentration_prior_type: m.weight_concentration_prior_type,
            weights: m.weights.to_vec(),
            means: s.means.rows().into_iter().map(|r| r.to_vec()).collect(),
            covariances: s.covariances.to_nested(),
            precisions_cholesky: s.precisions_cholesky.to_nested(),
            weight_concentration: match s.weight_concentration {
                WeightConcentration::DirichletProcess { alpha, beta } => {
                    ConcentrationRepr::Process(alpha.to_vec(), beta.to_vec())
                }
                WeightConcentration::DirichletDistribution(c) => {
                    ConcentrationRepr::Distribution(c.to_vec())
                }
            },
            mean_precision: s.mean_precision.to_vec(),
            degrees_of_freedom: match m.covariance_type {
                CovarianceType::Tied => {
                    DofRepr::Shared(s.degrees_of_freedom.first().copied().unwrap_or(f64::NAN))
                }
                _ => DofRepr::PerComponent(s.degrees_of_freedom.to_vec()),
            },
            weight_concentration_prior: m.priors.weight_concentration,
            mean_precision_prior: m.priors.mean_precision,
            mean_prior: m.priors.mean.to_vec(),
            degrees_of_freedom_prior: m.priors.degrees_of_freedom,
            covariance_prior: m.priors.covariance,
            converged: m.converged,
            n_iter: m.n_iter,
            lower_bound: m.lower_bound,
            lower_bounds: m.lower_bounds,
            labels: m.labels,
            weight_threshold: m.weight_threshold,
            effective_n_components: m.effective_n_components,
        }
    }
}

impl TryFrom<ModelRepr> for BayesianGaussianMixtureModel {
    type Error = Error;

    fn try_from(r: ModelRepr) -> Result<Self> {
        let k = r.weights.len();
        let d = r.means.first().map_or(0, Vec::len);
        let shape = |what: &str, expected: String, found: String| Error::ShapeMismatch {
            what: what.into(),
            expected,
            found,
        };
        if k == 0 || d == 0 || r.means.len() != k || r.means.iter().any(|m| m.len() != d) {
            return Err(shape(
                "means",
                format!("{k} x n_features, n_features >= 1"),
                format!("{} rows", r.means.len()),
            ));
        }
        if let Some(l) = r.labels.iter().find(|l| **l >= k) {
            return Err(Error::invalid("labels", l, format!("must be below {k}")));
        }
        let ct = r.covariance_type;
        let weight_concentration = match (r.weight_concentration_prior_type, r.weight_concentration)
        {
            (WeightConcentrationPriorType::DirichletProcess, ConcentrationRepr::Process(a, b)) => {
                WeightConcentration::DirichletProcess {
                    alpha: Array1::from(a),
                    beta: Array1::from(b),
                }
            }
            (
                WeightConcentrationPriorType::DirichletDistribution,
                ConcentrationRepr::Distribution(c),
            ) => WeightConcentration::DirichletDistribution(Array1::from(c)),
            (t, _) => {
                return Err(shape(
                    "weight_concentration",
                    format!("the form of {t}"),
                    "the other form".into(),
                ));
            }
        };
        let beta_len = match &weight_concentration {
            WeightConcentration::DirichletProcess { beta, .. } => beta.len(),
            WeightConcentration::DirichletDistribution(c) => c.len(),
        };
        if weight_concentration.len() != k || beta_len != k {
            return Err(shape(
                "weight_concentration",
                format!("{k} values per array"),
                format!("{} and {beta_len}", weight_concentration.len()),
            ));
        }
        if r.mean_precision.len() != k {
            return Err(shape(
                "mean_precision",
                format!("({k},)"),
                format!("({},)", r.mean_precision.len()),
            ));
        }
        let degrees_of_freedom = match (ct, r.degrees_of_freedom) {
            (CovarianceType::Tied, DofRepr::Shared(v)) => Array1::from_elem(k, v),
            (CovarianceType::Tied, _) => {
                return Err(shape(
                    "degrees_of_freedom (tied)",
                    "a number".into(),
                    "a list".into(),
                ));
            }
            (_, DofRepr::PerComponent(v)) if v.len() == k => Array1::from(v),
            (_, _) => {
                return Err(shape(
                    "degrees_of_freedom",
                    format!("({k},)"),
                    "another shape".into(),
                ));
            }
        };
        if r.mean_prior.len() != d {
            return Err(shape(
                "mean_prior",
                format!("({d},)"),
                format!("({},)", r.mean_prior.len()),
            ));
        }
        let prior_ok = match (ct, &r.covariance_prior) {
            (CovarianceType::Full | CovarianceType::Tied, CovariancePrior::Matrix(m)) => {
                m.len() == d && m.iter().all(|row| row.len() == d)
            }
            (CovarianceType::Diag, CovariancePrior::Vector(v)) => v.len() == d,
            (CovarianceType::Spherical, CovariancePrior::Scalar(_)) => true,
            _ => false,
        };
        if !prior_ok {
            return Err(shape(
                &format!("covariance_prior ({ct})"),
                match ct {
                    CovarianceType::Full | CovarianceType::Tied => format!("({d}, {d})"),
                    CovarianceType::Diag => format!("({d},)"),
                    CovarianceType::Spherical => "a number".into(),
                },
                "another shape".into(),
            ));
        }
        if !(0.0..1.0).contains(&r.weight_threshold) {
            return Err(Error::invalid(
                "weight_threshold",
                r.weight_threshold,
                "must be in [0, 1)",
            ));
        }
        let mut model = BayesianGaussianMixtureModel {
            covariance_type: ct,
            weight_concentration_prior_type: r.weight_concentration_prior_type,
            weights: Array1::from(r.weights),
            state: VbState {
                weight_concentration,
                mean_precision: Array1::from(r.mean_precision),
                means: Array2::from_shape_fn((k, d), |(i, j)| r.means[i][j]),
                degrees_of_freedom,
                covariances: r.covariances.to_array("covariances", ct, k, d)?,
                precisions_cholesky: r.precisions_cholesky.to_array(
                    "precisions_cholesky",
                    ct,
                    k,
                    d,
                )?,
            },
            priors: Priors {
                weight_concentration: r.weight_concentration_prior,
                mean_precision: r.mean_precision_prior,
                mean: Array1::from(r.mean_prior),
                degrees_of_freedom: r.degrees_of_freedom_prior,
                covariance: r.covariance_prior,
            },
            converged: r.converged,
            n_iter: r.n_iter,
            lower_bound: r.lower_bound,
            lower_bounds: r.lower_bounds,
            labels: r.labels,
            weight_threshold: r.weight_threshold,
            effective_n_components: 0,
        };
        model.effective_n_components = model.count_effective();
        Ok(model)
    }
}
