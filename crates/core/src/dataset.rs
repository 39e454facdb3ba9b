//! The [`Dataset`] type: samples, optional ground truth, a name.

use ndarray::{Array2, ArrayView2};

use crate::{Result, validate};

/// An `n_samples x n_features` matrix of finite samples, with optional ground-truth labels.
///
/// Construction validates the samples (non-empty, every value finite), so an algorithm handed a
/// `Dataset` never meets a NaN. Samples are stored row-major (C order), which is what the
/// distance kernels expect: each sample is a contiguous slice.
///
/// # Examples
///
/// ```
/// use clusterlab_core::{Dataset, ndarray::array};
///
/// let data = Dataset::new("tiny", array![[0.0, 0.0], [1.0, 1.0], [9.0, 9.0]])?
///     .with_labels(vec![0, 0, 1])?;
/// assert_eq!(data.labels(), Some(&[0, 0, 1][..]));
/// assert_eq!(data.n_classes(), Some(2));
///
/// // A NaN is refused, with its position.
/// let err = Dataset::new("bad", array![[0.0, f64::NAN]]).unwrap_err();
/// assert_eq!(err.to_string(), "sample 0, feature 1 is NaN: every value must be finite");
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    name: String,
    x: Array2<f64>,
    labels: Option<Vec<usize>>,
}

impl Dataset {
    /// Wraps samples after checking them with [`validate::check_samples`].
    ///
    /// The matrix is made contiguous in row-major order if it is not already.
    pub fn new(name: impl Into<String>, x: Array2<f64>) -> Result<Self> {
        validate::check_samples(x.view())?;
        let x = if x.is_standard_layout() {
            x
        } else {
            x.as_standard_layout().into_owned()
        };
        Ok(Dataset {
            name: name.into(),
            x,
            labels: None,
        })
    }

    /// Attaches ground-truth labels, one per sample.
    pub fn with_labels(mut self, labels: Vec<usize>) -> Result<Self> {
        validate::check_labels_len(&labels, self.n_samples())?;
        self.labels = Some(labels);
        Ok(self)
    }

    /// The dataset's name (used in titles and file names).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The samples, one row each.
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }

    /// Consumes the dataset, returning samples and labels.
    pub fn into_parts(self) -> (Array2<f64>, Option<Vec<usize>>) {
        (self.x, self.labels)
    }

    /// The ground-truth labels, when known.
    pub fn labels(&self) -> Option<&[usize]> {
        self.labels.as_deref()
    }

    /// Number of samples (rows).
    pub fn n_samples(&self) -> usize {
        self.x.nrows()
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }

    /// Number of distinct ground-truth classes (`max label + 1`), when labels are known.
    pub fn n_classes(&self) -> Option<usize> {
        self.labels
            .as_ref()
            .map(|l| l.iter().max().map_or(0, |m| m + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use ndarray::{Array2, array};

    #[test]
    fn rejects_empty() {
        let err = Dataset::new("e", Array2::zeros((0, 3))).unwrap_err();
        assert_eq!(
            err,
            Error::EmptyData {
                n_samples: 0,
                n_features: 3
            }
        );
    }

    #[test]
    fn rejects_wrong_label_count() {
        let d = Dataset::new("d", array![[1.0], [2.0]]).unwrap();
        assert!(matches!(
            d.with_labels(vec![0]),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn makes_fortran_layout_contiguous() {
        let x = array![[1.0, 2.0], [3.0, 4.0]].reversed_axes();
        let d = Dataset::new("t", x).unwrap();
        assert!(d.x().is_standard_layout());
        assert_eq!(d.x()[[0, 1]], 3.0);
    }
}
