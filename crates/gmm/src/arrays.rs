//! Covariance types and the arrays whose shape depends on them, in scikit-learn's shapes.

use std::{fmt, str::FromStr};

use clusterlab_core::{Error, Result, layout::contiguous};
use ndarray::{Array1, Array2, Array3};
use serde::{Deserialize, Serialize};

/// The form of the components' covariances (scikit-learn's `covariance_type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CovarianceType {
    /// Each component has its own general covariance matrix.
    #[default]
    Full,
    /// All components share one general covariance matrix.
    Tied,
    /// Each component has its own diagonal covariance matrix.
    Diag,
    /// Each component has its own single variance.
    Spherical,
}

impl CovarianceType {
    /// All four types, in scikit-learn's order.
    pub const ALL: [CovarianceType; 4] = [
        CovarianceType::Full,
        CovarianceType::Tied,
        CovarianceType::Diag,
        CovarianceType::Spherical,
    ];

    /// The name as scikit-learn spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CovarianceType::Full => "full",
            CovarianceType::Tied => "tied",
            CovarianceType::Diag => "diag",
            CovarianceType::Spherical => "spherical",
        }
    }

    /// Number of free covariance parameters for `k` components in `d` dimensions (as in
    /// scikit-learn's `_n_parameters`).
    /// Saturates instead of overflowing on absurd sizes.
    pub fn n_covariance_parameters(self, k: usize, d: usize) -> usize {
        let triangle = d.saturating_mul(d.saturating_add(1)) / 2;
        match self {
            CovarianceType::Full => k.saturating_mul(triangle),
            CovarianceType::Tied => triangle,
            CovarianceType::Diag => k.saturating_mul(d),
            CovarianceType::Spherical => k,
        }
    }

    /// Number of free parameters of a mixture of `k` components in `d` dimensions: covariances,
    /// means and the free weights (scikit-learn's `_n_parameters`), saturating.
    pub fn n_parameters(self, k: usize, d: usize) -> usize {
        self.n_covariance_parameters(k, d)
            .saturating_add(d.saturating_mul(k))
            .saturating_add(k.saturating_sub(1))
    }
}

impl fmt::Display for CovarianceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CovarianceType {
    type Err = Error;

    /// Parses `full`, `tied`, `diag` or `spherical`.
    ///
    /// ```
    /// use clusterlab_gmm::CovarianceType;
    /// assert_eq!("diag".parse::<CovarianceType>()?, CovarianceType::Diag);
    /// assert!("diagonal".parse::<CovarianceType>().is_err());
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        CovarianceType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "covariance_type",
                    s,
                    "must be one of full, tied, diag, spherical",
                )
            })
    }
}

/// A nested array of numbers as it appears in JSON or TOML: a vector, a matrix (list of rows)
/// or a stack of matrices. Which of scikit-learn's shapes it must have depends on the
/// covariance type, so its meaning is only settled when it meets one (see
/// [`NestedArray::to_array`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NestedArray {
    /// One level: `(n_components,)` for `spherical`.
    Vector(Vec<f64>),
    /// Two levels: `(n_features, n_features)` for `tied`, `(n_components, n_features)` for
    /// `diag`.
    Matrix(Vec<Vec<f64>>),
    /// Three levels: `(n_components, n_features, n_features)` for `full`.
    Matrices(Vec<Vec<Vec<f64>>>),
}

/// Initial precisions (inverse covariances) in scikit-learn's shape for the covariance type:
/// `full` `(k, d, d)`, `tied` `(d, d)`, `diag` `(k, d)`, `spherical` `(k,)`.
pub type Precisions = NestedArray;

impl NestedArray {
    /// The shape as a list of lengths (the first row's lengths for ragged input).
    fn shape(&self) -> Vec<usize> {
        match self {
            NestedArray::Vector(v) => vec![v.len()],
            NestedArray::Matrix(m) => vec![m.len(), m.first().map_or(0, Vec::len)],
            NestedArray::Matrices(s) => {
                let first = s.first();
                vec![
                    s.len(),
                    first.map_or(0, Vec::len),
                    first.and_then(|m| m.first()).map_or(0, Vec::len),
                ]
            }
        }
    }

    fn values(&self) -> Vec<f64> {
        match self {
            NestedArray::Vector(v) => v.clone(),
            NestedArray::Matrix(m) => m.iter().flatten().copied().collect(),
            NestedArray::Matrices(s) => s.iter().flatten().flatten().copied().collect(),
        }
    }

    fn is_rectangular(&self) -> bool {
        match self {
            NestedArray::Vector(_) => true,
            NestedArray::Matrix(m) => m.iter().all(|r| r.len() == m[0].len()),
            NestedArray::Matrices(s) => s.iter().all(|m| {
                m.len() == s[0].len()
                    && m.iter()
                        .all(|r| Some(r.len()) == s[0].first().map(Vec::len))
            }),
        }
    }

