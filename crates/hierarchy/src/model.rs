//! The fitted model: the whole merge tree and one cut of it.

use clusterlab_core::{Error, FitSummary, Model, Result, validate};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::{cut::hc_cut, params::Linkage};

/// A fitted agglomerative clustering: the merge tree in scikit-learn's attributes, and the
/// labels of its cut into `n_clusters_` clusters.
///
/// Merge `i` joins the two nodes `children()[i]` into node `n_leaves + i` at height
/// `distances()[i]`; nodes below `n_leaves` are the samples. scikit-learn fills `distances_`
/// only with `compute_distances` or `distance_threshold`; here they are always kept, since
/// they come with the tree. There is no `predict`: agglomerative clustering labels the
/// samples it was fitted on and no others (as in scikit-learn).
///
/// It serializes (serde) with scikit-learn's attribute names (`children_`, `distances_`,
/// `labels_`, `n_leaves_`, `n_clusters_`) and is checked when loaded back.
///
/// ```
/// use clusterlab_hierarchy::{AgglomerativeModel, AgglomerativeParams, Linkage};
/// use ndarray::array;
///
/// let x = array![[0.0], [1.0], [5.0], [6.0], [20.0]];
/// let p = AgglomerativeParams { linkage: Linkage::Single, ..AgglomerativeParams::new(2) };
/// let model = p.build()?.fit(x.view(), 0)?;
/// assert_eq!(model.labels(), [0, 0, 0, 0, 1]);
/// assert_eq!(model.distances(), [1.0, 1.0, 4.0, 14.0]);
/// assert_eq!(model.cut(3)?, [2, 2, 0, 0, 1]);
/// assert_eq!(model.cut_height(3)?, 1.0);
///
/// let saved = serde_json::to_string(&model).unwrap();
/// assert!(saved.contains("\"children_\":[[0,1],[2,3],[5,6],[7,4]]"));
/// let loaded: AgglomerativeModel = serde_json::from_str(&saved).unwrap();
/// assert_eq!(loaded, model);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelRepr", into = "ModelRepr")]
pub struct AgglomerativeModel {
    linkage: Linkage,
    n_clusters: usize,
    n_leaves: usize,
    children: Vec<[usize; 2]>,
    distances: Vec<f64>,
    labels: Vec<usize>,
    warnings: Vec<String>,
}

/// The serialized form, in scikit-learn's attribute names.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRepr {
    linkage: Linkage,
    n_clusters_: usize,
    n_leaves_: usize,
    children_: Vec<[usize; 2]>,
    distances_: Vec<f64>,
    labels_: Vec<usize>,
    #[serde(default)]
    warnings: Vec<String>,
}

impl From<AgglomerativeModel> for ModelRepr {
    fn from(m: AgglomerativeModel) -> Self {
        ModelRepr {
            linkage: m.linkage,
            n_clusters_: m.n_clusters,
            n_leaves_: m.n_leaves,
            children_: m.children,
            distances_: m.distances,
            labels_: m.labels,
            warnings: m.warnings,
        }
    }
}

impl TryFrom<ModelRepr> for AgglomerativeModel {
    type Error = String;

    /// Checks that the tree is a binary tree over `n_leaves_` samples in scikit-learn's
    /// numbering, so that cutting a loaded model cannot go out of bounds.
    fn try_from(r: ModelRepr) -> std::result::Result<Self, String> {
        let n = r.n_leaves_;
        if n == 0 {
            return Err("n_leaves_ must be at least 1".into());
        }
        if r.children_.len() != n - 1 || r.distances_.len() != n - 1 || r.labels_.len() != n {
            return Err(format!(
                "a tree over {n} leaves has {} merges and {n} labels; found {} children_, {} \
                 distances_ and {} labels_",
                n - 1,
                r.children_.len(),
                r.distances_.len(),
                r.labels_.len()
            ));
        }
        let mut used = vec![false; 2 * n - 1];
        for (i, pair) in r.children_.iter().enumerate() {
            for &c in pair {
                if c >= n + i || std::mem::replace(&mut used[c], true) {
                    return Err(format!(
                        "children_[{i}] = {pair:?}: a child must be a node made before merge \
                         {i} (below {}) and no other merge's child",
                        n + i
                    ));
                }
            }
        }
        if r.n_clusters_ == 0 || r.n_clusters_ > n {
            return Err(format!(
                "n_clusters_ = {} must be in 1..={n}",
                r.n_clusters_
            ));
        }
        if let Some(l) = r.labels_.iter().find(|&&l| l >= r.n_clusters_) {
            return Err(format!(
                "label {l} is not below n_clusters_ = {}",
                r.n_clusters_
            ));
        }
        Ok(AgglomerativeModel {
            linkage: r.linkage,
            n_clusters: r.n_clusters_,
            n_leaves: n,
            children: r.children_,
            distances: r.distances_,
            labels: r.labels_,
            warnings: r.warnings,
        })
    }
}

