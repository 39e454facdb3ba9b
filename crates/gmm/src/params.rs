//! Parameters (scikit-learn's names and defaults) and their validation.

use std::{fmt, str::FromStr};

use clusterlab_core::{Error, Result, validate};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::{
    arrays::{CovarianceArray, CovarianceType, NestedArray, Precisions},
    linalg,
};

/// How the responsibilities that start EM are made (scikit-learn's `init_params`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InitParams {
    /// One-hot responsibilities from the labels of one K-means run (`n_init = 1`).
    #[default]
    #[serde(rename = "kmeans")]
    Kmeans,
    /// One-hot responsibilities on the points chosen by k-means++ seeding.
    #[serde(rename = "k-means++")]
    KMeansPlusPlus,
    /// Uniform random responsibilities, normalized per sample.
    #[serde(rename = "random")]
    Random,
    /// One-hot responsibilities on `n_components` distinct samples drawn uniformly.
    #[serde(rename = "random_from_data")]
    RandomFromData,
}

impl InitParams {
    /// All four methods.
    pub const ALL: [InitParams; 4] = [
        InitParams::Kmeans,
        InitParams::KMeansPlusPlus,
        InitParams::Random,
        InitParams::RandomFromData,
    ];

    /// The name as scikit-learn spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            InitParams::Kmeans => "kmeans",
            InitParams::KMeansPlusPlus => "k-means++",
            InitParams::Random => "random",
            InitParams::RandomFromData => "random_from_data",
        }
    }
}

impl fmt::Display for InitParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InitParams {
    type Err = Error;

    /// Parses `kmeans`, `k-means++`, `random` or `random_from_data`.
    fn from_str(s: &str) -> Result<Self> {
        InitParams::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "init_params",
                    s,
                    "must be one of kmeans, k-means++, random, random_from_data",
                )
            })
    }
}

/// The configuration of a Gaussian mixture, with scikit-learn's `GaussianMixture` names and
/// defaults. [`build`](Self::build) validates it into a [`GaussianMixture`].
///
/// # Examples
///
/// ```
/// use clusterlab_gmm::{CovarianceType, GaussianMixtureParams};
///
/// let params: GaussianMixtureParams =
///     serde_json::from_str(r#"{"n_components": 3, "covariance_type": "diag"}"#).unwrap();
/// assert_eq!(params.covariance_type, CovarianceType::Diag);
/// assert_eq!(params.tol, 1e-3);
/// assert!(params.build().is_ok());
///
/// // A typo'd key is an error, not a silent default.
/// assert!(serde_json::from_str::<GaussianMixtureParams>(r#"{"n_components": 3, "tol_": 1}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianMixtureParams {
    /// Number of mixture components (required).
    pub n_components: usize,
    /// Form of the covariances (default `full`).
    #[serde(default)]
    pub covariance_type: CovarianceType,
    /// Convergence threshold on the change of the lower bound (mean per-sample
    /// log-likelihood) between iterations (default `1e-3`).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Added to the diagonal of every covariance (default `1e-6`).
    #[serde(default = "default_reg_covar")]
    pub reg_covar: f64,
    /// Maximum number of EM iterations per initialisation (default 100; at least 1).
    #[serde(default = "default_max_iter")]
    pub max_iter: usize,
    /// Number of initialisations; the one with the best lower bound wins (default 1).
    #[serde(default = "default_n_init")]
    pub n_init: usize,
    /// How initial responsibilities are made (default `kmeans`).
    #[serde(default)]
    pub init_params: InitParams,
    /// Initial weights (`n_components`, in `[0, 1]`, summing to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_init: Option<Vec<f64>>,
    /// Initial means (`n_components x n_features`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub means_init: Option<Vec<Vec<f64>>>,
    /// Initial precisions in scikit-learn's shape for the covariance type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precisions_init: Option<Precisions>,
}

fn default_tol() -> f64 {
    1e-3
}
fn default_reg_covar() -> f64 {
    1e-6
}
fn default_max_iter() -> usize {
    100
}
fn default_n_init() -> usize {
    1
}

impl GaussianMixtureParams {
    /// scikit-learn's defaults with `n_components` components.
    pub fn new(n_components: usize) -> Self {
        GaussianMixtureParams {
            n_components,
            covariance_type: CovarianceType::default(),
            tol: default_tol(),
            reg_covar: default_reg_covar(),
            max_iter: default_max_iter(),
            n_init: default_n_init(),
            init_params: InitParams::default(),
            weights_init: None,
            means_init: None,
            precisions_init: None,
        }
    }

