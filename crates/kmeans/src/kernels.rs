//! The hot loops of K-means, over raw row-major slices.
//!
//! # Conventions
//!
//! - Samples are a row-major matrix ([`Samples`]: a view and the same memory as one slice);
//!   centers a row-major slice of `k * d` values.
//! - Work is split into *blocks* of whole chunks ([`Layout`]); blocks run in parallel, chunks
//!   within a block run in order and share one scratch buffer, so no `n x k` matrix is ever
//!   built. Each block returns its partial sums; partials are combined first to last. Block and
//!   chunk sizes depend on `(n, d)` only, so every bit of a result is the same on any number of
//!   threads.
//! - Lloyd's nearest centers come from the fused tile kernel (`crate::tile`), the one place
//!   outside `clusterlab_core::distance` that computes distances: fusing the scores, the
//!   argmin and `||x - m||^2` in registers is what makes it fast. It has a vectorized and a
//!   portable version with the same arithmetic, so the processor never changes a bit.
//! - Elkan and `transform` take their distances from `clusterlab_core::distance` (the home of
//!   the other distance loops); which form `transform` uses depends on the shape only
//!   ([`clusterlab_core::distance::prefer_gemm`]).

use clusterlab_core::{
    distance::{
        dot, gemm_scores_into, prefer_gemm, row_sq_norms_into, sq_distances_across_into,
        sq_distances_direct_into, sq_euclidean, transpose_centers,
    },
    layout::contiguous,
    par::chunk_rows,
};
use ndarray::{Array2, ArrayView2, Axis, Slice};
use rayon::prelude::*;

use crate::tile::Packed;
use pulp::{Simd, WithSimd};

/// At most this many blocks (and so partial sums) per pass: enough to balance any thread count
/// we meet, few enough that `blocks x k x d` partial sums stay small.
const MAX_BLOCKS: usize = 128;

/// Per-sample weights: all one, or given.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Weights<'a> {
    /// Every sample weighs 1 (multiplying by 1.0 is exact, so this equals all-ones weights).
    Unit,
    /// One weight per sample.
    Given(&'a [f64]),
}

impl Weights<'_> {
    #[inline]
    pub(crate) fn get(&self, i: usize) -> f64 {
        match self {
            Weights::Unit => 1.0,
            Weights::Given(w) => w[i],
        }
    }
}

/// How `n` samples of `d` features are cut into chunks and blocks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub(crate) chunk: usize,
    pub(crate) block: usize,
}

/// At least this many rows per chunk: the matrix product packs the centers once per call, so
/// short chunks (`chunk_rows` gives 128 rows at d = 64) pay that packing too often.
const MIN_CHUNK_ROWS: usize = 512;

impl Layout {
    pub(crate) fn new(n: usize, d: usize) -> Self {
        let base = chunk_rows(d);
        let chunk = base * MIN_CHUNK_ROWS.div_ceil(base);
        let chunks_per_block = n.div_ceil(chunk).div_ceil(MAX_BLOCKS).max(1);
        Layout {
            chunk,
            block: chunk * chunks_per_block,
        }
    }
}

/// Centers prepared for the assignment kernels.
///
/// For the matrix-product form, `||x||^2 - 2 x.c + ||c||^2` cancels catastrophically on data
/// far from the origin (which is why scikit-learn centers its data, at the cost of a copy).
/// Here the centers are shifted by their mean `m` instead, and the product runs on the
/// samples as they are: every term then has the size of the data's spread (see `bias`).
///
/// Lloyd's passes (and `predict`) take the fused tile kernel on these shifted centers for
/// every shape, as scikit-learn's Lloyd takes the matrix-product form for every shape.
/// `transform`, which needs every distance, picks the form by shape
/// ([`clusterlab_core::distance::prefer_gemm`]); for the direct form the centers are kept
/// transposed for the feature-outer kernel.
#[derive(Debug)]
pub(crate) struct Prepared<'c> {
    centers: ArrayView2<'c, f64>,
    gemm: bool,
    shift: Vec<f64>,
    shifted: Array2<f64>,
    /// Per-center constant of the matrix-product score.
    bias: Vec<f64>,
    /// The centers transposed, for the direct kernel.
    centers_t: Vec<f64>,
    /// The shifted centers packed for the fused tile kernel.
    packed: Packed,
}

