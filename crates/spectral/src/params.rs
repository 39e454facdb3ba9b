//! Parameters (scikit-learn's names and defaults) and their validation.

use std::{fmt, str::FromStr};

use clusterlab_core::{Error, Result, validate};
use serde::{Deserialize, Serialize};

/// The most samples the dense `rbf` affinity accepts: its `n x n` matrix and the Cholesky
/// factor of the shifted Laplacian are two dense matrices, `16 n²` bytes (400 MB at 5,000).
pub const MAX_DENSE_SAMPLES: usize = 5_000;

/// The most nonzeros the sparse Cholesky factor of a `nearest_neighbors` Laplacian may hold
/// (as many as a dense factor of [`MAX_DENSE_SAMPLES`]: 25 million, 200 MB).
pub const MAX_FACTOR_NONZEROS: usize = MAX_DENSE_SAMPLES * MAX_DENSE_SAMPLES;

/// How the affinity (similarity) matrix of the samples is built.
///
/// In serde, `"rbf"` or `"nearest_neighbors"`; scikit-learn's other kernels and its
/// precomputed affinities are refused with a message that says so.
///
/// ```
/// use clusterlab_spectral::Affinity;
/// assert_eq!("nearest_neighbors".parse::<Affinity>()?, Affinity::NearestNeighbors);
/// let err = "precomputed".parse::<Affinity>().unwrap_err();
/// assert!(err.to_string().contains("`affinity`"), "{err}");
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Affinity {
    /// The Gaussian (RBF) kernel `exp(-gamma ||x - y||²)`, a dense `n x n` matrix.
    #[default]
    Rbf,
    /// The symmetrized k-nearest-neighbour connectivity `0.5 (A + Aᵀ)`, where `A[i, j] = 1`
    /// when `j` is among the `n_neighbors` nearest samples of `i` (`i` itself included), a
    /// sparse matrix.
    NearestNeighbors,
}

impl Affinity {
    /// The name as scikit-learn spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Affinity::Rbf => "rbf",
            Affinity::NearestNeighbors => "nearest_neighbors",
        }
    }
}

impl fmt::Display for Affinity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Affinity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "rbf" => Ok(Affinity::Rbf),
            "nearest_neighbors" => Ok(Affinity::NearestNeighbors),
            "precomputed" | "precomputed_nearest_neighbors" => Err(Error::invalid(
                "affinity",
                s,
                "precomputed affinities are not supported: clusterlab builds the affinity from \
                 the samples (\"rbf\" or \"nearest_neighbors\")",
            )),
            _ => Err(Error::invalid(
                "affinity",
                s,
                "must be \"rbf\" or \"nearest_neighbors\" (scikit-learn's other kernels are not \
                 supported)",
            )),
        }
    }
}

impl TryFrom<String> for Affinity {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse().map_err(|e: Error| e.to_string())
    }
}

impl From<Affinity> for String {
    fn from(a: Affinity) -> String {
        a.as_str().to_owned()
    }
}

/// How labels are read from the spectral embedding.
///
/// ```
/// use clusterlab_spectral::AssignLabels;
/// assert_eq!("cluster_qr".parse::<AssignLabels>()?, AssignLabels::ClusterQr);
/// assert!("kmeans++".parse::<AssignLabels>().is_err());
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AssignLabels {
    /// K-means on the rows of the embedding (`n_init` restarts, the lowest inertia wins).
    #[default]
    Kmeans,
    /// Yu and Shi's discretization: alternately the partition closest to the rotated embedding
    /// and the rotation closest to the partition, from a random rotation.
    Discretize,
    /// Damle, Minden and Ying's QR with column pivoting: deterministic, no iterations.
    ClusterQr,
}

impl AssignLabels {
    /// The name as scikit-learn spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignLabels::Kmeans => "kmeans",
            AssignLabels::Discretize => "discretize",
            AssignLabels::ClusterQr => "cluster_qr",
        }
    }
}

impl fmt::Display for AssignLabels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AssignLabels {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "kmeans" => Ok(AssignLabels::Kmeans),
            "discretize" => Ok(AssignLabels::Discretize),
            "cluster_qr" => Ok(AssignLabels::ClusterQr),
            _ => Err(Error::invalid(
                "assign_labels",
                s,
                "must be \"kmeans\", \"discretize\" or \"cluster_qr\"",
            )),
        }
    }
}