    /// Checks every parameter (the error names the first bad one) and prepares the explicit
    /// initial state, if any.
    ///
    /// ```
    /// use clusterlab_gmm::GaussianMixtureParams;
    /// let mut p = GaussianMixtureParams::new(2);
    /// p.weights_init = Some(vec![0.5, 0.6]);
    /// let err = p.build().unwrap_err();
    /// assert!(err.to_string().contains("weights_init"), "{err}");
    /// ```
    pub fn build(&self) -> Result<GaussianMixture> {
        let k = self.n_components;
        validate::check_positive_count("n_components", k)?;
        validate::check_non_negative("tol", self.tol)?;
        validate::check_non_negative("reg_covar", self.reg_covar)?;
        validate::check_positive_count("max_iter", self.max_iter)?;
        validate::check_positive_count("n_init", self.n_init)?;
        let weights = self
            .weights_init
            .as_deref()
            .map(|w| check_weights(w, k))
            .transpose()?;
        let means = self
            .means_init
            .as_deref()
            .map(|m| check_means(m, k))
            .transpose()?;
        let precisions_cholesky = self
            .precisions_init
            .as_ref()
            .map(|p| check_precisions(p, self.covariance_type, k))
            .transpose()?;
        Ok(GaussianMixture {
            params: self.clone(),
            weights_init: weights,
            means_init: means,
            precisions_cholesky_init: precisions_cholesky,
        })
    }
}

fn check_weights(w: &[f64], k: usize) -> Result<Array1<f64>> {
    if w.len() != k {
        return Err(Error::ShapeMismatch {
            what: "weights_init".into(),
            expected: format!("({k},)"),
            found: format!("({},)", w.len()),
        });
    }
    if let Some((i, v)) = w
        .iter()
        .enumerate()
        .find(|(_, v)| !(0.0..=1.0).contains(*v))
    {
        return Err(Error::invalid(
            "weights_init",
            v,
            format!("weight {i} must be in [0, 1]"),
        ));
    }
    let sum: f64 = w.iter().sum();
    // scikit-learn's `np.allclose(|1 - sum|, 0)`.
    if (1.0 - sum).abs() > 1e-8 {
        return Err(Error::invalid(
            "weights_init",
            format!("{w:?}"),
            format!("must sum to 1 (sum = {sum})"),
        ));
    }
    Ok(Array1::from(w.to_vec()))
}

fn check_means(m: &[Vec<f64>], k: usize) -> Result<Array2<f64>> {
    let d = m.first().map_or(0, Vec::len);
    if m.len() != k || d == 0 || m.iter().any(|r| r.len() != d) {
        return Err(Error::ShapeMismatch {
            what: "means_init".into(),
            expected: format!("{k} rows of n_features values"),
            found: format!(
                "{} rows of lengths {:?}",
                m.len(),
                m.iter().map(Vec::len).collect::<Vec<_>>()
            ),
        });
    }
    let a = Array2::from_shape_fn((k, d), |(i, j)| m[i][j]);
    validate::check_matrix("means_init", a.view(), Some(k), d)?;
    Ok(a)
}

/// Validates user precisions as scikit-learn does (symmetric positive definite matrices,
/// positive vectors) and turns them into precision Cholesky factors.
fn check_precisions(p: &NestedArray, ct: CovarianceType, k: usize) -> Result<CovarianceArray> {
    let d = match (ct, p) {
        (CovarianceType::Full, NestedArray::Matrices(s)) => s.first().map_or(0, Vec::len),
        (CovarianceType::Tied, NestedArray::Matrix(m)) => m.len(),
        (CovarianceType::Diag, NestedArray::Matrix(m)) => m.first().map_or(0, Vec::len),
        (CovarianceType::Spherical, NestedArray::Vector(_)) => 1,
        _ => {
            let levels = |n: usize| format!("{n} nested level{}", if n == 1 { "" } else { "s" });
            return Err(Error::ShapeMismatch {
                what: format!("precisions_init ({ct})"),
                expected: levels(CovarianceArray::shape_of(ct, k, 0).len()),
                found: levels(match p {
                    NestedArray::Vector(_) => 1,
                    NestedArray::Matrix(_) => 2,
                    NestedArray::Matrices(_) => 3,
                }),
            });
        }
    };
    let arr = p.to_array("precisions_init", ct, k, d)?;
    if let Some(v) = arr.as_slice().iter().find(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "precisions_init",
            v,
            "every value must be finite",
        ));
    }
    let not_pd = |j: usize| {
        Error::invalid(
            "precisions_init",
            format!("component {j}"),
            format!("the {ct} precision must be symmetric and positive definite"),
        )
    };
    Ok(match arr {
        CovarianceArray::Full(a) => {
            let mut u = a.clone();
            for (j, m) in a.outer_iter().enumerate() {
                if !is_symmetric(m) {
                    return Err(not_pd(j));
                }
                let f = linalg::precision_cholesky_from_precision(m).ok_or_else(|| not_pd(j))?;
                u.index_axis_mut(ndarray::Axis(0), j).assign(&f);
            }
            CovarianceArray::Full(u)
        }
        CovarianceArray::Tied(m) => {
            if !is_symmetric(m.view()) {
                return Err(not_pd(0));
            }
            CovarianceArray::Tied(
                linalg::precision_cholesky_from_precision(m.view()).ok_or_else(|| not_pd(0))?,
            )
        }
        CovarianceArray::Diag(m) => {
            if let Some(((j, _), v)) = m.indexed_iter().find(|(_, v)| **v <= 0.0) {
                return Err(Error::invalid(
                    "precisions_init",
                    v,
                    format!("component {j}: diag precisions must be > 0"),
                ));
            }
            CovarianceArray::Diag(m.mapv(f64::sqrt))
        }
        CovarianceArray::Spherical(v) => {
            if let Some((j, x)) = v.iter().enumerate().find(|(_, x)| **x <= 0.0) {
                return Err(Error::invalid(
                    "precisions_init",
                    x,
                    format!("component {j}: spherical precisions must be > 0"),
                ));
            }
            CovarianceArray::Spherical(v.mapv(f64::sqrt))
        }
    })
}