impl<'c> Prepared<'c> {
    pub(crate) fn new(centers: ArrayView2<'c, f64>) -> Self {
        let (k, d) = centers.dim();
        let gemm = prefer_gemm(d, k);
        let centers_t = if gemm {
            Vec::new()
        } else {
            transpose_centers(centers)
        };
        let shift: Vec<f64> = (0..d)
            .map(|f| centers.column(f).iter().sum::<f64>() / k as f64)
            .collect();
        let mut shifted = centers.to_owned();
        for mut row in shifted.rows_mut() {
            for (v, m) in row.iter_mut().zip(&shift) {
                *v -= m;
            }
        }
        let mut norms = vec![0.0; k];
        row_sq_norms_into(shifted.view(), &mut norms);
        // ||x - m - c'||^2 = ||x - m||^2 + (||c'||^2 + 2 m.c') - 2 x.c' with c' = c - m: the
        // product runs on the samples as they are, and every term stays of the size of the
        // data's spread, not of its distance from the origin.
        let bias = norms
            .iter()
            .zip(shifted.rows())
            .map(|(n, c)| n + 2.0 * c.iter().zip(&shift).map(|(a, b)| a * b).sum::<f64>())
            .collect::<Vec<f64>>();
        // `shifted` was just built in standard layout.
        let packed = Packed::new(contiguous(&shifted), &bias, &shift);
        Prepared {
            centers,
            gemm,
            shift,
            shifted,
            bias,
            centers_t,
            packed,
        }
    }

    fn k(&self) -> usize {
        self.centers.nrows()
    }
}

/// Buffers one block reuses for all its chunks.
struct Scratch {
    dist: Array2<f64>,
    /// `||x - m||^2` of each row of the chunk (matrix-product form only).
    xm: Vec<f64>,
}

impl Scratch {
    fn new(rows: usize, p: &Prepared<'_>) -> Self {
        Scratch {
            dist: Array2::zeros((rows, p.k())),
            xm: vec![0.0; if p.gemm { rows } else { 0 }],
        }
    }

    /// Per-center values of the chunk `x`, row-major `rows x k`, in the scratch, and whether
    /// they are scores rather than squared distances.
    ///
    /// With the matrix product a row holds the scores `||c'||^2 + 2 m.c' - 2 x.c'`, which rank
    /// centers as distances do; the squared distance is the score plus `||x - m||^2`, written
    /// to `self.xm` (see [`Scratch::to_distance`]). Otherwise rows hold squared distances.
    fn scores(&mut self, p: &Prepared<'_>, x: ArrayView2<'_, f64>) -> (&[f64], &[f64]) {
        let rows = x.nrows();
        let k = p.k();
        let mut out = self.dist.slice_axis_mut(Axis(0), Slice::from(..rows));
        if p.gemm {
            gemm_scores_into(x, p.shifted.view(), &p.bias, out.view_mut());
            let d = x.ncols();
            if let Some(xs) = x.as_slice() {
                for (o, xr) in self.xm.iter_mut().zip(xs.chunks_exact(d)) {
                    let mut acc = 0.0;
                    for (v, m) in xr.iter().zip(&p.shift) {
                        acc += (v - m) * (v - m);
                    }
                    *o = acc;
                }
            } else {
                for (o, xr) in self.xm.iter_mut().zip(x.rows()) {
                    *o = xr
                        .iter()
                        .zip(&p.shift)
                        .map(|(v, m)| (v - m) * (v - m))
                        .sum();
                }
            }
        } else if let (Some(xs), Some(os)) = (x.as_slice(), out.as_slice_mut()) {
            sq_distances_across_into(xs, x.ncols(), &p.centers_t, os);
        } else {
            sq_distances_direct_into(x, p.centers, out.view_mut());
        }
        // The scratch is a standard-layout array, so its leading rows are one slice.
        let scores = self.dist.as_slice().map_or(&[][..], |s| &s[..rows * k]);
        (scores, &self.xm)
    }

    /// The squared distance of row `i` of a chunk from its value in [`scores`](Self::scores)
    /// and the chunk's `xm`.
    #[inline]
    fn to_distance(xm: &[f64], gemm: bool, i: usize, v: f64) -> f64 {
        if gemm { (v + xm[i]).max(0.0) } else { v }
    }
}

