//! Stability of a clustering under resampling: prediction strength (Tibshirani and Walther,
//! 2005) and clusterwise Jaccard stability (Hennig, 2007, as fpc's `clusterboot`).
//!
//! The resamples are drawn here, from a seed; the fits on them are the caller's (the runner
//! fits the cell's own configuration). Both measures count pairs and overlaps through
//! contingency tables of the labels, so they need O(n + k²) memory, never an n x n matrix.
//!
//! ```
//! use clusterlab_metrics::stability::{halves, prediction_strength};
//!
//! let (a, b) = halves(10, 7);
//! assert_eq!((a.len(), b.len()), (5, 5));
//! // The test half's own clusters, and the clusters the training half's model predicts for it.
//! let own = [0, 0, 0, 1, 1];
//! let predicted = [1, 1, 1, 0, 0];
//! assert_eq!(prediction_strength(&own, &predicted), Some(1.0));
//! ```

use clusterlab_core::seed::rng;
use rand::seq::SliceRandom;

/// The threshold of Tibshirani and Walther: the largest K whose prediction strength is at
/// least this is picked.
pub const PREDICTION_STRENGTH_THRESHOLD: f64 = 0.8;

/// A random split of `0..n` into two halves (the first `n / 2` of a shuffle, then the rest),
/// each in increasing order, drawn from `seed`.
pub fn halves(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut rng(seed));
    let mut b = idx.split_off(n / 2);
    idx.sort_unstable();
    b.sort_unstable();
    (idx, b)
}

/// A bootstrap sample of `0..n`: `n` draws with replacement from `seed`, in increasing order.
///
/// ```
/// let s = clusterlab_metrics::stability::bootstrap(6, 1);
/// assert_eq!(s.len(), 6);
/// assert!(s.windows(2).all(|w| w[0] <= w[1]) && s.iter().all(|&i| i < 6));
/// ```
pub fn bootstrap(n: usize, seed: u64) -> Vec<usize> {
    use rand::Rng;
    let mut r = rng(seed);
    let mut idx: Vec<usize> = (0..n).map(|_| r.random_range(0..n.max(1))).collect();
    idx.sort_unstable();
    idx
}

/// A contingency table of two labelings of the same points: `counts[a][b]` points have label
/// `a` in the first and `b` in the second.
fn contingency(first: &[usize], second: &[usize]) -> Vec<Vec<usize>> {
    let ka = first.iter().max().map_or(0, |m| m + 1);
    let kb = second.iter().max().map_or(0, |m| m + 1);
    let mut t = vec![vec![0usize; kb]; ka];
    for (&a, &b) in first.iter().zip(second) {
        t[a][b] += 1;
    }
    t
}

fn pairs(n: usize) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2.0
}

/// Prediction strength of one split: for each cluster of the test half's own clustering
/// (`own`) with at least two points, the fraction of its pairs of points that the training
/// half's model also puts together (`predicted`, its labels for the test points); the
/// strength is the smallest fraction. `None` when the labelings differ in length or no
/// cluster has two points.
pub fn prediction_strength(own: &[usize], predicted: &[usize]) -> Option<f64> {
    if own.len() != predicted.len() {
        return None;
    }
    contingency(own, predicted)
        .iter()
        .filter_map(|row| {
            let size: usize = row.iter().sum();
            (size >= 2).then(|| row.iter().map(|&c| pairs(c)).sum::<f64>() / pairs(size))
        })
        .reduce(f64::min)
}

