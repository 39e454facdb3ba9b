//! The tree builders: the nearest-neighbour chain (ward, complete, average) and Prim's minimum
//! spanning tree (single), each in the order of operations of the code scikit-learn calls, so
//! that ties are broken the same way.
//!
//! - Ward, complete and average run SciPy's `nn_chain` (scikit-learn's `ward_tree` and
//!   `linkage_tree` call `scipy.cluster.hierarchy.ward` and `linkage`): the chain starts at the
//!   lowest active cluster, a cluster's nearest neighbour is the lowest index among equal
//!   distances unless the previous cluster of the chain is as near (then the chain stops there
//!   and the two merge), the merged cluster takes the larger slot. The merges are then sorted by
//!   distance (a stable sort) and renumbered by a union-find, as SciPy's `label` does.
//! - Ward keeps only the clusters' centroids and sizes, O(n d) memory, and computes distances
//!   on the fly: `d(u, v)^2 = 2 |u| |v| / (|u| + |v|) ||c_u - c_v||^2`, the value SciPy's
//!   Lance-Williams update reaches through another rounding path (so ward's merge heights agree
//!   with SciPy's to rounding, and exactly between two samples).
//! - Complete and average need the distances between clusters, which depend on the history of
//!   merges: they keep SciPy's condensed matrix of `n (n - 1) / 2` distances and its updates,
//!   and give SciPy's bits.
//! - Single runs scikit-learn's `mst_linkage_core` (Prim's algorithm from sample 0, O(n)
//!   memory), sorts the edges by weight (stably) and labels them as its
//!   `_single_linkage_label` does; children are not reordered.
//!
//! Work shrinks as the tree grows: the clusters merged away (the samples already in the tree)
//! are dropped once they are half of what is kept ([`MIN_COMPACT`]), so a scan reads about 1.5
//! times the live clusters on average, not all `n`.

use clusterlab_core::{Error, Result};
use rayon::prelude::*;

use crate::panels::Panels;

/// A merge tree in scikit-learn's form: merge `i` joins `children[i]` into node `n + i`, at
/// height `distances[i]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tree {
    pub(crate) children: Vec<[usize; 2]>,
    pub(crate) distances: Vec<f64>,
}

/// Every builder drops the clusters (or samples) it is done with once they are more than half
/// of those it keeps, moving the others together in their order, so that a scan reads at most
/// about twice what is live and still meets it in SciPy's order; below this many there is
/// little left to gain.
const MIN_COMPACT: usize = 256;

/// The values of `v` whose `keep` is true, in order.
fn kept<T: Copy>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(&v, _)| v)
        .collect()
}

/// The distances between the clusters of a nearest-neighbour chain.
///
/// Slots are the samples' indices; a merge of `x < y` empties slot `x` and puts the merged
/// cluster in slot `y`.
trait Clusters {
    /// Number of slots.
    fn len(&self) -> usize;
    /// Whether slot `i` holds a cluster.
    fn is_active(&self, i: usize) -> bool;
    /// The nearest active cluster to `x` (but `x`) and its distance value; the lowest slot
    /// among equal values. At least two clusters must be active.
    fn nearest(&self, x: usize) -> (f64, usize);
    /// The distance value between `x` and `y`, with the bits [`nearest`](Self::nearest) gives.
    fn between(&self, x: usize, y: usize) -> f64;
    /// Merges `x < y`, whose distance value is `value`.
    fn merge(&mut self, x: usize, y: usize, value: f64);
    /// The merge height of a distance value.
    fn height(&self, value: f64) -> f64;
}

