//! The parameters of [`BayesianGaussianMixture`] (scikit-learn's names and defaults) and
//! their validation.

use std::{fmt, str::FromStr};

use clusterlab_core::{Error, Result, validate};
use serde::{Deserialize, Serialize};

use crate::{
    CovarianceType, GaussianMixture, GaussianMixtureParams, InitParams, linalg,
    params::is_symmetric,
};

/// The prior on the mixture weights (scikit-learn's `weight_concentration_prior_type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WeightConcentrationPriorType {
    /// A Dirichlet process truncated at `n_components` (stick-breaking: component `j`'s
    /// weight is a Beta-distributed share of what components `0..j` left). It empties the
    /// last components first.
    #[default]
    #[serde(rename = "dirichlet_process")]
    DirichletProcess,
    /// A symmetric Dirichlet distribution over the `n_components` weights (a finite mixture).
    #[serde(rename = "dirichlet_distribution")]
    DirichletDistribution,
}

impl WeightConcentrationPriorType {
    /// Both types.
    pub const ALL: [WeightConcentrationPriorType; 2] = [
        WeightConcentrationPriorType::DirichletProcess,
        WeightConcentrationPriorType::DirichletDistribution,
    ];

    /// The name as scikit-learn spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WeightConcentrationPriorType::DirichletProcess => "dirichlet_process",
            WeightConcentrationPriorType::DirichletDistribution => "dirichlet_distribution",
        }
    }
}

impl fmt::Display for WeightConcentrationPriorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WeightConcentrationPriorType {
    type Err = Error;

    /// Parses `dirichlet_process` or `dirichlet_distribution`.
    fn from_str(s: &str) -> Result<Self> {
        WeightConcentrationPriorType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "weight_concentration_prior_type",
                    s,
                    "must be dirichlet_process or dirichlet_distribution",
                )
            })
    }
}

/// The prior on the covariances (the scale of the Wishart prior, normalised by its degrees of
/// freedom as scikit-learn does), in scikit-learn's shape for the covariance type: a matrix
/// `(n_features, n_features)` for `full` and `tied`, a vector `(n_features,)` for `diag`, a
/// number for `spherical`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CovariancePrior {
    /// `spherical`: one variance.
    Scalar(f64),
    /// `diag`: one variance per feature.
    Vector(Vec<f64>),
    /// `full` and `tied`: a symmetric positive definite matrix, as a list of rows.
    Matrix(Vec<Vec<f64>>),
}

impl CovariancePrior {
    /// Its number of features (`None` for a scalar, which fits any).
    pub(crate) fn n_features(&self) -> Option<usize> {
        match self {
            CovariancePrior::Scalar(_) => None,
            CovariancePrior::Vector(v) => Some(v.len()),
            CovariancePrior::Matrix(m) => Some(m.len()),
        }
    }

    fn describe(&self) -> String {
        match self {
            CovariancePrior::Scalar(_) => "a number".into(),
            CovariancePrior::Vector(v) => format!("a vector of {}", v.len()),
            CovariancePrior::Matrix(m) => format!(
                "a matrix of {} rows of lengths {:?}",
                m.len(),
                m.iter().map(Vec::len).collect::<Vec<_>>()
            ),
        }
    }
}

