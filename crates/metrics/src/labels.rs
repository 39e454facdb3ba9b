//! Label encoding and the contingency table: what every metric does first.
//!
//! Labels are arbitrary `usize` values (they need not be contiguous nor start at 0). Like
//! scikit-learn's `LabelEncoder` and `np.unique(..., return_inverse=True)`, [`Encoded`] maps the
//! sorted distinct values to codes `0..k`, so that cluster `c` of a metric is the `c`-th
//! smallest label.

use clusterlab_core::{Error, Result};

/// Labels mapped to contiguous codes `0..n_labels`, with the size of every class.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Encoded {
    /// Code of every sample, in sample order.
    pub codes: Vec<usize>,
    /// Number of samples of every code.
    pub counts: Vec<usize>,
}

impl Encoded {
    /// Encodes `labels` (codes follow the sorted order of the distinct labels).
    pub fn new(labels: &[usize]) -> Self {
        let n = labels.len();
        let max = labels.iter().copied().max().unwrap_or(0);
        // A direct table is the fast path for the usual small labels; huge label values fall
        // back to a sorted list of the distinct values.
        let codes: Vec<usize>;
        let k: usize;
        if max <= 4 * n + 1024 {
            let mut table = vec![usize::MAX; max + 1];
            for &l in labels {
                table[l] = 0;
            }
            let mut next = 0;
            for t in table.iter_mut().filter(|t| **t == 0) {
                *t = next;
                next += 1;
            }
            k = next;
            codes = labels.iter().map(|&l| table[l]).collect();
        } else {
            let mut uniq = labels.to_vec();
            uniq.sort_unstable();
            uniq.dedup();
            k = uniq.len();
            codes = labels
                .iter()
                .map(|l| uniq.binary_search(l).unwrap_or_else(|i| i))
                .collect();
        }
        let mut counts = vec![0usize; k];
        for &c in &codes {
            counts[c] += 1;
        }
        Encoded { codes, counts }
    }

    /// Number of distinct labels.
    pub fn n_labels(&self) -> usize {
        self.counts.len()
    }
}

/// Checks scikit-learn's `1 < n_labels < n_samples` rule of the internal metrics.
pub(crate) fn check_number_of_labels(
    metric: &'static str,
    n_labels: usize,
    n_samples: usize,
) -> Result<()> {
    if n_labels < 2 || n_labels >= n_samples {
        let why = if n_labels < 2 {
            "a single cluster has no other cluster to compare with".to_string()
        } else {
            format!(
                "every one of the {n_samples} samples is its own cluster, so no cluster has a \
                 within-cluster distance"
            )
        };
        return Err(Error::invalid(
            "labels",
            format!("{n_labels} distinct labels"),
            format!(
                "{metric} is defined only for 2 <= n_labels <= n_samples - 1 = {}: {why}",
                n_samples.saturating_sub(1)
            ),
        ));
    }
    Ok(())
}

/// Checks that two labelings of the same samples have the same, non-zero length.
pub(crate) fn check_pair(truth: &[usize], pred: &[usize]) -> Result<()> {
    if truth.len() != pred.len() {
        return Err(Error::ShapeMismatch {
            what: "labels_pred".into(),
            expected: format!("{} labels (as many as labels_true)", truth.len()),
            found: format!("{} labels", pred.len()),
        });
    }
    if truth.is_empty() {
        return Err(Error::EmptyData {
            n_samples: 0,
            n_features: 1,
        });
    }
    Ok(())
}

/// The contingency table of two labelings, sparse: only its non-zero cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contingency {
    /// Total number of samples.
    pub n: usize,
    /// Row sums: the size of every true class.
    pub rows: Vec<usize>,
    /// Column sums: the size of every predicted cluster.
    pub cols: Vec<usize>,
    /// Non-zero cells `(row, column, count)`, row-major (as scipy's `find` on CSR gives them).
    pub cells: Vec<(usize, usize, usize)>,
}

impl Contingency {
    /// Builds the table of `truth` (rows) against `pred` (columns).
    pub fn new(truth: &[usize], pred: &[usize]) -> Self {
        Contingency::from_encoded(Encoded::new(truth), &Encoded::new(pred))
    }

