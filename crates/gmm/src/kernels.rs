//! The hot kernels of EM, over one chunk of samples at a time.
//!
//! # Conventions
//!
//! - Every matrix is a row-major slice: samples `x` are `m x d`, the per-sample, per-component
//!   outputs `m x k`. A chunk is a contiguous block of rows of the training data.
//! - Kernels never allocate: they write into buffers the caller made once per chunk
//!   ([`Scratch`]) or accumulate into a [`Stats`] the caller owns. The caller (the EM loop)
//!   splits the data into [`clusterlab_core::par::chunk_rows`] chunks, runs the chunks in
//!   parallel, and adds the per-chunk [`Stats`] first to last, so the result has the same bits
//!   on any number of threads.
//! - Log-densities go through the precision's Cholesky factor as in scikit-learn
//!   (`y = x U - mu U`, then `|y|^2`), never through an inverse or a determinant.
//! - Products run through faer's matrix multiplication, sequentially within a chunk
//!   (the parallelism is over chunks).
//! - The element-wise loops are compiled a second time for AVX2 + FMA and picked at run time
//!   (pulp's `Arch::dispatch`). Rust never fuses a multiply and an add by
//!   itself and never reorders a floating-point sum, so both versions give the same bits.

use clusterlab_core::{distance::sq_euclidean, layout::contiguous};
use faer::{Accum, MatMut, MatRef, Par, linalg::matmul::matmul};
use ndarray::{Array1, Array2};
use pulp::{Arch, Simd, WithSimd};

use crate::arrays::{CovarianceArray, CovarianceType};

fn mat(s: &[f64], rows: usize, cols: usize) -> MatRef<'_, f64> {
    MatRef::from_row_major_slice(s, rows, cols)
}

fn mat_mut(s: &mut [f64], rows: usize, cols: usize) -> MatMut<'_, f64> {
    MatMut::from_row_major_slice_mut(s, rows, cols)
}

/// `ln(2 pi)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Everything the E-step needs from the current parameters, precomputed once per iteration.
#[derive(Debug, Clone)]
pub struct Estimator {
    k: usize,
    d: usize,
    log_weights: Vec<f64>,
    log_det: Vec<f64>,
    form: Form,
}

#[derive(Debug, Clone)]
enum Form {
    /// `ucat`: the components' precision factors side by side (`d x k d`), so that one
    /// product gives every component's `x U_k`; `b`: `mu_k U_k`, one row per component.
    Full { ucat: Vec<f64>, b: Array2<f64> },
    /// `u`: the shared factor; `b`: `mu_k U`.
    Tied { u: Array2<f64>, b: Array2<f64> },
    /// `p`: precisions (squared factors), `mp`: `mu * p`, `c`: `sum(mu^2 p)` per component.
    Diag {
        p: Array2<f64>,
        mp: Array2<f64>,
        c: Vec<f64>,
    },
    /// `p`: precisions, `mp`: `mu * p`, `c`: `|mu|^2 p` per component.
    Spherical {
        p: Vec<f64>,
        mp: Array2<f64>,
        c: Vec<f64>,
    },
}

impl Estimator {
    /// Precomputes from mixture weights, means (`k x d`) and precision Cholesky factors.
    pub fn new(
        weights: &Array1<f64>,
        means: &Array2<f64>,
        precisions_cholesky: &CovarianceArray,
    ) -> Self {
        Self::from_log_weights(
            weights.iter().map(|w| w.ln()).collect(),
            means,
            precisions_cholesky,
        )
    }