/// SciPy's `nn_chain`, then its sort and `label`.
fn nn_chain(clusters: &mut impl Clusters) -> Tree {
    let n = clusters.len();
    let mut merges: Vec<(usize, usize, f64)> = Vec::with_capacity(n.saturating_sub(1));
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    for _ in 1..n {
        if chain.is_empty() {
            let first = (0..n).find(|&i| clusters.is_active(i));
            chain.push(first.expect("a merge remains, so a cluster is active"));
        }
        let (x, y, value) = loop {
            let x = *chain.last().expect("the chain is not empty");
            let (min, nearest) = clusters.nearest(x);
            if chain.len() > 1 {
                // The previous cluster wins ties, so that the chain never cycles.
                let prev = chain[chain.len() - 2];
                let to_prev = clusters.between(x, prev);
                if min >= to_prev {
                    break (x, prev, to_prev);
                }
            }
            chain.push(nearest);
        };
        chain.truncate(chain.len() - 2);
        let (x, y) = (x.min(y), x.max(y));
        merges.push((x, y, clusters.height(value)));
        clusters.merge(x, y, value);
    }
    label(n, sorted(merges))
}

/// The merges sorted by height, equal heights in the order they were made (NumPy's stable
/// `argsort(kind="mergesort")`).
fn sorted(mut merges: Vec<(usize, usize, f64)>) -> Vec<(usize, usize, f64)> {
    merges.sort_by(|a, b| a.2.partial_cmp(&b.2).unwrap_or(std::cmp::Ordering::Equal));
    merges
}

/// The union-find of SciPy's `label` and scikit-learn's `_single_linkage_label`: the root of a
/// sample is the node that last absorbed it.
struct UnionFind {
    parent: Vec<usize>,
    next: usize,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..2 * n.max(1) - 1).collect(),
            next: n,
        }
    }

    fn find(&mut self, x: usize) -> usize {
        let mut root = x;
        while self.parent[root] != root {
            root = self.parent[root];
        }
        let mut p = x;
        while self.parent[p] != root {
            let up = self.parent[p];
            self.parent[p] = root;
            p = up;
        }
        root
    }

    fn union(&mut self, a: usize, b: usize) {
        self.parent[a] = self.next;
        self.parent[b] = self.next;
        self.next += 1;
    }
}

/// SciPy's `label`: slot pairs become node pairs, the smaller node first.
fn label(n: usize, merges: Vec<(usize, usize, f64)>) -> Tree {
    let mut uf = UnionFind::new(n);
    let mut children = Vec::with_capacity(merges.len());
    let mut distances = Vec::with_capacity(merges.len());
    for (x, y, h) in merges {
        let (a, b) = (uf.find(x), uf.find(y));
        children.push([a.min(b), a.max(b)]);
        distances.push(h);
        uf.union(a, b);
    }
    Tree {
        children,
        distances,
    }
}

/// Ward's clusters: centroids and sizes; distance values are squared Ward distances.
///
/// The centroids of merged-away clusters are dropped once they are more than half of those
/// kept (the others keep their order, so scans still meet clusters in SciPy's order).
struct WardClusters {
    /// Centroids by position.
    centroids: Panels,
    /// Cluster sizes by position, 0 for a merged-away cluster.
    size: Vec<usize>,
    /// The slot (sample index) of each position.
    slot_of: Vec<usize>,
    /// The position of each slot.
    pos: Vec<usize>,
    dead: usize,
}

/// `2 a b / (a + b)`: the factor of the squared distance between the centroids of clusters of
/// `a` and `b` samples (1 for two samples, so their Ward distance is their distance).
fn ward_factor(a: usize, b: usize) -> f64 {
    (2 * a * b) as f64 / (a + b) as f64
}

impl WardClusters {
    fn centroid(&self, p: usize) -> Vec<f64> {
        let mut c = vec![0.0; self.centroids.dim()];
        self.centroids.column(p, &mut c);
        c
    }

    fn compact(&mut self) {
        let keep: Vec<bool> = self.size.iter().map(|&s| s > 0).collect();
        self.centroids.retain(&keep);
        self.size = kept(&self.size, &keep);
        self.slot_of = kept(&self.slot_of, &keep);
        for (p, &slot) in self.slot_of.iter().enumerate() {
            self.pos[slot] = p;
        }
        self.dead = 0;
    }
}

