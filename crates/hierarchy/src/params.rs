//! Parameters (scikit-learn's names and defaults), their validation, and the fit.

use clusterlab_core::{Clusterer, Error, Model, Result, layout::contiguous, validate};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::{
    cut::{distinct_rows, hc_cut},
    memory,
    model::AgglomerativeModel,
    tree::{self, Update},
};

/// Which distance between clusters the merges minimise.
///
/// In serde (TOML, JSON) the lowercase name: `"ward"`, `"complete"`, `"average"`, `"single"`.
///
/// ```
/// use clusterlab_hierarchy::Linkage;
/// assert_eq!(serde_json::from_str::<Linkage>("\"average\"")?, Linkage::Average);
/// assert_eq!(Linkage::default(), Linkage::Ward);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Linkage {
    /// The merge that least increases the total within-cluster sum of squares (the default).
    /// Distances are computed from the clusters' centroids: O(n) memory.
    #[default]
    Ward,
    /// The largest distance between a sample of one cluster and a sample of the other.
    /// Keeps all pairwise distances: O(n²) memory.
    Complete,
    /// The mean distance between the samples of the two clusters. O(n²) memory.
    Average,
    /// The smallest distance between a sample of one cluster and a sample of the other
    /// (Prim's minimum spanning tree): O(n) memory.
    Single,
}

impl Linkage {
    /// The name, as in scikit-learn.
    pub fn as_str(self) -> &'static str {
        match self {
            Linkage::Ward => "ward",
            Linkage::Complete => "complete",
            Linkage::Average => "average",
            Linkage::Single => "single",
        }
    }
}

impl std::fmt::Display for Linkage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The distance between samples. Only Euclidean is implemented.
///
/// The names scikit-learn documents for `AgglomerativeClustering` all parse (`"euclidean"`
/// and its alias `"l2"`, `"l1"`, `"manhattan"`, `"cosine"`, `"precomputed"`), so that the
/// others are refused by [`AgglomerativeParams::build`] with a reason rather than as unknown
/// words.
///
/// ```
/// use clusterlab_hierarchy::Metric;
/// assert_eq!(serde_json::from_str::<Metric>("\"l2\"")?, Metric::Euclidean);
/// assert_eq!(serde_json::to_string(&Metric::Euclidean)?, "\"euclidean\"");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Euclidean distance (the default; `"l2"` is read as it, as scikit-learn does).
    #[default]
    #[serde(alias = "l2")]
    Euclidean,
    /// Manhattan distance under scikit-learn's other name: refused.
    L1,
    /// Manhattan distance: refused.
    Manhattan,
    /// Cosine distance: refused.
    Cosine,
    /// A precomputed distance matrix as input: refused.
    Precomputed,
}

impl Metric {
    /// The name, as in scikit-learn.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::L1 => "l1",
            Metric::Manhattan => "manhattan",
            Metric::Cosine => "cosine",
            Metric::Precomputed => "precomputed",
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Agglomerative clustering parameters, with scikit-learn's names and defaults.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `n_clusters` | 2 | clusters the tree is cut into |
/// | `linkage` | `"ward"` | `ward`, `complete`, `average` or `single` |
/// | `metric` | `"euclidean"` | `euclidean` (or `l2`); other metrics are refused |
/// | `compute_distances` | `false` | accepted for scikit-learn's sake: the merge distances are always kept |
///
/// scikit-learn's `connectivity`, `memory`, `compute_full_tree` and `distance_threshold` are
/// not implemented (the whole tree is always built, as scikit-learn does without a
/// connectivity). There is no randomness: the seed given to a fit is ignored.
///
/// ```
/// use clusterlab_hierarchy::{AgglomerativeParams, Linkage};
///
/// let p: AgglomerativeParams = toml::from_str(r#"linkage = "average""#).unwrap();
/// assert_eq!(p, AgglomerativeParams { linkage: Linkage::Average, ..AgglomerativeParams::default() });
/// assert_eq!(p.n_clusters, 2);
/// assert!(toml::from_str::<AgglomerativeParams>("linkages = \"single\"").is_err());
/// assert!(p.build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgglomerativeParams {
    /// Number of clusters (default 2; at least 1, at most the number of samples).
    pub n_clusters: usize,
    /// The linkage (default ward).
    pub linkage: Linkage,
    /// The distance between samples (default euclidean, the only one implemented).
    pub metric: Metric,
    /// scikit-learn computes `distances_` only when asked; here they come with every tree
    /// (default `false`, and it changes nothing).
    pub compute_distances: bool,
}

impl Default for AgglomerativeParams {
    fn default() -> Self {
        AgglomerativeParams {
            n_clusters: 2,
            linkage: Linkage::default(),
            metric: Metric::default(),
            compute_distances: false,
        }
    }
}