    /// As [`Estimator::new`] from the logarithms of the weights, or any per-component term
    /// added to every sample's log-density (the variational mixture's expectations).
    pub(crate) fn from_log_weights(
        log_weights: Vec<f64>,
        means: &Array2<f64>,
        precisions_cholesky: &CovarianceArray,
    ) -> Self {
        let (k, d) = means.dim();
        let (log_det, form) = match precisions_cholesky {
            CovarianceArray::Full(u) => {
                let log_det = u
                    .outer_iter()
                    .map(|m| (0..d).map(|i| m[[i, i]].ln()).sum())
                    .collect();
                let mut b = Array2::zeros((k, d));
                for (c, mut row) in b.outer_iter_mut().enumerate() {
                    row.assign(&means.row(c).dot(&u.index_axis(ndarray::Axis(0), c)));
                }
                let mut ucat = vec![0.0; d * k * d];
                for ((j, a, c), v) in u.indexed_iter() {
                    ucat[a * k * d + j * d + c] = *v;
                }
                (log_det, Form::Full { ucat, b })
            }
            CovarianceArray::Tied(u) => {
                let ld: f64 = (0..d).map(|i| u[[i, i]].ln()).sum();
                let b = means.dot(u);
                (vec![ld; k], Form::Tied { u: u.clone(), b })
            }
            CovarianceArray::Diag(f) => {
                let log_det = f
                    .outer_iter()
                    .map(|r| r.iter().map(|v| v.ln()).sum())
                    .collect();
                let p = f.mapv(|v| v * v);
                let c = (means * means * &p).sum_axis(ndarray::Axis(1)).to_vec();
                let mp = means * &p;
                (log_det, Form::Diag { p, mp, c })
            }
            CovarianceArray::Spherical(f) => {
                let log_det = f.iter().map(|v| d as f64 * v.ln()).collect();
                let p: Vec<f64> = f.iter().map(|v| v * v).collect();
                let mut mp = means.clone();
                let mut c = vec![0.0; k];
                for (j, mut row) in mp.outer_iter_mut().enumerate() {
                    c[j] = row.iter().map(|v| v * v).sum::<f64>() * p[j];
                    row.mapv_inplace(|v| v * p[j]);
                }
                (log_det, Form::Spherical { p, mp, c })
            }
        };
        Estimator {
            k,
            d,
            log_weights,
            log_det,
            form,
        }
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.k
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.d
    }
}

/// Per-chunk working memory, allocated once per chunk (or per thread) and reused.
#[derive(Debug, Clone)]
pub struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
    /// `full` E-step: `x U_k` for every component, for a block of `block` rows.
    y: Vec<f64>,
    block: usize,
}

/// Bytes of the `full` E-step's `block x k d` product: small enough to stay in L1/L2.
const Y_BYTES: usize = 64 * 1024;

impl Scratch {
    /// Buffers for chunks of up to `rows` samples of `d` features and `k` components.
    pub fn new(rows: usize, d: usize, k: usize) -> Self {
        let block = (Y_BYTES / (8 * d * k).max(1)).clamp(4, rows.max(4));
        Scratch {
            a: vec![0.0; rows * d],
            b: vec![0.0; rows * d],
            y: vec![0.0; block * k * d],
            block,
        }
    }
}

/// Writes the weighted log-probabilities `log N(x_i | mu_j, Sigma_j) + log w_j` of every sample
/// of `x` (`m x d`) under every component into `out` (`m x k`), as scikit-learn's
/// `_estimate_weighted_log_prob`.
///
/// # Panics
/// If the buffers do not match the shapes (a programming error, not a user error).
pub fn weighted_log_prob_into(est: &Estimator, x: &[f64], scratch: &mut Scratch, out: &mut [f64]) {
    struct Op<'a>(&'a Estimator, &'a [f64], &'a mut Scratch, &'a mut [f64]);
    impl WithSimd for Op<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            weighted_log_prob_impl(self.0, self.1, self.2, self.3)
        }
    }
    Arch::new().dispatch(Op(est, x, scratch, out))
}

