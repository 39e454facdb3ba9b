//! External metrics: how well a partition recovers known classes.
//!
//! Each follows scikit-learn 1.5 formula for formula, special cases included, so that values
//! agree to rounding: one class against one cluster is a perfect match (1.0), a partition with a
//! single cluster carries no information (mutual information 0), and the adjusted mutual
//! information's expected term is computed in log space from log-factorials (see
//! [`crate::special`]). Labels are arbitrary `usize` values; only which samples share a label
//! matters.
//!
//! Every index is a function of the contingency table of the two labelings alone: each public
//! function builds the table and reads its index from it, and [`crate::evaluate`] builds one
//! table and reads all the indices it is asked for from it.
//!
//! # Errors
//!
//! Every function returns an error when the two labelings differ in length or are empty.

use clusterlab_core::Result;

use crate::labels::{Contingency, check_pair};

/// Adjusted Rand index (scikit-learn's `adjusted_rand_score`): pair-counting agreement,
/// corrected for chance. 1.0 for identical partitions (up to renaming), about 0 for random ones,
/// and possibly negative.
///
/// # Examples
///
/// ```
/// use clusterlab_metrics::adjusted_rand_score;
/// assert_eq!(adjusted_rand_score(&[0, 0, 1, 1], &[5, 5, 2, 2])?, 1.0);
/// assert_eq!(adjusted_rand_score(&[0, 0, 1, 1], &[0, 1, 0, 1])?, -0.5);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn adjusted_rand_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    check_pair(labels_true, labels_pred)?;
    Ok(ari(&Contingency::new(labels_true, labels_pred)))
}

/// The adjusted Rand index of a contingency table.
pub(crate) fn ari(c: &Contingency) -> f64 {
    // Pair counts grow as n^2 and their products as n^4: i128 holds them exactly, as Python's
    // integers do in scikit-learn.
    let n = c.n as i128;
    let sum_squares: i128 = c
        .cells
        .iter()
        .map(|&(_, _, v)| (v as i128) * (v as i128))
        .sum();
    let col_sq: i128 = c.cols.iter().map(|&v| (v as i128) * (v as i128)).sum();
    let row_sq: i128 = c.rows.iter().map(|&v| (v as i128) * (v as i128)).sum();
    let tp = sum_squares - n;
    let fp = col_sq - sum_squares;
    let fn_ = row_sq - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return 1.0;
    }
    let num = 2.0 * ((tp * tn - fn_ * fp) as f64);
    let den = ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)) as f64;
    num / den
}

/// Entropy (natural logarithm) of a partition given its class sizes, as scikit-learn's
/// `entropy`: 0 for a single class.
fn entropy(counts: &[usize]) -> f64 {
    if counts.len() == 1 {
        return 0.0;
    }
    let pi_sum: f64 = counts.iter().map(|&c| c as f64).sum();
    let ln_sum = pi_sum.ln();
    -counts
        .iter()
        .map(|&c| {
            let p = c as f64;
            (p / pi_sum) * (p.ln() - ln_sum)
        })
        .sum::<f64>()
}

/// Mutual information (natural logarithm) from a contingency table, as scikit-learn's
/// `mutual_info_score`, term for term.
fn mutual_info(c: &Contingency) -> f64 {
    if c.rows.len() == 1 || c.cols.len() == 1 {
        return 0.0;
    }
    let total = c.n as f64;
    let ln_total = total.ln();
    let ln_pi = (c.rows.iter().sum::<usize>() as f64).ln();
    let ln_pj = (c.cols.iter().sum::<usize>() as f64).ln();
    let mi: f64 = c
        .cells
        .iter()
        .map(|&(i, j, v)| {
            let v = v as f64;
            let nm = v / total;
            let outer = (c.rows[i] as u128 * c.cols[j] as u128) as f64;
            let log_outer = -outer.ln() + ln_pi + ln_pj;
            let term = nm * (v.ln() - ln_total) + nm * log_outer;
            if term.abs() < f64::EPSILON { 0.0 } else { term }
        })
        .sum();
    mi.max(0.0)
}

/// Below this, `f64::exp` is exactly 0: `exp(-746)` is under half the smallest subnormal (by
/// a wide margin, so no rounding of `exp` can make it positive).
const EXP_UNDERFLOW: f64 = -746.0;