impl AgglomerativeParams {
    /// Parameters for `n_clusters` clusters, everything else at scikit-learn's defaults.
    pub fn new(n_clusters: usize) -> Self {
        AgglomerativeParams {
            n_clusters,
            ..AgglomerativeParams::default()
        }
    }

    /// Checks what does not need the data: `n_clusters >= 1`, a Euclidean metric.
    /// `n_clusters <= n_samples` and the memory of complete and average linkage are checked
    /// at fit, before any work.
    ///
    /// ```
    /// use clusterlab_hierarchy::{AgglomerativeParams, Linkage, Metric};
    /// let ward = AgglomerativeParams { metric: Metric::Manhattan, ..AgglomerativeParams::default() };
    /// assert_eq!(
    ///     ward.build().unwrap_err().to_string(),
    ///     "invalid parameter `metric` = manhattan: ward needs euclidean distances \
    ///      (metric = \"euclidean\" or \"l2\"), as in scikit-learn"
    /// );
    /// let single = AgglomerativeParams { linkage: Linkage::Single, ..ward };
    /// assert!(single.build().unwrap_err().to_string().contains("only euclidean"));
    /// ```
    pub fn build(&self) -> Result<Agglomerative> {
        if self.n_clusters == 0 {
            return Err(Error::invalid("n_clusters", 0, "must be at least 1"));
        }
        match (self.metric, self.linkage) {
            (Metric::Euclidean, _) => {}
            (m, Linkage::Ward) => {
                return Err(Error::invalid(
                    "metric",
                    m,
                    "ward needs euclidean distances (metric = \"euclidean\" or \"l2\"), as in \
                     scikit-learn",
                ));
            }
            (m, l) => {
                return Err(Error::invalid(
                    "metric",
                    m,
                    format!(
                        "only euclidean distances are implemented (metric = \"euclidean\" or \
                         \"l2\"); scikit-learn also offers l1, manhattan, cosine and \
                         precomputed with {l} linkage"
                    ),
                ));
            }
        }
        Ok(Agglomerative {
            params: self.clone(),
        })
    }
}

/// A validated agglomerative clustering configuration (kind `"agglomerative"`).
///
/// Made by [`AgglomerativeParams::build`]. The fit builds the whole tree, then cuts it into
/// `n_clusters` clusters; [`AgglomerativeModel::cut`] cuts the same tree at another K.
///
/// ```
/// use clusterlab_core::Clusterer;
/// use clusterlab_hierarchy::{AgglomerativeParams, Linkage};
/// use ndarray::array;
///
/// let x = array![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [4.0, 2.0], [4.0, 4.0], [4.0, 0.0]];
/// let ward = AgglomerativeParams::default().build()?;
/// assert_eq!(ward.kind(), "agglomerative");
/// let model = ward.fit(x.view(), 0)?;
/// assert_eq!(model.labels(), [1, 1, 1, 0, 0, 0]); // scikit-learn's docstring example
/// assert_eq!(model.children(), [[0, 1], [3, 5], [2, 6], [4, 7], [8, 9]]);
/// assert_eq!(model.cut(3)?, [0, 0, 0, 1, 2, 1]);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Agglomerative {
    params: AgglomerativeParams,
}

impl Agglomerative {
    /// The validated parameters.
    pub fn params(&self) -> &AgglomerativeParams {
        &self.params
    }

    /// Builds the tree of `x` (one sample per row) and cuts it into `n_clusters` clusters.
    ///
    /// `seed` is ignored: agglomerative clustering has no randomness (it is an argument so
    /// that every algorithm fits alike). Errors, before any work, if `x` is empty or holds a
    /// non-finite value, if `n_clusters > n_samples`, or if complete or average linkage would
    /// need more memory than is available. One sample is accepted (scikit-learn asks for two):
    /// it makes one cluster and a tree without merges.
    pub fn fit(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<AgglomerativeModel> {
        let _ = seed;
        validate::check_samples(x)?;
        let (n, d) = x.dim();
        let k = self.params.n_clusters;
        validate::check_n_clusters("n_clusters", k, n)?;
        let linkage = self.params.linkage;
        if matches!(linkage, Linkage::Complete | Linkage::Average) {
            memory::check_condensed(linkage, n, memory::available_bytes())?;
        }
        let owned = x.as_standard_layout();
        let flat = contiguous(&owned);
        // The builders scan in parallel thousands of times per fit: from a thread of the pool,
        // a scan is split by work stealing, where from any other thread every scan would wait
        // for the pool to pick it up.
        let tree = rayon::scope(|_| match linkage {
            Linkage::Ward => Ok(tree::ward(flat, n, d)),
            Linkage::Complete => tree::condensed(flat, n, d, Update::Complete),
            Linkage::Average => tree::condensed(flat, n, d, Update::Average),
            Linkage::Single => Ok(tree::single(flat, n, d)),
        })?;
        let labels = hc_cut(k, &tree.children, n);
        let distinct = distinct_rows(flat, d);
        let warnings = if distinct < k {
            vec![format!(
                "n_clusters = {k} but the data hold only {distinct} distinct points: some \
                 clusters split groups of equal points (as scikit-learn does)"
            )]
        } else {
            Vec::new()
        };
        Ok(AgglomerativeModel::new(
            linkage,
            k,
            n,
            tree.children,
            tree.distances,
            labels,
            warnings,
        ))
    }
}

impl Clusterer for Agglomerative {
    fn kind(&self) -> &'static str {
        "agglomerative"
    }