/// Clusterwise stability of one bootstrap sample: for each cluster of the original
/// clustering (`original`, one label per point of the data), the Jaccard similarity of its
/// points drawn in the sample with the most similar cluster of the sample's own clustering
/// (`sample_labels`, one per draw of `sample`, which lists drawn points in increasing order);
/// the mean over the original clusters that have a point in the sample. A point drawn several
/// times counts once, as in fpc's `clusterboot`. `None` when the inputs do not fit together.
///
/// ```
/// use clusterlab_metrics::stability::jaccard_stability;
/// let original = [0, 0, 1, 1];
/// // Points 0, 1, 1 and 3 drawn; the sample's clustering splits them as the original does.
/// assert_eq!(jaccard_stability(&original, &[0, 1, 1, 3], &[1, 1, 1, 0]), Some(1.0));
/// ```
pub fn jaccard_stability(
    original: &[usize],
    sample: &[usize],
    sample_labels: &[usize],
) -> Option<f64> {
    if sample.len() != sample_labels.len() || sample.iter().any(|&i| i >= original.len()) {
        return None;
    }
    // Each drawn point once (the sample is sorted, so repeats are adjacent).
    let mut orig = Vec::with_capacity(sample.len());
    let mut boot = Vec::with_capacity(sample.len());
    for (j, &i) in sample.iter().enumerate() {
        if j > 0 && sample[j - 1] == i {
            continue;
        }
        orig.push(original[i]);
        boot.push(sample_labels[j]);
    }
    let t = contingency(&orig, &boot);
    let col_sizes: Vec<usize> = (0..t.first().map_or(0, Vec::len))
        .map(|b| t.iter().map(|row| row[b]).sum())
        .collect();
    let per_cluster: Vec<f64> = t
        .iter()
        .filter_map(|row| {
            let size: usize = row.iter().sum();
            (size > 0).then(|| {
                row.iter()
                    .zip(&col_sizes)
                    .map(|(&both, &other)| both as f64 / (size + other - both) as f64)
                    .fold(0.0, f64::max)
            })
        })
        .collect();
    (!per_cluster.is_empty()).then(|| per_cluster.iter().sum::<f64>() / per_cluster.len() as f64)
}

/// The K of Tibshirani and Walther: the largest K whose prediction strength is at least
/// `threshold` (values parallel to `ks`; undefined values are skipped). `None` when no K
/// reaches it.
///
/// ```
/// use clusterlab_metrics::stability::prediction_strength_pick;
/// let ks = [1, 2, 3, 4, 5];
/// assert_eq!(prediction_strength_pick(&ks, &[1.0, 0.95, 0.9, 0.85, 0.4], 0.8), Some(4));
/// ```
pub fn prediction_strength_pick(ks: &[usize], values: &[f64], threshold: f64) -> Option<usize> {
    if ks.len() != values.len() {
        return None;
    }
    ks.iter()
        .zip(values)
        .filter(|(_, v)| v.is_finite() && **v >= threshold)
        .map(|(k, _)| *k)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_partition_and_depend_on_the_seed_only() {
        let (a, b) = halves(11, 3);
        assert_eq!((a.len(), b.len()), (5, 6));
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..11).collect::<Vec<_>>());
        assert_eq!(halves(11, 3), (a, b));
        assert_ne!(halves(11, 3), halves(11, 4));
    }

    #[test]
    fn prediction_strength_is_the_worst_clusters_share_of_pairs() {
        // Test cluster 0 (4 points) split 3 + 1 by the prediction: 3 of its 6 pairs kept.
        let own = [0, 0, 0, 0, 1, 1];
        let predicted = [0, 0, 0, 1, 1, 1];
        assert_eq!(prediction_strength(&own, &predicted), Some(0.5));
        // Singletons have no pairs and do not count.
        assert_eq!(prediction_strength(&[0, 1], &[0, 0]), None);
        assert_eq!(prediction_strength(&[0, 0], &[0]), None);
    }

    #[test]
    fn jaccard_of_a_shifted_split() {
        // Original {0,1,2} {3,4,5}; the sample clustering moves point 2 over.
        let original = [0, 0, 0, 1, 1, 1];
        let sample = [0, 1, 2, 3, 4, 5];
        let labels = [0, 0, 1, 1, 1, 1];
        // Cluster 0: best match {0,1}: 2/3. Cluster 1: best match {2,3,4,5}: 3/4.
        let j = jaccard_stability(&original, &sample, &labels).unwrap();
        assert!((j - (2.0 / 3.0 + 0.75) / 2.0).abs() < 1e-15);
        assert_eq!(jaccard_stability(&original, &[9], &[0]), None);
    }

    #[test]
    fn the_largest_strong_k_is_picked() {
        assert_eq!(
            prediction_strength_pick(&[1, 2, 3], &[1.0, 0.5, f64::NAN], 0.8),
            Some(1)
        );
        assert_eq!(prediction_strength_pick(&[2, 3], &[0.5, 0.6], 0.8), None);
    }
}
