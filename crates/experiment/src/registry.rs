//! The plug-in point: one [`Algorithm`] descriptor per algorithm, in one list.
//!
//! A descriptor says everything the rest of clusterlab needs to know about an algorithm: its
//! name in grid files, the name of its K parameter (or none, for an algorithm that finds K
//! itself), how a table of parameters becomes a validated [`Clusterer`], and the scores its
//! models report, each with which way is better and the best-K criterion and default plot it
//! feeds. Everything else is derived from the descriptors: the parameter names a `[grid]` axis
//! may set, the score columns of `runs.csv` and `summary.csv`, the criteria of `best_k.csv`,
//! the default plots, the `fit` subcommand and the error messages that list the kinds.
//!
//! Adding an algorithm is its crate, an impl of [`Params`] for its parameter struct, and one
//! entry in [`BUILTIN`]. The test `a_toy_algorithm_runs_through_a_grid` (in
//! `tests/toy_algorithm.rs`) registers an algorithm that exists only in the test and runs a grid
//! with it, to keep that promise honest.
//!
//! Parameters travel typed: the grid planner assembles a cell's parameters as a
//! [`toml::Table`] of typed values (K inserted as an integer under the algorithm's
//! [`k_param`](Algorithm::k_param)) and the algorithm's own serde struct reads it directly;
//! no TOML text is rendered and parsed again.

use std::fmt;

use clusterlab_core::Clusterer;
use clusterlab_data::DatasetSpec;
use clusterlab_gmm::GaussianMixtureParams;
use clusterlab_kmeans::KMeansParams;
use clusterlab_metrics::select::Criterion;
use serde::{Serialize, de::DeserializeOwned};

use crate::plots::{PlotKind, PlotSpec};

/// A parameter struct of an algorithm crate: scikit-learn's names, `deny_unknown_fields`, and a
/// `build` that validates it into a configuration.
pub trait Params: DeserializeOwned + Serialize + 'static {
    /// The validated configuration.
    type Config: Clusterer + 'static;

    /// Checks the values (ranges, shapes) and returns the configuration.
    fn validate(&self) -> clusterlab_core::Result<Self::Config>;
}

