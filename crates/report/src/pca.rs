//! The plane a scatter plot shows data of more than two features on: its first two principal
//! axes.
//!
//! The first two columns of a wide dataset are an arbitrary view of it, and often a useless one
//! (on the digits data column 0 is constant zero, so the classes collapse onto a line). The top
//! two eigenvectors of the centred data's covariance are the plane of most spread, as
//! scikit-learn's `PCA(n_components=2)` finds it. The covariance is `d x d`, small beside the
//! data, and its eigenvectors come from faer's symmetric eigensolver (the mixtures' linear
//! algebra crate, so nothing new is compiled). An eigenvector's sign is arbitrary; it is fixed
//! here so that its largest component (by magnitude, the first of equals) is positive, and
//! the same data always give the same picture.

use clusterlab_core::ndarray::{ArrayView2, Axis};
use faer::{Mat, Side};

/// A projection of `d`-dimensional points onto two orthonormal axes through the data's mean.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Projection {
    /// The data's mean, the origin of the plane.
    pub mean: Vec<f64>,
    /// The two axes, unit vectors of length `d`, the first of largest variance.
    pub axes: [Vec<f64>; 2],
    /// The share of the total variance along each axis, in [0, 1] (0 for constant data).
    pub explained: [f64; 2],
}

impl Projection {
    /// The principal plane of the rows of `x` (at least 2 columns and 1 row); `None` when the
    /// eigensolver does not converge or the data are not finite.
    pub fn principal(x: ArrayView2<'_, f64>) -> Option<Projection> {
        let (n, d) = x.dim();
        if n == 0 || d < 2 || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mean = x.mean_axis(Axis(0))?;
        let centred = &x - &mean;
        // The sample covariance, as scikit-learn's explained_variance_ (n - 1); the shares
        // do not depend on the divisor.
        let scatter = centred.t().dot(&centred);
        let denom = (n.max(2) - 1) as f64;
        let cov = Mat::<f64>::from_fn(d, d, |i, j| scatter[[i, j]] / denom);
        let eig = cov.self_adjoint_eigen(Side::Lower).ok()?;
        let values = eig.S().column_vector();
        let vectors = eig.U();
        // Eigenvalues come in nondecreasing order: the last two are the largest.
        let total: f64 = (0..d).map(|i| values[i].max(0.0)).sum();
        let axis = |c: usize| {
            let mut v: Vec<f64> = (0..d).map(|i| vectors[(i, c)]).collect();
            let lead = v
                .iter()
                .copied()
                .fold(0.0_f64, |m, a| if a.abs() > m.abs() { a } else { m });
            if lead < 0.0 {
                v.iter_mut().for_each(|a| *a = -*a);
            }
            v
        };
        let share = |c: usize| {
            if total > 0.0 {
                (values[c].max(0.0) / total).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        Some(Projection {
            mean: mean.to_vec(),
            axes: [axis(d - 1), axis(d - 2)],
            explained: [share(d - 1), share(d - 2)],
        })
    }

    /// The coordinates of `point` (length `d`) in the plane.
    pub fn point(&self, point: &[f64]) -> (f64, f64) {
        let along = |axis: &[f64]| {
            point
                .iter()
                .zip(&self.mean)
                .zip(axis)
                .map(|((p, m), a)| (p - m) * a)
                .sum::<f64>()
        };
        (along(&self.axes[0]), along(&self.axes[1]))
    }

    /// The 2x2 covariance `Pᵀ Σ P` of a `d x d` covariance `cov` seen in the plane (`P` the
    /// `d x 2` matrix of the axes); `None` when `cov` is not `d x d`.
    pub fn covariance(&self, cov: &[Vec<f64>]) -> Option<[[f64; 2]; 2]> {
        let d = self.mean.len();
        if cov.len() != d || cov.iter().any(|r| r.len() != d) {
            return None;
        }
        let quad = |u: &[f64], v: &[f64]| {
            cov.iter()
                .zip(u)
                .map(|(row, ui)| ui * row.iter().zip(v).map(|(c, vj)| c * vj).sum::<f64>())
                .sum::<f64>()
        };
        let [a, b] = &self.axes;
        let ab = 0.5 * (quad(a, b) + quad(b, a));
        Some([[quad(a, a), ab], [ab, quad(b, b)]])
    }

    /// The axis titles: `PC1 (72.3% of variance)`, `PC2 (...)`.
    pub fn axis_titles(&self) -> [String; 2] {
        [0, 1].map(|i| {
            format!(
                "PC{} ({:.1}% of variance)",
                i + 1,
                100.0 * self.explained[i]
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use clusterlab_core::ndarray::Array2;

    use super::*;

    /// A deterministic stream in [-1, 1).
    fn noise(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    fn unit(v: &[f64]) -> Vec<f64> {
        let n = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        v.iter().map(|a| a / n).collect()
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Points spread widely along `u`, less along `w` (orthogonal to `u`), a little in every
    /// direction, around `center`.
    fn spread(n: usize, center: &[f64], u: &[f64], w: &[f64], seed: u64) -> Array2<f64> {
        let d = center.len();
        let mut s = seed;
        let mut x = Array2::zeros((n, d));
        for mut row in x.rows_mut() {
            let (a, b) = (10.0 * noise(&mut s), 3.0 * noise(&mut s));
            for j in 0..d {
                row[j] = center[j] + a * u[j] + b * w[j] + 0.05 * noise(&mut s);
            }
        }
        x
    }

    #[test]
    fn recovers_the_directions_of_largest_variance_in_order() {
        for (d, seed) in [(3, 1), (5, 2), (12, 3)] {
            let raw_u: Vec<f64> = (0..d).map(|j| 1.0 + j as f64).collect();
            let u = unit(&raw_u);
            // w: orthogonal to u, by one Gram-Schmidt step from a unit axis.
            let mut w = vec![0.0; d];
            w[0] = 1.0;
            let c = dot(&w, &u);
            let w = unit(&w.iter().zip(&u).map(|(a, b)| a - c * b).collect::<Vec<_>>());
            let center: Vec<f64> = (0..d).map(|j| 100.0 - j as f64).collect();
            let x = spread(2000, &center, &u, &w, seed);
            let p = Projection::principal(x.view()).unwrap();
            assert!((dot(&p.axes[0], &u).abs() - 1.0).abs() < 1e-3, "d = {d}");
            assert!((dot(&p.axes[1], &w).abs() - 1.0).abs() < 1e-3, "d = {d}");
            assert!(dot(&p.axes[0], &p.axes[1]).abs() < 1e-9);
            // Uniform on [-10, 10] and [-3, 3]: variances 100/3 and 3, nearly all there is.
            let ratio = p.explained[0] / p.explained[1];
            assert!((ratio - 100.0 / 9.0).abs() < 2.0, "{ratio}");
            assert!(p.explained[0] + p.explained[1] > 0.99);
            for (m, c) in p.mean.iter().zip(&center) {
                assert!((m - c).abs() < 0.5);
            }
        }
    }

    #[test]
    fn signs_are_fixed_by_the_largest_component() {
        // u's largest component is negative: the axis found must be -u, whatever the solver's
        // sign; the same data projected twice give the same axes.
        let u = unit(&[0.2, -1.0, 0.3, 0.1]);
        let w = unit(&[1.0, 0.2, 0.0, 0.0]);
        let w = unit(
            &w.iter()
                .zip(&u)
                .map(|(a, b)| a - dot(&w, &u) * b)
                .collect::<Vec<_>>(),
        );
        let x = spread(500, &[0.0; 4], &u, &w, 9);
        let p = Projection::principal(x.view()).unwrap();
        assert!(dot(&p.axes[0], &u) < -0.999);
        for axis in &p.axes {
            let lead = axis
                .iter()
                .copied()
                .fold(0.0_f64, |m, a| if a.abs() > m.abs() { a } else { m });
            assert!(lead > 0.0);
        }
        let negated = x.mapv(|v| -v);
        let q = Projection::principal(negated.view()).unwrap();
        assert_eq!(p.axes.len(), q.axes.len());
        for (a, b) in p.axes.iter().zip(&q.axes) {
            assert!((dot(a, b) - 1.0).abs() < 1e-9, "same axes, same signs");
        }
        assert_eq!(Projection::principal(x.view()), Some(p.clone()));
    }

    #[test]
    fn points_and_covariances_are_seen_in_the_plane() {
        // Every sign of (2, 1, 3): uncorrelated, variance 9 along x2, 4 along x0, 1 along x1.
        let x = Array2::from_shape_fn((8, 3), |(i, j)| {
            let sign = if (i >> j) & 1 == 0 { 1.0 } else { -1.0 };
            sign * [2.0, 1.0, 3.0][j]
        });
        let p = Projection::principal(x.view()).unwrap();
        let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
        assert!(close(&p.axes[0], &[0.0, 0.0, 1.0]), "{:?}", p.axes);
        assert!(close(&p.axes[1], &[1.0, 0.0, 0.0]), "{:?}", p.axes);
        assert!((p.explained[0] - 9.0 / 14.0).abs() < 1e-12);
        assert_eq!(
            p.axis_titles(),
            ["PC1 (64.3% of variance)", "PC2 (28.6% of variance)"]
        );
        let (u, v) = p.point(&[1.0, 5.0, 2.0]);
        assert!((u - 2.0).abs() < 1e-12 && (v - 1.0).abs() < 1e-12);
        let cov = vec![
            vec![4.0, 0.5, 1.0],
            vec![0.5, 1.0, 0.0],
            vec![1.0, 0.0, 9.0],
        ];
        let c = p.covariance(&cov).unwrap();
        let want = [[9.0, 1.0], [1.0, 4.0]];
        for (r, w) in c.iter().zip(&want) {
            assert!(close(r, w), "{c:?}");
        }
        assert_eq!(p.covariance(&cov[..2]), None);
    }

    #[test]
    fn constant_data_have_no_variance_to_share() {
        let x = Array2::from_elem((5, 3), 1.5);
        let p = Projection::principal(x.view()).unwrap();
        assert_eq!(p.explained, [0.0, 0.0]);
        assert_eq!(p.point(&[1.5, 1.5, 1.5]), (0.0, 0.0));
        assert!(Projection::principal(Array2::<f64>::zeros((0, 3)).view()).is_none());
    }
}
