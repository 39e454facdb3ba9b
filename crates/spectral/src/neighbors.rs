//! The `n_neighbors` nearest samples of every sample, as scikit-learn's
//! `kneighbors_graph(X, n_neighbors, include_self=True)` finds them.
//!
//! Neighbours are ordered by squared distance, then with the sample itself first among equals
//! (the `include_self` of scikit-learn, where duplicates make the choice arbitrary), then by
//! index: a total order, so the set of nearest samples is unique and every method below finds
//! the same one. Distances are [`clusterlab_core::distance::sq_euclidean`], the same bits
//! whichever method computes them.
//!
//! Up to [`KD_TREE_MAX_FEATURES`] features a k-d tree answers the queries in about
//! `O(log n)` each (what scikit-learn's `algorithm="auto"` does too); above, brute force,
//! `O(n² d)`. The tree only prunes a branch whose bound is *strictly* above the worst
//! candidate so far, and a computed distance is never below the computed bound (rounding is
//! monotone and the sum has no negative term), so it returns exactly the brute-force set; a
//! test checks it, duplicates included. Queries run in parallel over fixed chunks of samples,
//! each answered by one task.

use clusterlab_core::distance::sq_euclidean;
use ndarray::ArrayView2;
use rayon::prelude::*;

/// The most features for which the k-d tree is used (chosen by shape only).
pub(crate) const KD_TREE_MAX_FEATURES: usize = 16;

/// Samples per leaf of the k-d tree.
const LEAF_SIZE: usize = 32;

/// Samples per parallel task.
const ROWS_PER_TASK: usize = 256;

/// A candidate neighbour: squared distance, "is not the sample itself", index.
type Candidate = (f64, bool, usize);

fn order(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
}

/// The best `k` candidates of one query, sorted.
struct Best {
    k: usize,
    items: Vec<Candidate>,
}

impl Best {
    fn new(k: usize) -> Self {
        Best {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// The squared distance a candidate must not exceed to enter (infinite until full).
    fn bound(&self) -> f64 {
        if self.items.len() < self.k {
            f64::INFINITY
        } else {
            self.items.last().map_or(f64::INFINITY, |c| c.0)
        }
    }

    fn offer(&mut self, c: Candidate) {
        if self.items.len() == self.k {
            match self.items.last() {
                Some(worst) if order(&c, worst).is_lt() => {
                    self.items.pop();
                }
                _ => return,
            }
        }
        let at = self.items.partition_point(|b| order(b, &c).is_lt());
        self.items.insert(at, c);
    }

    fn indices(&self) -> Vec<usize> {
        self.items.iter().map(|c| c.2).collect()
    }
}

/// The `n_neighbors` (at least 1, at most `n`) nearest samples of every row of `x` (at least one
/// feature), nearest first.
pub(crate) fn nearest_neighbors(x: ArrayView2<'_, f64>, n_neighbors: usize) -> Vec<Vec<usize>> {
    if x.ncols() <= KD_TREE_MAX_FEATURES {
        kd_tree(x, n_neighbors)
    } else {
        brute_force(x, n_neighbors)
    }
}

/// Every query against every sample.
pub(crate) fn brute_force(x: ArrayView2<'_, f64>, n_neighbors: usize) -> Vec<Vec<usize>> {
    let (n, d) = x.dim();
    let x = x.as_standard_layout();
    let flat = x
        .as_slice()
        .expect("a standard-layout matrix is contiguous");
    let rows: Vec<usize> = (0..n).collect();
    rows.par_chunks(ROWS_PER_TASK)
        .flat_map_iter(|chunk| {
            chunk.iter().map(|&i| {
                let xi = &flat[i * d..(i + 1) * d];
                let mut best = Best::new(n_neighbors);
                for (j, xj) in flat.chunks_exact(d).enumerate() {
                    let dist = sq_euclidean(xi, xj);
                    if dist <= best.bound() {
                        best.offer((dist, j != i, j));
                    }
                }
                best.indices()
            })
        })
        .collect()
}

enum Node {
    Leaf {
        start: usize,
        end: usize,
    },
    Split {
        dim: usize,
        value: f64,
        left: usize,
        right: usize,
    },
}

struct Tree<'a> {
    flat: &'a [f64],
    d: usize,
    order: Vec<usize>,
    nodes: Vec<Node>,
}

impl<'a> Tree<'a> {
    fn new(flat: &'a [f64], d: usize) -> Tree<'a> {
        let n = flat.len() / d;
        let mut tree = Tree {
            flat,
            d,
            order: (0..n).collect(),
            nodes: Vec::new(),
        };
        tree.build(0, n);
        tree
    }

    fn coord(&self, i: usize, dim: usize) -> f64 {
        self.flat[i * self.d + dim]
    }

    /// Builds the node of `order[start..end]` and returns its index: split at the median of
    /// the dimension of largest spread.
    fn build(&mut self, start: usize, end: usize) -> usize {
        let id = self.nodes.len();
        if end - start <= LEAF_SIZE {
            self.nodes.push(Node::Leaf { start, end });
            return id;
        }
        let mut dim = 0;
        let mut spread = -1.0;
        for f in 0..self.d {
            let (lo, hi) = self.order[start..end]
                .iter()
                .map(|&i| self.coord(i, f))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
            if hi - lo > spread {
                (dim, spread) = (f, hi - lo);
            }
        }
        let mid = start + (end - start) / 2;
        let (flat, d) = (self.flat, self.d);
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            flat[a * d + dim]
                .total_cmp(&flat[b * d + dim])
                .then(a.cmp(&b))
        });
        let value = self.coord(self.order[mid], dim);
        self.nodes.push(Node::Leaf { start, end }); // placeholder, replaced below
        let left = self.build(start, mid);
        let right = self.build(mid, end);
        self.nodes[id] = Node::Split {
            dim,
            value,
            left,
            right,
        };
        id
    }