impl TryFrom<String> for AssignLabels {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse().map_err(|e: Error| e.to_string())
    }
}

impl From<AssignLabels> for String {
    fn from(a: AssignLabels) -> String {
        a.as_str().to_owned()
    }
}

/// scikit-learn's `eigen_solver`. clusterlab has one eigensolver for both accepted names (see
/// the crate documentation); `"amg"` (pyamg's algebraic multigrid) is refused when the
/// parameters are built.
///
/// ```
/// use clusterlab_spectral::{EigenSolver, SpectralClusteringParams};
/// let p = SpectralClusteringParams { eigen_solver: EigenSolver::Amg, ..Default::default() };
/// let err = p.build().unwrap_err();
/// assert!(err.to_string().contains("`eigen_solver` = amg"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EigenSolver {
    /// scikit-learn's default (ARPACK, shift-invert).
    #[default]
    Arpack,
    /// scikit-learn's LOBPCG.
    Lobpcg,
    /// LOBPCG preconditioned by pyamg: not available.
    Amg,
}

impl EigenSolver {
    /// The name as scikit-learn spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            EigenSolver::Arpack => "arpack",
            EigenSolver::Lobpcg => "lobpcg",
            EigenSolver::Amg => "amg",
        }
    }
}

impl fmt::Display for EigenSolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EigenSolver {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "arpack" => Ok(EigenSolver::Arpack),
            "lobpcg" => Ok(EigenSolver::Lobpcg),
            "amg" => Ok(EigenSolver::Amg),
            _ => Err(Error::invalid(
                "eigen_solver",
                s,
                "must be \"arpack\" or \"lobpcg\"",
            )),
        }
    }
}

impl TryFrom<String> for EigenSolver {
    type Error = String;
    fn try_from(s: String) -> std::result::Result<Self, String> {
        s.parse().map_err(|e: Error| e.to_string())
    }
}

impl From<EigenSolver> for String {
    fn from(a: EigenSolver) -> String {
        a.as_str().to_owned()
    }
}

/// The eigensolver's stopping tolerance: `"auto"` or a number `>= 0`.
///
/// ```
/// use clusterlab_spectral::EigenTol;
/// assert_eq!(serde_json::from_str::<EigenTol>("\"auto\"")?, EigenTol::Auto);
/// assert_eq!(serde_json::from_str::<EigenTol>("1e-8")?, EigenTol::Value(1e-8));
/// assert_eq!(EigenTol::Auto.residual(2_000), EigenTol::DEFAULT_RESIDUAL);
/// assert_eq!(EigenTol::Value(0.0).residual(2_000), EigenTol::DEFAULT_RESIDUAL);
/// assert_eq!(EigenTol::Value(1e-6).residual(2_000), 1e-6);
/// // Above about 50 million samples the rounding of the products sets the bar.
/// assert!(EigenTol::Auto.residual(100_000_000) > EigenTol::DEFAULT_RESIDUAL);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "EigenTolRepr", into = "EigenTolRepr")]
pub enum EigenTol {
    /// ARPACK's default (`0`, machine precision): here [`EigenTol::DEFAULT_RESIDUAL`], or the
    /// rounding of the products if larger ([`EigenTol::residual`]).
    #[default]
    Auto,
    /// Stop when every wanted eigenpair `(λ, v)` of the normalized Laplacian `L` has
    /// `||L v - λ v|| <= value`; `0` means as [`EigenTol::Auto`].
    Value(f64),
}

impl EigenTol {
    /// The residual `||L v - λ v||` (`||v|| = 1`, `||L|| <= 2`) that `"auto"` asks for: close
    /// to the rounding of the products, so that the embedding agrees with ARPACK's to well
    /// within `1e-6` wherever the eigenvalues are apart.
    pub const DEFAULT_RESIDUAL: f64 = 1e-11;

    /// The residual the eigensolver stops at on `n_samples` samples: the value given, or for
    /// `"auto"` (and 0) [`EigenTol::DEFAULT_RESIDUAL`], raised to `64 ε √n` (the rounding of
    /// a product by `L` of a unit vector) where that is larger.
    pub fn residual(self, n_samples: usize) -> f64 {
        match self {
            EigenTol::Value(v) if v > 0.0 => v,
            _ => Self::DEFAULT_RESIDUAL.max(64.0 * f64::EPSILON * (n_samples as f64).sqrt()),
        }
    }
}