#[inline(always)]
fn weighted_log_prob_impl(est: &Estimator, x: &[f64], scratch: &mut Scratch, out: &mut [f64]) {
    let (k, d) = (est.k, est.d);
    let m = x.len() / d;
    assert_eq!(out.len(), m * k, "out must be m x k");
    assert!(scratch.a.len() >= m * d, "scratch too small");
    let cst = d as f64 * LN_2PI;
    let offset = |q: f64, j: usize| -0.5 * (cst + q) + est.log_det[j] + est.log_weights[j];
    match &est.form {
        Form::Full { ucat, b } => {
            let kd = k * d;
            let ucat = mat(ucat, d, kd);
            let block = scratch.block;
            for (xb, ob) in x.chunks(block * d).zip(out.chunks_mut(block * k)) {
                let mb = xb.len() / d;
                let y = &mut scratch.y[..mb * kd];
                matmul(
                    mat_mut(y, mb, kd),
                    Accum::Replace,
                    mat(xb, mb, d),
                    ucat,
                    1.0,
                    Par::Seq,
                );
                for (yi, oi) in y.chunks_exact(kd).zip(ob.chunks_exact_mut(k)) {
                    for (j, (o, (yij, bj))) in oi
                        .iter_mut()
                        .zip(yi.chunks_exact(d).zip(b.rows()))
                        .enumerate()
                    {
                        *o = offset(sq_euclidean(yij, contiguous(&bj)), j);
                    }
                }
            }
        }
        Form::Tied { u, b } => {
            let y = &mut scratch.a[..m * d];
            matmul(
                mat_mut(y, m, d),
                Accum::Replace,
                mat(x, m, d),
                mat(contiguous(u), d, d),
                1.0,
                Par::Seq,
            );
            for (yi, oi) in y.chunks_exact(d).zip(out.chunks_exact_mut(k)) {
                for (j, (o, bj)) in oi.iter_mut().zip(b.rows()).enumerate() {
                    *o = offset(sq_euclidean(yi, contiguous(&bj)), j);
                }
            }
        }
        Form::Diag { p, mp, c } => {
            let sq = &mut scratch.a[..m * d];
            for (s, v) in sq.iter_mut().zip(x) {
                *s = v * v;
            }
            let p = mat(contiguous(p), k, d);
            let mp = mat(contiguous(mp), k, d);
            matmul(
                mat_mut(out, m, k),
                Accum::Replace,
                mat(sq, m, d),
                p.transpose(),
                1.0,
                Par::Seq,
            );
            matmul(
                mat_mut(out, m, k),
                Accum::Add,
                mat(x, m, d),
                mp.transpose(),
                -2.0,
                Par::Seq,
            );
            for oi in out.chunks_exact_mut(k) {
                for (j, o) in oi.iter_mut().enumerate() {
                    *o = offset(c[j] + *o, j);
                }
            }
        }
        Form::Spherical { p, mp, c } => {
            let mp = mat(contiguous(mp), k, d);
            matmul(
                mat_mut(out, m, k),
                Accum::Replace,
                mat(x, m, d),
                mp.transpose(),
                1.0,
                Par::Seq,
            );
            for (xi, oi) in x.chunks_exact(d).zip(out.chunks_exact_mut(k)) {
                let xn = clusterlab_core::distance::dot(xi, xi);
                for (j, o) in oi.iter_mut().enumerate() {
                    *o = offset(c[j] - 2.0 * *o + xn * p[j], j);
                }
            }
        }
    }
}

/// Turns weighted log-probabilities (`m x k`, from [`weighted_log_prob_into`]) into
/// responsibilities in place, through a log-sum-exp per row, and writes each row's
/// log-sum-exp (`log p(x_i)`) into `log_prob_norm`.
///
/// Each row is shifted by its maximum (as SciPy's `logsumexp`), exponentiated once, and
/// normalised by its sum, so a row costs `k` exponentials.
pub fn responsibilities_in_place(wlp: &mut [f64], k: usize, log_prob_norm: &mut [f64]) {
    struct Op<'a>(&'a mut [f64], usize, &'a mut [f64]);
    impl WithSimd for Op<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            responsibilities_impl(self.0, self.1, self.2)
        }
    }
    Arch::new().dispatch(Op(wlp, k, log_prob_norm))
}

#[inline(always)]
fn responsibilities_impl(wlp: &mut [f64], k: usize, log_prob_norm: &mut [f64]) {
    for (row, lpn) in wlp.chunks_exact_mut(k).zip(log_prob_norm.iter_mut()) {
        let shift = row_shift(row);
        // Separate loops: the exponentials are independent and vectorise, the sum is ordered.
        for v in row.iter_mut() {
            *v = exp_fast(*v - shift);
        }
        let s: f64 = row.iter().sum();
        let inv = 1.0 / s;
        for v in row.iter_mut() {
            *v *= inv;
        }
        *lpn = s.ln() + shift;
    }
}

fn row_shift(row: &[f64]) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_finite() { max } else { 0.0 }
}

