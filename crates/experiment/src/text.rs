//! Small text rules shared by the grid reader and the plot tables, each written once: which
//! known name a typo meant, and how a value becomes part of a file name.

/// Adds "did you mean" to serde's "unknown field/variant `x`, expected one of `a`, `b`".
pub fn with_suggestion(message: &str) -> String {
    let unknown = message.starts_with("unknown field") || message.starts_with("unknown variant");
    if !unknown {
        return message.to_owned();
    }
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    match quoted.split_first() {
        Some((given, candidates)) => {
            format!("{message}{}", suggestion(given, candidates.iter().copied()))
        }
        None => message.to_owned(),
    }
}

/// The candidate closest to `given` by edit distance, if it is close enough to be a typo.
///
/// ```
/// use clusterlab_experiment::text::did_you_mean;
/// assert_eq!(did_you_mean("n_int", ["n_init", "max_iter"]), Some("n_init"));
/// assert_eq!(did_you_mean("colour", ["n_init", "max_iter"]), None);
/// assert_eq!(did_you_mean("diagonal", ["full", "diag"]), Some("diag"));
/// ```
pub fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (given.chars().count() / 3).max(2);
    // A word and its abbreviation (`diagonal` for `diag`) are far apart by edits but an
    // obvious match; they rank just after exact-length typos.
    let abbreviation =
        |c: &str| c.len().min(given.len()) >= 3 && (given.starts_with(c) || c.starts_with(given));
    candidates
        .into_iter()
        .map(|c| (edit_distance(given, c), c))
        .filter(|(d, c)| *d <= limit || abbreviation(c))
        .min_by_key(|(d, _)| if *d <= limit { *d } else { limit + 1 })
        .map(|(_, c)| c)
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// `"; did you mean `x`?"` for the candidate closest to `given` ([`did_you_mean`]), or `""`:
/// the tail of every "unknown ..." message.
///
/// ```
/// use clusterlab_experiment::text::suggestion;
/// assert_eq!(suggestion("kmean", ["kmeans", "gmm"]), "; did you mean `kmeans`?");
/// assert_eq!(suggestion("dbscan", ["kmeans", "gmm"]), "");
/// ```
pub fn suggestion<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(given, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// Keeps a value usable in a file name: letters, digits, `.`, `_`, `-` and `+` stay, anything
/// else becomes `_`.
///
/// ```
/// use clusterlab_experiment::text::file_safe;
/// assert_eq!(file_safe("cluster_std-0.5"), "cluster_std-0.5");
/// assert_eq!(file_safe("a b/c"), "a_b_c");
/// ```
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