/// The configuration of a variational Bayesian Gaussian mixture, with scikit-learn's
/// `BayesianGaussianMixture` names and defaults (`warm_start`, `random_state` and `verbose`
/// aside: the seed is an argument of [`BayesianGaussianMixture::fit`]).
/// [`build`](Self::build) validates it into a [`BayesianGaussianMixture`].
///
/// Priors left at `None` are derived from the data when a fit starts, as in scikit-learn:
/// `weight_concentration_prior = 1 / n_components`, `mean_precision_prior = 1`, `mean_prior`
/// the data's mean, `degrees_of_freedom_prior = n_features`, `covariance_prior` the data's
/// covariance (`ddof = 1`) in the covariance type's shape.
///
/// One parameter is clusterlab's, not scikit-learn's: `weight_threshold`, the weight above
/// which a component counts in the model's
/// [`effective_n_components`](crate::BayesianGaussianMixtureModel::effective_n_components).
///
/// # Examples
///
/// ```
/// use clusterlab_gmm::{BayesianGaussianMixtureParams, WeightConcentrationPriorType};
///
/// let params: BayesianGaussianMixtureParams = serde_json::from_str(
///     r#"{"n_components": 6, "weight_concentration_prior_type": "dirichlet_distribution",
///         "weight_concentration_prior": 0.01}"#,
/// ).unwrap();
/// assert_eq!(params.weight_concentration_prior, Some(0.01));
/// assert_eq!(params.max_iter, 100);
/// assert!(params.build().is_ok());
///
/// // A typo'd key is an error, not a silent default.
/// assert!(serde_json::from_str::<BayesianGaussianMixtureParams>(r#"{"mean_priors": [0]}"#).is_err());
/// // scikit-learn's default is one component.
/// assert_eq!(BayesianGaussianMixtureParams::default().n_components, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BayesianGaussianMixtureParams {
    /// Most mixture components (default 1); the fit may leave some of them (nearly) empty.
    pub n_components: usize,
    /// Form of the covariances (default `full`).
    pub covariance_type: CovarianceType,
    /// Convergence threshold on the change of the lower bound between iterations (default
    /// `1e-3`). The variational lower bound is a total over the samples, not a per-sample
    /// mean as in [`GaussianMixtureParams::tol`].
    pub tol: f64,
    /// Added to the diagonal of every covariance estimate (default `1e-6`).
    pub reg_covar: f64,
    /// Maximum number of iterations per initialisation (default 100; at least 1).
    pub max_iter: usize,
    /// Number of initialisations; the one with the highest lower bound wins (default 1).
    pub n_init: usize,
    /// How initial responsibilities are made (default `kmeans`).
    pub init_params: InitParams,
    /// The prior on the weights (default `dirichlet_process`).
    pub weight_concentration_prior_type: WeightConcentrationPriorType,
    /// The concentration of the weight prior, `> 0` (`None`: `1 / n_components`). Smaller
    /// values favour fewer active components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_concentration_prior: Option<f64>,
    /// The precision of the prior on the means, `> 0` (`None`: 1). Larger values pull the
    /// means towards `mean_prior`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_precision_prior: Option<f64>,
    /// The prior mean, `(n_features,)` (`None`: the data's mean).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_prior: Option<Vec<f64>>,
    /// The degrees of freedom of the Wishart prior on the precisions, `> n_features - 1`
    /// (`None`: `n_features`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degrees_of_freedom_prior: Option<f64>,
    /// The prior on the covariances, in the covariance type's shape (`None`: the data's
    /// covariance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covariance_prior: Option<CovariancePrior>,
    /// clusterlab's, not scikit-learn's: a component whose weight (`weights_`) exceeds this
    /// counts in `effective_n_components` (default `0.01`, in `[0, 1)`; with fewer than about
    /// 200 samples, use more than `2 / n_samples`: see [`DEFAULT_WEIGHT_THRESHOLD`]).
    pub weight_threshold: f64,
}

/// The default of `weight_threshold` (clusterlab's choice, not scikit-learn's): a component
/// counts when it holds more than 1% of the weight.
///
/// Why 1%: a component that variational inference switches off keeps only a pseudo-count's
/// share of the weight. Under a Dirichlet distribution that is about
/// `weight_concentration_prior / n_samples`; under the Dirichlet process, an emptied stick
/// followed by used ones keeps about one sample's worth, `1 / (n_samples + 1)` (its posterior
/// Beta has `alpha = 1`), and trailing empty sticks geometrically less. (Measured with
/// scikit-learn 1.9 on three blobs and `n_components = 8`: `n_samples * weight` of the empty
/// components is 1.01 to 1.03 under the process and 0.12 under the distribution, for 150 to
/// 2000 samples.) A component that explains a real group keeps about that group's share of
/// the samples (Bishop, *Pattern Recognition and Machine Learning*, 2006, section 10.2.4: the
/// surplus components' expected mixing coefficients go to zero). A fixed share reads the same
/// on every data size, where a multiple of `1 / n_samples` would count a handful of outliers
/// as a cluster on large data: a group below 1% of the samples is not a cluster this
/// automatic-K baseline counts.
///
/// The caveat is small data: below about 200 samples, one sample's worth (`1 / (n_samples +
/// 1)`) comes within a factor 2 of 1%, and below 100 it exceeds it, so an emptied stick of
/// the Dirichlet process could count. There, set `weight_threshold` above `2 / n_samples`.
pub const DEFAULT_WEIGHT_THRESHOLD: f64 = 0.01;

