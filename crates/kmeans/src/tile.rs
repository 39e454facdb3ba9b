//! The fused nearest-center kernel: register tiles of samples x centers, with the argmin
//! taken in registers, so no score ever reaches memory.
//!
//! For the shapes where distances go through the matrix-product form (see
//! [`clusterlab_core::distance::prefer_gemm`]), a general matrix product spends much of a
//! K-means pass packing a chunk of samples and writing an `m x k` score matrix that the argmin
//! then reads back. Here the centers are packed once per iteration, in groups of [`W`] centers
//! laid out feature by feature (the order the tile reads them), and each tile of `R` samples
//! keeps `R x W` running scores in vector registers over the features, then folds them into a
//! per-lane running minimum. Each score is `bias_j + sum_f x_f (-2 c'_jf)`, summed feature by
//! feature with fused multiply-adds: its rounding depends on the shape only, never on the
//! chunking or the thread count (a sample's score is computed by the same operations wherever
//! its tile starts).
//!
//! The kernel is compiled for AVX2 + FMA through pulp's `Arch::dispatch` and used only when the
//! processor has both (checked each time the centers are packed, see [`Packed::available`]); without them the
//! caller keeps the matrix-product form.

use faer::traits::pulp::{Simd, WithSimd, f64x4, x86::V3};

/// Centers per group: two AVX2 vectors of four lanes.
const W: usize = 8;

/// Samples per tile: `R x W` accumulators fill 8 of the 16 AVX2 registers, leaving room for
/// the centers' vectors and the broadcast sample values.
const R: usize = 4;

/// Centers packed for [`Packed::nearest_into`].
#[derive(Debug)]
pub(crate) struct Packed {
    d: usize,
    /// `groups x d x W`: `-2 c'_{g W + l, f}` at `(g d + f) W + l`; padding centers are zero.
    coef: Vec<f64>,
    /// `groups x W`: each center's score constant; padding centers get `+inf`, so they never
    /// win a strict comparison.
    bias: Vec<f64>,
}

impl Packed {
    /// Whether this processor runs the kernel (AVX2 and FMA).
    pub(crate) fn available() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            V3::try_new().is_some()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Packs `k` centers (`shifted`, row-major `k x d`) with their score constants `bias`.
    ///
    /// Multiplying by -2 is exact, so the products the kernel sums are those of `-2 x.c'`.
    ///
    /// # Panics
    /// If `d == 0` (the matrix-product form, and so this kernel, needs `d >= 16`).
    pub(crate) fn new(shifted: &[f64], bias: &[f64], d: usize) -> Self {
        assert!(d > 0, "the tile kernel needs at least one feature");
        let k = bias.len();
        let groups = k.div_ceil(W);
        let mut coef = vec![0.0; groups * d * W];
        let mut pb = vec![f64::INFINITY; groups * W];
        for (j, (c, &b)) in shifted.chunks_exact(d).zip(bias).enumerate() {
            let (g, l) = (j / W, j % W);
            for (f, &v) in c.iter().enumerate() {
                coef[(g * d + f) * W + l] = -2.0 * v;
            }
            pb[j] = b;
        }
        Packed { d, coef, bias: pb }
    }

    /// For every row of `x` (row-major, `m x d`), the index of the lowest score (ties to the
    /// lowest index) into `best` and that score into `score`.
    #[inline(always)]
    pub(crate) fn nearest_into(&self, x: &[f64], best: &mut [usize], score: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = V3::try_new() {
            struct Op<'a> {
                simd: V3,
                p: &'a Packed,
                x: &'a [f64],
                best: &'a mut [usize],
                score: &'a mut [f64],
            }
            impl WithSimd for Op<'_> {
                type Output = ();
                #[inline(always)]
                fn with_simd<S: Simd>(self, _: S) {
                    nearest_impl(self.simd, self.p, self.x, self.best, self.score);
                }
            }
            Simd::vectorize(
                simd,
                Op {
                    simd,
                    p: self,
                    x,
                    best,
                    score,
                },
            );
            return;
        }
        unreachable!("Packed is only built where the kernel runs (Packed::available)");
    }
}

#[inline(always)]
fn nearest_impl(simd: V3, p: &Packed, x: &[f64], best: &mut [usize], score: &mut [f64]) {
    let d = p.d;
    let m = best.len();
    assert_eq!(x.len(), m * d, "x must be m x d");
    assert_eq!(score.len(), m, "one score per row");
    let full = m / R * R;
    for (xr, (b, s)) in x[..full * d].chunks_exact(R * d).zip(
        best[..full]
            .chunks_exact_mut(R)
            .zip(score[..full].chunks_exact_mut(R)),
    ) {
        tile::<R>(simd, p, xr, b, s);
    }
    for i in full..m {
        tile::<1>(
            simd,
            p,
            &x[i * d..(i + 1) * d],
            &mut best[i..=i],
            &mut score[i..=i],
        );
    }
}

/// Runs `op` with AVX2 and FMA enabled for everything inlined into it (pulp's `vectorize`),
/// so a caller's loops around [`Packed::nearest_into`] are compiled for them too. Plain
/// multiply-adds are never fused by Rust, so this changes no result.
#[inline(always)]
pub(crate) fn vectorized<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = V3::try_new() {
        return Simd::vectorize(simd, op);
    }
    op.with_simd(faer::traits::pulp::Scalar::new())
}