/// NumPy's `allclose(m, m.T)`.
pub(crate) fn is_symmetric(m: ndarray::ArrayView2<'_, f64>) -> bool {
    m.indexed_iter()
        .all(|((i, j), a)| (a - m[[j, i]]).abs() <= 1e-8 + 1e-5 * m[[j, i]].abs())
}

/// A validated Gaussian-mixture configuration: call [`fit`](GaussianMixture::fit) with data
/// and a seed.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    pub(crate) params: GaussianMixtureParams,
    pub(crate) weights_init: Option<Array1<f64>>,
    pub(crate) means_init: Option<Array2<f64>>,
    pub(crate) precisions_cholesky_init: Option<CovarianceArray>,
}

impl GaussianMixture {
    /// The parameters this configuration was built from.
    pub fn params(&self) -> &GaussianMixtureParams {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_err(f: impl FnOnce(&mut GaussianMixtureParams)) -> String {
        let mut p = GaussianMixtureParams::new(2);
        f(&mut p);
        p.build().unwrap_err().to_string()
    }

    #[test]
    fn each_rule_names_its_parameter() {
        assert!(build_err(|p| p.n_components = 0).contains("`n_components`"));
        assert!(build_err(|p| p.tol = -1.0).contains("`tol`"));
        assert!(build_err(|p| p.reg_covar = f64::NAN).contains("`reg_covar`"));
        assert!(build_err(|p| p.max_iter = 0).contains("`max_iter`"));
        assert!(build_err(|p| p.n_init = 0).contains("`n_init`"));
        assert!(build_err(|p| p.weights_init = Some(vec![1.0])).contains("weights_init"));
        assert!(build_err(|p| p.weights_init = Some(vec![1.5, -0.5])).contains("weights_init"));
        assert!(build_err(|p| p.weights_init = Some(vec![0.5, 0.4])).contains("sum to 1"));
        assert!(build_err(|p| p.means_init = Some(vec![vec![0.0]])).contains("means_init"));
        assert!(
            build_err(|p| p.means_init = Some(vec![vec![0.0], vec![f64::NAN]])).contains("NaN")
        );
    }

    #[test]
    fn precisions_are_checked_per_type() {
        let e = build_err(|p| {
            p.precisions_init = Some(NestedArray::Matrices(vec![
                vec![vec![1.0, 2.0], vec![2.0, 1.0]],
                vec![vec![1.0, 0.0], vec![0.0, 1.0]],
            ]))
        });
        assert!(
            e.contains("component 0") && e.contains("positive definite"),
            "{e}"
        );
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Spherical;
            p.precisions_init = Some(NestedArray::Vector(vec![1.0, 0.0]));
        });
        assert!(e.contains("component 1"), "{e}");
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Diag;
            p.precisions_init = Some(NestedArray::Vector(vec![1.0, 1.0]));
        });
        assert!(e.contains("precisions_init"), "{e}");
        let e = build_err(|p| {
            p.covariance_type = CovarianceType::Tied;
            p.precisions_init = Some(NestedArray::Matrix(vec![vec![1.0, 0.5], vec![0.0, 1.0]]));
        });
        assert!(e.contains("symmetric"), "{e}");
    }

    #[test]
    fn names_parse_as_sklearn_spells_them() {
        for t in CovarianceType::ALL {
            assert_eq!(t.as_str().parse::<CovarianceType>().unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        for t in InitParams::ALL {
            assert_eq!(t.as_str().parse::<InitParams>().unwrap(), t);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
        }
        assert!("kmeans++".parse::<InitParams>().is_err());
    }

    #[test]
    fn defaults_are_sklearns() {
        let p: GaussianMixtureParams = serde_json::from_str(r#"{"n_components": 4}"#).unwrap();
        assert_eq!(p, GaussianMixtureParams::new(4));
        assert_eq!(p.covariance_type, CovarianceType::Full);
        assert_eq!(p.init_params, InitParams::Kmeans);
        assert_eq!(
            (p.tol, p.reg_covar, p.max_iter, p.n_init),
            (1e-3, 1e-6, 100, 1)
        );
    }

    #[test]
    fn typo_is_rejected() {
        let r = serde_json::from_str::<GaussianMixtureParams>(
            r#"{"n_components": 4, "covariance": "full"}"#,
        );
        assert!(r.is_err());
    }
}