impl Default for BayesianGaussianMixtureParams {
    fn default() -> Self {
        BayesianGaussianMixtureParams {
            n_components: 1,
            covariance_type: CovarianceType::default(),
            tol: 1e-3,
            reg_covar: 1e-6,
            max_iter: 100,
            n_init: 1,
            init_params: InitParams::default(),
            weight_concentration_prior_type: WeightConcentrationPriorType::default(),
            weight_concentration_prior: None,
            mean_precision_prior: None,
            mean_prior: None,
            degrees_of_freedom_prior: None,
            covariance_prior: None,
            weight_threshold: DEFAULT_WEIGHT_THRESHOLD,
        }
    }
}

impl BayesianGaussianMixtureParams {
    /// scikit-learn's defaults with at most `n_components` components.
    pub fn new(n_components: usize) -> Self {
        BayesianGaussianMixtureParams {
            n_components,
            ..Default::default()
        }
    }

    /// Checks every parameter (the error names the first bad one and says why). The checks
    /// that depend on the data's number of features (`mean_prior`'s and `covariance_prior`'s
    /// lengths, `degrees_of_freedom_prior > n_features - 1`) run when a fit starts.
    ///
    /// ```
    /// use clusterlab_gmm::BayesianGaussianMixtureParams;
    /// let mut p = BayesianGaussianMixtureParams::new(3);
    /// p.weight_concentration_prior = Some(-1.0);
    /// let err = p.build().unwrap_err();
    /// assert!(err.to_string().contains("weight_concentration_prior"), "{err}");
    /// ```
    pub fn build(&self) -> Result<BayesianGaussianMixture> {
        validate::check_positive_count("n_components", self.n_components)?;
        validate::check_non_negative("tol", self.tol)?;
        validate::check_non_negative("reg_covar", self.reg_covar)?;
        validate::check_positive_count("max_iter", self.max_iter)?;
        validate::check_positive_count("n_init", self.n_init)?;
        if let Some(v) = self.weight_concentration_prior {
            validate::check_positive("weight_concentration_prior", v)?;
        }
        if let Some(v) = self.mean_precision_prior {
            validate::check_positive("mean_precision_prior", v)?;
        }
        if let Some(v) = self.degrees_of_freedom_prior {
            validate::check_positive("degrees_of_freedom_prior", v)?;
        }
        if let Some(m) = &self.mean_prior {
            if m.is_empty() {
                return Err(Error::ShapeMismatch {
                    what: "mean_prior".into(),
                    expected: "(n_features,)".into(),
                    found: "an empty list".into(),
                });
            }
            if let Some((j, v)) = m.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::invalid(
                    "mean_prior",
                    v,
                    format!("feature {j}: every value must be finite"),
                ));
            }
        }
        if let Some(c) = &self.covariance_prior {
            check_covariance_prior(c, self.covariance_type)?;
            if let (Some(m), Some(d)) = (&self.mean_prior, c.n_features())
                && m.len() != d
            {
                return Err(Error::ShapeMismatch {
                    what: "mean_prior (against covariance_prior)".into(),
                    expected: format!("({d},)"),
                    found: format!("({},)", m.len()),
                });
            }
        }
        if !(self.weight_threshold.is_finite() && (0.0..1.0).contains(&self.weight_threshold)) {
            return Err(Error::invalid(
                "weight_threshold",
                self.weight_threshold,
                "must be in [0, 1): a component counts in effective_n_components when its \
                 weight exceeds it",
            ));
        }
        // The initial responsibilities are made exactly as GaussianMixture makes them.
        let init = GaussianMixtureParams {
            covariance_type: self.covariance_type,
            reg_covar: self.reg_covar,
            init_params: self.init_params,
            ..GaussianMixtureParams::new(self.n_components)
        }
        .build()?;
        Ok(BayesianGaussianMixture {
            params: self.clone(),
            init,
        })
    }
}

