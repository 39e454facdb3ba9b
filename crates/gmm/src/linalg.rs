//! The two factorizations EM needs, delegated to faer: Cholesky of a covariance followed by a
//! triangular solve (the precision's Cholesky factor), and the "reversed" Cholesky scikit-learn
//! uses to turn user-given precisions into the same factor.
//!
//! Matrices here are tiny (`d x d`), so faer always runs sequentially ([`Par::Seq`]): nothing
//! depends on the thread count.

use faer::{
    Mat, Par,
    dyn_stack::{MemBuffer, MemStack},
    linalg::{
        cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch},
        triangular_solve::solve_lower_triangular_in_place,
    },
};
use ndarray::{Array2, ArrayView2};

/// The lower Cholesky factor `L` of the symmetric matrix `a` (only its lower triangle is read),
/// or `None` when `a` is not positive definite (or holds a NaN).
fn cholesky_lower(a: &Mat<f64>) -> Option<Mat<f64>> {
    let d = a.nrows();
    let mut l = Mat::<f64>::from_fn(d, d, |i, j| if j <= i { a[(i, j)] } else { 0.0 });
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(
        d,
        Par::Seq,
        Default::default(),
    ));
    let stack = MemStack::new(&mut mem);
    cholesky_in_place(
        l.as_mut(),
        Default::default(),
        Par::Seq,
        stack,
        Default::default(),
    )
    .ok()?;
    for j in 0..d {
        for i in 0..j {
            l[(i, j)] = 0.0;
        }
    }
    // faer stops at a non-positive pivot, but a NaN pivot must not slip through either.
    (0..d)
        .all(|i| l[(i, i)].is_finite() && l[(i, i)] > 0.0)
        .then_some(l)
}

/// The upper-triangular Cholesky factor `U` of the precision `covariance^-1`, computed as
/// scikit-learn does: `L = cholesky(covariance)`, then `U = (L^-1)^T` through a triangular
/// solve against the identity. `None` when the covariance is not positive definite.
pub(crate) fn precision_cholesky_from_covariance(cov: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
    let d = cov.nrows();
    let a = Mat::<f64>::from_fn(d, d, |i, j| cov[[i, j]]);
    let l = cholesky_lower(&a)?;
    let mut inv = Mat::<f64>::identity(d, d);
    solve_lower_triangular_in_place(l.as_ref(), inv.as_mut(), Par::Seq);
    let u = Array2::from_shape_fn((d, d), |(i, j)| if i <= j { inv[(j, i)] } else { 0.0 });
    u.iter().all(|v| v.is_finite()).then_some(u)
}

/// The upper-triangular `U` with `precision = U U^T`, as scikit-learn's
/// `_compute_precision_cholesky_from_precisions`: the lower Cholesky factor of the precision
/// with rows and columns reversed, reversed back. `None` when the precision is not positive
/// definite.
pub(crate) fn precision_cholesky_from_precision(p: ArrayView2<'_, f64>) -> Option<Array2<f64>> {
    let d = p.nrows();
    let flipped = Mat::<f64>::from_fn(d, d, |i, j| p[[d - 1 - i, d - 1 - j]]);
    let l = cholesky_lower(&flipped)?;
    Some(Array2::from_shape_fn((d, d), |(i, j)| {
        l[(d - 1 - i, d - 1 - j)]
    }))
}

/// Solves `U^T z = b` in place for upper-triangular `U` (forward substitution on `U^T`, which
/// is lower triangular). Used to draw samples: if `U U^T` is the precision, `U^-T z` has the
/// covariance as its covariance.
pub(crate) fn solve_upper_transposed_in_place(u: ArrayView2<'_, f64>, b: &mut [f64]) {
    for i in 0..b.len() {
        let (done, rest) = b.split_at_mut(i);
        let mut s = rest[0];
        for (j, bj) in done.iter().enumerate() {
            s -= u[[j, i]] * bj;
        }
        rest[0] = s / u[[i, i]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn precision_factor_inverts_the_covariance() {
        let c = array![[4.0, 2.0, 0.4], [2.0, 3.0, 0.5], [0.4, 0.5, 1.0]];
        let u = precision_cholesky_from_covariance(c.view()).unwrap();
        // C (U U^T) = I.
        let p = u.dot(&u.t());
        let id = c.dot(&p);
        for ((i, j), v) in id.indexed_iter() {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((v - want).abs() < 1e-12, "{i},{j}: {v}");
        }
        for i in 0..3 {
            for j in 0..i {
                assert_eq!(u[[i, j]], 0.0);
            }
        }
    }

    #[test]
    fn factor_from_precision_reconstructs_it() {
        let p = array![[2.0, 0.3], [0.3, 1.0]];
        let u = precision_cholesky_from_precision(p.view()).unwrap();
        assert_eq!(u[[1, 0]], 0.0);
        let back = u.dot(&u.t());
        for (a, b) in back.iter().zip(p.iter()) {
            assert!((a - b).abs() < 1e-14);
        }
    }

    #[test]
    fn singular_and_nan_are_refused() {
        let c = array![[1.0, 1.0], [1.0, 1.0]];
        assert!(precision_cholesky_from_covariance(c.view()).is_none());
        let c = array![[f64::NAN, 0.0], [0.0, 1.0]];
        assert!(precision_cholesky_from_covariance(c.view()).is_none());
        let c = array![[-1.0]];
        assert!(precision_cholesky_from_precision(c.view()).is_none());
    }

    #[test]
    fn transposed_solve() {
        let u = array![[2.0, 1.0], [0.0, 3.0]];
        let mut b = [4.0, 11.0];
        solve_upper_transposed_in_place(u.view(), &mut b);
        // U^T = [[2, 0], [1, 3]]: 2 z0 = 4, z0 + 3 z1 = 11.
        assert_eq!(b, [2.0, 3.0]);
    }
}
