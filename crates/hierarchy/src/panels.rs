//! Points (or cluster centroids) stored for one-against-all distance scans.
//!
//! Every builder of this crate repeatedly needs the distances from one point to all the others:
//! Prim's algorithm from the node just added, the nearest-neighbour chain from its top cluster,
//! the condensed matrix row by row. The points are kept transposed in panels of [`WIDTH`]
//! columns (`d x WIDTH`, row-major), so that each panel is a matrix that core's
//! [`sq_distances_across_into`] takes as is: it sums every distance feature by feature, first to
//! last, which is exactly the order of SciPy's `pdist` and scikit-learn's `DistanceMetric`, so
//! the distances have their bits. Panels are also the unit of parallel work: a scan runs over
//! them in parallel and keeps one candidate per panel, combined first to last.
//!
//! A scan picks the lowest index among equal values, on any number of threads: the minimum of
//! a panel's candidates, then of the panels' in order, is the first index that reaches the
//! global minimum, as a sequential loop with a strict `<` finds it.

use clusterlab_core::distance::sq_distances_across_into;
use rayon::prelude::*;

/// Columns per panel. The panel is the unit of parallel work, and a distance buffer of this
/// many values lives on the stack.
pub(crate) const WIDTH: usize = 256;

/// Below this many multiply-adds per scan (`n x d`), a scan runs on the calling thread: the
/// results are the same, only the overhead differs.
const PARALLEL_MIN_WORK: usize = 1 << 15;

/// `n` points of `d` features, transposed in panels of [`WIDTH`] columns (the last panel is
/// padded with zeros, whose distances are computed and ignored).
#[derive(Debug, Clone)]
pub(crate) struct Panels {
    d: usize,
    n: usize,
    data: Vec<f64>,
}

impl Panels {
    /// Copies the rows of `x` (row-major, `n x d`, one slice).
    pub(crate) fn from_rows(x: &[f64], n: usize, d: usize) -> Self {
        let n_panels = n.div_ceil(WIDTH);
        let mut data = vec![0.0; n_panels * WIDTH * d];
        for (j, row) in x.chunks_exact(d).enumerate() {
            let (panel, col) = (j / WIDTH, j % WIDTH);
            let base = panel * WIDTH * d;
            for (f, &v) in row.iter().enumerate() {
                data[base + f * WIDTH + col] = v;
            }
        }
        Panels { d, n, data }
    }

    /// The number of features.
    pub(crate) fn dim(&self) -> usize {
        self.d
    }

