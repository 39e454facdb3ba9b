//! The one way to see an array as a flat slice.
//!
//! Kernels work on contiguous row-major slices. Arrays that reach them are built (or copied) in
//! standard layout by the code that owns them, so a non-contiguous array there is a bug of
//! that code, never a property of a user's input. [`contiguous`] says so loudly: a fallback
//! such as `as_slice().unwrap_or(&[])` would turn the bug into silently wrong arithmetic.

use ndarray::{ArrayBase, Data, Dimension};

/// The elements of `a` in row-major order.
///
/// # Panics
///
/// If `a` is not in standard (row-major, contiguous) layout: the caller promised it was.
///
/// # Examples
///
/// ```
/// use clusterlab_core::{layout::contiguous, ndarray::array};
///
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// assert_eq!(contiguous(&a), &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(contiguous(&a.row(1)), &[3.0, 4.0]);
/// ```
#[track_caller]
pub fn contiguous<S, D>(a: &ArrayBase<S, D>) -> &[S::Elem]
where
    S: Data,
    D: Dimension,
{
    a.as_slice()
        .expect("array in standard layout: the code that built it guarantees this")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    #[should_panic(expected = "standard layout")]
    fn a_transposed_array_is_a_loud_bug() {
        let a = array![[1.0, 2.0], [3.0, 4.0]];
        let _ = contiguous(&a.t());
    }
}