    /// Offers every sample of the subtree `node` that may beat the current best to `best`.
    fn search(&self, node: usize, i: usize, best: &mut Best) {
        let xi = &self.flat[i * self.d..(i + 1) * self.d];
        match self.nodes[node] {
            Node::Leaf { start, end } => {
                for &j in &self.order[start..end] {
                    let dist = sq_euclidean(xi, &self.flat[j * self.d..(j + 1) * self.d]);
                    if dist <= best.bound() {
                        best.offer((dist, j != i, j));
                    }
                }
            }
            Node::Split {
                dim,
                value,
                left,
                right,
            } => {
                // Left holds coordinates <= value, right >= value.
                let diff = xi[dim] - value;
                let (near, far) = if diff <= 0.0 {
                    (left, right)
                } else {
                    (right, left)
                };
                self.search(near, i, best);
                if diff * diff <= best.bound() {
                    self.search(far, i, best);
                }
            }
        }
    }
}

/// Queries against a k-d tree of the samples.
pub(crate) fn kd_tree(x: ArrayView2<'_, f64>, n_neighbors: usize) -> Vec<Vec<usize>> {
    let (n, d) = x.dim();
    let x = x.as_standard_layout();
    let flat = x
        .as_slice()
        .expect("a standard-layout matrix is contiguous");
    let tree = Tree::new(flat, d);
    let rows: Vec<usize> = (0..n).collect();
    rows.par_chunks(ROWS_PER_TASK)
        .flat_map_iter(|chunk| {
            chunk.iter().map(|&i| {
                let mut best = Best::new(n_neighbors);
                tree.search(0, i, &mut best);
                best.indices()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn self_comes_first_among_duplicates_then_index() {
        // 0 and 1 coincide; 2 is at distance 1 from both; 3 far away.
        let x = array![[0.0], [0.0], [1.0], [10.0]];
        let want = vec![vec![0, 1], vec![1, 0], vec![2, 0], vec![3, 2]];
        assert_eq!(brute_force(x.view(), 2), want);
        assert_eq!(kd_tree(x.view(), 2), want);
    }

    proptest! {
        /// The tree finds exactly the brute-force neighbours, on data with many duplicates
        /// and ties (coordinates on a coarse grid) and on continuous data.
        #[test]
        fn kd_tree_equals_brute_force(
            n in 1usize..400,
            d in 1usize..5,
            k in 1usize..12,
            grid in proptest::bool::ANY,
            seed in 0u64..1000,
        ) {
            let k = k.min(n);
            let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let x = Array2::from_shape_fn((n, d), |_| {
                if grid { f64::from(r.random_range(0..4u8)) } else { r.random_range(-1.0..1.0) }
            });
            prop_assert_eq!(kd_tree(x.view(), k), brute_force(x.view(), k));
        }
    }
}