impl AgglomerativeModel {
    pub(crate) fn new(
        linkage: Linkage,
        n_clusters: usize,
        n_leaves: usize,
        children: Vec<[usize; 2]>,
        distances: Vec<f64>,
        labels: Vec<usize>,
        warnings: Vec<String>,
    ) -> Self {
        AgglomerativeModel {
            linkage,
            n_clusters,
            n_leaves,
            children,
            distances,
            labels,
            warnings,
        }
    }

    /// The label (in `0..n_clusters`) of every training sample, numbered as scikit-learn's
    /// `labels_`.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The linkage the tree was built with.
    pub fn linkage(&self) -> Linkage {
        self.linkage
    }

    /// The number of clusters of [`labels`](Self::labels) (`n_clusters_`).
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// The number of samples, the leaves of the tree (`n_leaves_`).
    pub fn n_leaves(&self) -> usize {
        self.n_leaves
    }

    /// The two nodes each merge joins (`children_`, `n_leaves - 1` pairs): merge `i` makes node
    /// `n_leaves + i`.
    pub fn children(&self) -> &[[usize; 2]] {
        &self.children
    }

    /// The height of each merge (`distances_`): the linkage distance between the two nodes it
    /// joins (for ward, `sqrt(2 |u| |v| / (|u| + |v|)) ||c_u - c_v||`, SciPy's convention).
    /// Non-decreasing.
    pub fn distances(&self) -> &[f64] {
        &self.distances
    }

    /// What a user should know that is not an error (more clusters than distinct points).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The number of samples under each merge, as scikit-learn's dendrogram example counts
    /// them.
    pub fn counts(&self) -> Vec<usize> {
        let n = self.n_leaves;
        let mut counts: Vec<usize> = Vec::with_capacity(self.children.len());
        for pair in &self.children {
            let c = pair
                .iter()
                .map(|&c| if c < n { 1 } else { counts[c - n] })
                .sum();
            counts.push(c);
        }
        counts
    }

    /// SciPy's linkage matrix `Z` (`n_leaves - 1 x 4`: the two children, the height, the
    /// number of samples), as scikit-learn's dendrogram example assembles it from
    /// `children_`, `distances_` and the counts.
    pub fn linkage_matrix(&self) -> Array2<f64> {
        let counts = self.counts();
        let mut z = Array2::zeros((self.children.len(), 4));
        for (i, (pair, (&h, &c))) in self
            .children
            .iter()
            .zip(self.distances.iter().zip(&counts))
            .enumerate()
        {
            z[[i, 0]] = pair[0] as f64;
            z[[i, 1]] = pair[1] as f64;
            z[[i, 2]] = h;
            z[[i, 3]] = c as f64;
        }
        z
    }

    fn check_k(&self, k: usize) -> Result<()> {
        validate::check_n_clusters("n_clusters", k, self.n_leaves)
    }

    /// The labels of the same tree cut into `k` clusters, without refitting, numbered as
    /// scikit-learn numbers the labels of a fit with `n_clusters = k`. Cutting at `k + 1`
    /// splits one cluster of the cut at `k` in two.
    ///
    /// Errors if `k` is 0 or above the number of samples.
    pub fn cut(&self, k: usize) -> Result<Vec<usize>> {
        self.check_k(k)?;
        Ok(hc_cut(k, &self.children, self.n_leaves))
    }