impl fmt::Display for EigenTol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EigenTol::Auto => f.write_str("auto"),
            EigenTol::Value(v) => write!(f, "{v}"),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum EigenTolRepr {
    Value(f64),
    Name(String),
}

impl TryFrom<EigenTolRepr> for EigenTol {
    type Error = String;
    fn try_from(r: EigenTolRepr) -> std::result::Result<Self, String> {
        match r {
            EigenTolRepr::Value(v) => Ok(EigenTol::Value(v)),
            EigenTolRepr::Name(n) if n == "auto" => Ok(EigenTol::Auto),
            EigenTolRepr::Name(n) => Err(format!(
                "unknown eigen_tol `{n}`: expected \"auto\" or a number >= 0"
            )),
        }
    }
}

impl From<EigenTol> for EigenTolRepr {
    fn from(t: EigenTol) -> Self {
        match t {
            EigenTol::Auto => EigenTolRepr::Name("auto".into()),
            EigenTol::Value(v) => EigenTolRepr::Value(v),
        }
    }
}

/// Spectral clustering parameters, with scikit-learn's names and defaults
/// (`SpectralClustering(n_clusters=8, affinity="rbf", gamma=1.0, n_neighbors=10,
/// eigen_solver=None, n_components=None, assign_labels="kmeans", n_init=10,
/// eigen_tol="auto")`). scikit-learn's `random_state` is the seed of
/// [`SpectralClustering::fit`]; its kernel options for other affinities (`degree`, `coef0`,
/// `kernel_params`) and `n_jobs`/`verbose` do not exist here.
///
/// [`build`](Self::build) validates it into a [`SpectralClustering`] that can fit.
///
/// # Examples
///
/// ```
/// use clusterlab_spectral::{Affinity, AssignLabels, SpectralClusteringParams};
///
/// let p: SpectralClusteringParams = toml::from_str(r#"
///     n_clusters = 2
///     affinity = "nearest_neighbors"
///     assign_labels = "cluster_qr"
/// "#).unwrap();
/// assert_eq!(p.affinity, Affinity::NearestNeighbors);
/// assert_eq!(p.assign_labels, AssignLabels::ClusterQr);
/// assert_eq!((p.n_neighbors, p.n_init, p.gamma), (10, 10, 1.0));
/// assert!(p.build().is_ok());
///
/// // A typo'd key is an error, not a silent default.
/// assert!(toml::from_str::<SpectralClusteringParams>("n_neighbours = 5").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpectralClusteringParams {
    /// Number of clusters (default 8).
    pub n_clusters: usize,
    /// scikit-learn's eigensolver name (default `arpack`); `amg` is refused.
    pub eigen_solver: EigenSolver,
    /// Number of eigenvectors of the embedding (default: `n_clusters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_components: Option<usize>,
    /// K-means restarts on the embedding, for `assign_labels = "kmeans"` (default 10).
    pub n_init: usize,
    /// Kernel coefficient of the `rbf` affinity, `exp(-gamma ||x - y||²)` (default 1.0).
    pub gamma: f64,
    /// How the affinity matrix is built (default `rbf`).
    pub affinity: Affinity,
    /// Neighbours of each sample (itself included) for `affinity = "nearest_neighbors"`
    /// (default 10).
    pub n_neighbors: usize,
    /// The eigensolver's stopping tolerance (default `auto`).
    pub eigen_tol: EigenTol,
    /// How labels are read from the embedding (default `kmeans`).
    pub assign_labels: AssignLabels,
}

impl Default for SpectralClusteringParams {
    fn default() -> Self {
        SpectralClusteringParams {
            n_clusters: 8,
            eigen_solver: EigenSolver::default(),
            n_components: None,
            n_init: 10,
            gamma: 1.0,
            affinity: Affinity::default(),
            n_neighbors: 10,
            eigen_tol: EigenTol::default(),
            assign_labels: AssignLabels::default(),
        }
    }
}