/// What one pass over the samples produced.
#[derive(Debug, Clone)]
pub(crate) struct PassSums {
    /// `k x d` weighted sums of the samples assigned to each center (when centers are updated).
    pub(crate) sums: Vec<f64>,
    /// Total weight assigned to each center.
    pub(crate) weights: Vec<f64>,
    /// Samples whose label changed.
    pub(crate) changed: usize,
    /// Weighted sum of squared distances to the assigned (old) centers: Lloyd only.
    pub(crate) inertia: f64,
}

impl PassSums {
    fn zeros(k: usize, d: usize, update: bool) -> Self {
        PassSums {
            sums: vec![0.0; if update { k * d } else { 0 }],
            weights: vec![0.0; if update { k } else { 0 }],
            changed: 0,
            inertia: 0.0,
        }
    }

    /// Adds `other` into `self` (in this order, which callers keep fixed).
    fn add(&mut self, other: &PassSums) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.weights.iter_mut().zip(&other.weights) {
            *a += b;
        }
        self.changed += other.changed;
        self.inertia += other.inertia;
    }

    /// [`accumulate`](Self::accumulate) with weight 1, without the multiplications by 1.0
    /// (which are exact, so the sums are the same bits).
    #[inline(always)]
    fn accumulate_unit(&mut self, label: usize, x: &[f64]) {
        self.weights[label] += 1.0;
        let d = x.len();
        add_scaled(&mut self.sums[label * d..(label + 1) * d], x, |v| v);
    }

    #[inline(always)]
    fn accumulate(&mut self, label: usize, w: f64, x: &[f64]) {
        self.weights[label] += w;
        let d = x.len();
        add_scaled(&mut self.sums[label * d..(label + 1) * d], x, |v| v * w);
    }

    fn combine(parts: Vec<PassSums>, k: usize, d: usize, update: bool) -> PassSums {
        let mut total = PassSums::zeros(k, d, update);
        for p in &parts {
            total.add(p);
        }
        total
    }
}

/// The samples as a row-major view and the same memory as a flat slice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Samples<'a> {
    pub(crate) x: ArrayView2<'a, f64>,
    pub(crate) xs: &'a [f64],
    pub(crate) d: usize,
}

impl<'a> Samples<'a> {
    /// `None` when `x` is not in standard (row-major, contiguous) layout.
    pub(crate) fn new(x: ArrayView2<'a, f64>) -> Option<Self> {
        let d = x.ncols();
        let xs = x.to_slice()?;
        Some(Samples { x, xs, d })
    }

    pub(crate) fn n(&self) -> usize {
        self.x.nrows()
    }

    /// Rows `a..b` as a view.
    pub(crate) fn rows(&self, a: usize, b: usize) -> ArrayView2<'a, f64> {
        self.x.slice_axis_move(Axis(0), Slice::from(a..b))
    }

    #[inline]
    pub(crate) fn row(&self, r: usize) -> &'a [f64] {
        &self.xs[r * self.d..(r + 1) * self.d]
    }
}

/// One Lloyd pass: assigns every sample to its nearest center (ties to the lowest index),
/// counts changed labels, and, when `update`, sums the samples per new label. Nearest centers
/// and squared distances come from the fused tile kernel ([`Packed::nearest_into`]).
///
/// The inertia returned is that of the new labels with respect to the centers of `p`, so over
/// Lloyd iterations it never increases.
pub(crate) fn lloyd_pass(
    data: Samples<'_>,
    w: Weights<'_>,
    p: &Prepared<'_>,
    labels: &mut [usize],
    update: bool,
    layout: Layout,
) -> PassSums {
    let pk = &p.packed;
    let k = pk.k();
    let d = data.d;
    let parts: Vec<PassSums> = labels
        .par_chunks_mut(layout.block)
        .enumerate()
        .map(|(b, lab)| {
            let start = b * layout.block;
            let mut acc = PassSums::zeros(k, d, update);
            let rows = layout.chunk.min(lab.len());
            let mut block = LloydBlock {
                data,
                w,
                pk,
                lab,
                start,
                chunk: layout.chunk,
                update,
                acc: &mut acc,
                best: vec![0; rows],
                dist: vec![0.0; rows],
            };
            // The whole block (kernel and bookkeeping) is compiled for AVX2 + FMA where the
            // processor has them.
            crate::tile::vectorized(&mut block);
            acc
        })
        .collect();
    PassSums::combine(parts, k, d, update)
}