/// scikit-learn's `_checkcovariance_prior_parameter` without the number of features: the
/// shape's kind for the covariance type, finite values, a symmetric positive definite matrix
/// (`full`, `tied`) or positive variances (`diag`, `spherical`).
fn check_covariance_prior(c: &CovariancePrior, ct: CovarianceType) -> Result<()> {
    let wrong_shape = |expected: &str| Error::ShapeMismatch {
        what: format!("covariance_prior ({ct})"),
        expected: expected.into(),
        found: c.describe(),
    };
    let all_finite = match c {
        CovariancePrior::Scalar(v) => v.is_finite(),
        CovariancePrior::Vector(v) => v.iter().all(|x| x.is_finite()),
        CovariancePrior::Matrix(m) => m.iter().flatten().all(|x| x.is_finite()),
    };
    if !all_finite {
        return Err(Error::invalid(
            "covariance_prior",
            c.describe(),
            "every value must be finite",
        ));
    }
    match (ct, c) {
        (CovarianceType::Full | CovarianceType::Tied, CovariancePrior::Matrix(m)) => {
            let d = m.len();
            if d == 0 || m.iter().any(|r| r.len() != d) {
                return Err(wrong_shape("a square matrix (n_features, n_features)"));
            }
            let a = ndarray::Array2::from_shape_fn((d, d), |(i, j)| m[i][j]);
            if !is_symmetric(a.view()) {
                return Err(Error::invalid(
                    "covariance_prior",
                    format!("{m:?}"),
                    format!("the {ct} covariance prior must be symmetric"),
                ));
            }
            if linalg::precision_cholesky_from_precision(a.view()).is_none() {
                return Err(Error::invalid(
                    "covariance_prior",
                    format!("{m:?}"),
                    format!("the {ct} covariance prior must be positive definite"),
                ));
            }
        }
        (CovarianceType::Diag, CovariancePrior::Vector(v)) => {
            if v.is_empty() {
                return Err(wrong_shape("(n_features,)"));
            }
            if let Some((j, x)) = v.iter().enumerate().find(|(_, x)| **x <= 0.0) {
                return Err(Error::invalid(
                    "covariance_prior",
                    x,
                    format!("feature {j}: diag covariance priors must be > 0"),
                ));
            }
        }
        (CovarianceType::Spherical, CovariancePrior::Scalar(v)) => {
            if *v <= 0.0 {
                return Err(Error::invalid(
                    "covariance_prior",
                    v,
                    "the spherical covariance prior must be > 0",
                ));
            }
        }
        (CovarianceType::Full | CovarianceType::Tied, _) => {
            return Err(wrong_shape("a matrix (n_features, n_features)"));
        }
        (CovarianceType::Diag, _) => return Err(wrong_shape("a vector (n_features,)")),
        (CovarianceType::Spherical, _) => return Err(wrong_shape("a number")),
    }
    Ok(())
}

/// A validated configuration of a variational Bayesian Gaussian mixture: call
/// [`fit`](BayesianGaussianMixture::fit) with data and a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct BayesianGaussianMixture {
    pub(crate) params: BayesianGaussianMixtureParams,
    /// The same initialisation as a `GaussianMixture` of these `n_components`,
    /// `covariance_type` and `init_params`.
    pub(crate) init: GaussianMixture,
}

