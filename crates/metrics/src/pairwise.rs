//! The fused pairwise kernels for few features: distances, and their roots and sums (the
//! silhouette) or their extremes (Dunn's index), in one pass over registers, with no distance
//! tile in memory.
//!
//! The silhouette needs, for every sample, the sum of its distances to the members of each
//! cluster. When the distances are computed directly (few features, see
//! [`clusterlab_core::distance::prefer_gemm`]), [`distance_sums`] takes a few rows and a range
//! of columns and, for each pair, sums the squared differences feature by feature from 0 (the
//! plain order of a brute-force loop, so every distance has the bits of
//! `sum_f (x_if - x_jf)^2`), takes the square root, and adds it both to the row's sum and to the
//! column's. [`LANES`] columns are processed at once and [`ROWS`] rows share each load of them,
//! so the compiler keeps the `ROWS x LANES` distances in vector registers and takes their
//! square roots with vector instructions. The columns are read from a feature-major copy of
//! the samples ([`feature_major`]): one feature of [`LANES`] consecutive columns is one
//! contiguous load. [`extreme_sq_distance`] walks the pairs the same way for Dunn's index,
//! keeping the smallest or largest squared distance in each lane instead of sums.
//!
//! The square root is what bounds the kernel: it runs on the divider, whose throughput per
//! value is about the same at every vector width (about 1.1 ns a pair on the 2-core Xeon this
//! was measured on, where the tile-then-root kernel it replaces took about 3.5 ns). Everything
//! around it (the distance, the sums, the loads) fits in the divider's shadow. Approximations of
//! the root were tried and rejected: a bit-trick reciprocal square root with Newton steps, and
//! an `f32` root refined in `f64`, both give 1-ulp results but cost more than the hardware root.
//!
//! # Rounding
//!
//! The order of every sum depends on the shape of the call only: a row's sum goes lane by lane
//! (lane `l` holds columns `start + l`, `start + l + LANES`, ...), then the lanes are added in a
//! fixed tree; a column's sum adds the roots of the call's rows in row order, [`ROWS`] at a
//! time. The kernel is compiled for AVX2 through pulp's `vectorize` where the processor has it
//! ([`vectorized`]) and for the baseline instruction set elsewhere; since Rust never fuses a
//! multiply and an add and both use IEEE square roots, both give the same bits.

use std::ops::Range;

use ndarray::ArrayView2;

/// Columns processed at once by one row.
pub(crate) const LANES: usize = 8;

/// Rows that share each load of the columns.
pub(crate) const ROWS: usize = 2;

/// `x` feature by feature: feature `f` of row `j` at `f * n + j`.
pub(crate) fn feature_major(x: ArrayView2<'_, f64>) -> Vec<f64> {
    x.t().iter().copied().collect()
}

/// Adds, for every row `r` of `rows` (row-major, `d` values a row), the sum of its distances to
/// the columns `cols` of `xt` (feature-major, `n` columns, as [`feature_major`]) to
/// `row_sums[r * stride]`, and with `col_sums` the sum of each column's distances to the rows
/// to `col_sums[j - cols.start]`.
///
/// # Panics
///
/// If `d` is 0, a slice is shorter than the shapes say, or `cols` ends past `n`.
#[inline(always)]
pub(crate) fn distance_sums(
    rows: &[f64],
    d: usize,
    xt: &[f64],
    cols: Range<usize>,
    row_sums: &mut [f64],
    stride: usize,
    col_sums: Option<&mut [f64]>,
) {
    assert!(d > 0, "distance_sums needs at least one feature");
    let n = xt.len() / d;
    assert!(cols.end <= n, "columns out of range");
    let call = Call {
        rows,
        xt,
        n,
        cols,
        row_sums,
        stride,
        col_sums,
    };
    // A feature count known at compile time lets the feature loop unroll into straight
    // vector code; these are the counts clustering data usually has.
    match d {
        1 => call.run(Fixed::<1>),
        2 => call.run(Fixed::<2>),
        3 => call.run(Fixed::<3>),
        4 => call.run(Fixed::<4>),
        _ => call.run(Any(d)),
    }
}