/// Expected mutual information of two random partitions with the table's margins (the
/// hypergeometric model of Vinh, Epps and Bailey, 2010), as scikit-learn's
/// `expected_mutual_information`.
fn expected_mutual_info(c: &Contingency) -> f64 {
    let (a, b) = (&c.rows, &c.cols);
    if a.len() == 1 || b.len() == 1 {
        return 0.0;
    }
    let n = c.n;
    let nf = n as f64;
    // Table up to the largest class or cluster (as scikit-learn's arrays); the few terms near
    // n are computed directly, so memory never grows with n itself.
    let max_ab = a.iter().chain(b).copied().max().unwrap_or(0);
    let lf = crate::special::ln_factorial_table(max_ab);
    let ln_fact = |m: usize| match lf.get(m) {
        Some(&v) => v,
        None => crate::special::ln_factorial(m),
    };
    let ln_n = nf.ln();
    let gln_n = ln_fact(n);
    let mut emi = 0.0;
    for &ai in a {
        let ln_a = (ai as f64).ln();
        for &bj in b {
            let ln_b = (bj as f64).ln();
            let start = (ai + bj).saturating_sub(n).max(1);
            let end = ai.min(bj);
            let head = lf[ai] + lf[bj] + ln_fact(n - ai) + ln_fact(n - bj) - gln_n;
            let gln = |nij: usize| {
                head - lf[nij] - lf[ai - nij] - lf[bj - nij] - ln_fact(n + nij - ai - bj)
            };
            // The terms are a hypergeometric distribution, log-concave in nij: those whose
            // `exp` is not 0 form one run around the mode. Walk out from the mode while the
            // log term stays above the underflow threshold minus 1: every term past the run
            // is lower still (rounding moves these sums by far less than 1), so the old walk
            // over the whole range skipped it too, and the sum keeps its bits.
            let mode = ((ai as u128 + 1) * (bj as u128 + 1) / (n as u128 + 2)) as usize;
            let mode = mode.clamp(start, end);
            let (mut lo, mut hi) = (mode, mode);
            while lo > start && gln(lo - 1) >= EXP_UNDERFLOW - 1.0 {
                lo -= 1;
            }
            while hi < end && gln(hi + 1) >= EXP_UNDERFLOW - 1.0 {
                hi += 1;
            }
            for nij in lo..=hi {
                let gln = gln(nij);
                // Far from its mode the hypergeometric term is below the smallest f64: its
                // `exp` is exactly 0 and adds nothing, so skipping it changes no bit (and
                // avoids the slow underflow path of `exp`).
                if gln < EXP_UNDERFLOW {
                    continue;
                }
                let nijf = nij as f64;
                let term1 = nijf / nf;
                let term2 = (ln_n + nijf.ln()) - ln_a - ln_b;
                emi += term1 * term2 * gln.exp();
            }
        }
    }
    emi
}

/// Whether both labelings have the same single class, or are empty: scikit-learn's "perfect
/// match" special case of NMI and AMI.
fn trivially_equal(c: &Contingency) -> bool {
    c.rows.len() == c.cols.len() && c.rows.len() <= 1
}

/// Normalized mutual information with the arithmetic mean of the entropies as normaliser
/// (scikit-learn's `normalized_mutual_info_score` default). In `[0, 1]`; 1.0 for identical
/// partitions.
///
/// # Examples
///
/// ```
/// use clusterlab_metrics::normalized_mutual_info_score;
/// assert_eq!(normalized_mutual_info_score(&[0, 0, 1, 1], &[1, 1, 0, 0])?, 1.0);
/// // A single predicted cluster tells nothing about two classes.
/// assert_eq!(normalized_mutual_info_score(&[0, 0, 1, 1], &[0, 0, 0, 0])?, 0.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn normalized_mutual_info_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    check_pair(labels_true, labels_pred)?;
    Ok(nmi(&Contingency::new(labels_true, labels_pred)))
}

/// The normalized mutual information (arithmetic mean) of a contingency table.
pub(crate) fn nmi(c: &Contingency) -> f64 {
    if trivially_equal(c) {
        return 1.0;
    }
    let mi = mutual_info(c);
    if mi == 0.0 {
        return 0.0;
    }
    let normalizer = (entropy(&c.rows) + entropy(&c.cols)) / 2.0;
    mi / normalizer
}