/// `log(sum(exp(row)))`, shifted by the maximum as in SciPy.
pub fn log_sum_exp(row: &[f64]) -> f64 {
    let shift = row_shift(row);
    let s: f64 = row.iter().map(|v| exp_fast(v - shift)).sum();
    s.ln() + shift
}

/// `exp(x)` to within 2 ulp, without a library call, so that loops over it vectorise; below
/// `-700` it returns 0 (`exp(-700) < 1e-304` only ever meets a sum that is at least 1 here).
/// The cut stays clear of the subnormal range on purpose: subnormal intermediates cost a
/// hundred cycles each, and most responsibilities of a well-separated mixture underflow.
///
/// Cody-Waite reduction `x = n ln 2 + r`, `|r| <= ln 2 / 2`, a degree-13 Taylor polynomial
/// (truncation error below `1e-17`), and `2^n` built from its exponent bits.
#[inline]
pub fn exp_fast(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Adding 1.5 * 2^52 rounds to an integer in the low mantissa bits.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let xc = x.clamp(-700.0, 709.0);
    let t = xc * LOG2E + ROUND;
    let nf = t - ROUND;
    let n = t.to_bits().wrapping_sub(ROUND.to_bits()) as i64;
    let r = (xc - nf * LN2_HI) - nf * LN2_LO;
    // Estrin's scheme: the same polynomial as Horner's, with a dependency chain of depth 5
    // instead of 13, so that independent exponentials overlap in the pipeline.
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = (C[0] + C[1] * r) + (C[2] + C[3] * r) * r2;
    let q1 = (C[4] + C[5] * r) + (C[6] + C[7] * r) * r2;
    let q2 = (C[8] + C[9] * r) + (C[10] + C[11] * r) * r2;
    let q3 = C[12] + C[13] * r;
    let p = (q0 + q1 * r4) + (q2 + q3 * r4) * r8;
    let scale = f64::from_bits(((n + 1023) as u64) << 52);
    if x < -700.0 { 0.0 } else { p * scale }
}

/// Sufficient statistics of one chunk for the M-step. Adding two chunks' statistics
/// ([`Stats::add`]) gives the statistics of both.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Sum of responsibilities per component (`k`).
    pub nk: Vec<f64>,
    /// `resp^T x` (`k x d`).
    pub sx: Vec<f64>,
    /// `full` only: `sum_i r_ij (x_i - shift_j)` (`k x d`).
    pub s: Vec<f64>,
    /// `full`: `sum_i r_ij (x_i - shift_j)(x_i - shift_j)^T` (`k x d x d`); `diag` and
    /// `spherical`: `resp^T (x * x)` (`k x d`); `tied`: empty (its second moment, `x^T x`, does
    /// not depend on the responsibilities and is computed once per fit).
    pub second: Vec<f64>,
    /// Sum of `log p(x_i)` over the chunk (the E-step's contribution to the lower bound).
    pub log_prob_norm: f64,
}

impl Stats {
    /// Zero statistics for `k` components in `d` dimensions.
    pub fn zeros(covariance_type: CovarianceType, k: usize, d: usize) -> Self {
        let (s, second) = match covariance_type {
            CovarianceType::Full => (k * d, k * d * d),
            CovarianceType::Tied => (0, 0),
            CovarianceType::Diag | CovarianceType::Spherical => (0, k * d),
        };
        Stats {
            nk: vec![0.0; k],
            sx: vec![0.0; k * d],
            s: vec![0.0; s],
            second: vec![0.0; second],
            log_prob_norm: 0.0,
        }
    }