/// One block of [`lloyd_pass`], as a [`WithSimd`] so that all of it is inlined into
/// the vectorized region (a closure would stay a separate function compiled without AVX).
struct LloydBlock<'a, 'x, 'y> {
    data: Samples<'x>,
    w: Weights<'y>,
    pk: &'a Packed,
    lab: &'a mut [usize],
    start: usize,
    chunk: usize,
    update: bool,
    acc: &'a mut PassSums,
    best: Vec<usize>,
    dist: Vec<f64>,
}

impl WithSimd for &mut LloydBlock<'_, '_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let d = self.data.d;
        let (data, w, acc) = (self.data, self.w, &mut *self.acc);
        let (mut changed, mut inertia) = (acc.changed, acc.inertia);
        let block_end = self.start + self.lab.len();
        for (c, labc) in self.lab.chunks_mut(self.chunk).enumerate() {
            let r0 = self.start + c * self.chunk;
            let m = labc.len();
            // The rest of the block follows, for the kernel to prefetch.
            let xs = &data.xs[r0 * d..block_end * d];
            self.pk
                .nearest_into(xs, &mut self.best[..m], &mut self.dist[..m]);
            let (best, dist) = (&self.best[..m], &self.dist[..m]);
            for (l, &bj) in labc.iter_mut().zip(best) {
                changed += usize::from(*l != bj);
                *l = bj;
            }
            let rows = data.xs[r0 * d..(r0 + m) * d].chunks_exact(d);
            match w {
                Weights::Unit => {
                    inertia += lane_sum(dist);
                    if self.update {
                        for (&bj, x) in best.iter().zip(rows) {
                            acc.accumulate_unit(bj, x);
                        }
                    }
                }
                Weights::Given(ws) => {
                    let ws = &ws[r0..r0 + m];
                    inertia += dot(ws, dist);
                    if self.update {
                        for ((&bj, x), &wi) in best.iter().zip(rows).zip(ws) {
                            acc.accumulate(bj, wi, x);
                        }
                    }
                }
            }
        }
        acc.changed = changed;
        acc.inertia = inertia;
    }
}

/// `sums[f] += scale(x[f])` for every feature, four at a time: fixed-size blocks compile to
/// vector instructions directly, where a plain loop over two slices gets runtime overlap
/// checks and a remainder loop on every call (one call per sample).
#[inline(always)]
fn add_scaled(sums: &mut [f64], x: &[f64], scale: impl Fn(f64) -> f64) {
    let (sq, sr) = sums.as_chunks_mut::<4>();
    let (xq, xr) = x.as_chunks::<4>();
    for (s, v) in sq.iter_mut().zip(xq) {
        for l in 0..4 {
            s[l] += scale(v[l]);
        }
    }
    for (s, &v) in sr.iter_mut().zip(xr) {
        *s += scale(v);
    }
}

/// The sum of `values` in four interleaved lanes (the order of [`dot`]), so that the adds do
/// not wait on each other.
#[inline(always)]
fn lane_sum(values: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (quads, rest) = values.as_chunks::<4>();
    for q in quads {
        for l in 0..4 {
            acc[l] += q[l];
        }
    }
    rest.iter()
        .fold((acc[0] + acc[1]) + (acc[2] + acc[3]), |s, v| s + v)
}

/// Weighted inertia of `labels` with respect to `centers`, by direct distances (as
/// scikit-learn's `_inertia_dense`).
pub(crate) fn inertia(
    data: Samples<'_>,
    w: Weights<'_>,
    centers: &[f64],
    labels: &[usize],
    layout: Layout,
) -> f64 {
    let (xs, d) = (data.xs, data.d);
    let parts: Vec<f64> = labels
        .par_chunks(layout.block)
        .enumerate()
        .map(|(b, lab)| {
            let start = b * layout.block;
            let mut acc = 0.0;
            for (i, &l) in lab.iter().enumerate() {
                let r = start + i;
                acc +=
                    sq_euclidean(&xs[r * d..(r + 1) * d], &centers[l * d..(l + 1) * d]) * w.get(r);
            }
            acc
        })
        .collect();
    clusterlab_core::par::ordered_sum(&parts)
}

/// Labels of every sample (nearest center, ties to the lowest index) without sums.
pub(crate) fn assign(data: Samples<'_>, centers: ArrayView2<'_, f64>) -> Vec<usize> {
    let mut labels = vec![usize::MAX; data.n()];
    let p = Prepared::new(centers);
    let layout = Layout::new(data.n(), data.d);
    lloyd_pass(data, Weights::Unit, &p, &mut labels, false, layout);
    labels
}