/// Adjusted mutual information with the arithmetic mean as normaliser (scikit-learn's
/// `adjusted_mutual_info_score` default): mutual information corrected for chance, 1.0 for
/// identical partitions, about 0 for independent ones.
///
/// Time grows with `sum over classes i and clusters j of min(a_i, b_j)`, at most
/// `n * min(classes, clusters)`.
///
/// # Examples
///
/// ```
/// use clusterlab_metrics::adjusted_mutual_info_score;
/// assert!((adjusted_mutual_info_score(&[0, 0, 1, 1], &[3, 3, 8, 8])? - 1.0).abs() < 1e-12);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn adjusted_mutual_info_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    check_pair(labels_true, labels_pred)?;
    Ok(ami(&Contingency::new(labels_true, labels_pred)))
}

/// The adjusted mutual information (arithmetic mean) of a contingency table.
pub(crate) fn ami(c: &Contingency) -> f64 {
    if trivially_equal(c) {
        return 1.0;
    }
    let mi = mutual_info(c);
    let emi = expected_mutual_info(c);
    let normalizer = (entropy(&c.rows) + entropy(&c.cols)) / 2.0;
    let mut denominator = normalizer - emi;
    // The expectation can exceed the normaliser by rounding; keep the sign but never divide by
    // (nearly) zero, as scikit-learn does.
    denominator = if denominator < 0.0 {
        denominator.min(-f64::EPSILON)
    } else {
        denominator.max(f64::EPSILON)
    };
    (mi - emi) / denominator
}

/// Homogeneity, completeness and V-measure (`beta = 1`) at once, as scikit-learn's
/// `homogeneity_completeness_v_measure`.
///
/// Homogeneity is 1 when each cluster holds one class only, completeness when each class lies
/// in one cluster; the V-measure is their harmonic mean.
///
/// # Examples
///
/// ```
/// use clusterlab_metrics::homogeneity_completeness_v_measure;
/// // Splitting a class keeps every cluster pure: homogeneous but not complete.
/// let (h, c, v) = homogeneity_completeness_v_measure(&[0, 0, 1, 1], &[0, 1, 2, 2])?;
/// assert!((h - 1.0).abs() < 1e-15);
/// assert!(c < 1.0 && v < 1.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn homogeneity_completeness_v_measure(
    labels_true: &[usize],
    labels_pred: &[usize],
) -> Result<(f64, f64, f64)> {
    check_pair(labels_true, labels_pred)?;
    Ok(hcv(&Contingency::new(labels_true, labels_pred)))
}

/// Homogeneity, completeness and V-measure of a contingency table.
pub(crate) fn hcv(c: &Contingency) -> (f64, f64, f64) {
    let entropy_c = entropy(&c.rows);
    let entropy_k = entropy(&c.cols);
    let mi = mutual_info(c);
    let h = if entropy_c != 0.0 {
        mi / entropy_c
    } else {
        1.0
    };
    let comp = if entropy_k != 0.0 {
        mi / entropy_k
    } else {
        1.0
    };
    let v = if h + comp == 0.0 {
        0.0
    } else {
        2.0 * h * comp / (h + comp)
    };
    (h, comp, v)
}

/// Homogeneity alone (see [`homogeneity_completeness_v_measure`]).
///
/// ```
/// use clusterlab_metrics::homogeneity_score;
/// assert!((homogeneity_score(&[0, 0, 1, 1], &[0, 1, 2, 3])? - 1.0).abs() < 1e-15);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn homogeneity_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    Ok(homogeneity_completeness_v_measure(labels_true, labels_pred)?.0)
}

/// Completeness alone (see [`homogeneity_completeness_v_measure`]).
///
/// ```
/// use clusterlab_metrics::completeness_score;
/// assert!((completeness_score(&[0, 1, 2, 3], &[0, 0, 1, 1])? - 1.0).abs() < 1e-15);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn completeness_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    Ok(homogeneity_completeness_v_measure(labels_true, labels_pred)?.1)
}

