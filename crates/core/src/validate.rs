//! Checks that run before any expensive work.
//!
//! Every algorithm calls these on entry; the runner calls them while it plans a grid. They are
//! the single place where "what is a valid input" is decided, so the messages are the same
//! wherever a bad value comes from.

use ndarray::ArrayView2;

use crate::{Error, Result};

/// Checks that `x` has at least one sample and one feature, and that every value is finite.
///
/// The error names the first offending row and column (from 0).
///
/// ```
/// use clusterlab_core::{validate::check_samples, ndarray::array};
/// assert!(check_samples(array![[1.0, 2.0]].view()).is_ok());
/// let err = check_samples(array![[1.0, 2.0], [3.0, f64::INFINITY]].view()).unwrap_err();
/// assert_eq!(err.to_string(), "sample 1, feature 1 is inf: every value must be finite");
/// ```
pub fn check_samples(x: ArrayView2<'_, f64>) -> Result<()> {
    let (n, d) = x.dim();
    if n == 0 || d == 0 {
        return Err(Error::EmptyData {
            n_samples: n,
            n_features: d,
        });
    }
    let limit = max_magnitude(d);
    for (row, sample) in x.rows().into_iter().enumerate() {
        let bad = |v: &&f64| !v.is_finite() || v.abs() > limit;
        if let Some((column, &value)) = sample.iter().enumerate().find(|(_, v)| bad(v)) {
            return Err(if value.is_finite() {
                Error::TooLarge {
                    row,
                    column,
                    value,
                    limit,
                }
            } else {
                Error::NonFinite { row, column, value }
            });
        }
    }
    Ok(())
}

/// The largest magnitude a value of data with `n_features` features may have: squared
/// Euclidean distances between such points stay finite (`d · (2m)² <= f64::MAX`, with a
/// rounding margin).
///
/// ```
/// use clusterlab_core::validate::max_magnitude;
/// for d in [1, 2, 64, 3000] {
///     let m = max_magnitude(d);
///     let sum: f64 = (0..d).map(|_| (m - -m) * (m - -m)).sum();
///     assert!(sum.is_finite(), "{d}");
/// }
/// ```
pub fn max_magnitude(n_features: usize) -> f64 {
    let d = n_features.max(1) as f64;
    (f64::MAX / (4.0 * d)).sqrt() * (1.0 - 1e-6)
}

/// Checks a number of clusters or components: `1 <= k <= n_samples`.
///
/// `name` is the parameter's name as the user knows it (`n_clusters`, `n_components`).
///
/// ```
/// use clusterlab_core::validate::check_n_clusters;
/// assert!(check_n_clusters("n_clusters", 3, 10).is_ok());
/// let err = check_n_clusters("n_clusters", 11, 10).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid parameter `n_clusters` = 11: must be at most n_samples = 10"
/// );
/// ```
pub fn check_n_clusters(name: &'static str, k: usize, n_samples: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::invalid(name, k, "must be at least 1"));
    }
    if k > n_samples {
        return Err(Error::invalid(
            name,
            k,
            format!("must be at most n_samples = {n_samples}"),
        ));
    }
    Ok(())
}

/// Checks that a count parameter (`max_iter`, `n_init`, ...) is at least 1.
///
/// ```
/// use clusterlab_core::validate::check_positive_count;
/// assert!(check_positive_count("max_iter", 0).is_err());
/// ```
pub fn check_positive_count(name: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(Error::invalid(name, value, "must be at least 1"));
    }
    Ok(())
}

/// Checks that a real parameter is finite and `>= 0` (`tol`, `reg_covar`).
///
/// ```
/// use clusterlab_core::validate::check_non_negative;
/// assert!(check_non_negative("tol", 0.0).is_ok());
/// assert!(check_non_negative("tol", -1e-3).is_err());
/// assert!(check_non_negative("tol", f64::NAN).is_err());
/// ```
pub fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if !value.is_finite() || value < 0.0 {
        return Err(Error::invalid(name, value, "must be a finite number >= 0"));
    }
    Ok(())
}

/// Checks that a real parameter is finite and `> 0` (`cluster_std` of a scale, a bandwidth).
///
/// ```
/// use clusterlab_core::validate::check_positive;
/// assert!(check_positive("scale", 0.0).is_err());
/// ```
pub fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if !value.is_finite() || value <= 0.0 {
        return Err(Error::invalid(name, value, "must be a finite number > 0"));
    }
    Ok(())
}