impl Clusters for WardClusters {
    fn len(&self) -> usize {
        self.pos.len()
    }

    fn is_active(&self, i: usize) -> bool {
        let p = self.pos[i];
        p != usize::MAX && self.size[p] > 0
    }

    fn nearest(&self, x: usize) -> (f64, usize) {
        let px = self.pos[x];
        let cx = self.centroid(px);
        let nx = self.size[px];
        let size = &self.size;
        let (v, p) = self
            .centroids
            .argmin(&cx, |p, sq| {
                (size[p] > 0 && p != px).then(|| ward_factor(nx, size[p]) * sq)
            })
            .expect("two clusters are active");
        (v, self.slot_of[p])
    }

    fn between(&self, x: usize, y: usize) -> f64 {
        let (px, py) = (self.pos[x], self.pos[y]);
        let cx = self.centroid(px);
        ward_factor(self.size[px], self.size[py]) * self.centroids.sq_distance_to(&cx, py)
    }

    fn merge(&mut self, x: usize, y: usize, _value: f64) {
        let (px, py) = (self.pos[x], self.pos[y]);
        let (cx, cy) = (self.centroid(px), self.centroid(py));
        let (nx, ny) = (self.size[px], self.size[py]);
        let (fx, fy, total) = (nx as f64, ny as f64, (nx + ny) as f64);
        let merged: Vec<f64> = cx
            .iter()
            .zip(&cy)
            .map(|(a, b)| (fx * a + fy * b) / total)
            .collect();
        self.centroids.set_column(py, &merged);
        self.size[px] = 0;
        self.size[py] = nx + ny;
        self.pos[x] = usize::MAX;
        self.dead += 1;
        let len = self.centroids.len();
        if self.dead * 2 > len && len >= MIN_COMPACT {
            self.compact();
        }
    }

    fn height(&self, value: f64) -> f64 {
        value.sqrt()
    }
}

/// Ward linkage of the rows of `x` (row-major `n x d`) in O(n d) memory.
pub(crate) fn ward(x: &[f64], n: usize, d: usize) -> Tree {
    let mut clusters = WardClusters {
        centroids: Panels::from_rows(x, n, d),
        size: vec![1; n],
        slot_of: (0..n).collect(),
        pos: (0..n).collect(),
        dead: 0,
    };
    nn_chain(&mut clusters)
}

/// The linkages that update a condensed matrix of cluster distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Update {
    /// The largest distance between the clusters' samples.
    Complete,
    /// The mean distance between the clusters' samples.
    Average,
}

/// Indices into a condensed distance matrix (SciPy's `condensed_index`).
#[derive(Debug, Clone, Copy)]
struct Condensed {
    n: usize,
}

impl Condensed {
    fn len(self) -> usize {
        self.n * (self.n - 1) / 2
    }

    /// Where row `i` (its pairs with `j > i`) starts.
    fn row_start(self, i: usize) -> usize {
        self.n * i - i * (i + 1) / 2
    }

    fn index(self, i: usize, j: usize) -> usize {
        let (i, j) = (i.min(j), i.max(j));
        self.row_start(i) + (j - i - 1)
    }
}

/// Calls `f(i, index(i, v))` for every `i` in `lo..hi` but `v`, in order, without a
/// multiplication per step: above `v` the indices of column `v` grow by `n - i - 2`, below it
/// they are the contiguous row `v`.
#[inline]
fn for_each_in_line(
    at: Condensed,
    v: usize,
    lo: usize,
    hi: usize,
    mut f: impl FnMut(usize, usize),
) {
    let mid = v.clamp(lo, hi);
    if lo < mid {
        let mut idx = at.index(lo, v);
        for i in lo..mid {
            f(i, idx);
            idx += at.n - i - 2;
        }
    }
    let from = (v + 1).max(lo);
    if from < hi {
        let row = at.row_start(v);
        for i in from..hi {
            f(i, row + (i - v - 1));
        }
    }
}

