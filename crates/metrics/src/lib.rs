//! Cluster-quality metrics, the gap statistic and best-K selection.
//!
//! Choosing K is the question every clustering run ends with, and inertia alone never answers
//! it. This crate gives the other answers, each as scikit-learn 1.5 defines it so that values
//! can be checked against it (committed fixtures agree within `1e-10`):
//!
//! - internal metrics, from the data and the labels: [`silhouette_score`] (exact, parallel,
//!   `O(n)` memory, optionally on a seeded sample), [`silhouette_samples`],
//!   [`calinski_harabasz_score`], [`davies_bouldin_score`];
//! - indices that scikit-learn lacks, as NbClust 3.0 (Charrad et al., 2014) computes them
//!   (checked against a plain-R reimplementation of its code,
//!   `tests/fixtures/make_nbclust_fixtures.R`), all needing only the data, the labels and the
//!   cluster means, from one pass of per-cluster sufficient statistics ([`ClusterScatter`]):
//!   the within sum of squares [`within_ss`] (from which [`select::hartigan_values`] and
//!   [`select::krzanowski_lai_values`] are read at consecutive K), [`ball_hall_score`],
//!   [`ratkowsky_lance_score`]; and [`dunn_score`], `O(n^2)` like the silhouette and sampled
//!   like it. Each has NbClust's rule for picking K in [`select`];
//! - external metrics, against ground truth: [`adjusted_rand_score`],
//!   [`normalized_mutual_info_score`], [`adjusted_mutual_info_score`],
//!   [`homogeneity_completeness_v_measure`] and its three parts;
//! - [`evaluate`]: all of them at once as a serialisable [`MetricsReport`], with the `fit`
//!   command's silhouette sampling rule ([`EvaluateOptions::default_for`]);
//! - [`gap`]: the gap statistic of Tibshirani, Walther and Hastie with any clustering function;
//! - [`select`]: pure functions that pick K from a series (kneedle elbow, argmax, argmin, the gap
//!   rule) behind one [`Criterion`] enum, so the runner needs no `match` of its own.
//!
//! Design choices:
//!
//! - Labels are `&[usize]` with any values: like scikit-learn's `LabelEncoder`, only which
//!   samples share a label matters, so non-contiguous labels need no renumbering by the caller.
//! - Degenerate partitions never give NaN. Where scikit-learn raises (an internal metric of one
//!   cluster, or of one sample per cluster) the functions return an error that says why, and
//!   [`evaluate`] reports the value as `None`; where scikit-learn returns a value (ARI of two
//!   single-cluster labelings, silhouette 0 of a singleton) so do they.
//! - The silhouette and Dunn's index are the only `O(n^2)` metrics. With few features they run
//!   on a fused register kernel (distance, root and sums in one pass, vectorised; the square
//!   root is its bound), with many on core's matrix-product distances in tiles; the silhouette
//!   also skips the pairs of clusters that cannot be a sample's nearest (exact bounds from the
//!   cluster means). Every sum's order is set by the data's shape, so their bits do not depend
//!   on the thread count. Above 10,000 samples [`evaluate`] computes both on the same seeded
//!   subset.
//! - [`evaluate`] shares the work of its metrics: one validation, one encoding of the labels,
//!   one pass of per-cluster statistics for every index read from the cluster means, and one
//!   contingency table for every external index.
//!
//! # Examples
//!
//! ```
//! use clusterlab_core::ndarray::array;
//! use clusterlab_metrics::{adjusted_rand_score, silhouette_score};
//!
//! let x = array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
//! let labels = [0, 0, 1, 1];
//! assert!(silhouette_score(x.view(), &labels, None)? > 0.9);
//! assert_eq!(adjusted_rand_score(&[7, 7, 9, 9], &labels)?, 1.0);
//! # Ok::<(), clusterlab_core::Error>(())
//! ```
#![deny(missing_docs)]

mod dunn;
mod evaluate;
mod external;
pub mod gap;
mod internal;
mod labels;
mod pairwise;
mod scatter;
pub mod select;
mod special;
pub mod stability;

pub use dunn::dunn_score;
pub use evaluate::{
    DEFAULT_SILHOUETTE_EXACT_LIMIT, DEFAULT_SILHOUETTE_SAMPLE, EvaluateOptions, Metric,
    MetricsReport, evaluate, evaluate_metrics,
};
pub use external::{
    adjusted_mutual_info_score, adjusted_rand_score, completeness_score,
    homogeneity_completeness_v_measure, homogeneity_score, normalized_mutual_info_score,
    v_measure_score,
};
pub use gap::{GapPoint, gap_pick, gap_statistic};
pub use internal::{
    SilhouetteSample, calinski_harabasz_score, davies_bouldin_score, silhouette_samples,
    silhouette_score,
};
pub use scatter::{ClusterScatter, ball_hall_score, ratkowsky_lance_score, within_ss};
pub use select::Criterion;