    /// Builds the table of two labelings already encoded, of the same samples.
    pub fn from_encoded(t: Encoded, p: &Encoded) -> Self {
        assert_eq!(
            t.codes.len(),
            p.codes.len(),
            "two labelings of the same samples"
        );
        let n = t.codes.len();
        let (kt, kp) = (t.n_labels(), p.n_labels());
        let mut cells: Vec<(usize, usize, usize)> = Vec::new();
        if kt.saturating_mul(kp) <= n.max(1 << 16) {
            // A dense table when it is no larger than the data: one counting pass.
            let mut table = vec![0usize; kt * kp];
            for (&i, &j) in t.codes.iter().zip(&p.codes) {
                table[i * kp + j] += 1;
            }
            for (key, &count) in table.iter().enumerate() {
                if count > 0 {
                    cells.push((key / kp, key % kp, count));
                }
            }
        } else {
            let kp = kp as u64;
            let mut keys: Vec<u64> = t
                .codes
                .iter()
                .zip(&p.codes)
                .map(|(&i, &j)| i as u64 * kp + j as u64)
                .collect();
            keys.sort_unstable();
            for key in keys {
                let (i, j) = ((key / kp) as usize, (key % kp) as usize);
                match cells.last_mut() {
                    Some(last) if last.0 == i && last.1 == j => last.2 += 1,
                    _ => cells.push((i, j, 1)),
                }
            }
        }
        Contingency {
            n,
            rows: t.counts,
            cols: p.counts.clone(),
            cells,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_sorted_labels() {
        let e = Encoded::new(&[7, 3, 7, 100, 3]);
        assert_eq!(e.codes, vec![1, 0, 1, 2, 0]);
        assert_eq!(e.counts, vec![2, 2, 1]);
    }

    #[test]
    fn huge_labels_use_the_sorted_path() {
        let e = Encoded::new(&[usize::MAX, 5, usize::MAX]);
        assert_eq!(e.codes, vec![1, 0, 1]);
        assert_eq!(e.counts, vec![1, 2]);
    }

    #[test]
    fn dense_and_sorted_tables_give_the_same_cells() {
        let expected = |t: &[usize], p: &[usize]| {
            let (et, ep) = (Encoded::new(t), Encoded::new(p));
            let mut m = std::collections::BTreeMap::new();
            for (&i, &j) in et.codes.iter().zip(&ep.codes) {
                *m.entry((i, j)).or_insert(0usize) += 1;
            }
            m.into_iter()
                .map(|((i, j), c)| (i, j, c))
                .collect::<Vec<_>>()
        };
        // 3 x 4 labels: the dense table.
        let t: Vec<usize> = (0..50).map(|i| i % 3).collect();
        let p: Vec<usize> = (0..50).map(|i| (i * 7) % 4 + 10).collect();
        assert_eq!(Contingency::new(&t, &p).cells, expected(&t, &p));
        // 300 x 300 labels on 600 samples: the sorted keys.
        let t: Vec<usize> = (0..600).map(|i| i % 300).collect();
        let p: Vec<usize> = (0..600).map(|i| (i * 7) % 300).collect();
        assert_eq!(Contingency::new(&t, &p).cells, expected(&t, &p));
    }

    #[test]
    fn contingency_of_a_small_pair() {
        let c = Contingency::new(&[0, 0, 1, 1], &[5, 6, 6, 6]);
        assert_eq!(c.rows, vec![2, 2]);
        assert_eq!(c.cols, vec![1, 3]);
        assert_eq!(c.cells, vec![(0, 0, 1), (0, 1, 1), (1, 1, 2)]);
    }

    #[test]
    fn one_label_is_rejected_with_the_reason() {
        let e = check_number_of_labels("silhouette", 1, 10).unwrap_err();
        assert!(e.to_string().contains("single cluster"), "{e}");
        let e = check_number_of_labels("silhouette", 10, 10).unwrap_err();
        assert!(e.to_string().contains("its own cluster"), "{e}");
        assert!(check_number_of_labels("silhouette", 2, 3).is_ok());
    }
}