impl Params for KMeansParams {
    type Config = clusterlab_kmeans::KMeans;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for clusterlab_kmeans::XMeansParams {
    type Config = clusterlab_kmeans::XMeans;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for clusterlab_kmeans::GMeansParams {
    type Config = clusterlab_kmeans::GMeans;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for clusterlab_kmeans::BisectingKMeansParams {
    type Config = clusterlab_kmeans::BisectingKMeans;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for clusterlab_gmm::BayesianGaussianMixtureParams {
    type Config = clusterlab_gmm::BayesianGaussianMixture;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for clusterlab_hierarchy::AgglomerativeParams {
    type Config = clusterlab_hierarchy::Agglomerative;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for clusterlab_spectral::SpectralClusteringParams {
    type Config = clusterlab_spectral::SpectralClustering;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

impl Params for GaussianMixtureParams {
    type Config = clusterlab_gmm::GaussianMixture;
    fn validate(&self) -> clusterlab_core::Result<Self::Config> {
        self.build()
    }
}

/// Which way a score is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Smaller values are better (inertia, BIC).
    Lower,
    /// Larger values are better (log-likelihood).
    Higher,
}

impl Better {
    /// `"lower is better"` or `"higher is better"`, for captions.
    pub fn phrase(self) -> &'static str {
        match self {
            Better::Lower => "lower is better",
            Better::Higher => "higher is better",
        }
    }
}

/// A score that an algorithm's models report ([`clusterlab_core::FitSummary::scores`]).
#[derive(Debug, Clone)]
pub struct ScoreSpec {
    /// The name: the key in the model's summary and the column in the result tables.
    pub name: &'static str,
    /// Which way is better.
    pub better: Better,
    /// The best-K criterion that reads this score, if any (its
    /// [`series`](Criterion::series) is this score's name).
    pub criterion: Option<Criterion>,
    /// The plot drawn by default when a grid has a model that reports this score.
    pub plot: Option<PlotKind>,
    /// One line for the docs.
    pub description: &'static str,
}

/// Why a table of parameters did not become a configuration.
#[derive(Debug)]
pub enum BuildError {
    /// The table does not fit the parameter struct (unknown key, wrong type, bad variant):
    /// the error and the parameter it concerns (empty for the table as a whole).
    Parse {
        /// The parameter, when the error is about one.
        key: String,
        /// What serde said.
        error: toml::de::Error,
    },
    /// The values were read but are not valid (`tol < 0`, ...).
    Invalid(clusterlab_core::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Parse { key, error } if key.is_empty() => {
                f.write_str(error.message().trim())
            }
            BuildError::Parse { key, error } => write!(f, "`{key}`: {}", error.message().trim()),
            BuildError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Reads a value into `T`, remembering the key an error is about.
pub fn deserialize_tracked<T: DeserializeOwned>(value: toml::Value) -> Result<T, BuildError> {
    deserialize_tracked_with(value, |de| T::deserialize(de))
}

/// Reads a value with `read` (a `Deserialize` impl, or a function that picks one, such as
/// [`DatasetSpec::from_kind`]), remembering the key an error is about.
///
/// The key of an unknown field is in serde's message (the error is raised before the key is
/// entered); every other error's key is the path to where it was raised.
pub fn deserialize_tracked_with<T>(
    value: toml::Value,
    read: impl FnOnce(
        serde_path_to_error::Deserializer<'_, '_, toml::Value>,
    ) -> Result<T, toml::de::Error>,
) -> Result<T, BuildError> {
    let mut track = serde_path_to_error::Track::new();
    read(serde_path_to_error::Deserializer::new(value, &mut track)).map_err(|error| {
        let path = track.path().to_string();
        let message = error.message();
        let key = if message.starts_with("unknown field") {
            message.split('`').nth(1).unwrap_or_default().to_owned()
        } else if path == "." {
            String::new()
        } else {
            path
        };
        BuildError::Parse { key, error }
    })
}

/// The fields a serde struct accepts, as its derived `Deserialize` declares them.
///
/// A deserializer that only records the `fields` of `deserialize_struct` and stops: the list
/// is serde's own, so it cannot drift from the struct.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Fields(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }
    impl<'de> de::Deserializer<'de> for &mut Fields {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields = Fields(None);
    let _ = T::deserialize(&mut fields);
    fields.0.unwrap_or_default()
}

fn build_with<P: Params>(table: toml::Table) -> Result<Box<dyn Clusterer>, BuildError> {
    let params: P = deserialize_tracked(toml::Value::Table(table))?;
    Ok(Box::new(params.validate().map_err(BuildError::Invalid)?))
}

fn resolve_with<P: Params>(table: toml::Table) -> Result<serde_json::Value, BuildError> {
    let params: P = deserialize_tracked(toml::Value::Table(table))?;
    params.validate().map_err(BuildError::Invalid)?;
    // A parameter struct of numbers, strings and lists always serializes.
    Ok(serde_json::to_value(&params).unwrap_or_default())
}

/// One algorithm, as the rest of clusterlab sees it.
///
/// ```
/// use clusterlab_experiment::registry::Registry;
///
/// let kmeans = Registry::builtin().get("kmeans").unwrap();
/// assert_eq!(kmeans.k_param, Some("n_clusters"));
/// assert!(kmeans.params().contains(&"n_init"));
/// let mut table = toml::Table::new();
/// table.insert("n_clusters".into(), 3.into());
/// assert_eq!(kmeans.build(table)?.n_clusters(), Some(3));
/// # Ok::<(), clusterlab_experiment::registry::BuildError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Algorithm {
    /// The name in grid files (`kind = "kmeans"`) and in the `kind` column.
    pub name: &'static str,
    /// What it is, in a few words (for `--help` and the docs).
    pub summary: &'static str,
    /// The parameter that K sets (scikit-learn's name), or `None` for an algorithm that finds
    /// K itself.
    pub k_param: Option<&'static str>,
    /// The scores its models report.
    pub scores: &'static [ScoreSpec],
    /// One line of help per parameter but K (for `clusterlab fit` and the docs), in the order
    /// the command line shows them.
    pub param_docs: &'static [(&'static str, &'static str)],
    params: fn() -> &'static [&'static str],
    build: fn(toml::Table) -> Result<Box<dyn Clusterer>, BuildError>,
    resolve: fn(toml::Table) -> Result<serde_json::Value, BuildError>,
}

impl fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Algorithm")
            .field("name", &self.name)
            .field("k_param", &self.k_param)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Algorithm {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Algorithm {
    /// The descriptor of an algorithm whose parameters are `P`.
    pub const fn new<P: Params>(
        name: &'static str,
        summary: &'static str,
        k_param: Option<&'static str>,
        scores: &'static [ScoreSpec],
        param_docs: &'static [(&'static str, &'static str)],
    ) -> Algorithm {
        Algorithm {
            name,
            summary,
            k_param,
            scores,
            param_docs,
            params: field_names::<P>,
            build: build_with::<P>,
            resolve: resolve_with::<P>,
        }
    }

    /// Every parameter, defaults filled in, as the parameter struct reads `params` (a table as
    /// [`Algorithm::build`] takes it), validated.
    ///
    /// ```
    /// use clusterlab_experiment::registry::KMEANS;
    /// let mut t = toml::Table::new();
    /// t.insert("n_clusters".into(), 3.into());
    /// assert_eq!(KMEANS.resolve(t)?["max_iter"], 300);
    /// # Ok::<(), clusterlab_experiment::registry::BuildError>(())
    /// ```
    pub fn resolve(&self, params: toml::Table) -> Result<serde_json::Value, BuildError> {
        (self.resolve)(params)
    }

    /// The defaults of every parameter but K (as [`Algorithm::resolve`] gives them for K = 1).
    pub fn defaults(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut t = toml::Table::new();
        if let Some(k) = self.k_param {
            t.insert(k.into(), 1.into());
        }
        match self.resolve(t) {
            Ok(serde_json::Value::Object(mut m)) => {
                if let Some(k) = self.k_param {
                    m.remove(k);
                }
                m
            }
            _ => serde_json::Map::new(),
        }
    }

    /// Every parameter name the algorithm accepts, as its crate spells them (read from its
    /// serde struct).
    pub fn params(&self) -> &'static [&'static str] {
        (self.params)()
    }

    /// Reads a table of typed parameters into a validated configuration.
    pub fn build(&self, params: toml::Table) -> Result<Box<dyn Clusterer>, BuildError> {
        (self.build)(params)
    }

    /// Whether `name` sets this algorithm's K (`k`, or the K parameter's own name).
    pub fn is_k(&self, name: &str) -> bool {
        self.k_param.is_some() && (name == "k" || Some(name) == self.k_param)
    }

    /// A score of the algorithm by name.
    pub fn score(&self, name: &str) -> Option<&'static ScoreSpec> {
        self.scores.iter().find(|s| s.name == name)
    }
}

const INERTIA: ScoreSpec = ScoreSpec {
    name: "inertia",
    better: Better::Lower,
    criterion: Some(Criterion::Elbow),
    plot: Some(PlotKind::Elbow),
    description: "sum of squared distances of the samples to their closest center",
};

const KMEANS_SCORES: &[ScoreSpec] = &[INERTIA];

const KMEANS_DOCS: &[(&str, &str)] = &[
    (
        "init",
        "Initial centers: k-means++, random, or explicit centers (k rows; inline or a CSV file)",
    ),
    (
        "n_init",
        "Restarts: auto (1 for k-means++ and explicit centers, 10 for random) or a count; the \
         lowest inertia wins",
    ),
    ("max_iter", "Maximum iterations of one run"),
    (
        "tol",
        "Relative tolerance on the center shift (times the mean per-feature variance)",
    ),
    ("algorithm", "Lloyd or elkan"),
];

/// The K-means descriptor.
pub const KMEANS: Algorithm = Algorithm::new::<KMeansParams>(
    "kmeans",
    "K-means (Lloyd or Elkan), as scikit-learn's KMeans",
    Some("n_clusters"),
    KMEANS_SCORES,
    KMEANS_DOCS,
);

const GMM_DOCS: &[(&str, &str)] = &[
    (
        "covariance_type",
        "Form of the covariances: full, tied, diag or spherical",
    ),
    (
        "init_params",
        "How initial responsibilities are made: kmeans, k-means++, random or random_from_data",
    ),
    ("n_init", "Initialisations; the best lower bound wins"),
    ("max_iter", "Maximum EM iterations per initialisation"),
    (
        "tol",
        "Convergence threshold on the change of the lower bound",
    ),
    ("reg_covar", "Added to the diagonal of every covariance"),
    (
        "weights_init",
        "Explicit initial weights (k values; inline or a CSV or JSON file)",
    ),
    (
        "means_init",
        "Explicit initial means (k rows; inline or a CSV or JSON file)",
    ),
    (
        "precisions_init",
        "Explicit initial precisions in scikit-learn's shape for the covariance type (inline or \
         a JSON file)",
    ),
];

/// The K an algorithm that finds K itself found.
const fn found_k(criterion: Criterion) -> ScoreSpec {
    ScoreSpec {
        name: "n_clusters",
        better: Better::Higher,
        criterion: Some(criterion),
        plot: None,
        description: "the number of clusters the algorithm found (an automatic-K baseline)",
    }
}

/// X-means' scores: the inertia of its final clustering, and the K it found.
const XMEANS_SCORES: &[ScoreSpec] = &[
    ScoreSpec {
        criterion: None,
        plot: None,
        ..INERTIA
    },
    found_k(Criterion::XMeans),
];

/// G-means' scores.
const GMEANS_SCORES: &[ScoreSpec] = &[
    ScoreSpec {
        criterion: None,
        plot: None,
        ..INERTIA
    },
    found_k(Criterion::GMeans),
];

const SPLIT_DOCS: &[(&str, &str)] = &[
    (
        "k_min",
        "Clusters to start from (K-means with k_min clusters)",
    ),
    (
        "k_max",
        "Most clusters: splitting stops there (converged = false)",
    ),
    ("max_iter", "Maximum iterations of each inner K-means run"),
    (
        "n_init",
        "Restarts of each inner K-means run (auto or a count)",
    ),
    ("tol", "Tolerance of each inner K-means run"),
];

/// The X-means descriptor: K-means whose clusters split while the BIC of the split (Pelleg and
/// Moore's spherical-Gaussian model) beats the unsplit cluster's.
pub const XMEANS: Algorithm = Algorithm::new::<clusterlab_kmeans::XMeansParams>(
    "xmeans",
    "X-means (Pelleg and Moore): K-means whose clusters split while the BIC improves; finds K",
    None,
    XMEANS_SCORES,
    SPLIT_DOCS,
);

const GMEANS_DOCS: &[(&str, &str)] = &[
    (
        "k_min",
        "Clusters to start from (K-means with k_min clusters)",
    ),
    (
        "k_max",
        "Most clusters: splitting stops there (converged = false)",
    ),
    (
        "alpha",
        "Significance of the Anderson-Darling test (0.0001, as Hamerly and Elkan; or 0.15, \
         0.10, 0.05, 0.025, 0.01)",
    ),
    ("max_iter", "Maximum iterations of each inner K-means run"),
    (
        "n_init",
        "Restarts of each inner K-means run (auto or a count)",
    ),
    ("tol", "Tolerance of each inner K-means run"),
];

/// The G-means descriptor: K-means whose clusters split while their projection on the split
/// direction fails the Anderson-Darling test of normality.
pub const GMEANS: Algorithm = Algorithm::new::<clusterlab_kmeans::GMeansParams>(
    "gmeans",
    "G-means (Hamerly and Elkan): clusters split while they fail a normality test; finds K",
    None,
    GMEANS_SCORES,
    GMEANS_DOCS,
);

const BISECTING_DOCS: &[(&str, &str)] = &[
    (
        "init",
        "Seeding of each bisection's 2-means: random (scikit-learn's default) or k-means++",
    ),
    (
        "n_init",
        "2-means runs per bisection; the lowest inertia wins",
    ),
    ("max_iter", "Maximum iterations of each 2-means run"),
    (
        "tol",
        "Absolute tolerance on the squared center shift of each 2-means run (not scaled by the \
         variance, as in scikit-learn)",
    ),
    (
        "copy_x",
        "Accepted for scikit-learn compatibility; no effect (the data are never modified)",
    ),
    ("algorithm", "The 2-means algorithm: lloyd or elkan"),
    (
        "bisecting_strategy",
        "The leaf split next: biggest_inertia (largest SSE) or largest_cluster (most samples)",
    ),
];

/// The bisecting K-means descriptor.
pub const BISECTING_KMEANS: Algorithm = Algorithm::new::<clusterlab_kmeans::BisectingKMeansParams>(
    "bisecting_kmeans",
    "Bisecting K-means, as scikit-learn's BisectingKMeans: the leaf of largest inertia (or \
         size) split in two by 2-means until K leaves; the hierarchy is kept",
    Some("n_clusters"),
    KMEANS_SCORES,
    BISECTING_DOCS,
);

/// Agglomerative clustering's one score.
const AGGLOMERATIVE_SCORES: &[ScoreSpec] = &[ScoreSpec {
    name: "cut_height",
    better: Better::Lower,
    criterion: None,
    plot: None,
    description: "the height of the highest merge inside the K clusters (0 when every cluster \
                  is one sample)",
}];

const AGGLOMERATIVE_DOCS: &[(&str, &str)] = &[
    (
        "linkage",
        "What the merges minimise: ward (within-cluster variance, O(n) memory), complete or \
         average (both keep the n(n-1)/2 pairwise distances) or single (minimum spanning tree, \
         O(n) memory)",
    ),
    (
        "metric",
        "Distance between samples: euclidean (or l2); scikit-learn's other metrics are refused",
    ),
    (
        "compute_distances",
        "Accepted for scikit-learn compatibility; no effect (merge distances are always kept)",
    ),
];

/// The agglomerative clustering descriptor.
pub const AGGLOMERATIVE: Algorithm = Algorithm::new::<clusterlab_hierarchy::AgglomerativeParams>(
    "agglomerative",
    "Agglomerative clustering, as scikit-learn's AgglomerativeClustering: ward, complete, \
     average or single linkage; the whole tree is kept",
    Some("n_clusters"),
    AGGLOMERATIVE_SCORES,
    AGGLOMERATIVE_DOCS,
);

const SPECTRAL_DOCS: &[(&str, &str)] = &[
    (
        "affinity",
        "How the graph is built: rbf (dense exp(-gamma ||x - y||^2), at most 5,000 samples) or \
         nearest_neighbors (sparse k-nearest-neighbour connectivity)",
    ),
    (
        "gamma",
        "Kernel coefficient of the rbf affinity (> 0); smaller connects more",
    ),
    (
        "n_neighbors",
        "Neighbours of each sample, itself included, for nearest_neighbors (below n_samples); \
         more connects more",
    ),
    (
        "assign_labels",
        "How labels are read from the embedding: kmeans, discretize or cluster_qr \
         (deterministic)",
    ),
    (
        "n_init",
        "K-means restarts on the embedding (assign_labels = kmeans); the lowest inertia wins",
    ),
    (
        "eigen_solver",
        "scikit-learn's name: arpack or lobpcg (both run clusterlab's shift-invert block \
         solver); amg is refused",
    ),
    (
        "n_components",
        "Eigenvectors in the embedding (default n_clusters; must equal it for discretize and \
         cluster_qr)",
    ),
    (
        "eigen_tol",
        "Eigensolver tolerance on ||L v - lambda v||: auto (1e-11) or a number >= 0",
    ),
];

/// The spectral clustering descriptor.
pub const SPECTRAL: Algorithm = Algorithm::new::<clusterlab_spectral::SpectralClusteringParams>(
    "spectral",
    "Spectral clustering, as scikit-learn's SpectralClustering: a normalized-Laplacian \
     embedding of an rbf or nearest-neighbour graph, then kmeans, discretize or cluster_qr",
    Some("n_clusters"),
    &[],
    SPECTRAL_DOCS,
);

/// The variational mixture's scores.
const BAYESIAN_GMM_SCORES: &[ScoreSpec] = &[
    ScoreSpec {
        name: "elbo",
        better: Better::Higher,
        criterion: None,
        plot: None,
        description: "the variational lower bound (ELBO) at the returned parameters, a total \
                      over the samples without constants, as scikit-learn's lower_bound_ of a \
                      BayesianGaussianMixture (not comparable with gmm's per-sample lower_bound)",
    },
    ScoreSpec {
        name: "effective_n_components",
        better: Better::Higher,
        criterion: Some(Criterion::BayesianGmm),
        plot: None,
        description: "components whose weight exceeds weight_threshold: the number of \
                      clusters the variational mixture found (best_k.csv reads it at the \
                      largest n_components of the grid)",
    },
];

const BAYESIAN_GMM_DOCS: &[(&str, &str)] = &[
    (
        "covariance_type",
        "Form of the covariances: full, tied, diag or spherical",
    ),
    (
        "init_params",
        "How initial responsibilities are made: kmeans, k-means++, random or random_from_data",
    ),
    ("n_init", "Initialisations; the highest lower bound wins"),
    ("max_iter", "Maximum iterations per initialisation"),
    (
        "tol",
        "Convergence threshold on the change of the lower bound (a total over the samples)",
    ),
    ("reg_covar", "Added to the diagonal of every covariance"),
    (
        "weight_concentration_prior_type",
        "Prior on the weights: dirichlet_process or dirichlet_distribution",
    ),
    (
        "weight_concentration_prior",
        "Concentration of the weight prior, > 0 (default 1 / n_components); smaller favours \
         fewer components",
    ),
    (
        "mean_precision_prior",
        "Precision of the prior on the means, > 0 (default 1)",
    ),
    (
        "mean_prior",
        "Prior mean, one value per feature (default: the data's mean)",
    ),
    (
        "degrees_of_freedom_prior",
        "Degrees of freedom of the Wishart prior, > n_features - 1 (default n_features)",
    ),
    (
        "covariance_prior",
        "Prior covariance in the covariance type's shape: a matrix (full, tied), a vector \
         (diag), a number (spherical); default the data's covariance",
    ),
    (
        "weight_threshold",
        "clusterlab's own: a component counts in effective_n_components when its weight \
         exceeds this (default 0.01)",
    ),
];

/// The variational Bayesian mixture descriptor.
pub const BAYESIAN_GMM: Algorithm = Algorithm::new::<clusterlab_gmm::BayesianGaussianMixtureParams>(
    "bayesian_gmm",
    "A variational Bayesian Gaussian mixture, as scikit-learn's BayesianGaussianMixture; \
         its effective number of components is an automatic-K baseline",
    Some("n_components"),
    BAYESIAN_GMM_SCORES,
    BAYESIAN_GMM_DOCS,
);

/// The Gaussian mixture descriptor.
pub const GMM: Algorithm = Algorithm::new::<GaussianMixtureParams>(
    "gmm",
    "A Gaussian mixture fitted by EM, as scikit-learn's GaussianMixture",
    Some("n_components"),
    GMM_SCORES,
    GMM_DOCS,
);

const GMM_SCORES: &[ScoreSpec] = &[
    ScoreSpec {
        name: "log_likelihood",
        better: Better::Higher,
        criterion: None,
        plot: Some(PlotKind::Selection),
        description: "mean per-sample log-likelihood of the training data",
    },
    ScoreSpec {
        name: "lower_bound",
        better: Better::Higher,
        criterion: None,
        plot: None,
        description: "the EM lower bound at the returned parameters",
    },
    ScoreSpec {
        name: "bic",
        better: Better::Lower,
        criterion: Some(Criterion::Bic),
        plot: Some(PlotKind::Selection),
        description: "Bayesian information criterion (scikit-learn's sign: lower is better)",
    },
    ScoreSpec {
        name: "aic",
        better: Better::Lower,
        criterion: None,
        plot: None,
        description: "Akaike information criterion (lower is better)",
    },
    ScoreSpec {
        name: "icl",
        better: Better::Lower,
        criterion: Some(Criterion::Icl),
        plot: None,
        description: "integrated completed likelihood: the BIC plus twice the entropy of the \
                      hard classification (scikit-learn's sign, lower is better; mclust's icl \
                      is its negative)",
    },
];

/// The algorithms clusterlab ships, in the order of the docs and of the result columns.
pub static BUILTIN: [Algorithm; 8] = [
    KMEANS,
    GMM,
    XMEANS,
    GMEANS,
    BISECTING_KMEANS,
    BAYESIAN_GMM,
    AGGLOMERATIVE,
    SPECTRAL,
];

/// A list of algorithms: what a grid may name.
#[derive(Debug, Clone, Copy)]
pub struct Registry {
    algorithms: &'static [Algorithm],
}

impl Registry {
    /// The shipped algorithms.
    pub fn builtin() -> Registry {
        Registry {
            algorithms: &BUILTIN,
        }
    }

    /// Another list (a test's toy algorithm beside the shipped ones, say).
    pub const fn new(algorithms: &'static [Algorithm]) -> Registry {
        Registry { algorithms }
    }

    /// Every algorithm, in order.
    pub fn all(&self) -> &'static [Algorithm] {
        self.algorithms
    }

    /// The algorithm of a name.
    ///
    /// ```
    /// use clusterlab_experiment::registry::Registry;
    /// assert_eq!(Registry::builtin().get("gmm").map(|a| a.name), Some("gmm"));
    /// assert!(Registry::builtin().get("dbscan").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&'static Algorithm> {
        self.algorithms.iter().find(|a| a.name == name)
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.algorithms.iter().map(|a| a.name).collect()
    }

    /// The score columns of the result tables: every algorithm's scores, in registry order,
    /// each once. The same columns whatever models a grid has, so that tables of different
    /// grids line up.
    pub fn score_columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for s in self.algorithms.iter().flat_map(|a| a.scores) {
            if !out.contains(&s.name) {
                out.push(s.name);
            }
        }
        out
    }

    /// A score's description by name (the first algorithm that reports it).
    pub fn score(&self, name: &str) -> Option<&'static ScoreSpec> {
        self.algorithms.iter().find_map(|a| a.score(name))
    }