impl SpectralClusteringParams {
    /// scikit-learn's defaults with `n_clusters` clusters.
    ///
    /// ```
    /// use clusterlab_spectral::SpectralClusteringParams;
    /// assert_eq!(SpectralClusteringParams::new(3).n_clusters, 3);
    /// assert_eq!(SpectralClusteringParams::default().n_clusters, 8);
    /// ```
    pub fn new(n_clusters: usize) -> Self {
        SpectralClusteringParams {
            n_clusters,
            ..Default::default()
        }
    }

    /// Checks everything that does not need the data (the error names the first bad
    /// parameter). What needs the data (`n_clusters`, `n_components` and `n_neighbors`
    /// against the number of samples, the size of the dense affinity) is checked when a fit
    /// starts, before any work.
    ///
    /// ```
    /// use clusterlab_spectral::SpectralClusteringParams;
    /// let err = SpectralClusteringParams { gamma: 0.0, ..SpectralClusteringParams::new(2) }
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `gamma` = 0: must be a finite number > 0");
    /// ```
    pub fn build(&self) -> Result<SpectralClustering> {
        validate::check_positive_count("n_clusters", self.n_clusters)?;
        if let Some(c) = self.n_components {
            validate::check_positive_count("n_components", c)?;
        }
        validate::check_positive_count("n_init", self.n_init)?;
        validate::check_positive("gamma", self.gamma)?;
        validate::check_positive_count("n_neighbors", self.n_neighbors)?;
        if let EigenTol::Value(v) = self.eigen_tol {
            validate::check_non_negative("eigen_tol", v)?;
        }
        if self.eigen_solver == EigenSolver::Amg {
            return Err(Error::invalid(
                "eigen_solver",
                "amg",
                "scikit-learn's amg needs pyamg's algebraic multigrid, which clusterlab does not \
                 have: use \"arpack\" (the default) or \"lobpcg\"",
            ));
        }
        let n_components = self.n_components.unwrap_or(self.n_clusters);
        if self.assign_labels != AssignLabels::Kmeans && n_components != self.n_clusters {
            return Err(Error::invalid(
                "n_components",
                n_components,
                format!(
                    "assign_labels = {} finds one cluster per eigenvector, so n_components must \
                     equal n_clusters = {} (or be left unset); scikit-learn would return {} \
                     clusters",
                    self.assign_labels, self.n_clusters, n_components
                ),
            ));
        }
        Ok(SpectralClustering {
            params: self.clone(),
        })
    }
}

/// A validated spectral clustering configuration: fit it to data with a seed.
///
/// Made by [`SpectralClusteringParams::build`].
///
/// ```
/// use clusterlab_spectral::{Affinity, SpectralClusteringParams};
/// use ndarray::array;
///
/// let x = array![[0.0, 0.0], [0.0, 0.1], [0.1, 0.0], [5.0, 5.0], [5.0, 5.1], [5.1, 5.0]];
/// let params = SpectralClusteringParams {
///     affinity: Affinity::NearestNeighbors,
///     n_neighbors: 3,
///     ..SpectralClusteringParams::new(2)
/// };
/// let model = params.build()?.fit(x.view(), 0)?;
/// let l = model.labels();
/// assert!(l[0] == l[1] && l[1] == l[2] && l[3] == l[4] && l[4] == l[5] && l[0] != l[3]);
/// // Two separate groups: the graph has two components, and the summary says so.
/// assert_eq!(model.n_connected_components(), 2);
/// assert!(!model.warnings().is_empty());
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralClustering {
    pub(crate) params: SpectralClusteringParams,
}

impl SpectralClustering {
    /// The validated parameters.
    pub fn params(&self) -> &SpectralClusteringParams {
        &self.params
    }