/// V-measure alone (see [`homogeneity_completeness_v_measure`]); equal to the NMI with the
/// arithmetic mean.
///
/// ```
/// use clusterlab_metrics::v_measure_score;
/// assert_eq!(v_measure_score(&[0, 0, 1, 1], &[1, 1, 0, 0])?, 1.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
pub fn v_measure_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64> {
    Ok(homogeneity_completeness_v_measure(labels_true, labels_pred)?.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatched_lengths_are_an_error() {
        assert!(adjusted_rand_score(&[0, 1], &[0]).is_err());
        assert!(normalized_mutual_info_score(&[], &[]).is_err());
    }

    #[test]
    fn one_cluster_against_one_class_is_a_perfect_match() {
        let a = [4, 4, 4];
        assert_eq!(adjusted_rand_score(&a, &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(normalized_mutual_info_score(&a, &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(adjusted_mutual_info_score(&a, &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(
            homogeneity_completeness_v_measure(&a, &[1, 1, 1]).unwrap(),
            (1.0, 1.0, 1.0)
        );
    }

    /// The expected mutual information by the whole range of every cell, as before the walk
    /// from the mode.
    fn expected_mutual_info_whole_range(c: &Contingency) -> f64 {
        let (a, b) = (&c.rows, &c.cols);
        if a.len() == 1 || b.len() == 1 {
            return 0.0;
        }
        let n = c.n;
        let nf = n as f64;
        let max_ab = a.iter().chain(b).copied().max().unwrap_or(0);
        let lf = crate::special::ln_factorial_table(max_ab);
        let ln_fact = |m: usize| match lf.get(m) {
            Some(&v) => v,
            None => crate::special::ln_factorial(m),
        };
        let gln_n = ln_fact(n);
        let mut emi = 0.0;
        for &ai in a {
            for &bj in b {
                let start = (ai + bj).saturating_sub(n).max(1);
                let head = lf[ai] + lf[bj] + ln_fact(n - ai) + ln_fact(n - bj) - gln_n;
                for nij in start..=ai.min(bj) {
                    let gln =
                        head - lf[nij] - lf[ai - nij] - lf[bj - nij] - ln_fact(n + nij - ai - bj);
                    if gln < EXP_UNDERFLOW {
                        continue;
                    }
                    let nijf = nij as f64;
                    let term2 = (nf.ln() + nijf.ln()) - (ai as f64).ln() - (bj as f64).ln();
                    emi += nijf / nf * term2 * gln.exp();
                }
            }
        }
        emi
    }

    #[test]
    fn walking_from_the_mode_keeps_the_bits_of_the_whole_range() {
        // Small tables (no term underflows), large ones (most do), unbalanced margins, and
        // cells whose range is one value.
        let mut cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
            (vec![0, 0, 1], vec![0, 1, 1]),
            (vec![0, 1, 2, 3], vec![0, 0, 1, 1]),
        ];
        let mut s = 7u64;
        for (n, kt, kp) in [
            (50usize, 3usize, 4usize),
            (2_000, 5, 7),
            (60_000, 4, 4),
            (30_000, 2, 9),
        ] {
            let mut draw = |k: usize, skew: bool| -> Vec<usize> {
                (0..n)
                    .map(|_| {
                        s = s
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let u = (s >> 33) as usize;
                        if skew { (u % (k * k)).isqrt() } else { u % k }
                    })
                    .collect()
            };
            cases.push((draw(kt, false), draw(kp, true)));
        }
        for (t, p) in &cases {
            let c = Contingency::new(t, p);
            assert_eq!(
                expected_mutual_info(&c).to_bits(),
                expected_mutual_info_whole_range(&c).to_bits(),
                "n = {}",
                t.len()
            );
        }
    }

    #[test]
    fn expected_mutual_info_of_a_tiny_table_by_enumeration() {
        // Truth {0,0,1}, prediction {0,1,1}: enumerate the 3 equally likely assignments of
        // the prediction's sizes (1, 2) to samples and average their mutual information.
        let truth = [0usize, 0, 1];
        let preds = [[0usize, 1, 1], [1, 0, 1], [1, 1, 0]];
        let mean: f64 = preds
            .iter()
            .map(|p| mutual_info(&Contingency::new(&truth, p)))
            .sum::<f64>()
            / 3.0;
        let emi = expected_mutual_info(&Contingency::new(&truth, &preds[0]));
        assert!((emi - mean).abs() < 1e-14, "{emi} vs {mean}");
    }
}