    fn n_clusters(&self) -> Option<usize> {
        Some(self.params.n_clusters)
    }

    /// Every linkage costs O(n²) distances of `d` multiply-adds: the nearest-neighbour chain
    /// of ward makes about three scans of all `n` centroids per merge; complete and average
    /// compute the `n²/2` distances once, then scan and update rows of the matrix; Prim's
    /// algorithm (single) scans all samples once per edge.
    fn work_estimate(&self, n_samples: usize, n_features: usize) -> f64 {
        let (n, d) = (n_samples as f64, n_features as f64);
        match self.params.linkage {
            Linkage::Ward => 3.0 * n * n * (d + 2.0),
            Linkage::Complete | Linkage::Average => n * n * (d / 2.0 + 4.0),
            Linkage::Single => n * n * (d + 2.0),
        }
    }

    fn fit_dyn(&self, x: ArrayView2<'_, f64>, seed: u64) -> Result<Box<dyn Model>> {
        Ok(Box::new(self.fit(x, seed)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn n_clusters_zero_is_refused_by_name() {
        let err = AgglomerativeParams::new(0).build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `n_clusters` = 0: must be at least 1"
        );
    }

    #[test]
    fn n_clusters_above_n_samples_is_refused_at_fit() {
        let a = AgglomerativeParams::new(4).build().unwrap();
        let err = a.fit(array![[0.0], [1.0], [2.0]].view(), 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid parameter `n_clusters` = 4: must be at most n_samples = 3"
        );
    }

    #[test]
    fn every_metric_but_euclidean_is_refused_with_why() {
        for metric in [
            Metric::L1,
            Metric::Manhattan,
            Metric::Cosine,
            Metric::Precomputed,
        ] {
            let ward = AgglomerativeParams {
                metric,
                ..AgglomerativeParams::default()
            };
            let msg = ward.build().unwrap_err().to_string();
            assert!(msg.contains("ward needs euclidean"), "{msg}");
            for linkage in [Linkage::Complete, Linkage::Average, Linkage::Single] {
                let p = AgglomerativeParams {
                    linkage,
                    ..ward.clone()
                };
                let msg = p.build().unwrap_err().to_string();
                assert!(msg.starts_with("invalid parameter `metric`"), "{msg}");
                assert!(
                    msg.contains("only euclidean distances are implemented"),
                    "{msg}"
                );
            }
        }
        let unknown = serde_json::from_str::<Metric>("\"minkowski\"").unwrap_err();
        assert!(unknown.to_string().contains("unknown variant"), "{unknown}");
    }

    #[test]
    fn non_finite_data_is_refused_before_any_work() {
        let a = AgglomerativeParams::default().build().unwrap();
        let err = a.fit(array![[0.0], [f64::NAN]].view(), 0).unwrap_err();
        assert!(matches!(err, Error::NonFinite { row: 1, .. }), "{err}");
    }

    #[test]
    fn the_seed_changes_nothing() {
        let x = array![[0.0, 1.0], [0.5, 1.0], [3.0, 3.0], [3.1, 2.0], [9.0, 0.0]];
        for linkage in [
            Linkage::Ward,
            Linkage::Complete,
            Linkage::Average,
            Linkage::Single,
        ] {
            let a = AgglomerativeParams {
                linkage,
                ..AgglomerativeParams::new(3)
            }
            .build()
            .unwrap();
            assert_eq!(a.fit(x.view(), 0).unwrap(), a.fit(x.view(), 99).unwrap());
        }
    }

    #[test]
    fn one_sample_is_one_cluster_without_merges() {
        for linkage in [
            Linkage::Ward,
            Linkage::Complete,
            Linkage::Average,
            Linkage::Single,
        ] {
            let a = AgglomerativeParams {
                linkage,
                ..AgglomerativeParams::new(1)
            }
            .build()
            .unwrap();
            let m = a.fit(array![[2.0, 3.0]].view(), 0).unwrap();
            assert_eq!(m.labels(), [0]);
            assert!(m.children().is_empty());
        }
    }
}
