//! The fused nearest-center kernel: register tiles of samples x centers, with the argmin
//! taken in registers, so no score ever reaches memory.
//!
//! For the shapes where distances go through the matrix-product form (see
//! [`clusterlab_core::distance::prefer_gemm`]), a general matrix product spends much of a
//! K-means pass packing a chunk of samples and writing an `m x k` score matrix that the argmin
//! then reads back. Here the centers are packed once per iteration, in groups of up to [`G`]
//! centers laid out feature by feature (the order the tile reads them). A tile of [`R`] samples
//! is transposed into a small feature-major buffer, so that one vector holds one feature of
//! four samples; for each group the tile keeps `G x R` running scores in vector registers over
//! the features, each `bias_j + sum_f x_f (-2 c'_jf)` summed feature by feature with fused
//! multiply-adds. Since a vector holds four samples' scores for one center, the running
//! minimum and its center index are plain lane-wise compare-and-select, with no horizontal
//! reduction and no branch. The tile also computes `||x - m||^2` of its samples the same
//! lane-wise way and returns squared distances (`score + ||x - m||^2`, at least 0).
//!
//! Rounding depends on the shape only, never on the chunking or the thread count: a sample's
//! score and distance are computed by the same operations wherever its tile starts (a tile
//! short of [`R`] samples is padded with copies of its first row).
//!
//! The kernel is compiled for AVX2 + FMA through pulp's `Simd::vectorize` and used when the
//! processor has both. Elsewhere a portable version does the same arithmetic one sample at a
//! time with `f64::mul_add` (fused on every platform: in hardware where there is an
//! instruction, in software otherwise), so every processor gets the same bits; a test checks
//! the two bit for bit.

/// Lanes of an AVX2 vector of `f64`.
const L: usize = 4;

/// Samples per tile: two vectors.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const R: usize = 2 * L;

/// Most centers per group: `G x 2` accumulators, the tile's two vectors of one feature and
/// one broadcast center value fill 15 of the 16 AVX2 registers. Twelve independent
/// multiply-add chains also hide the instruction's latency, which eight did not.
const G: usize = 6;

/// Centers packed for [`Packed::nearest_into`].
#[derive(Debug)]
pub(crate) struct Packed {
    d: usize,
    k: usize,
    /// Groups of `G` centers in index order, the last one smaller when `G` does not divide
    /// `k`; group `g` of `s` centers starting at center `j0 = g G` holds `-2 c'_{j0 + l, f}`
    /// at `j0 d + f s + l`.
    coef: Vec<f64>,
    /// Each center's score constant.
    bias: Vec<f64>,
    /// Each center's index as an `f64` (the kernel keeps the running argmin in vectors).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    index: Vec<f64>,
    /// The shift `m` the centers were moved by (`c' = c - m`), one value per feature.
    shift: Vec<f64>,
}

impl Packed {
    /// Packs `k` centers shifted by `shift` (`shifted`, row-major `k x d`, holds `c - m`)
    /// with their score constants `bias`.
    ///
    /// Multiplying by -2 is exact, so the products the kernel sums are those of `-2 x.c'`.
    ///
    /// # Panics
    /// If `d == 0` or `shifted` does not hold `k x d` values.
    pub(crate) fn new(shifted: &[f64], bias: &[f64], shift: &[f64]) -> Self {
        let (k, d) = (bias.len(), shift.len());
        assert!(d > 0, "the tile kernel needs at least one feature");
        assert_eq!(shifted.len(), k * d, "shifted centers must be k x d");
        assert!(
            i32::try_from(k).is_ok(),
            "center indices must fit in 32 bits (the kernel converts them in vectors)"
        );
        let mut coef = vec![0.0; k * d];
        for (g, (cs, out)) in shifted
            .chunks(G * d)
            .zip(coef.chunks_mut(G * d))
            .enumerate()
        {
            let size = cs.len() / d;
            debug_assert!(g * G + size <= k);
            for (l, c) in cs.chunks_exact(d).enumerate() {
                for (f, &v) in c.iter().enumerate() {
                    out[f * size + l] = -2.0 * v;
                }
            }
        }
        Packed {
            d,
            k,
            coef,
            bias: bias.to_vec(),
            index: (0..k).map(|j| j as f64).collect(),
            shift: shift.to_vec(),
        }
    }