/// Complete and average clusters: SciPy's condensed matrix of distances between clusters.
///
/// The matrix is compacted as clusters merge: when more than half of its rows belong to
/// merged-away clusters, the live rows are moved together, in place and in their order (so
/// scans still meet clusters in SciPy's order, and the lowest index still wins ties). A scan
/// then reads at most twice the live clusters, and the matrix shrinks as the tree grows.
struct CondensedClusters {
    at: Condensed,
    dist: Vec<f64>,
    /// Cluster sizes by position in the matrix, 0 for a merged-away cluster.
    size: Vec<usize>,
    /// The slot (sample index) of each position.
    slot_of: Vec<usize>,
    /// The position of each slot.
    pos: Vec<usize>,
    dead: usize,
    update: Update,
}

/// Positions per parallel chunk of a condensed-matrix scan.
const SCAN_CHUNK: usize = 2048;

impl CondensedClusters {
    /// Moves the live rows together (see the type's documentation).
    fn compact(&mut self) {
        let old = self.at;
        let live: Vec<usize> = (0..old.n).filter(|&p| self.size[p] > 0).collect();
        let new = Condensed { n: live.len() };
        // Every pair's new index is at most its old one, and pairs are visited in increasing
        // old index: a write never lands on a value still to be read.
        let mut k = 0;
        for (a, &pa) in live.iter().enumerate() {
            let row = old.row_start(pa);
            for &pb in &live[a + 1..] {
                self.dist[k] = self.dist[row + (pb - pa - 1)];
                k += 1;
            }
        }
        debug_assert_eq!(k, new.len());
        self.dist.truncate(new.len());
        self.dist.shrink_to_fit();
        self.size = live.iter().map(|&p| self.size[p]).collect();
        self.slot_of = live.iter().map(|&p| self.slot_of[p]).collect();
        for (p, &slot) in self.slot_of.iter().enumerate() {
            self.pos[slot] = p;
        }
        self.at = new;
        self.dead = 0;
    }
}

impl Clusters for CondensedClusters {
    fn len(&self) -> usize {
        self.pos.len()
    }

    fn is_active(&self, i: usize) -> bool {
        let p = self.pos[i];
        p != usize::MAX && self.size[p] > 0
    }

    fn nearest(&self, x: usize) -> (f64, usize) {
        let (at, px) = (self.at, self.pos[x]);
        let scan = |lo: usize| {
            let mut best: Option<(f64, usize)> = None;
            for_each_in_line(at, px, lo, (lo + SCAN_CHUNK).min(at.n), |i, idx| {
                if self.size[i] > 0 {
                    let v = self.dist[idx];
                    if best.is_none_or(|(b, _)| v < b) {
                        best = Some((v, i));
                    }
                }
            });
            best
        };
        let starts = (0..at.n).step_by(SCAN_CHUNK);
        let candidates: Vec<Option<(f64, usize)>> = if at.n > 2 * SCAN_CHUNK {
            starts
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(scan)
                .collect()
        } else {
            starts.map(scan).collect()
        };
        // The first chunk's minimum wins ties, as one sequential scan with `<` would have it.
        let (v, p) = candidates
            .into_iter()
            .flatten()
            .fold(None, |best: Option<(f64, usize)>, (v, i)| match best {
                Some((b, _)) if v >= b => best,
                _ => Some((v, i)),
            })
            .expect("two clusters are active");
        (v, self.slot_of[p])
    }

    fn between(&self, x: usize, y: usize) -> f64 {
        self.dist[self.at.index(self.pos[x], self.pos[y])]
    }