/// Squared distances of every sample to every center, `n x k` (for `transform`).
pub(crate) fn all_sq_distances(data: Samples<'_>, centers: ArrayView2<'_, f64>) -> Array2<f64> {
    let (n, d) = (data.n(), data.d);
    let k = centers.nrows();
    let p = Prepared::new(centers);
    let layout = Layout::new(n, d);
    let mut out = Array2::zeros((n, k));
    if let Some(flat) = out.as_slice_mut() {
        flat.par_chunks_mut(layout.chunk * k)
            .enumerate()
            .for_each(|(c, o)| {
                let r0 = c * layout.chunk;
                let rows = o.len() / k.max(1);
                let mut scratch = Scratch::new(rows, &p);
                let (scores, xm) = scratch.scores(&p, data.rows(r0, r0 + rows));
                o.copy_from_slice(scores);
                for (i, row) in o.chunks_exact_mut(k.max(1)).enumerate() {
                    for v in row {
                        *v = Scratch::to_distance(xm, p.gemm, i, *v);
                    }
                }
            });
    }
    out
}

/// The empty clusters' relocation, averaging and center shift of scikit-learn
/// (`_relocate_empty_clusters_dense`, `_average_centers`, `_center_shift`), in its order.
///
/// On entry `sums` holds the weighted sums of the samples per label; on exit it holds the new
/// centers. `shift` receives each center's (non-squared) displacement.
#[allow(clippy::too_many_arguments)]
pub(crate) fn m_step(
    data: Samples<'_>,
    w: Weights<'_>,
    old: &[f64],
    sums: &mut [f64],
    weights: &mut [f64],
    labels: &[usize],
    shift: &mut [f64],
    layout: Layout,
) {
    let d = data.d;
    let k = weights.len();
    relocate_empty(data, w, old, sums, weights, labels, layout);
    // scikit-learn's _average_centers: an empty center copies the heaviest center's row as it
    // is at that moment (already averaged if it comes earlier, still a sum if later).
    let mut argmax = 0;
    for (j, &v) in weights.iter().enumerate() {
        if v > weights[argmax] {
            argmax = j;
        }
    }
    for j in 0..k {
        if weights[j] > 0.0 {
            let alpha = 1.0 / weights[j];
            for v in &mut sums[j * d..(j + 1) * d] {
                *v *= alpha;
            }
        } else {
            for f in 0..d {
                sums[j * d + f] = sums[argmax * d + f];
            }
        }
    }
    for j in 0..k {
        shift[j] = sq_euclidean(&sums[j * d..(j + 1) * d], &old[j * d..(j + 1) * d]).sqrt();
    }
}

#[allow(clippy::too_many_arguments)]
fn relocate_empty(
    data: Samples<'_>,
    w: Weights<'_>,
    old: &[f64],
    sums: &mut [f64],
    weights: &mut [f64],
    labels: &[usize],
    layout: Layout,
) {
    let (xs, d) = (data.xs, data.d);
    let empty: Vec<usize> = (0..weights.len()).filter(|&j| weights[j] == 0.0).collect();
    if empty.is_empty() {
        return;
    }
    let mut dist = vec![0.0; labels.len()];
    dist.par_chunks_mut(layout.block)
        .enumerate()
        .for_each(|(b, out)| {
            let start = b * layout.block;
            for (i, o) in out.iter_mut().enumerate() {
                let r = start + i;
                let l = labels[r];
                *o = sq_euclidean(&xs[r * d..(r + 1) * d], &old[l * d..(l + 1) * d]);
            }
        });
    if dist.iter().all(|&v| v == 0.0) {
        return;
    }
    // The farthest samples first; equal distances in index order, so the choice is
    // reproducible (scikit-learn's argpartition leaves their order unspecified).
    let mut order: Vec<usize> = (0..dist.len()).collect();
    let m = empty.len().min(order.len());
    let cmp = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
    if m < order.len() {
        order.select_nth_unstable_by(m, cmp);
    }
    order.truncate(m);
    order.sort_by(cmp);
    for (&new_id, &far) in empty.iter().zip(&order) {
        let wf = w.get(far);
        let old_id = labels[far];
        let x = &xs[far * d..(far + 1) * d];
        for f in 0..d {
            sums[old_id * d + f] -= x[f] * wf;
            sums[new_id * d + f] = x[f] * wf;
        }
        weights[new_id] = wf;
        weights[old_id] -= wf;
    }
}