    /// Number of centers packed.
    pub(crate) fn k(&self) -> usize {
        self.k
    }

    /// For each of the first `m = best.len()` rows of `x` (row-major, `d` values a row), the
    /// index of the nearest center (ties to the lowest index) into `best` and the squared
    /// distance to it into `dist`. Rows of `x` after the first `m` are only prefetched: pass
    /// the rows the next call will read.
    ///
    /// # Panics
    /// If `dist` and `best` differ in length or `x` holds fewer than `m` rows.
    #[inline(always)]
    pub(crate) fn nearest_into(&self, x: &[f64], best: &mut [usize], dist: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            avx2::nearest(simd, self, x, best, dist);
            return;
        }
        portable_nearest(self, x, best, dist);
    }
}

/// [`Packed::nearest_into`] without vector instructions: the vectorized kernel's operations,
/// in its order, one sample at a time. Called once a chunk and kept out of line, so that it
/// does not weigh on the code it would be inlined into.
#[inline(never)]
fn portable_nearest(p: &Packed, x: &[f64], best: &mut [usize], dist: &mut [f64]) {
    let (d, k) = (p.d, p.k);
    let m = best.len();
    assert!(x.len() >= m * d, "x must hold at least m x d values");
    assert_eq!(dist.len(), m, "one distance per row");
    let (shift_quads, shift_rest) = p.shift.as_chunks::<L>();
    for ((row, b), s) in x.chunks_exact(d).zip(best.iter_mut()).zip(dist.iter_mut()) {
        let (mut low, mut arg) = (f64::INFINITY, 0);
        for j0 in (0..k).step_by(G) {
            let size = G.min(k - j0);
            let cg = &p.coef[j0 * d..(j0 + size) * d];
            for c in 0..size {
                let mut score = p.bias[j0 + c];
                for (f, &v) in row.iter().enumerate() {
                    score = v.mul_add(cg[f * size + c], score);
                }
                if score < low {
                    low = score;
                    arg = j0 + c;
                }
            }
        }
        // ||x - m||^2 in the vectorized kernel's two interleaved sums.
        let (quads, rest) = row.as_chunks::<L>();
        let mut acc = [0.0f64; 2];
        for (q, mq) in quads.iter().zip(shift_quads) {
            for l in 0..L {
                let t = q[l] - mq[l];
                acc[l % 2] = t.mul_add(t, acc[l % 2]);
            }
        }
        for (v, m) in rest.iter().zip(shift_rest) {
            let t = v - m;
            acc[0] = t.mul_add(t, acc[0]);
        }
        let sq = low + (acc[0] + acc[1]);
        // As the vector `max(sq, 0)`: 0 unless `sq` is above it.
        *s = if sq > 0.0 { sq } else { 0.0 };
        *b = arg;
    }
}