/// A feature count, fixed at compile time or not.
trait Features: Copy {
    fn get(self) -> usize;
}

/// `D` features, known at compile time.
#[derive(Clone, Copy)]
struct Fixed<const D: usize>;

impl<const D: usize> Features for Fixed<D> {
    #[inline(always)]
    fn get(self) -> usize {
        D
    }
}

/// Any number of features.
#[derive(Clone, Copy)]
struct Any(usize);

impl Features for Any {
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
}

/// The arguments of one [`distance_sums`] call.
struct Call<'a> {
    rows: &'a [f64],
    xt: &'a [f64],
    n: usize,
    cols: Range<usize>,
    row_sums: &'a mut [f64],
    stride: usize,
    col_sums: Option<&'a mut [f64]>,
}

impl Call<'_> {
    #[inline(always)]
    fn run<F: Features>(mut self, dim: F) {
        let d = dim.get();
        let m = self.rows.len() / d;
        let mut i = 0;
        while i + ROWS <= m {
            let sums = self.group::<ROWS, F>(i, dim);
            for (r, s) in sums.into_iter().enumerate() {
                self.row_sums[(i + r) * self.stride] += s;
            }
            i += ROWS;
        }
        while i < m {
            let [s] = self.group::<1, F>(i, dim);
            self.row_sums[i * self.stride] += s;
            i += 1;
        }
    }

    /// The row sums of rows `i..i + R` against the columns, adding their column sums.
    #[inline(always)]
    fn group<const R: usize, F: Features>(&mut self, i: usize, dim: F) -> [f64; R] {
        let d = dim.get();
        let rows = &self.rows[i * d..(i + R) * d];
        let (start, end) = (self.cols.start, self.cols.end);
        let mut acc = [[0.0f64; LANES]; R];
        let mut j0 = start;
        while j0 + LANES <= end {
            let c = step::<R, F>(rows, dim, self.xt, self.n, j0, LANES, &mut acc);
            if let Some(cs) = self.col_sums.as_deref_mut() {
                let dst: &mut [f64; LANES] = (&mut cs[j0 - start..j0 - start + LANES])
                    .try_into()
                    .expect("a step is LANES columns");
                for l in 0..LANES {
                    dst[l] += c[l];
                }
            }
            j0 += LANES;
        }
        if j0 < end {
            let valid = end - j0;
            let c = step::<R, F>(rows, dim, self.xt, self.n, j0, valid, &mut acc);
            if let Some(cs) = self.col_sums.as_deref_mut() {
                for (t, v) in cs[j0 - start..].iter_mut().zip(c) {
                    *t += v;
                }
            }
        }
        acc.map(|a| lane_sum(&a))
    }
}

/// The squared distances of `R` rows to the `valid` columns from `j0` (at most [`LANES`]),
/// each summed feature by feature from 0. A short step repeats its first column in the lanes
/// past `valid`: finite values, and the distance of a real pair.
#[inline(always)]
fn sq_step<const R: usize, F: Features>(
    rows: &[f64],
    dim: F,
    xt: &[f64],
    n: usize,
    j0: usize,
    valid: usize,
) -> [[f64; LANES]; R] {
    let d = dim.get();
    let mut sq = [[0.0f64; LANES]; R];
    for f in 0..d {
        let src = &xt[f * n + j0..f * n + j0 + valid];
        let mut c = [src[0]; LANES];
        c[..valid].copy_from_slice(src);
        let v: [f64; R] = std::array::from_fn(|r| rows[r * d + f]);
        for r in 0..R {
            for l in 0..LANES {
                let t = v[r] - c[l];
                sq[r][l] += t * t;
            }
        }
    }
    sq
}