    /// The plots drawn when a grid has no `[[plot]]` table: the truth scatter when the data has
    /// labels, the plots that the models' scores feed ([`ScoreSpec::plot`]: the elbow for
    /// K-means' inertia, the selection plot for a mixture's BIC), and the criteria plot whenever
    /// there is a model.
    ///
    /// `kinds` are the models' kinds (`"kmeans"`, `"gmm"`), repeated or not; the plots follow the
    /// registry's order, whatever order the models were written in.
    ///
    /// [`ScoreSpec::plot`]: crate::registry::ScoreSpec::plot
    ///
    /// ```
    /// use clusterlab_experiment::registry::Registry;
    /// let stems: Vec<String> = Registry::builtin()
    ///     .default_plots(true, &["gmm", "kmeans"])
    ///     .iter()
    ///     .map(|p| p.file_stem())
    ///     .collect();
    /// assert_eq!(stems, ["scatter_truth", "elbow", "selection", "criteria"]);
    /// ```
    pub fn default_plots(&self, has_truth: bool, kinds: &[&str]) -> Vec<PlotSpec> {
        let mut plots = Vec::new();
        if has_truth {
            plots.push(PlotSpec::truth());
        }
        let fed = self
            .all()
            .iter()
            .filter(|a| kinds.contains(&a.name))
            .flat_map(|a| a.scores.iter().filter_map(|s| s.plot.clone()));
        for kind in fed {
            let spec = PlotSpec::new(kind);
            if !plots.contains(&spec) {
                plots.push(spec);
            }
        }
        if !kinds.is_empty() {
            plots.push(PlotSpec::new(PlotKind::Criteria));
        }
        plots
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

/// The data kinds grid files may name (the data crate's own registry).
pub fn data_kinds() -> &'static [&'static str] {
    DatasetSpec::KINDS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    /// The smallest table that builds, per kind.
    fn minimal(a: &Algorithm) -> toml::Table {
        let mut t = toml::Table::new();
        if let Some(k) = a.k_param {
            t.insert(k.into(), 2.into());
        }
        t
    }

    #[test]
    fn every_algorithm_builds_from_a_minimal_table() {
        for a in Registry::builtin().all() {
            let c = a.build(minimal(a)).unwrap();
            assert_eq!(c.kind(), a.name);
            assert_eq!(c.n_clusters(), a.k_param.map(|_| 2));
            assert_eq!(Registry::builtin().get(a.name), Some(a));
        }
    }

    #[test]
    fn every_algorithm_refuses_a_typo_naming_the_key() {
        for a in Registry::builtin().all() {
            // Each algorithm's first documented parameter, its last letter doubled.
            let param = a.param_docs[0].0;
            let typo = format!("{param}{}", &param[param.len() - 1..]);
            let mut t = minimal(a);
            t.insert(typo.clone(), 3.into());
            let Err(BuildError::Parse { key, error }) = a.build(t) else {
                panic!("{} accepted a typo", a.name);
            };
            assert_eq!(key, typo);
            let msg = crate::text::with_suggestion(error.message());
            assert!(msg.contains(&format!("did you mean `{param}`?")), "{msg}");
        }
    }

    #[test]
    fn a_wrong_type_names_its_key() {
        let Err(BuildError::Parse { key, .. }) =
            KMEANS.build(table("n_clusters = 2\nn_init = 1.5"))
        else {
            panic!("accepted");
        };
        assert_eq!(key, "n_init");
    }

    /// Every parameter but K has one line of help, and nothing else has one.
    #[test]
    fn every_parameter_is_documented() {
        for a in Registry::builtin().all() {
            let mut documented: Vec<&str> = a.param_docs.iter().map(|(n, _)| *n).collect();
            let mut params: Vec<&str> = a
                .params()
                .iter()
                .copied()
                .filter(|p| Some(*p) != a.k_param)
                .collect();
            documented.sort_unstable();
            params.sort_unstable();
            assert_eq!(documented, params, "{}", a.name);
            // Defaults are the struct's own; an optional parameter without one is left out.
            let defaults = a.defaults();
            assert!(
                defaults.keys().all(|d| params.contains(&d.as_str())),
                "{}",
                a.name
            );
            assert!(!defaults.is_empty(), "{}", a.name);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names = Registry::builtin().names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BUILTIN.len());
    }

    /// The parameter lists are serde's own: every name is accepted, and they include K.
    #[test]
    fn parameter_lists_are_the_structs_fields() {
        assert_eq!(
            KMEANS.params(),
            [
                "n_clusters",
                "init",
                "n_init",
                "max_iter",
                "tol",
                "algorithm"
            ]
        );
        for a in Registry::builtin().all() {
            if let Some(k) = a.k_param {
                assert!(a.params().contains(&k), "{}", a.name);
            }
            let mut t = minimal(a);
            t.insert("zzz".into(), 1.into());
            let Err(BuildError::Parse { error, .. }) = a.build(t) else {
                panic!("{} accepted an unknown key", a.name);
            };
            let msg = error.message().to_owned();
            let mut listed: Vec<&str> = msg.split('`').skip(1).step_by(2).skip(1).collect();
            let mut ours = a.params().to_vec();
            listed.sort_unstable();
            ours.sort_unstable();
            assert_eq!(listed, ours, "{msg}");
        }
    }

    /// A score that feeds a criterion is that criterion's series.
    #[test]
    fn scores_feed_the_criteria_that_read_them() {
        for a in Registry::builtin().all() {
            for s in a.scores {
                if let Some(c) = s.criterion {
                    assert_eq!(c.series(), s.name, "{}", a.name);
                }
            }
        }
    }

    /// Every score a descriptor declares is what its models report, and nothing else.
    #[test]
    fn models_report_exactly_their_declared_scores() {
        let x = ndarray::array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0], [0.0, 0.2]];
        for a in Registry::builtin().all() {
            let model = a.build(minimal(a)).unwrap().fit_dyn(x.view(), 0).unwrap();
            let summary = model.summary();
            let reported: Vec<&str> = summary.scores.keys().map(String::as_str).collect();
            let mut declared: Vec<&str> = a.scores.iter().map(|s| s.name).collect();
            declared.sort_unstable();
            assert_eq!(reported, declared, "{}", a.name);
        }
    }

    #[test]
    fn score_columns_are_every_algorithms_scores_in_order() {
        assert_eq!(
            Registry::builtin().score_columns(),
            [
                "inertia",
                "log_likelihood",
                "lower_bound",
                "bic",
                "aic",
                "icl",
                "n_clusters",
                "elbo",
                "effective_n_components",
                "cut_height"
            ]
        );
    }

    #[test]
    fn defaults_follow_the_models() {
        let stems = |t, k: &[&str]| -> Vec<String> {
            Registry::builtin()
                .default_plots(t, k)
                .iter()
                .map(PlotSpec::file_stem)
                .collect()
        };
        assert_eq!(stems(false, &["gmm"]), ["selection", "criteria"]);
        assert_eq!(
            stems(true, &["kmeans"]),
            ["scatter_truth", "elbow", "criteria"]
        );
        assert!(stems(false, &[]).is_empty());
    }

    #[test]
    fn a_bad_value_is_invalid_not_a_parse_error() {
        assert!(matches!(
            KMEANS.build(table("n_clusters = 2\ntol = -1.0")),
            Err(BuildError::Invalid(_))
        ));
    }
}