/// Runs `op` with AVX2 and FMA enabled for everything inlined into it (pulp's `vectorize`),
/// so a caller's loops around [`Packed::nearest_into`] are compiled for them too. Plain
/// multiply-adds are never fused by Rust, so this changes no result.
#[inline(always)]
pub(crate) fn vectorized<Op: pulp::WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return pulp::Simd::vectorize(simd, op);
    }
    op.with_simd(pulp::Scalar::new())
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::__m256d;

    use pulp::{Simd, WithSimd, cast, f64x4, x86::V3};

    use super::{G, L, Packed, R};

    /// `f64` values per 64-byte cache line.
    const CACHE_LINE_F64: usize = 8;

    // A tile of `R` rows of `d` values spans `d` cache lines: one to prefetch per feature.
    const _: () = assert!(R == CACHE_LINE_F64);

    /// `_MM_HINT_T1`: into the level-2 cache.
    const PREFETCH_T1: i32 = 2;

    /// How many tiles ahead the rows are prefetched.
    const PREFETCH_TILES: usize = 4;

    /// [`Packed::nearest_into`] with the features enabled.
    pub(super) fn nearest(simd: V3, p: &Packed, x: &[f64], best: &mut [usize], dist: &mut [f64]) {
        struct Op<'a> {
            simd: V3,
            p: &'a Packed,
            x: &'a [f64],
            best: &'a mut [usize],
            dist: &'a mut [f64],
        }
        impl WithSimd for Op<'_> {
            type Output = ();
            #[inline(always)]
            fn with_simd<S: Simd>(self, _: S) {
                nearest_impl(self.simd, self.p, self.x, self.best, self.dist);
            }
        }
        Simd::vectorize(
            simd,
            Op {
                simd,
                p,
                x,
                best,
                dist,
            },
        );
    }

    #[inline(always)]
    fn nearest_impl(simd: V3, p: &Packed, x: &[f64], best: &mut [usize], dist: &mut [f64]) {
        let d = p.d;
        let m = best.len();
        assert!(x.len() >= m * d, "x must hold at least m x d values");
        assert_eq!(dist.len(), m, "one distance per row");
        // The tile, feature-major: `xt[f R + r]` is feature `f` of the tile's row `r`.
        let mut xt = vec![0.0; d * R];
        let full = m / R * R;
        for (t, (xr, (b, s))) in x[..full * d]
            .chunks_exact(R * d)
            .zip(
                best[..full]
                    .chunks_exact_mut(R)
                    .zip(dist[..full].chunks_exact_mut(R)),
            )
            .enumerate()
        {
            // The rows a few tiles ahead, which this tile asks for (into the level-2 cache)
            // while it computes: each tile reads four rows at a time in short runs, which the
            // hardware prefetcher does not follow, and a tile's work covers the memory's
            // latency. The requests are spread over the multiply-add loop (one line per
            // feature), since a burst of them at the tile's start stalled it.
            let ahead = x
                .get((t + PREFETCH_TILES) * R * d..(t + PREFETCH_TILES + 1) * R * d)
                .unwrap_or(&[]);
            let xm = transpose_tile(simd, xr, &p.shift, &mut xt);
            let (b, s) = (
                b.try_into().expect("chunks of R"),
                s.try_into().expect("chunks of R"),
            );
            tile(simd, p, &xt, xm, ahead, b, s);
        }
        let rest = m - full;
        if rest > 0 {
            // Pad the last tile with copies of its first row: every lane stays finite and the
            // real rows are computed exactly as in a full tile.
            let first = &x[full * d..(full + 1) * d];
            let mut xr = Vec::with_capacity(R * d);
            xr.extend_from_slice(&x[full * d..]);
            for _ in rest..R {
                xr.extend_from_slice(first);
            }
            let xm = transpose_tile(simd, &xr, &p.shift, &mut xt);
            let (mut b, mut s) = ([0; R], [0.0; R]);
            tile(simd, p, &xt, xm, &[], &mut b, &mut s);
            best[full..].copy_from_slice(&b[..rest]);
            dist[full..].copy_from_slice(&s[..rest]);
        }
    }

    /// Four lanes from `s[..4]`.
    #[inline(always)]
    fn load4(s: &[f64]) -> f64x4 {
        cast(*s.first_chunk::<L>().expect("four values"))
    }

    #[inline(always)]
    fn store4(s: &mut [f64], v: f64x4) {
        *s.first_chunk_mut::<L>().expect("four values") = cast(v);
    }

    /// `x` (row-major `R x d`) into `xt` (`d x R`), through 4 x 4 transposes in registers,
    /// and `||x_r - m||^2` of each row on the way (lane `r` of vector `r / 4`).
    #[inline(always)]
    fn transpose_tile(simd: V3, x: &[f64], shift: &[f64], xt: &mut [f64]) -> [f64x4; 2] {
        let avx = simd.avx;
        let d = shift.len();
        let quads = d / L;
        let zero = simd.splat_f64s(0.0);
        // Two interleaved sums per block of four rows, so consecutive multiply-adds do not
        // wait on each other.
        let mut xm = [[zero; 2]; 2];
        let (xt_quads, xt_rest) = xt.split_at_mut(quads * L * R);
        let (xt_quads, _) = xt_quads.as_chunks_mut::<{ L * R }>();
        let (shift_quads, shift_rest) = shift.as_chunks::<L>();
        for (b, acc) in xm.iter_mut().enumerate() {
            let row = |r: usize| &x[(b * L + r) * d..][..d];
            let rows: [&[f64]; L] = [row(0), row(1), row(2), row(3)];
            let quad = |r: usize, q: usize| -> __m256d {
                cast(*rows[r][q * L..].first_chunk::<L>().expect("a quad"))
            };
            for (q, (out, m)) in xt_quads.iter_mut().zip(shift_quads).enumerate() {
                let t0 = avx._mm256_unpacklo_pd(quad(0, q), quad(1, q)); // a0 b0 a2 b2
                let t1 = avx._mm256_unpackhi_pd(quad(0, q), quad(1, q)); // a1 b1 a3 b3
                let t2 = avx._mm256_unpacklo_pd(quad(2, q), quad(3, q)); // c0 e0 c2 e2
                let t3 = avx._mm256_unpackhi_pd(quad(2, q), quad(3, q)); // c1 e1 c3 e3
                let cols: [__m256d; L] = [
                    avx._mm256_permute2f128_pd::<0x20>(t0, t2),
                    avx._mm256_permute2f128_pd::<0x20>(t1, t3),
                    avx._mm256_permute2f128_pd::<0x31>(t0, t2),
                    avx._mm256_permute2f128_pd::<0x31>(t1, t3),
                ];
                for (l, col) in cols.into_iter().enumerate() {
                    let col: f64x4 = cast(col);
                    let at = l * R + b * L;
                    *out[at..].first_chunk_mut::<L>().expect("a quad") = cast(col);
                    let t = simd.sub_f64s(col, simd.splat_f64s(m[l]));
                    acc[l % 2] = simd.mul_add_f64s(t, t, acc[l % 2]);
                }
            }
            for (f, &m) in shift_rest.iter().enumerate() {
                let g = quads * L + f;
                let col = f64x4(rows[0][g], rows[1][g], rows[2][g], rows[3][g]);
                *xt_rest[f * R + b * L..]
                    .first_chunk_mut::<L>()
                    .expect("a quad") = cast(col);
                let t = simd.sub_f64s(col, simd.splat_f64s(m));
                acc[0] = simd.mul_add_f64s(t, t, acc[0]);
            }
        }
        xm.map(|[a, b]| simd.add_f64s(a, b))
    }

    /// The tile's running minimum: lane `r` of vector `h` holds, for row `h L + r`, the lowest
    /// score so far and its center index (exact in an `f64`).
    struct Low {
        score: [f64x4; 2],
        arg: [f64x4; 2],
    }

    /// One tile of [`R`] samples (`xt`, feature-major `d x R`) against every center group.
    #[inline(always)]
    fn tile(
        simd: V3,
        p: &Packed,
        xt: &[f64],
        xm: [f64x4; 2],
        ahead: &[f64],
        best: &mut [usize; R],
        dist: &mut [f64; R],
    ) {
        let d = p.d;
        let inf = simd.splat_f64s(f64::INFINITY);
        let zero = simd.splat_f64s(0.0);
        let mut low = Low {
            score: [inf; 2],
            arg: [zero; 2],
        };
        let group_of = |g: usize, size: usize| {
            let j0 = g * G;
            (
                &p.coef[j0 * d..(j0 + size) * d],
                &p.bias[j0..j0 + size],
                &p.index[j0..j0 + size],
            )
        };
        // The first group prefetches the rows `ahead`, one line a feature (a tile of 8 rows
        // of `d` values has `d` lines).
        let full = p.k / G;
        for g in 0..full {
            let (cg, bias, index) = group_of(g, G);
            let ahead = if g == 0 { ahead } else { &[] };
            group::<G>(simd, xt, cg, bias, index, ahead, &mut low);
        }
        let rest = p.k % G;
        if rest > 0 {
            let (cg, bias, index) = group_of(full, rest);
            let ahead = if full == 0 { ahead } else { &[] };
            match rest {
                5 => group::<5>(simd, xt, cg, bias, index, ahead, &mut low),
                4 => group::<4>(simd, xt, cg, bias, index, ahead, &mut low),
                3 => group::<3>(simd, xt, cg, bias, index, ahead, &mut low),
                2 => group::<2>(simd, xt, cg, bias, index, ahead, &mut low),
                _ => group::<1>(simd, xt, cg, bias, index, ahead, &mut low),
            }
        }
        for h in 0..2 {
            let sq = simd.max_f64s(simd.add_f64s(low.score[h], xm[h]), zero);
            store4(&mut dist[h * L..], sq);
            // Indices are whole numbers below 2^31 (asserted when packing): truncation to
            // 32 bits is exact and one instruction.
            let idx: [i32; L] = cast(simd.avx._mm256_cvttpd_epi32(cast(low.arg[h])));
            for (b, i) in best[h * L..(h + 1) * L].iter_mut().zip(idx) {
                *b = i as usize;
            }
        }
    }

    /// The tile against one group of `S` centers (`cg`: `d x S`; `bias` and `index`: `S`).
    #[inline(always)]
    fn group<const S: usize>(
        simd: V3,
        xt: &[f64],
        cg: &[f64],
        bias: &[f64],
        index: &[f64],
        ahead: &[f64],
        low: &mut Low,
    ) {
        let zero = simd.splat_f64s(0.0);
        let mut acc = [[zero; 2]; S];
        for (a, &b) in acc.iter_mut().zip(bias) {
            *a = [simd.splat_f64s(b); 2];
        }
        // Array chunks: the lengths are known at compile time, so the loop has no division
        // and no bounds check.
        let (xt, _) = xt.as_chunks::<R>();
        let (cg, _) = cg.as_chunks::<S>();
        for (f, (xf, cf)) in xt.iter().zip(cg).enumerate() {
            if let Some(v) = ahead.get(f * CACHE_LINE_F64) {
                simd.sse
                    ._mm_prefetch::<PREFETCH_T1>(std::ptr::from_ref(v).cast());
            }
            let (x0, x1) = (load4(xf), load4(&xf[L..]));
            for c in 0..S {
                let cv = simd.splat_f64s(cf[c]);
                acc[c][0] = simd.mul_add_f64s(x0, cv, acc[c][0]);
                acc[c][1] = simd.mul_add_f64s(x1, cv, acc[c][1]);
            }
        }
        // Centers in increasing index order, and only a strictly lower score replaces the
        // running one: among equal scores the lowest index stays.
        for (a, &j) in acc.iter().zip(index) {
            let j = simd.splat_f64s(j);
            for (h, &score) in a.iter().enumerate() {
                let lower = simd.less_than_f64s(score, low.score[h]);
                low.score[h] = simd.select_f64s_m64s(lower, score, low.score[h]);
                low.arg[h] = simd.select_f64s_m64s(lower, j, low.arg[h]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Shifted and packed centers for `c` (row-major `k x d`), as `Prepared` builds them.
    fn pack(c: &[f64], k: usize, d: usize) -> Packed {
        let shift: Vec<f64> = (0..d)
            .map(|f| (0..k).map(|j| c[j * d + f]).sum::<f64>() / k as f64)
            .collect();
        let shifted: Vec<f64> = c
            .chunks_exact(d)
            .flat_map(|cj| cj.iter().zip(&shift).map(|(a, s)| a - s))
            .collect();
        let bias: Vec<f64> = shifted
            .chunks_exact(d)
            .map(|cj| {
                cj.iter().map(|v| v * v).sum::<f64>()
                    + 2.0 * cj.iter().zip(&shift).map(|(a, s)| a * s).sum::<f64>()
            })
            .collect();
        Packed::new(&shifted, &bias, &shift)
    }

    /// The kernel's label is the exact argmin of its scores (ties to the lowest index) and its
    /// distances are squared Euclidean distances, for group and tile remainders.
    #[test]
    fn matches_naive_distances_for_every_remainder() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for (m, k, d) in [
            (1, 1, 1),
            (5, 3, 2),
            (1, 1, 16),
            (7, 9, 16),
            (13, 16, 17),
            (9, 33, 20),
            (4, 64, 64),
            (6, 12, 18),
            (3, 5, 19),
            (17, 11, 24),
            (8, 2, 130),
        ] {
            let mut x: Vec<f64> = (0..m * d).map(|_| rng.random_range(-5.0..5.0)).collect();
            let mut c: Vec<f64> = (0..k * d).map(|_| rng.random_range(-5.0..5.0)).collect();
            if k > 2 {
                // An exact tie between two centers, nearest to the last row: the lower index
                // must win.
                let (a, b) = c.split_at_mut((k - 1) * d);
                b.copy_from_slice(&a[d..2 * d]);
                for (xv, cv) in x[(m - 1) * d..].iter_mut().zip(&c[d..2 * d]) {
                    *xv = cv + 1e-3;
                }
            }
            let p = pack(&c, k, d);
            let (mut best, mut dist) = (vec![0; m], vec![0.0; m]);
            p.nearest_into(&x, &mut best, &mut dist);
            for i in 0..m {
                let xi = &x[i * d..(i + 1) * d];
                let naive: Vec<f64> = (0..k)
                    .map(|j| {
                        xi.iter()
                            .zip(&c[j * d..])
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum()
                    })
                    .collect();
                let j = best[i];
                assert!((naive[j] - dist[i]).abs() < 1e-9, "m={m} k={k} d={d}");
                for (l, &v) in naive.iter().enumerate() {
                    assert!(v > dist[i] - 1e-9, "m={m} k={k} d={d}: {l} beats {j}");
                }
                assert!(k <= 2 || j != k - 1, "tie went to the higher index");
                if k > 2 && i == m - 1 {
                    assert_eq!(
                        j, 1,
                        "m={m} k={k} d={d}: the last row is nearest to center 1"
                    );
                }
            }
        }
    }

    /// The vectorized kernel and the portable one give the same bits, so a processor without
    /// AVX2 + FMA gets the same labels and distances.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vectorized_and_portable_kernels_agree_bit_for_bit() {
        let Some(simd) = pulp::x86::V3::try_new() else {
            return;
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for (m, k, d) in [
            (37, 7, 3),
            (64, 16, 16),
            (29, 64, 64),
            (11, 13, 9),
            (8, 1, 130),
        ] {
            // Spread data far from the origin, where rounding differences would show.
            let mut x: Vec<f64> = (0..m * d)
                .map(|_| 1e3 + rng.random_range(-50.0..50.0))
                .collect();
            let c: Vec<f64> = (0..k * d)
                .map(|_| 1e3 + rng.random_range(-50.0..50.0))
                .collect();
            // A sample on a center: its distance rounds to about zero, either sign before the
            // clamp.
            x[..d].copy_from_slice(&c[..d]);
            let p = pack(&c, k, d);
            let (mut b1, mut d1) = (vec![0; m], vec![0.0; m]);
            let (mut b2, mut d2) = (vec![0; m], vec![0.0; m]);
            avx2::nearest(simd, &p, &x, &mut b1, &mut d1);
            portable_nearest(&p, &x, &mut b2, &mut d2);
            assert_eq!(b1, b2, "m={m} k={k} d={d}");
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&d1), bits(&d2), "m={m} k={k} d={d}");
        }
    }
}