/// One tile of `Q` samples (`x`, row-major `Q x d`) against every center group.
#[inline(always)]
fn tile<const Q: usize>(simd: V3, p: &Packed, x: &[f64], best: &mut [usize], score: &mut [f64]) {
    let d = p.d;
    let rows: [&[f64]; Q] = std::array::from_fn(|r| &x[r * d..(r + 1) * d]);
    let load = |c: &[f64; W], h: usize| f64x4(c[4 * h], c[4 * h + 1], c[4 * h + 2], c[4 * h + 3]);
    let inf = simd.splat_f64s(f64::INFINITY);
    let mut bv = [[inf; 2]; Q];
    let mut bg = [[simd.splat_f64s(0.0); 2]; Q];
    let (coefs, _) = p.coef.as_chunks::<W>();
    let (biases, _) = p.bias.as_chunks::<W>();
    for (g, (cg, bias)) in coefs.chunks_exact(d).zip(biases).enumerate() {
        let mut acc = [[load(bias, 0), load(bias, 1)]; Q];
        for (f, c) in cg.iter().enumerate() {
            let (c0, c1) = (load(c, 0), load(c, 1));
            for r in 0..Q {
                let xv = simd.splat_f64s(rows[r][f]);
                acc[r][0] = simd.mul_add_f64s(xv, c0, acc[r][0]);
                acc[r][1] = simd.mul_add_f64s(xv, c1, acc[r][1]);
            }
        }
        // Groups come in increasing index order and only a strictly lower score replaces the
        // running one, so each lane keeps its lowest index among equal scores.
        // The running minimum keeps each lane's center index (exact in an f64).
        let base = (g * W) as f64;
        let gv = [
            f64x4(base, base + 1.0, base + 2.0, base + 3.0),
            f64x4(base + 4.0, base + 5.0, base + 6.0, base + 7.0),
        ];
        for r in 0..Q {
            for h in 0..2 {
                let better = simd.less_than_f64s(acc[r][h], bv[r][h]);
                bv[r][h] = simd.select_f64s_m64s(better, acc[r][h], bv[r][h]);
                bg[r][h] = simd.select_f64s_m64s(better, gv[h], bg[r][h]);
            }
        }
    }
    for r in 0..Q {
        // Halves first, in vectors: lane `l` of the upper half wins over lane `l` of the lower
        // one when its score is lower, or equal with a lower index.
        let [v0, v1] = bv[r];
        let [i0, i1] = bg[r];
        let upper = simd.or_m64s(
            simd.less_than_f64s(v1, v0),
            simd.and_m64s(simd.equal_f64s(v1, v0), simd.less_than_f64s(i1, i0)),
        );
        let v = simd.select_f64s_m64s(upper, v1, v0);
        let i = simd.select_f64s_m64s(upper, i1, i0);
        let (vals, idx) = ([v.0, v.1, v.2, v.3], [i.0, i.1, i.2, i.3]);
        let (mut v, mut j) = (vals[0], idx[0]);
        for l in 1..4 {
            if vals[l] < v || (vals[l] == v && idx[l] < j) {
                v = vals[l];
                j = idx[l];
            }
        }
        let j = j as usize;
        best[r] = j;
        score[r] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The kernel's label is the exact argmin of its scores (ties to the lowest index) and its
    /// scores are `bias - 2 x.c'`, for group and tile remainders.
    #[test]
    fn matches_naive_scores_for_every_remainder() {
        if !Packed::available() {
            return;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for (m, k, d) in [
            (1, 1, 16),
            (7, 9, 16),
            (13, 16, 17),
            (9, 33, 20),
            (4, 64, 64),
        ] {
            let x: Vec<f64> = (0..m * d).map(|_| rng.random_range(-5.0..5.0)).collect();
            let mut c: Vec<f64> = (0..k * d).map(|_| rng.random_range(-5.0..5.0)).collect();
            let mut bias: Vec<f64> = (0..k).map(|_| rng.random_range(0.0..50.0)).collect();
            if k > 2 {
                // An exact tie between two centers: the lower index must win.
                bias[k - 1] = bias[1];
                let (a, b) = c.split_at_mut((k - 1) * d);
                b.copy_from_slice(&a[d..2 * d]);
            }
            let p = Packed::new(&c, &bias, d);
            let (mut best, mut score) = (vec![0; m], vec![0.0; m]);
            p.nearest_into(&x, &mut best, &mut score);
            for i in 0..m {
                let xi = &x[i * d..(i + 1) * d];
                let naive: Vec<f64> = (0..k)
                    .map(|j| {
                        bias[j] - 2.0 * xi.iter().zip(&c[j * d..]).map(|(a, b)| a * b).sum::<f64>()
                    })
                    .collect();
                let j = best[i];
                assert!((naive[j] - score[i]).abs() < 1e-9, "m={m} k={k} d={d}");
                for (l, &v) in naive.iter().enumerate() {
                    assert!(v > score[i] - 1e-9, "m={m} k={k} d={d}: {l} beats {j}");
                }
                assert!(k <= 2 || j != k - 1, "tie went to the higher index");
            }
        }
    }
}