    /// SciPy's `_complete` and `_average` updates, in its order of operations.
    fn merge(&mut self, x: usize, y: usize, _value: f64) {
        let (at, px, py) = (self.at, self.pos[x], self.pos[y]);
        let (nx, ny) = (self.size[px], self.size[py]);
        self.size[px] = 0;
        self.size[py] = nx + ny;
        self.pos[x] = usize::MAX;
        self.dead += 1;
        let (fx, fy, total) = (nx as f64, ny as f64, (nx + ny) as f64);
        let (dist, size, update) = (&mut self.dist, &self.size, self.update);
        let mut set = |i: usize, ix: usize, iy: usize| {
            if size[i] > 0 {
                let (dxi, dyi) = (dist[ix], dist[iy]);
                dist[iy] = match update {
                    Update::Complete => dxi.max(dyi),
                    Update::Average => (fx * dxi + fy * dyi) / total,
                };
            }
        };
        // The pairs (i, x) and (i, y) for every i, walked together: in columns x and y above
        // px, in row x and column y between, in rows x and y below py.
        let n = at.n;
        if px > 0 {
            let (mut ix, mut iy) = (at.index(0, px), at.index(0, py));
            for i in 0..px {
                set(i, ix, iy);
                ix += n - i - 2;
                iy += n - i - 2;
            }
        }
        let row_x = at.row_start(px);
        if px + 1 < py {
            let mut iy = at.index(px + 1, py);
            for i in px + 1..py {
                set(i, row_x + (i - px - 1), iy);
                iy += n - i - 2;
            }
        }
        let row_y = at.row_start(py);
        for i in py + 1..n {
            set(i, row_x + (i - px - 1), row_y + (i - py - 1));
        }
        if self.dead * 2 > at.n && at.n >= MIN_COMPACT {
            self.compact();
        }
    }

    fn height(&self, value: f64) -> f64 {
        value
    }
}

/// Bytes of the condensed distance matrix of `n` samples, if it can be addressed.
pub(crate) fn condensed_bytes(n: usize) -> Option<usize> {
    n.checked_mul(n.saturating_sub(1))
        .map(|p| p / 2)
        .and_then(|len| len.checked_mul(std::mem::size_of::<f64>()))
        .filter(|&b| b <= isize::MAX as usize)
}

/// Complete or average linkage of the rows of `x` (row-major `n x d`), on a condensed matrix
/// of `n (n - 1) / 2` distances. The caller checks that it fits in memory first; an allocation
/// that fails anyway is an error, not an abort.
pub(crate) fn condensed(x: &[f64], n: usize, d: usize, update: Update) -> Result<Tree> {
    if n < 2 {
        return Ok(Tree {
            children: Vec::new(),
            distances: Vec::new(),
        });
    }
    let at = Condensed { n };
    let mut dist: Vec<f64> = Vec::new();
    dist.try_reserve_exact(at.len()).map_err(|e| {
        Error::Numerical(format!(
            "could not allocate the {} pairwise distances of {n} samples: {e}",
            at.len()
        ))
    })?;
    dist.resize(at.len(), 0.0);
    let points = Panels::from_rows(x, n, d);
    let mut rows: Vec<(usize, &mut [f64])> = Vec::with_capacity(n - 1);
    let mut rest = dist.as_mut_slice();
    for i in 0..n - 1 {
        let (row, tail) = rest.split_at_mut(n - i - 1);
        rows.push((i, row));
        rest = tail;
    }
    rows.into_par_iter().with_min_len(64).for_each_init(
        || vec![0.0; d],
        |point, (i, row)| {
            points.column(i, point);
            points.sq_distances_from(point, i + 1, row);
            for v in row.iter_mut() {
                *v = v.sqrt();
            }
        },
    );
    let mut clusters = CondensedClusters {
        at,
        dist,
        size: vec![1; n],
        slot_of: (0..n).collect(),
        pos: (0..n).collect(),
        dead: 0,
        update,
    };
    Ok(nn_chain(&mut clusters))
}