/// One step of [`distance_sums`]: the roots of [`sq_step`]'s distances added to the rows'
/// lanes `acc`; returns each column's sum over the rows (0 in the lanes past `valid`).
#[inline(always)]
fn step<const R: usize, F: Features>(
    rows: &[f64],
    dim: F,
    xt: &[f64],
    n: usize,
    j0: usize,
    valid: usize,
    acc: &mut [[f64; LANES]; R],
) -> [f64; LANES] {
    let sq = sq_step::<R, F>(rows, dim, xt, n, j0, valid);
    let mut col = [0.0f64; LANES];
    for r in 0..R {
        for l in 0..LANES {
            let s = if l < valid { sq[r][l].sqrt() } else { 0.0 };
            acc[r][l] += s;
            col[l] += s;
        }
    }
    col
}

/// The smallest squared distance between a row of `rows` (row-major, `d` values a row) and a
/// column `cols` of `xt` (feature-major, as [`feature_major`]), or with `FARTHEST` the
/// largest: Dunn's separation and diameter. Minimum and maximum are exact, so the value does
/// not depend on the order of the pairs.
///
/// # Panics
///
/// As [`distance_sums`].
#[inline(always)]
pub(crate) fn extreme_sq_distance<const FARTHEST: bool>(
    rows: &[f64],
    d: usize,
    xt: &[f64],
    cols: Range<usize>,
) -> f64 {
    assert!(d > 0, "extreme_sq_distance needs at least one feature");
    let n = xt.len() / d;
    assert!(cols.end <= n, "columns out of range");
    match d {
        1 => extreme::<FARTHEST, _>(rows, Fixed::<1>, xt, n, cols),
        2 => extreme::<FARTHEST, _>(rows, Fixed::<2>, xt, n, cols),
        3 => extreme::<FARTHEST, _>(rows, Fixed::<3>, xt, n, cols),
        4 => extreme::<FARTHEST, _>(rows, Fixed::<4>, xt, n, cols),
        _ => extreme::<FARTHEST, _>(rows, Any(d), xt, n, cols),
    }
}

/// [`extreme_sq_distance`] with the feature count as a [`Features`].
#[inline(always)]
fn extreme<const FARTHEST: bool, F: Features>(
    rows: &[f64],
    dim: F,
    xt: &[f64],
    n: usize,
    cols: Range<usize>,
) -> f64 {
    let d = dim.get();
    let m = rows.len() / d;
    // Plain comparisons, not f64::min and max (whose NaN rule costs the loop instructions):
    // no distance of finite, validated data is NaN.
    let pick = |a: f64, b: f64| if (b > a) == FARTHEST { b } else { a };
    let mut best = [if FARTHEST { 0.0 } else { f64::INFINITY }; LANES];
    let mut i = 0;
    while i < m {
        let two = i + ROWS <= m;
        let mut j0 = cols.start;
        while j0 < cols.end {
            let valid = LANES.min(cols.end - j0);
            if two {
                let sq = sq_step::<ROWS, F>(&rows[i * d..(i + ROWS) * d], dim, xt, n, j0, valid);
                for row in sq {
                    for l in 0..LANES {
                        best[l] = pick(best[l], row[l]);
                    }
                }
            } else {
                let [row] = sq_step::<1, F>(&rows[i * d..(i + 1) * d], dim, xt, n, j0, valid);
                for l in 0..LANES {
                    best[l] = pick(best[l], row[l]);
                }
            }
            j0 += LANES;
        }
        i += if two { ROWS } else { 1 };
    }
    best.into_iter()
        .fold(if FARTHEST { 0.0 } else { f64::INFINITY }, pick)
}