/// Elkan's bounds, one pass: initial assignment with scikit-learn's `init_bounds_dense`.
///
/// `lower` holds `n x k` lower bounds as `f32` rounded down (so they stay valid bounds while
/// using half the memory); `upper` the upper bound of each sample's distance to its center.
#[allow(clippy::too_many_arguments)]
pub(crate) fn elkan_init(
    data: Samples<'_>,
    centers: &[f64],
    half: &[f64],
    labels: &mut [usize],
    upper: &mut [f64],
    lower: &mut [f32],
    layout: Layout,
) {
    let (xs, d) = (data.xs, data.d);
    let k = half.len().isqrt();
    labels
        .par_chunks_mut(layout.block)
        .zip(upper.par_chunks_mut(layout.block))
        .zip(lower.par_chunks_mut(layout.block * k))
        .enumerate()
        .for_each(|(b, ((lab, up), low))| {
            let start = b * layout.block;
            for (i, (l, u)) in lab.iter_mut().zip(up.iter_mut()).enumerate() {
                let x = &xs[(start + i) * d..(start + i + 1) * d];
                let lb = &mut low[i * k..(i + 1) * k];
                lb.fill(0.0);
                let mut best = 0;
                let mut min = dist(x, &centers[..d]);
                lb[0] = down(min);
                for j in 1..k {
                    if min > half[best * k + j] {
                        let dj = dist(x, &centers[j * d..(j + 1) * d]);
                        lb[j] = down(dj);
                        if dj < min {
                            min = dj;
                            best = j;
                        }
                    }
                }
                *l = best;
                *u = min;
            }
        });
}

#[inline]
fn dist(a: &[f64], b: &[f64]) -> f64 {
    sq_euclidean(a, b).sqrt()
}

/// A non-negative `v` as an `f32` no larger than `v`, so a stored lower bound stays a lower
/// bound. Shrinking by one `f32` ulp before rounding to nearest (which moves by at most half
/// an ulp) keeps the result below `v` without a branch; the cap at `f32::MAX` keeps huge
/// values finite.
#[inline(always)]
fn down(v: f64) -> f32 {
    let r = (v * (1.0 - f64::from(f32::EPSILON))) as f32;
    // Not `f32::min`, whose NaN rule costs a vectorized loop several instructions.
    if r < f32::MAX { r } else { f32::MAX }
}

/// Elkan's state carried between passes.
#[derive(Debug)]
pub(crate) struct ElkanBounds<'a> {
    pub(crate) labels: &'a mut [usize],
    pub(crate) upper: &'a mut [f64],
    pub(crate) lower: &'a mut [f32],
}

/// One Elkan pass (scikit-learn's `elkan_iter_chunked_dense`, conditions kept as they are).
///
/// `pending` is the center shift of the previous M-step, which scikit-learn applies to the
/// bounds in a separate sequential loop; applying it here, sample by sample, just before the
/// sample's bounds are read, gives the same bounds without another pass over memory.
#[allow(clippy::too_many_arguments)]
pub(crate) fn elkan_pass(
    data: Samples<'_>,
    w: Weights<'_>,
    centers: &[f64],
    half: &[f64],
    next: &[f64],
    pending: Option<&[f64]>,
    st: &mut ElkanBounds<'_>,
    update: bool,
    layout: Layout,
) -> PassSums {
    let d = data.d;
    let k = next.len();
    let parts: Vec<PassSums> = st
        .labels
        .par_chunks_mut(layout.block)
        .zip(st.upper.par_chunks_mut(layout.block))
        .zip(st.lower.par_chunks_mut(layout.block * k))
        .enumerate()
        .map(|(b, ((labels, upper), lower))| {
            let mut block = ElkanBlock {
                data,
                w,
                centers,
                half,
                next,
                pending,
                start: b * layout.block,
                labels,
                upper,
                lower,
                acc: PassSums::zeros(k, d, update),
                update,
            };
            // Compiled for AVX2 + FMA where the processor has them, as the Lloyd tiles.
            crate::tile::vectorized(&mut block);
            block.acc
        })
        .collect();
    PassSums::combine(parts, k, d, update)
}