    /// The number of points.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Keeps the points whose `keep` is true, in their order, and drops the others.
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        debug_assert_eq!(keep.len(), self.n);
        let d = self.d;
        let n = keep.iter().filter(|&&k| k).count();
        let mut data = vec![0.0; n.div_ceil(WIDTH) * WIDTH * d];
        let mut col = vec![0.0; d];
        for (to, from) in (0..self.n).filter(|&j| keep[j]).enumerate() {
            self.column(from, &mut col);
            let base = (to / WIDTH) * WIDTH * d;
            for (f, &v) in col.iter().enumerate() {
                data[base + f * WIDTH + to % WIDTH] = v;
            }
        }
        *self = Panels { d, n, data };
    }

    fn n_panels(&self) -> usize {
        self.n.div_ceil(WIDTH)
    }

    fn panel(&self, p: usize) -> &[f64] {
        &self.data[p * WIDTH * self.d..(p + 1) * WIDTH * self.d]
    }

    /// Point `j`'s coordinates, into `out` (`d` values).
    pub(crate) fn column(&self, j: usize, out: &mut [f64]) {
        let (panel, col) = (j / WIDTH, j % WIDTH);
        let base = panel * WIDTH * self.d;
        for (f, o) in out.iter_mut().enumerate() {
            *o = self.data[base + f * WIDTH + col];
        }
    }

    /// Replaces point `j`'s coordinates.
    pub(crate) fn set_column(&mut self, j: usize, values: &[f64]) {
        let (panel, col) = (j / WIDTH, j % WIDTH);
        let base = panel * WIDTH * self.d;
        for (f, &v) in values.iter().enumerate() {
            self.data[base + f * WIDTH + col] = v;
        }
    }

    /// Squared distances from `point` to the [`WIDTH`] columns of panel `p`, into `out`.
    fn sq_distances_panel(&self, p: usize, point: &[f64], out: &mut [f64; WIDTH]) {
        sq_distances_across_into(point, self.d, self.panel(p), out);
    }

    /// Squared distance from `point` to point `j`, with the same bits as a scan gives.
    pub(crate) fn sq_distance_to(&self, point: &[f64], j: usize) -> f64 {
        let mut col = vec![0.0; self.d];
        self.column(j, &mut col);
        let mut out = [0.0];
        sq_distances_across_into(point, self.d, &col, &mut out);
        out[0]
    }

    fn parallel(&self) -> bool {
        self.n_panels() > 1 && self.n * self.d >= PARALLEL_MIN_WORK
    }

    /// The smallest `score(j, squared distance from point to j)` over the points whose score
    /// is `Some`, and the lowest index that reaches it; `None` when no point has a score.
    pub(crate) fn argmin(
        &self,
        point: &[f64],
        score: impl Fn(usize, f64) -> Option<f64> + Sync,
    ) -> Option<(f64, usize)> {
        let per_panel = |p: usize| {
            let mut buf = [0.0; WIDTH];
            self.sq_distances_panel(p, point, &mut buf);
            let start = p * WIDTH;
            let end = (start + WIDTH).min(self.n);
            let mut best: Option<(f64, usize)> = None;
            for (j, &sq) in (start..end).zip(&buf) {
                if let Some(s) = score(j, sq)
                    && best.is_none_or(|(b, _)| s < b)
                {
                    best = Some((s, j));
                }
            }
            best
        };
        let candidates: Vec<Option<(f64, usize)>> = if self.parallel() {
            (0..self.n_panels())
                .into_par_iter()
                .map(per_panel)
                .collect()
        } else {
            (0..self.n_panels()).map(per_panel).collect()
        };
        first_minimum(candidates)
    }

    /// One step of Prim's algorithm as scikit-learn's `mst_linkage_core` makes it: for every
    /// point `j` outside the tree, `reach[j]` becomes the smaller of itself and `dist(j)`
    /// (`dist` maps the squared distance from `point` to the distance compared), then the point
    /// with the smallest `reach` (the lowest index among equals) is returned with it.
    pub(crate) fn relax_and_argmin(
        &self,
        point: &[f64],
        in_tree: &[bool],
        reach: &mut [f64],
        dist: impl Fn(f64) -> f64 + Sync,
    ) -> Option<(f64, usize)> {
        let per_panel = |(p, reach): (usize, &mut [f64])| {
            let mut buf = [0.0; WIDTH];
            self.sq_distances_panel(p, point, &mut buf);
            // A loop of its own, so that `dist` (a square root) runs on vectors.
            for v in &mut buf {
                *v = dist(*v);
            }
            let start = p * WIDTH;
            // Distances are finite: the first point outside the tree always becomes the best.
            let (mut best, mut arg) = (f64::INFINITY, None);
            for ((r, &left), (&joined, j)) in reach
                .iter_mut()
                .zip(&buf)
                .zip(in_tree[start..].iter().zip(start..))
            {
                if !joined {
                    if left < *r {
                        *r = left;
                    }
                    if *r < best {
                        (best, arg) = (*r, Some(j));
                    }
                }
            }
            arg.map(|j| (best, j))
        };
        let candidates: Vec<Option<(f64, usize)>> = if self.parallel() {
            reach
                .par_chunks_mut(WIDTH)
                .enumerate()
                .map(per_panel)
                .collect()
        } else {
            reach.chunks_mut(WIDTH).enumerate().map(per_panel).collect()
        };
        first_minimum(candidates)
    }

    /// Squared distances from point `i` to every point `j >= from`, into `out`
    /// (`out[j - from]`). `from` must be at most `n`.
    pub(crate) fn sq_distances_from(&self, point: &[f64], from: usize, out: &mut [f64]) {
        debug_assert_eq!(out.len(), self.n - from);
        let mut buf = [0.0; WIDTH];
        for p in from / WIDTH..self.n_panels() {
            self.sq_distances_panel(p, point, &mut buf);
            let start = p * WIDTH;
            let lo = from.max(start);
            let hi = (start + WIDTH).min(self.n);
            out[lo - from..hi - from].copy_from_slice(&buf[lo - start..hi - start]);
        }
    }
}

