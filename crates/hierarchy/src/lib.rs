//! Agglomerative (hierarchical) clustering that agrees with scikit-learn's
//! `AgglomerativeClustering`.
//!
//! A scikit-learn user should trust it at once, so it keeps scikit-learn's parameter names and
//! defaults ([`AgglomerativeParams`]: `n_clusters = 2`, `linkage = "ward"`,
//! `metric = "euclidean"`) and its attributes (`children_`, `distances_`, `labels_`,
//! `n_leaves_`, `n_clusters_`), and it reproduces the code scikit-learn runs without a
//! connectivity matrix down to the order of operations, so that ties are broken the same way:
//!
//! - ward, complete and average: SciPy's nearest-neighbour chain (`scipy.cluster.hierarchy`'s
//!   `nn_chain`), its stable sort of the merges by height and its renumbering;
//! - single: scikit-learn's own Prim's algorithm (`mst_linkage_core`) and labelling;
//! - the cut into K clusters and its label numbering: scikit-learn's `_hc_cut`, including the
//!   layout of CPython's `heapq` that numbers the clusters.
//!
//! Committed fixtures computed by scikit-learn 1.9.1 and SciPy 1.17.1 check it
//! (`tests/fixtures`): the same `children_` and labels for K = 2 to 5, on data with exact
//! duplicates and ties too, and the same `distances_` (to the bit for complete, average and
//! single; within 1e-12 relative for ward).
//!
//! One difference is by design. Ward here computes its distances from cluster centroids, in
//! O(n) memory, where SciPy updates a matrix of all pairwise distances (Lance-Williams); the
//! two round differently. When two merges have exactly the same height (data on a lattice),
//! SciPy's rounding may make one of them an ulp lower and order it first, where here they tie
//! and keep the chain's order: the tree is the same (the same clusters at the same heights),
//! its merges of equal height may be numbered in another order in `children_`, and a cut
//! between two such merges may differ. The fixture of lattice points shows it (the labels for
//! K = 2 to 21 agree there).
//!
//! It is also built to need less memory, and to be faster:
//!
//! - ward computes distances between cluster centroids on the fly instead of keeping the
//!   `n (n - 1) / 2` pairwise distances: O(n d) memory, where SciPy needs 100 MB at 5,000
//!   samples and 40 GB at 100,000;
//! - single linkage is Prim's algorithm in O(n) memory, as in scikit-learn;
//! - complete and average linkage need the pairwise distances: a fit whose matrix would not
//!   fit in the available memory is refused before it starts, with the numbers;
//! - the one-against-all distance scans run over fixed panels of samples in parallel, and the
//!   smallest distance is the lowest index among equals whatever the panels, so one thread and
//!   many give the same bits.
//!
//! Distances are summed feature by feature, first to last, by core's
//! [`sq_distances_across_into`](clusterlab_core::distance::sq_distances_across_into): the
//! order of SciPy's `pdist` and scikit-learn's `DistanceMetric`, so a distance between two
//! samples has the same bits here and there.
//!
//! There is no randomness: the seed of [`Agglomerative::fit`] is ignored. There is no
//! `predict` either (scikit-learn has none): [`Model::predict`](clusterlab_core::Model::predict)
//! returns an error. The whole tree is kept, so [`AgglomerativeModel::cut`] gives the labels at
//! another K without refitting, and [`dendrogram_coords`] lays out its dendrogram as SciPy's
//! `dendrogram` does.
//!
//! # Examples
//!
//! ```
//! use clusterlab_hierarchy::{AgglomerativeParams, Linkage, dendrogram_coords};
//! use ndarray::array;
//!
//! let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0], [30.0, 0.0]];
//! let params = AgglomerativeParams { linkage: Linkage::Average, ..AgglomerativeParams::new(3) };
//! let model = params.build()?.fit(x.view(), 0)?;
//! assert_eq!(model.labels(), [2, 2, 0, 0, 1]);
//! assert_eq!(model.children(), [[0, 1], [2, 3], [5, 6], [4, 7]]);
//! // The same tree at every K, without refitting:
//! assert_eq!(model.cut(2)?, [0, 0, 0, 0, 1]);
//! assert_eq!(dendrogram_coords(&model).leaves, [4, 0, 1, 2, 3]);
//! # Ok::<(), clusterlab_core::Error>(())
//! ```
#![deny(missing_docs)]

mod cut;
mod dendrogram;
mod memory;
mod model;
mod panels;
mod params;
mod tree;

pub use dendrogram::{Dendrogram, dendrogram_coords};
pub use model::AgglomerativeModel;
pub use params::{Agglomerative, AgglomerativeParams, Linkage, Metric};