/// One block of [`elkan_pass`], as a [`WithSimd`] so that all of it is inlined into the
/// vectorized region.
struct ElkanBlock<'a, 'x, 'y> {
    data: Samples<'x>,
    w: Weights<'y>,
    centers: &'a [f64],
    half: &'a [f64],
    next: &'a [f64],
    pending: Option<&'a [f64]>,
    start: usize,
    labels: &'a mut [usize],
    upper: &'a mut [f64],
    lower: &'a mut [f32],
    acc: PassSums,
    update: bool,
}

impl WithSimd for &mut ElkanBlock<'_, '_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let (d, k) = (self.data.d, self.next.len());
        let (centers, half, next) = (self.centers, self.half, self.next);
        let acc = &mut self.acc;
        for (i, (l, u)) in self
            .labels
            .iter_mut()
            .zip(self.upper.iter_mut())
            .enumerate()
        {
            let r = self.start + i;
            let x = self.data.row(r);
            let lb = &mut self.lower[i * k..(i + 1) * k];
            let mut label = *l;
            let mut ub = *u;
            if let Some(sh) = self.pending {
                ub += sh[label];
                shift_lower_bounds(lb, sh);
            }
            let before = label;
            // scikit-learn writes `not next >= ub`; bounds are never NaN, so this is `<`.
            if next[label] < ub {
                let mut tight = false;
                // scikit-learn's loop over the centers in order, visiting only the centers that
                // can pass its test (see `elkan_candidates`), 64 at a time.
                for j0 in (0..k).step_by(64) {
                    let end = k.min(j0 + 64);
                    let set = |label: usize, ub: f64, lb: &[f32]| {
                        elkan_candidates(ub, &lb[j0..end], &half[label * k + j0..label * k + end])
                    };
                    let mut candidates = set(label, ub, lb);
                    while candidates != 0 {
                        let j = j0 + candidates.trailing_zeros() as usize;
                        candidates &= candidates - 1;
                        if j != label && ub > f64::from(lb[j]) && ub > half[label * k + j] {
                            let (label_before, ub_before) = (label, ub);
                            if !tight {
                                ub = dist(x, &centers[label * d..(label + 1) * d]);
                                lb[label] = down(ub);
                                tight = true;
                            }
                            if ub > f64::from(lb[j]) || ub > half[label * k + j] {
                                let dj = dist(x, &centers[j * d..(j + 1) * d]);
                                lb[j] = down(dj);
                                if dj < ub {
                                    label = j;
                                    ub = dj;
                                }
                            }
                            // A new label reads another row of `half`, and rounding can leave
                            // a tightened bound an ulp above the old one: then the set of the
                            // centers still to visit is taken again.
                            if label != label_before || ub > ub_before {
                                candidates = set(label, ub, lb) & bits_above(j - j0);
                            }
                        }
                    }
                }
            }
            *l = label;
            *u = ub;
            acc.changed += usize::from(label != before);
            if self.update {
                match self.w {
                    Weights::Unit => acc.accumulate_unit(label, x),
                    Weights::Given(ws) => acc.accumulate(label, ws[r], x),
                }
            }
        }
    }
}

/// Bit `j` set when `ub > lb[j]` and `ub > half[j]` (at most 64 centers): those that pass
/// Elkan's test with the current label and upper bound, in one branch-free pass. As the pass
/// visits centers the upper bound only decreases (up to rounding) and a lower bound changes
/// only when its center is visited, so while the label stays, a center outside the set cannot
/// pass the test later.
#[inline(always)]
fn elkan_candidates(ub: f64, lb: &[f32], half: &[f64]) -> u64 {
    let mut bits = 0u64;
    for (b, (&l, &h)) in lb.iter().zip(half).enumerate() {
        bits |= u64::from((ub > f64::from(l)) & (ub > h)) << b;
    }
    bits
}

/// The bits of a `u64` above bit `b`.
#[inline(always)]
fn bits_above(b: usize) -> u64 {
    u32::try_from(b + 1)
        .ok()
        .and_then(|s| u64::MAX.checked_shl(s))
        .unwrap_or(0)
}

