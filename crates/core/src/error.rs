//! The error type shared by data and algorithm crates.

use thiserror::Error;

/// Result with clusterlab's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when validating data or fitting a model.
///
/// Every variant says *where*: the row and column of a bad value, the parameter and the range it
/// must lie in, the mixture component whose covariance broke down. The runner prints these
/// messages as they are, so they are written for a person.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// The data has no samples or no features.
    #[error("the data is empty: {n_samples} samples x {n_features} features")]
    EmptyData {
        /// Number of rows found.
        n_samples: usize,
        /// Number of columns found.
        n_features: usize,
    },

    /// A sample holds NaN or an infinity. Rows and columns count from 0.
    #[error("sample {row}, feature {column} is {value}: every value must be finite")]
    NonFinite {
        /// Row (sample index, from 0).
        row: usize,
        /// Column (feature index, from 0).
        column: usize,
        /// The offending value.
        value: f64,
    },

    /// A sample holds a value so large that squared distances would overflow (to infinity)
    /// ([`validate::max_magnitude`](crate::validate::max_magnitude)). Rows and columns count
    /// from 0.
    #[error(
        "sample {row}, feature {column} is {value}: too large, squared distances would overflow \
         above a magnitude of {limit:.3e}; rescale the data"
    )]
    TooLarge {
        /// Row (sample index, from 0).
        row: usize,
        /// Column (feature index, from 0).
        column: usize,
        /// The offending value.
        value: f64,
        /// The largest magnitude allowed for the data's number of features.
        limit: f64,
    },

    /// A parameter is out of its allowed range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name, as the user writes it (`n_clusters`, `tol`, ...).
        name: &'static str,
        /// The value given, formatted.
        value: String,
        /// Why it is rejected and what is allowed.
        reason: String,
    },

    /// Two things that must agree in shape do not (explicit centers, new data, labels).
    #[error("shape mismatch for {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being checked.
        what: String,
        /// The expected shape.
        expected: String,
        /// The shape found.
        found: String,
    },

    /// A mixture component's covariance is not positive definite even after regularisation.
    #[error(
        "the covariance of component {component} is not positive definite \
         (reg_covar = {reg_covar:e}); the data may have too few distinct points for this \
         component or a constant feature: try a larger reg_covar, fewer components or \
         scaling the data"
    )]
    NotPositiveDefinite {
        /// Index of the component (from 0); for `tied` covariances, 0.
        component: usize,
        /// The regularisation that was in force.
        reg_covar: f64,
    },

    /// A numerical failure that is neither of the above (it names the quantity).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    ///
    /// ```
    /// use clusterlab_core::Error;
    /// let e = Error::invalid("tol", -1.0, "must be >= 0");
    /// assert_eq!(e.to_string(), "invalid parameter `tol` = -1: must be >= 0");
    /// ```
    pub fn invalid(
        name: &'static str,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