/// The lanes of a row's sum, added in a fixed tree.
#[inline(always)]
fn lane_sum(a: &[f64; LANES]) -> f64 {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// Runs `op` with AVX2 enabled for everything inlined into it where the processor has it
/// (pulp's `vectorize`), else as compiled. The arithmetic, and so every bit, is the same.
#[inline(always)]
pub(crate) fn vectorized<Op: pulp::WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return pulp::Simd::vectorize(simd, op);
    }
    op.with_simd(pulp::Scalar::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internal::tests::lcg_data;

    /// Row and column sums by a plain double loop.
    fn brute(
        x: ArrayView2<'_, f64>,
        rows: Range<usize>,
        cols: Range<usize>,
    ) -> (Vec<f64>, Vec<f64>) {
        let dist = |i: usize, j: usize| {
            x.row(i)
                .iter()
                .zip(x.row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt()
        };
        let r = rows
            .clone()
            .map(|i| cols.clone().map(|j| dist(i, j)).sum())
            .collect();
        let c = cols
            .map(|j| rows.clone().map(|i| dist(i, j)).sum())
            .collect();
        (r, c)
    }

    #[test]
    fn sums_match_a_double_loop_for_odd_shapes() {
        // Row counts that leave a lone row, column ranges that leave a short step, both
        // shorter than one step, and several feature counts.
        for d in [1usize, 2, 3, 7] {
            let x = lcg_data(61, d, d as u64);
            let xs = x.as_slice().unwrap();
            let xt = feature_major(x.view());
            for (rows, cols) in [
                (0..5, 5..61),
                (3..4, 0..3),
                (10..30, 30..38),
                (0..61, 0..61),
            ] {
                let mut rs = vec![0.0; rows.len() * 3];
                let mut cs = vec![0.0; cols.len()];
                distance_sums(
                    &xs[rows.start * d..rows.end * d],
                    d,
                    &xt,
                    cols.clone(),
                    &mut rs,
                    3,
                    Some(&mut cs),
                );
                let (wr, wc) = brute(x.view(), rows.clone(), cols.clone());
                for (g, w) in rs.iter().step_by(3).zip(&wr).chain(cs.iter().zip(&wc)) {
                    assert!((g - w).abs() <= 1e-13 * w.abs(), "d = {d}: {g} vs {w}");
                }
                // Only every third slot of the strided row sums is written.
                assert!(rs.iter().skip(1).step_by(3).all(|&v| v == 0.0));
            }
        }
    }

    #[test]
    fn extremes_match_a_double_loop() {
        for d in [1usize, 2, 5] {
            let x = lcg_data(45, d, 3 + d as u64);
            let xs = x.as_slice().unwrap();
            let xt = feature_major(x.view());
            for (rows, cols) in [
                (0..5, 5..45),
                (3..4, 0..3),
                (0..45, 0..45),
                (10..27, 30..39),
            ] {
                let sq: Vec<f64> = rows
                    .clone()
                    .flat_map(|i| {
                        let x = &x;
                        cols.clone().map(move |j| {
                            x.row(i)
                                .iter()
                                .zip(x.row(j))
                                .map(|(a, b)| (a - b) * (a - b))
                                .sum::<f64>()
                        })
                    })
                    .collect();
                let block = &xs[rows.start * d..rows.end * d];
                assert_eq!(
                    extreme_sq_distance::<false>(block, d, &xt, cols.clone()),
                    sq.iter().copied().fold(f64::INFINITY, f64::min),
                    "d = {d}"
                );
                assert_eq!(
                    extreme_sq_distance::<true>(block, d, &xt, cols.clone()),
                    sq.iter().copied().fold(0.0, f64::max),
                    "d = {d}"
                );
            }
        }
    }

    #[test]
    fn vectorized_and_baseline_code_give_the_same_bits() {
        struct Op<'a>(&'a [f64], &'a [f64]);
        impl pulp::WithSimd for Op<'_> {
            type Output = (Vec<f64>, Vec<f64>);
            #[inline(always)]
            fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
                let mut rs = vec![0.0; 37];
                let mut cs = vec![0.0; 101];
                distance_sums(self.0, 3, self.1, 0..101, &mut rs, 1, Some(&mut cs));
                (rs, cs)
            }
        }
        let x = lcg_data(101, 3, 9);
        let xs = x.as_slice().unwrap();
        let xt = feature_major(x.view());
        let fast = vectorized(Op(&xs[..37 * 3], &xt));
        let plain = pulp::WithSimd::with_simd(Op(&xs[..37 * 3], &xt), pulp::Scalar::new());
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&fast.0), bits(&plain.0));
        assert_eq!(bits(&fast.1), bits(&plain.1));
    }
}