/// Moves a sample's lower bounds down by the centers' shifts: `lb_j = max(lb_j - s_j, 0)`,
/// rounded down (see [`down`]). Written without `f64::max`, whose NaN rule keeps the loop
/// from vectorizing (bounds and shifts are never NaN).
#[inline(always)]
fn shift_lower_bounds(lb: &mut [f32], shift: &[f64]) {
    for (v, s) in lb.iter_mut().zip(shift) {
        let t = f64::from(*v) - s;
        *v = down(if t > 0.0 { t } else { 0.0 });
    }
}

/// Half the distance between every pair of centers (`k x k`), and for each center half the
/// distance to its nearest other center (infinite when `k == 1`).
pub(crate) fn center_half_distances(centers: &[f64], k: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut half = vec![0.0; k * k];
    for a in 0..k {
        for b in 0..k {
            if a != b {
                half[a * k + b] =
                    dist(&centers[a * d..(a + 1) * d], &centers[b * d..(b + 1) * d]) / 2.0;
            }
        }
    }
    let next = (0..k)
        .map(|a| {
            (0..k)
                .filter(|&b| b != a)
                .map(|b| half[a * k + b])
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    (half, next)
}

/// Mean of the per-feature variances (scikit-learn's `_tolerance` scale), two-pass per feature
/// with ordered partial sums.
pub(crate) fn mean_variance(data: Samples<'_>, layout: Layout) -> f64 {
    let (xs, d, n) = (data.xs, data.d, data.n());
    let sums = |f: &(dyn Fn(&[f64], &mut [f64]) + Sync)| -> Vec<f64> {
        let parts: Vec<Vec<f64>> = xs
            .par_chunks(layout.block * d)
            .map(|blk| {
                let mut acc = vec![0.0; d];
                for row in blk.chunks_exact(d) {
                    f(row, &mut acc);
                }
                acc
            })
            .collect();
        let mut total = vec![0.0; d];
        for p in &parts {
            for (t, v) in total.iter_mut().zip(p) {
                *t += v;
            }
        }
        total
    };
    let mean: Vec<f64> = sums(&|row, acc| {
        for (a, v) in acc.iter_mut().zip(row) {
            *a += v;
        }
    })
    .into_iter()
    .map(|s| s / n as f64)
    .collect();
    let var = sums(&|row, acc| {
        for ((a, v), m) in acc.iter_mut().zip(row).zip(&mean) {
            *a += (v - m) * (v - m);
        }
    });
    var.iter().map(|v| v / n as f64).sum::<f64>() / d as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_above_keeps_the_higher_bits_only() {
        assert_eq!(bits_above(0), u64::MAX << 1);
        assert_eq!(bits_above(5), u64::MAX << 6);
        assert_eq!(bits_above(62), 1 << 63);
        assert_eq!(bits_above(63), 0);
    }

    #[test]
    fn elkan_candidates_are_the_centers_passing_both_bounds() {
        let lb = [1.0f32, 3.0, 0.5, 2.0];
        let half = [0.1, 0.1, 2.5, 1.0];
        // ub = 2: center 0 passes (1 < 2, 0.1 < 2), 1 fails its lower bound, 2 fails its half
        // distance, 3 fails its lower bound (2 is not below 2).
        assert_eq!(elkan_candidates(2.0, &lb, &half), 0b0001);
        assert_eq!(elkan_candidates(10.0, &lb, &half), 0b1111);
        assert_eq!(elkan_candidates(0.0, &lb, &half), 0);
    }

    #[test]
    fn down_never_rounds_up() {
        for v in [
            0.0,
            1e-300,
            1e-40,
            0.1,
            1.0 / 3.0,
            2.0,
            12_345.678_9,
            1e30,
            1e300,
        ] {
            let f = down(v);
            assert!(f64::from(f) <= v, "{v} -> {f}");
            assert!(f.is_finite());
            assert!(
                f64::from(f) >= v * (1.0 - 1e-6) || v < 1e-38 || v > f64::from(f32::MAX),
                "{v} -> {f} too loose"
            );
        }
    }

    #[test]
    fn layout_chunks_are_whole_core_chunks_and_at_least_512_rows() {
        for d in [1, 2, 8, 16, 64, 1000] {
            let l = Layout::new(1_000_000, d);
            assert_eq!(l.chunk % chunk_rows(d), 0);
            assert!(l.chunk >= MIN_CHUNK_ROWS);
            assert_eq!(l.block % l.chunk, 0);
            assert!(1_000_000usize.div_ceil(l.block) <= MAX_BLOCKS);
        }
    }
}