    /// Converts to the array of scikit-learn's shape for `covariance_type` with `k` components
    /// in `d` dimensions; `what` names the parameter in errors.
    ///
    /// ```
    /// use clusterlab_gmm::{CovarianceType, NestedArray};
    /// let p = NestedArray::Matrix(vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]);
    /// assert!(p.to_array("precisions_init", CovarianceType::Diag, 3, 2).is_ok());
    /// assert!(p.to_array("precisions_init", CovarianceType::Tied, 3, 2).is_err());
    /// ```
    pub fn to_array(
        &self,
        what: &str,
        covariance_type: CovarianceType,
        k: usize,
        d: usize,
    ) -> Result<CovarianceArray> {
        let expected = CovarianceArray::shape_of(covariance_type, k, d);
        let found = self.shape();
        if found != expected || !self.is_rectangular() {
            return Err(Error::ShapeMismatch {
                what: format!("{what} ({covariance_type})"),
                expected: format_shape(&expected),
                found: if self.is_rectangular() {
                    format_shape(&found)
                } else {
                    "rows of different lengths".into()
                },
            });
        }
        let v = self.values();
        // The shapes were checked just above, so these constructions cannot fail.
        let bad = |_| Error::Numerical(format!("{what}: inconsistent shape"));
        Ok(match covariance_type {
            CovarianceType::Full => {
                CovarianceArray::Full(Array3::from_shape_vec((k, d, d), v).map_err(bad)?)
            }
            CovarianceType::Tied => {
                CovarianceArray::Tied(Array2::from_shape_vec((d, d), v).map_err(bad)?)
            }
            CovarianceType::Diag => {
                CovarianceArray::Diag(Array2::from_shape_vec((k, d), v).map_err(bad)?)
            }
            CovarianceType::Spherical => CovarianceArray::Spherical(Array1::from(v)),
        })
    }
}

fn format_shape(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(usize::to_string).collect();
    format!("({})", parts.join(", "))
}

/// Covariances, precisions or their Cholesky factors, in scikit-learn's shape for each
/// covariance type. Serialized as nested lists, as NumPy's `tolist()` would write them.
#[derive(Debug, Clone, PartialEq)]
pub enum CovarianceArray {
    /// `(n_components, n_features, n_features)`.
    Full(Array3<f64>),
    /// `(n_features, n_features)`, shared by all components.
    Tied(Array2<f64>),
    /// `(n_components, n_features)`: the diagonals.
    Diag(Array2<f64>),
    /// `(n_components,)`: one variance (or precision) per component.
    Spherical(Array1<f64>),
}

impl CovarianceArray {
    /// The covariance type this array belongs to.
    pub fn covariance_type(&self) -> CovarianceType {
        match self {
            CovarianceArray::Full(_) => CovarianceType::Full,
            CovarianceArray::Tied(_) => CovarianceType::Tied,
            CovarianceArray::Diag(_) => CovarianceType::Diag,
            CovarianceArray::Spherical(_) => CovarianceType::Spherical,
        }
    }

    /// scikit-learn's shape for `covariance_type`.
    pub fn shape_of(covariance_type: CovarianceType, k: usize, d: usize) -> Vec<usize> {
        match covariance_type {
            CovarianceType::Full => vec![k, d, d],
            CovarianceType::Tied => vec![d, d],
            CovarianceType::Diag => vec![k, d],
            CovarianceType::Spherical => vec![k],
        }
    }

    /// The values in row-major order.
    pub fn as_slice(&self) -> &[f64] {
        // Every array here is built in standard layout.
        match self {
            CovarianceArray::Full(a) => contiguous(a),
            CovarianceArray::Tied(a) | CovarianceArray::Diag(a) => contiguous(a),
            CovarianceArray::Spherical(a) => contiguous(a),
        }
    }

    /// As nested lists (the form it is serialized in).
    pub fn to_nested(&self) -> NestedArray {
        match self {
            CovarianceArray::Full(a) => NestedArray::Matrices(
                a.outer_iter()
                    .map(|m| m.rows().into_iter().map(|r| r.to_vec()).collect())
                    .collect(),
            ),
            CovarianceArray::Tied(a) | CovarianceArray::Diag(a) => {
                NestedArray::Matrix(a.rows().into_iter().map(|r| r.to_vec()).collect())
            }
            CovarianceArray::Spherical(a) => NestedArray::Vector(a.to_vec()),
        }
    }

    /// Each of `k` components' full `d x d` matrix (the tied matrix repeated, diagonals and
    /// variances expanded), for drawing ellipses.
    pub fn full_matrices(&self, k: usize, d: usize) -> Vec<Array2<f64>> {
        match self {
            CovarianceArray::Full(a) => a.outer_iter().map(|m| m.to_owned()).collect(),
            CovarianceArray::Tied(a) => vec![a.clone(); k],
            CovarianceArray::Diag(a) => a.outer_iter().map(|row| Array2::from_diag(&row)).collect(),
            CovarianceArray::Spherical(a) => {
                a.iter().map(|&v| Array2::from_diag_elem(d, v)).collect()
            }
        }
    }
}

impl Serialize for CovarianceArray {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_nested().serialize(s)
    }
}