impl BayesianGaussianMixture {
    /// The parameters this configuration was built from.
    pub fn params(&self) -> &BayesianGaussianMixtureParams {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rule = Box<dyn FnOnce(&mut BayesianGaussianMixtureParams)>;

    fn build_err(f: impl FnOnce(&mut BayesianGaussianMixtureParams)) -> String {
        let mut p = BayesianGaussianMixtureParams::new(2);
        f(&mut p);
        p.build().unwrap_err().to_string()
    }

    #[test]
    fn each_rule_names_its_parameter() {
        let cases: Vec<(&str, Rule)> = vec![
            ("`n_components`", Box::new(|p| p.n_components = 0)),
            ("`tol`", Box::new(|p| p.tol = -1.0)),
            ("`reg_covar`", Box::new(|p| p.reg_covar = f64::NAN)),
            ("`max_iter`", Box::new(|p| p.max_iter = 0)),
            ("`n_init`", Box::new(|p| p.n_init = 0)),
            (
                "`weight_concentration_prior` = -1: must be a finite number > 0",
                Box::new(|p| p.weight_concentration_prior = Some(-1.0)),
            ),
            (
                "`weight_concentration_prior` = 0",
                Box::new(|p| p.weight_concentration_prior = Some(0.0)),
            ),
            (
                "`mean_precision_prior` = 0",
                Box::new(|p| p.mean_precision_prior = Some(0.0)),
            ),
            (
                "`degrees_of_freedom_prior` = -2",
                Box::new(|p| p.degrees_of_freedom_prior = Some(-2.0)),
            ),
            (
                "`mean_prior` = NaN: feature 1",
                Box::new(|p| p.mean_prior = Some(vec![0.0, f64::NAN])),
            ),
            ("mean_prior", Box::new(|p| p.mean_prior = Some(vec![]))),
            ("`weight_threshold`", Box::new(|p| p.weight_threshold = 1.0)),
            (
                "`weight_threshold`",
                Box::new(|p| p.weight_threshold = -0.1),
            ),
        ];
        for (want, f) in cases {
            let e = build_err(f);
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn covariance_priors_are_checked_per_type() {
        let m =
            |rows: &[&[f64]]| CovariancePrior::Matrix(rows.iter().map(|r| r.to_vec()).collect());
        let e = build_err(|p| p.covariance_prior = Some(m(&[&[1.0, 2.0], &[2.0, 1.0]])));
        assert!(
            e.contains("covariance_prior") && e.contains("positive definite"),
            "{e}"
        );
        let e = build_err(|p| p.covariance_prior = Some(m(&[&[1.0, 0.5], &[0.0, 1.0]])));
        assert!(e.contains("symmetric"), "{e}");
        let e = build_err(|p| p.covariance_prior = Some(m(&[&[1.0, 0.0], &[0.0]])));
        assert!(
            e.contains("covariance_prior (full)") && e.contains("square"),
            "{e}"
        );
        let e = build_err(|p| p.covariance_prior = Some(CovariancePrior::Scalar(1.0)));
        assert!(
            e.contains("covariance_prior (full)") && e.contains("a number"),
            "{e}"
        );
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Diag;
            p.covariance_prior = Some(CovariancePrior::Vector(vec![1.0, 0.0]));
        });
        assert!(e.contains("feature 1") && e.contains("> 0"), "{e}");
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Spherical;
            p.covariance_prior = Some(CovariancePrior::Scalar(-1.0));
        });
        assert!(e.contains("covariance_prior") && e.contains("> 0"), "{e}");
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Spherical;
            p.covariance_prior = Some(CovariancePrior::Vector(vec![1.0]));
        });
        assert!(e.contains("covariance_prior (spherical)"), "{e}");
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Tied;
            p.covariance_prior = Some(m(&[&[f64::INFINITY]]));
        });
        assert!(e.contains("finite"), "{e}");
        let e = build_err(|p| {
            p.mean_prior = Some(vec![0.0; 3]);
            p.covariance_prior = Some(m(&[&[1.0, 0.0], &[0.0, 1.0]]));
        });
        assert!(e.contains("mean_prior"), "{e}");
        // Valid priors of every type build.
        for (ct, c) in [
            (CovarianceType::Full, m(&[&[2.0, 0.5], &[0.5, 1.0]])),
            (CovarianceType::Tied, m(&[&[2.0]])),
            (
                CovarianceType::Diag,
                CovariancePrior::Vector(vec![1.0, 3.0]),
            ),
            (CovarianceType::Spherical, CovariancePrior::Scalar(0.5)),
        ] {
            let p = BayesianGaussianMixtureParams {
                covariance_type: ct,
                covariance_prior: Some(c),
                ..BayesianGaussianMixtureParams::new(2)
            };
            assert!(p.build().is_ok(), "{ct}");
        }
    }

    #[test]
    fn names_parse_as_sklearn_spells_them() {
        for t in WeightConcentrationPriorType::ALL {
            assert_eq!(
                t.as_str().parse::<WeightConcentrationPriorType>().unwrap(),
                t
            );
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
        assert!("dirichlet".parse::<WeightConcentrationPriorType>().is_err());
        let p: BayesianGaussianMixtureParams = serde_json::from_str(
            r#"{"covariance_type": "spherical", "covariance_prior": 2, "mean_prior": [1, 2]}"#,
        )
        .unwrap();
        assert_eq!(p.covariance_prior, Some(CovariancePrior::Scalar(2.0)));
        // Defaults are written out, unset priors are not.
        let json = serde_json::to_value(BayesianGaussianMixtureParams::default()).unwrap();
        assert_eq!(json["weight_concentration_prior_type"], "dirichlet_process");
        assert_eq!(json["weight_threshold"], 0.01);
        assert!(json.get("mean_prior").is_none());
    }
}