    /// Adds `other` element-wise.
    pub fn add(&mut self, other: &Stats) {
        for (a, b) in [
            (&mut self.nk, &other.nk),
            (&mut self.sx, &other.sx),
            (&mut self.s, &other.s),
            (&mut self.second, &other.second),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.log_prob_norm += other.log_prob_norm;
    }
}

/// Accumulates the M-step statistics of `x` (`m x d`) with responsibilities `resp` (`m x k`)
/// into `stats`. For `full`, second moments are taken about `shift` (`k x d`, the means the
/// E-step used), which keeps them free of cancellation.
pub fn accumulate_stats(
    covariance_type: CovarianceType,
    x: &[f64],
    resp: &[f64],
    shift: &[f64],
    scratch: &mut Scratch,
    stats: &mut Stats,
) {
    struct Op<'a> {
        ct: CovarianceType,
        x: &'a [f64],
        resp: &'a [f64],
        shift: &'a [f64],
        scratch: &'a mut Scratch,
        stats: &'a mut Stats,
    }
    impl WithSimd for Op<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            accumulate_stats_impl(
                self.ct,
                self.x,
                self.resp,
                self.shift,
                self.scratch,
                self.stats,
            )
        }
    }
    Arch::new().dispatch(Op {
        ct: covariance_type,
        x,
        resp,
        shift,
        scratch,
        stats,
    })
}

#[inline(always)]
fn accumulate_stats_impl(
    covariance_type: CovarianceType,
    x: &[f64],
    resp: &[f64],
    shift: &[f64],
    scratch: &mut Scratch,
    stats: &mut Stats,
) {
    let k = stats.nk.len();
    let d = stats.sx.len() / k.max(1);
    let m = x.len() / d.max(1);
    assert_eq!(resp.len(), m * k, "resp must be m x k");
    for row in resp.chunks_exact(k) {
        for (n, r) in stats.nk.iter_mut().zip(row) {
            *n += r;
        }
    }
    let r = mat(resp, m, k);
    matmul(
        mat_mut(&mut stats.sx, k, d),
        Accum::Add,
        r.transpose(),
        mat(x, m, d),
        1.0,
        Par::Seq,
    );
    match covariance_type {
        CovarianceType::Full => {
            assert_eq!(shift.len(), k * d, "shift must be k x d");
            let (diff, weighted) = (&mut scratch.a[..m * d], &mut scratch.b[..m * d]);
            for j in 0..k {
                let c = &shift[j * d..(j + 1) * d];
                let sj = &mut stats.s[j * d..(j + 1) * d];
                for (i, ((di, wi), xi)) in diff
                    .chunks_exact_mut(d)
                    .zip(weighted.chunks_exact_mut(d))
                    .zip(x.chunks_exact(d))
                    .enumerate()
                {
                    let rij = resp[i * k + j];
                    // Three simple loops vectorise where one fused loop over five slices
                    // does not; each element is computed exactly as before.
                    for ((dl, xl), cl) in di.iter_mut().zip(xi).zip(c) {
                        *dl = xl - cl;
                    }
                    for (wl, dl) in wi.iter_mut().zip(di.iter()) {
                        *wl = rij * dl;
                    }
                    for (sl, wl) in sj.iter_mut().zip(wi.iter()) {
                        *sl += wl;
                    }
                }
                matmul(
                    mat_mut(&mut stats.second[j * d * d..(j + 1) * d * d], d, d),
                    Accum::Add,
                    mat(diff, m, d).transpose(),
                    mat(weighted, m, d),
                    1.0,
                    Par::Seq,
                );
            }
        }
        CovarianceType::Tied => {}
        CovarianceType::Diag | CovarianceType::Spherical => {
            let sq = &mut scratch.a[..m * d];
            for (s, v) in sq.iter_mut().zip(x) {
                *s = v * v;
            }
            matmul(
                mat_mut(&mut stats.second, k, d),
                Accum::Add,
                r.transpose(),
                mat(sq, m, d),
                1.0,
                Par::Seq,
            );
        }
    }
}