    /// The height of the highest merge inside the `k` clusters of [`cut(k)`](Self::cut): the
    /// cut lies above it and at or below the next merge. 0 when every cluster is one sample.
    pub fn cut_height(&self, k: usize) -> Result<f64> {
        self.check_k(k)?;
        // The cut undoes the last k - 1 merges: the first n - k stay inside clusters.
        let kept = &self.distances[..self.n_leaves - k];
        Ok(kept.iter().copied().fold(0.0, f64::max))
    }
}

impl Model for AgglomerativeModel {
    fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Always an error: agglomerative clustering has no rule for samples outside the tree
    /// (scikit-learn's `AgglomerativeClustering` has no `predict` either).
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        Err(Error::invalid(
            "predict",
            format!("{} new samples", x.nrows()),
            format!(
                "agglomerative clustering cannot label new samples: it labels the samples it \
                 was fitted on, and has no rule for others (scikit-learn's \
                 AgglomerativeClustering has no predict either); refit with the new samples, \
                 or use a model that predicts ({} linkage)",
                self.linkage
            ),
        ))
    }

    /// The merge height at the cut (`cut_height`), the `n_samples - 1` merges as iterations.
    fn summary(&self) -> FitSummary {
        let height = self.cut_height(self.n_clusters).unwrap_or(f64::NAN);
        FitSummary::new(self.children.len(), true)
            .with_score("cut_height", height)
            .with_warnings(self.warnings.clone())
    }

    fn to_json(&self) -> serde_json::Value {
        // Numbers, strings and lists of them: serialization cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgglomerativeParams;
    use ndarray::array;

    fn model() -> AgglomerativeModel {
        let x = array![[0.0], [1.0], [5.0], [6.0], [20.0]];
        AgglomerativeParams::new(2)
            .build()
            .unwrap()
            .fit(x.view(), 0)
            .unwrap()
    }

    #[test]
    fn predict_is_refused_with_why() {
        let err = Model::predict(&model(), array![[0.0]].view()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("agglomerative clustering cannot label new samples"),
            "{msg}"
        );
        assert!(Model::centers(&model()).is_none());
    }

    #[test]
    fn summary_reports_the_cut_height_only() {
        let m = model();
        let s = m.summary();
        assert_eq!(s.scores.len(), 1);
        // Ward heights: {0,1} at 1, {2,3} at 1, their union at sqrt(2*2*2/4) * 5 = sqrt(2) 5.
        assert_eq!(s.score("cut_height"), Some((2.0f64).sqrt() * 5.0));
        assert_eq!(m.cut_height(5).unwrap(), 0.0);
        assert_eq!(m.cut_height(4).unwrap(), 1.0);
        assert!(m.cut_height(6).is_err());
        assert!(m.cut(0).is_err());
        assert_eq!(s.n_iter, 4);
    }

    #[test]
    fn json_has_sklearns_attribute_names() {
        let j = model().to_json();
        for key in [
            "children_",
            "distances_",
            "labels_",
            "n_leaves_",
            "n_clusters_",
        ] {
            assert!(j.get(key).is_some(), "{key} in {j}");
        }
        assert_eq!(j["n_leaves_"], 5);
        assert_eq!(j["linkage"], "ward");
    }

    #[test]
    fn a_loaded_tree_that_is_not_a_tree_is_refused() {
        let mut j = model().to_json();
        j["children_"][1] = serde_json::json!([0, 2]);
        let err = serde_json::from_value::<AgglomerativeModel>(j).unwrap_err();
        assert!(err.to_string().contains("no other merge's child"), "{err}");
        let mut j = model().to_json();
        j["children_"][0] = serde_json::json!([0, 9]);
        assert!(serde_json::from_value::<AgglomerativeModel>(j).is_err());
        let mut j = model().to_json();
        j["labels_"][0] = serde_json::json!(7);
        assert!(serde_json::from_value::<AgglomerativeModel>(j).is_err());
    }

    #[test]
    fn counts_and_linkage_matrix() {
        let m = model();
        assert_eq!(m.counts(), [2, 2, 4, 5]);
        let z = m.linkage_matrix();
        assert_eq!(z.dim(), (4, 4));
        assert_eq!(z.row(3).to_vec()[3], 5.0);
    }
}