/// Checks optional per-sample weights: one per sample, finite and `>= 0`, not all zero.
///
/// ```
/// use clusterlab_core::validate::check_sample_weight;
/// assert!(check_sample_weight(&[1.0, 2.0], 2).is_ok());
/// assert!(check_sample_weight(&[1.0], 2).is_err());
/// assert!(check_sample_weight(&[0.0, 0.0], 2).is_err());
/// ```
pub fn check_sample_weight(weights: &[f64], n_samples: usize) -> Result<()> {
    if weights.len() != n_samples {
        return Err(Error::ShapeMismatch {
            what: "sample_weight".into(),
            expected: format!("{n_samples} weights"),
            found: format!("{} weights", weights.len()),
        });
    }
    if let Some((i, w)) = weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(Error::invalid(
            "sample_weight",
            w,
            format!("weight {i} must be finite and >= 0"),
        ));
    }
    if weights.iter().all(|&w| w == 0.0) {
        return Err(Error::invalid(
            "sample_weight",
            "all zero",
            "at least one weight must be > 0",
        ));
    }
    Ok(())
}

/// Checks that a matrix given alongside the data (explicit centers, new samples to predict) has
/// the expected number of rows (when `rows` is `Some`) and `n_features` columns, and finite
/// values.
///
/// ```
/// use clusterlab_core::{validate::check_matrix, ndarray::array};
/// let centers = array![[0.0, 0.0], [1.0, 1.0]];
/// assert!(check_matrix("init", centers.view(), Some(2), 2).is_ok());
/// assert!(check_matrix("init", centers.view(), Some(3), 2).is_err());
/// ```
pub fn check_matrix(
    what: &str,
    m: ArrayView2<'_, f64>,
    rows: Option<usize>,
    n_features: usize,
) -> Result<()> {
    let rows_ok = rows.is_none_or(|r| r == m.nrows());
    if !rows_ok || m.ncols() != n_features {
        let expected = match rows {
            Some(r) => format!("{r} x {n_features}"),
            None => format!("n x {n_features}"),
        };
        return Err(Error::ShapeMismatch {
            what: what.to_string(),
            expected,
            found: format!("{} x {}", m.nrows(), m.ncols()),
        });
    }
    if m.nrows() > 0 {
        check_samples(m)?;
    }
    Ok(())
}

/// Checks that there is one label per sample.
pub fn check_labels_len(labels: &[usize], n_samples: usize) -> Result<()> {
    if labels.len() != n_samples {
        return Err(Error::ShapeMismatch {
            what: "labels".into(),
            expected: format!("{n_samples} labels"),
            found: format!("{} labels", labels.len()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_whose_squared_distances_overflow_are_refused_with_where() {
        let x = ndarray::array![[0.0, 1.0], [2.0, 1.7976931348623157e308]];
        let err = check_samples(x.view()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooLarge {
                    row: 1,
                    column: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("squared distances would overflow"),
            "{err}"
        );
        let ok = ndarray::array![[0.0, 1e150], [-1e150, 1.0]];
        assert!(check_samples(ok.view()).is_ok());
        let nan = ndarray::array![[f64::NAN]];
        assert!(matches!(
            check_samples(nan.view()),
            Err(Error::NonFinite { .. })
        ));
    }
    use ndarray::{Array2, array};

    #[test]
    fn empty_rows_and_empty_columns() {
        assert!(matches!(
            check_samples(Array2::zeros((0, 2)).view()),
            Err(Error::EmptyData { .. })
        ));
        assert!(matches!(
            check_samples(Array2::zeros((2, 0)).view()),
            Err(Error::EmptyData { .. })
        ));
    }

    #[test]
    fn nan_position_is_reported() {
        let x = array![[0.0, 1.0, 2.0], [3.0, 4.0, f64::NAN]];
        match check_samples(x.view()) {
            Err(Error::NonFinite {
                row: 1,
                column: 2,
                value,
            }) => assert!(value.is_nan()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn n_clusters_zero_and_too_large() {
        assert!(check_n_clusters("n_clusters", 0, 5).is_err());
        assert!(check_n_clusters("n_clusters", 5, 5).is_ok());
        assert!(check_n_clusters("n_clusters", 6, 5).is_err());
    }

    #[test]
    fn negative_weight_is_named() {
        let err = check_sample_weight(&[1.0, -1.0], 2).unwrap_err();
        assert!(err.to_string().contains("weight 1"), "{err}");
    }

    #[test]
    fn matrix_with_nan_is_rejected() {
        let m = array![[0.0, f64::NAN]];
        assert!(matches!(
            check_matrix("init", m.view(), Some(1), 2),
            Err(Error::NonFinite { .. })
        ));
    }
}