    /// The number of eigenvectors of the embedding (`n_components`, or `n_clusters`).
    pub fn n_components(&self) -> usize {
        self.params.n_components.unwrap_or(self.params.n_clusters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_name(p: SpectralClusteringParams) -> &'static str {
        match p.build() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn zero_clusters_is_rejected() {
        assert_eq!(invalid_name(SpectralClusteringParams::new(0)), "n_clusters");
    }

    #[test]
    fn zero_components_is_rejected() {
        let p = SpectralClusteringParams {
            n_components: Some(0),
            ..SpectralClusteringParams::new(2)
        };
        assert_eq!(invalid_name(p), "n_components");
    }

    #[test]
    fn zero_n_init_is_rejected() {
        let p = SpectralClusteringParams {
            n_init: 0,
            ..SpectralClusteringParams::new(2)
        };
        assert_eq!(invalid_name(p), "n_init");
    }

    #[test]
    fn gamma_must_be_positive_and_finite() {
        for gamma in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let p = SpectralClusteringParams {
                gamma,
                ..SpectralClusteringParams::new(2)
            };
            assert_eq!(invalid_name(p), "gamma", "{gamma}");
        }
    }

    #[test]
    fn zero_neighbors_is_rejected() {
        let p = SpectralClusteringParams {
            n_neighbors: 0,
            ..SpectralClusteringParams::new(2)
        };
        assert_eq!(invalid_name(p), "n_neighbors");
    }

    #[test]
    fn negative_eigen_tol_is_rejected() {
        for v in [-1e-9, f64::NAN] {
            let p = SpectralClusteringParams {
                eigen_tol: EigenTol::Value(v),
                ..SpectralClusteringParams::new(2)
            };
            assert_eq!(invalid_name(p), "eigen_tol");
        }
    }

    #[test]
    fn amg_is_refused_with_the_alternatives() {
        let p = SpectralClusteringParams {
            eigen_solver: EigenSolver::Amg,
            ..SpectralClusteringParams::new(2)
        };
        let err = p.build().unwrap_err();
        assert!(err.to_string().contains("pyamg"), "{err}");
        assert!(err.to_string().contains("arpack"), "{err}");
    }

    #[test]
    fn discretize_and_cluster_qr_need_one_eigenvector_per_cluster() {
        for assign_labels in [AssignLabels::Discretize, AssignLabels::ClusterQr] {
            let p = SpectralClusteringParams {
                n_components: Some(3),
                assign_labels,
                ..SpectralClusteringParams::new(2)
            };
            assert_eq!(invalid_name(p), "n_components");
        }
        let p = SpectralClusteringParams {
            n_components: Some(3),
            ..SpectralClusteringParams::new(2)
        };
        assert_eq!(p.build().unwrap().n_components(), 3);
    }

    #[test]
    fn unknown_names_are_refused_naming_the_parameter() {
        for (key, value) in [
            ("affinity", "rbff"),
            ("affinity", "precomputed"),
            ("affinity", "poly"),
            ("assign_labels", "kmeans++"),
            ("eigen_solver", "lapack"),
            ("eigen_tol", "tight"),
        ] {
            let err = toml::from_str::<SpectralClusteringParams>(&format!("{key} = \"{value}\""))
                .unwrap_err();
            assert!(err.to_string().contains(key), "{key}: {err}");
            assert!(err.to_string().contains(value), "{key}: {err}");
        }
    }

    #[test]
    fn typo_key_is_rejected() {
        let err = toml::from_str::<SpectralClusteringParams>("n_cluster = 2").unwrap_err();
        assert!(err.to_string().contains("n_cluster"), "{err}");
    }

    #[test]
    fn defaults_are_sklearns_and_round_trip() {
        let p: SpectralClusteringParams = toml::from_str("").unwrap();
        assert_eq!(p, SpectralClusteringParams::default());
        assert_eq!(p.n_clusters, 8);
        assert_eq!(p.affinity, Affinity::Rbf);
        assert_eq!(p.eigen_solver, EigenSolver::Arpack);
        assert_eq!(p.eigen_tol, EigenTol::Auto);
        assert_eq!(p.assign_labels, AssignLabels::Kmeans);
        let q = SpectralClusteringParams {
            n_components: Some(4),
            eigen_tol: EigenTol::Value(1e-7),
            affinity: Affinity::NearestNeighbors,
            eigen_solver: EigenSolver::Lobpcg,
            assign_labels: AssignLabels::Discretize,
            ..SpectralClusteringParams::new(4)
        };
        let s = serde_json::to_string(&q).unwrap();
        assert_eq!(
            serde_json::from_str::<SpectralClusteringParams>(&s).unwrap(),
            q
        );
        let t = toml::to_string(&q).unwrap();
        assert_eq!(toml::from_str::<SpectralClusteringParams>(&t).unwrap(), q);
    }
}