/// Single linkage of the rows of `x` (row-major `n x d`): scikit-learn's `mst_linkage_core`,
/// then its `_single_linkage_label`.
///
/// The samples outside the tree are kept apart, and compacted (in their order) once those that
/// joined it are more than half of them, so that a step of Prim's algorithm meets at most
/// about twice the samples still outside.
pub(crate) fn single(x: &[f64], n: usize, d: usize) -> Tree {
    let mut points = Panels::from_rows(x, n, d);
    // By position among the samples kept apart: the sample, its smallest distance to the tree
    // so far, whether it joined the tree.
    let mut slot_of: Vec<usize> = (0..n).collect();
    let mut reach = vec![f64::INFINITY; n];
    let mut joined = vec![false; n];
    let mut n_joined = 0;
    let mut edges: Vec<(usize, usize, f64)> = Vec::with_capacity(n.saturating_sub(1));
    let mut current = 0;
    if n > 0 {
        joined[0] = true;
        n_joined = 1;
    }
    for _ in 1..n {
        let point = &x[current * d..(current + 1) * d];
        let (dist, p) = points
            .relax_and_argmin(point, &joined, &mut reach, f64::sqrt)
            .expect("a sample is outside the tree");
        let next = slot_of[p];
        edges.push((current, next, dist));
        current = next;
        joined[p] = true;
        n_joined += 1;
        if n_joined * 2 > joined.len() && joined.len() >= MIN_COMPACT {
            let keep: Vec<bool> = joined.iter().map(|j| !j).collect();
            points.retain(&keep);
            slot_of = kept(&slot_of, &keep);
            reach = kept(&reach, &keep);
            joined = vec![false; slot_of.len()];
            n_joined = 0;
        }
    }
    // scikit-learn's labelling keeps the order of the edge's ends: no min/max.
    let mut uf = UnionFind::new(n);
    let mut children = Vec::with_capacity(edges.len());
    let mut distances = Vec::with_capacity(edges.len());
    for (a, b, h) in sorted(edges) {
        let (ra, rb) = (uf.find(a), uf.find(b));
        children.push([ra, rb]);
        distances.push(h);
        uf.union(ra, rb);
    }
    Tree {
        children,
        distances,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condensed_index_is_scipys() {
        let at = Condensed { n: 5 };
        let mut k = 0;
        for i in 0..5 {
            for j in i + 1..5 {
                assert_eq!(at.index(i, j), k);
                assert_eq!(at.index(j, i), k);
                k += 1;
            }
        }
        assert_eq!(at.len(), k);
    }

    /// scikit-learn's `ward_tree` docstring example.
    #[test]
    fn ward_tree_of_sklearns_docstring() {
        let x = [1.0, 2.0, 1.0, 4.0, 1.0, 0.0, 4.0, 2.0, 4.0, 4.0, 4.0, 0.0];
        let t = ward(&x, 6, 2);
        assert_eq!(t.children, [[0, 1], [3, 5], [2, 6], [4, 7], [8, 9]]);
    }

    #[test]
    fn single_linkage_keeps_the_edge_order_of_its_ends() {
        // Prim's algorithm from 0 reaches 1 (distance 1), then 2 (distance 3) from 1.
        let x = [0.0, 1.0, 4.0];
        let t = single(&x, 3, 1);
        assert_eq!(t.children, [[0, 1], [3, 2]]);
        assert_eq!(t.distances, [1.0, 3.0]);
    }

    #[test]
    fn complete_and_average_heights_on_a_line() {
        let x = [0.0, 1.0, 3.0];
        let c = condensed(&x, 3, 1, Update::Complete).unwrap();
        assert_eq!(c.children, [[0, 1], [2, 3]]);
        assert_eq!(c.distances, [1.0, 3.0]);
        let a = condensed(&x, 3, 1, Update::Average).unwrap();
        assert_eq!(a.distances, [1.0, 2.5]);
    }

    #[test]
    fn condensed_bytes_refuses_what_cannot_be_addressed() {
        assert_eq!(condensed_bytes(0), Some(0));
        assert_eq!(condensed_bytes(1), Some(0));
        assert_eq!(condensed_bytes(5000), Some(5000 * 4999 / 2 * 8));
        assert_eq!(condensed_bytes(usize::MAX / 2), None);
    }
}