/// Adds `x^T x` of a chunk (`m x d`) into `out` (`d x d`): the `tied` second moment.
pub fn accumulate_gram(x: &[f64], d: usize, out: &mut [f64]) {
    let m = x.len() / d.max(1);
    let xm = mat(x, m, d);
    matmul(
        mat_mut(out, d, d),
        Accum::Add,
        xm.transpose(),
        xm,
        1.0,
        Par::Seq,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};

    /// The density of a 1-d standard normal at 0 with weight 1 is `-0.5 ln(2 pi)`.
    #[test]
    fn standard_normal_at_zero() {
        let w = array![1.0];
        let mu = array![[0.0]];
        for prec in [
            CovarianceArray::Full(Array3::from_elem((1, 1, 1), 1.0)),
            CovarianceArray::Tied(array![[1.0]]),
            CovarianceArray::Diag(array![[1.0]]),
            CovarianceArray::Spherical(array![1.0]),
        ] {
            let est = Estimator::new(&w, &mu, &prec);
            let mut out = [0.0; 2];
            let mut s = Scratch::new(2, 1, 1);
            weighted_log_prob_into(&est, &[0.0, 2.0], &mut s, &mut out);
            assert!((out[0] + 0.5 * LN_2PI).abs() < 1e-15, "{prec:?}");
            assert!((out[1] + 0.5 * LN_2PI + 2.0).abs() < 1e-15, "{prec:?}");
        }
    }

    /// A 2-d full covariance diag(4, 1) against its closed form.
    #[test]
    fn full_matches_closed_form() {
        let w = array![0.25, 0.75];
        let mu = array![[1.0, 0.0], [0.0, 0.0]];
        let u = Array3::from_shape_vec((2, 2, 2), vec![0.5, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
            .unwrap();
        let est = Estimator::new(&w, &mu, &CovarianceArray::Full(u));
        let mut out = [0.0; 2];
        weighted_log_prob_into(&est, &[3.0, 1.0], &mut Scratch::new(1, 2, 2), &mut out);
        // Component 0: q = (2/2)^2 + 1 = 2, log det U = ln 0.5.
        let want0 = -0.5 * (2.0 * LN_2PI + 2.0) + 0.5f64.ln() + 0.25f64.ln();
        let want1 = -0.5 * (2.0 * LN_2PI + 10.0) + 0.75f64.ln();
        assert!((out[0] - want0).abs() < 1e-14);
        assert!((out[1] - want1).abs() < 1e-14);
    }

    #[test]
    fn fast_exp_is_accurate() {
        let mut worst: f64 = 0.0;
        for i in 0..200_000 {
            let x = -700.0 + 709.5 * (i as f64) / 200_000.0;
            let (a, b) = (exp_fast(x), x.exp());
            worst = worst.max((a - b).abs() / b);
        }
        assert!(worst < 5e-16, "{worst:e}");
        assert_eq!(exp_fast(0.0), 1.0);
        assert_eq!(exp_fast(-800.0), 0.0);
        assert_eq!(exp_fast(f64::NEG_INFINITY), 0.0);
    }

    #[test]
    fn responsibilities_sum_to_one() {
        let mut wlp = [-1000.0, -1001.0, 0.0, f64::NEG_INFINITY];
        let mut lpn = [0.0; 2];
        responsibilities_in_place(&mut wlp, 2, &mut lpn);
        assert!((wlp[0] + wlp[1] - 1.0).abs() < 1e-12);
        assert!(wlp[0] > wlp[1]);
        assert_eq!(&wlp[2..], &[1.0, 0.0]);
        assert_eq!(lpn[1], 0.0);
    }

    #[test]
    fn stats_of_one_hot_responsibilities() {
        let x = [1.0, 2.0, 3.0, 6.0];
        let resp = [1.0, 0.0, 1.0, 0.0];
        let shift = [0.0, 0.0, 0.0, 0.0];
        let mut st = Stats::zeros(CovarianceType::Full, 2, 2);
        accumulate_stats(
            CovarianceType::Full,
            &x,
            &resp,
            &shift,
            &mut Scratch::new(2, 2, 2),
            &mut st,
        );
        assert_eq!(st.nk, vec![2.0, 0.0]);
        assert_eq!(st.sx, vec![4.0, 8.0, 0.0, 0.0]);
        assert_eq!(st.s, vec![4.0, 8.0, 0.0, 0.0]);
        assert_eq!(&st.second[..4], &[10.0, 20.0, 20.0, 40.0]);
        let mut st = Stats::zeros(CovarianceType::Diag, 2, 2);
        accumulate_stats(
            CovarianceType::Diag,
            &x,
            &resp,
            &[],
            &mut Scratch::new(2, 2, 2),
            &mut st,
        );
        assert_eq!(st.second, vec![10.0, 40.0, 0.0, 0.0]);
        let mut g = [0.0; 4];
        accumulate_gram(&x, 2, &mut g);
        assert_eq!(g, [10.0, 20.0, 20.0, 40.0]);
    }
}