/// The smallest candidate, the first one among equals.
fn first_minimum(candidates: Vec<Option<(f64, usize)>>) -> Option<(f64, usize)> {
    candidates
        .into_iter()
        .flatten()
        .fold(None, |best: Option<(f64, usize)>, (s, j)| match best {
            Some((b, _)) if s >= b => best,
            _ => Some((s, j)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(n: usize, d: usize) -> Vec<f64> {
        (0..n * d)
            .map(|i| ((i * 7919) % 1013) as f64 * 0.37 - 150.0)
            .collect()
    }

    fn naive_sq(x: &[f64], d: usize, i: usize, j: usize) -> f64 {
        let mut s = 0.0;
        for f in 0..d {
            let t = x[i * d + f] - x[j * d + f];
            s += t * t;
        }
        s
    }

    #[test]
    fn distances_are_summed_feature_by_feature_as_scipy_does() {
        for (n, d) in [(1, 1), (3, 2), (300, 5), (600, 9)] {
            let x = points(n, d);
            let p = Panels::from_rows(&x, n, d);
            let mut c = vec![0.0; d];
            for i in [0, n / 2, n - 1] {
                p.column(i, &mut c);
                assert_eq!(c, &x[i * d..(i + 1) * d]);
                let mut out = vec![0.0; n - i];
                p.sq_distances_from(&c, i, &mut out);
                for (j, &o) in (i..n).zip(&out) {
                    assert_eq!(
                        o.to_bits(),
                        naive_sq(&x, d, i, j).to_bits(),
                        "{n} {d} {i} {j}"
                    );
                    assert_eq!(o.to_bits(), p.sq_distance_to(&c, j).to_bits());
                }
            }
        }
    }

    #[test]
    fn retain_keeps_the_order_of_the_points_kept() {
        let (n, d) = (600, 3);
        let x = points(n, d);
        let mut p = Panels::from_rows(&x, n, d);
        let keep: Vec<bool> = (0..n).map(|j| j % 3 != 1).collect();
        p.retain(&keep);
        let kept: Vec<usize> = (0..n).filter(|&j| keep[j]).collect();
        assert_eq!(p.len(), kept.len());
        let mut c = vec![0.0; d];
        for (to, &from) in kept.iter().enumerate() {
            p.column(to, &mut c);
            assert_eq!(c, &x[from * d..(from + 1) * d]);
        }
    }

    #[test]
    fn argmin_takes_the_lowest_index_among_equal_values() {
        // Every point at the same distance from the origin, across several panels.
        let n = 3 * WIDTH + 5;
        let x: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let p = Panels::from_rows(&x, n, 1);
        assert_eq!(p.argmin(&[0.0], |_, s| Some(s)), Some((1.0, 0)));
        assert_eq!(
            p.argmin(&[0.0], |j, s| (j > WIDTH + 3).then_some(s)),
            Some((1.0, WIDTH + 4))
        );
        assert_eq!(p.argmin(&[0.0], |_, _| None), None);
    }

    #[test]
    fn prim_step_relaxes_and_picks_the_first_minimum() {
        let x = [0.0, 3.0, 1.0, 1.0, 5.0];
        let p = Panels::from_rows(&x, 5, 1);
        let in_tree = [true, false, false, false, false];
        let mut reach = [f64::INFINITY, 2.5, f64::INFINITY, 0.5, f64::INFINITY];
        let got = p.relax_and_argmin(&[0.0], &in_tree, &mut reach, f64::sqrt);
        assert_eq!(got, Some((0.5, 3)));
        assert_eq!(reach, [f64::INFINITY, 2.5, 1.0, 0.5, 5.0]);
    }
}
