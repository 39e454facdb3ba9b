//! Parameters (scikit-learn's names and defaults) and their validation.

use clusterlab_core::{Error, Result, validate};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::matrix;

/// How the initial centers are chosen.
///
/// In serde (TOML, JSON) this is `"k-means++"`, `"random"`, or a list of centers (one list of
/// `n_features` numbers per cluster).
///
/// ```
/// use clusterlab_kmeans::Init;
/// let init: Init = serde_json::from_str("\"random\"")?;
/// assert_eq!(init, Init::Random);
/// let init: Init = serde_json::from_str("[[0.0, 1.0], [2.0, 3.0]]")?;
/// assert!(matches!(init, Init::Centers(c) if c.dim() == (2, 2)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "InitRepr", into = "InitRepr")]
pub enum Init {
    /// Greedy k-means++ (scikit-learn's variant: `2 + floor(ln k)` candidates per step, the one
    /// that lowers the potential most is kept).
    #[default]
    KMeansPlusPlus,
    /// `k` distinct samples drawn at random (with probability proportional to their weights).
    Random,
    /// Explicit initial centers, `n_clusters x n_features`.
    Centers(Array2<f64>),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum InitRepr {
    Name(String),
    Centers(Vec<Vec<f64>>),
}

impl TryFrom<InitRepr> for Init {
    type Error = String;
    fn try_from(r: InitRepr) -> std::result::Result<Self, String> {
        match r {
            InitRepr::Name(n) if n == "k-means++" => Ok(Init::KMeansPlusPlus),
            InitRepr::Name(n) if n == "random" => Ok(Init::Random),
            InitRepr::Name(n) => Err(format!(
                "unknown init `{n}`: expected \"k-means++\", \"random\" or a list of centers"
            )),
            InitRepr::Centers(rows) => matrix::from_rows(rows)
                .map(Init::Centers)
                .map_err(|e| format!("init centers: {e}")),
        }
    }
}

impl From<Init> for InitRepr {
    fn from(i: Init) -> Self {
        match i {
            Init::KMeansPlusPlus => InitRepr::Name("k-means++".into()),
            Init::Random => InitRepr::Name("random".into()),
            Init::Centers(c) => InitRepr::Centers(matrix::to_rows(c.view())),
        }
    }
}

impl std::fmt::Display for Init {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Init::KMeansPlusPlus => f.write_str("k-means++"),
            Init::Random => f.write_str("random"),
            Init::Centers(c) => write!(f, "explicit {} x {} centers", c.nrows(), c.ncols()),
        }
    }
}

/// How many times the algorithm runs from different initial centers; the lowest inertia wins.
///
/// In serde, `"auto"` or a count.
///
/// ```
/// use clusterlab_kmeans::NInit;
/// assert_eq!(serde_json::from_str::<NInit>("\"auto\"")?, NInit::Auto);
/// assert_eq!(serde_json::from_str::<NInit>("10")?, NInit::Count(10));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "NInitRepr", into = "NInitRepr")]
pub enum NInit {
    /// 1 for k-means++ and explicit centers, 10 for random (scikit-learn's `"auto"`).
    #[default]
    Auto,
    /// Exactly this many restarts (at least 1). Explicit centers always run once.
    Count(usize),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum NInitRepr {
    Count(usize),
    Name(String),
}

impl TryFrom<NInitRepr> for NInit {
    type Error = String;
    fn try_from(r: NInitRepr) -> std::result::Result<Self, String> {
        match r {
            NInitRepr::Count(c) => Ok(NInit::Count(c)),
            NInitRepr::Name(n) if n == "auto" => Ok(NInit::Auto),
            NInitRepr::Name(n) => Err(format!(
                "unknown n_init `{n}`: expected \"auto\" or a count >= 1"
            )),
        }
    }
}

impl From<NInit> for NInitRepr {
    fn from(n: NInit) -> Self {
        match n {
            NInit::Auto => NInitRepr::Name("auto".into()),
            NInit::Count(c) => NInitRepr::Count(c),
        }
    }
}

/// The K-means variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Lloyd's algorithm: every sample meets every center at every iteration.
    #[default]
    Lloyd,
    /// Elkan's algorithm: triangle-inequality bounds skip most distances once centers settle.
    /// Needs `n_samples x n_clusters` bounds in memory (stored as `f32`).
    Elkan,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Lloyd => "lloyd",
            Algorithm::Elkan => "elkan",
        })
    }
}

fn default_max_iter() -> usize {
    300
}

fn default_tol() -> f64 {
    1e-4
}

/// K-means parameters, with scikit-learn's names and defaults.
///
/// This is the raw form that a TOML table or a command line fills; [`build`](Self::build)
/// validates it into a [`KMeans`] that can fit.
///
/// ```
/// use clusterlab_kmeans::{Algorithm, KMeansParams, NInit};
///
/// let p: KMeansParams = toml::from_str(r#"
///     n_clusters = 3
///     n_init = 10
///     algorithm = "elkan"
/// "#).unwrap();
/// assert_eq!(p.n_init, NInit::Count(10));
/// assert_eq!(p.algorithm, Algorithm::Elkan);
/// assert_eq!(p.max_iter, 300);
/// assert!(p.build().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KMeansParams {
    /// Number of clusters `k` (required, at least 1 and at most the number of samples).
    pub n_clusters: usize,
    /// How the initial centers are chosen (default k-means++).
    #[serde(default)]
    pub init: Init,
    /// Number of restarts (default `"auto"`).
    #[serde(default)]
    pub n_init: NInit,
    /// Maximum number of iterations of one run (default 300).
    #[serde(default = "default_max_iter")]
    pub max_iter: usize,
    /// Relative tolerance (default 1e-4): a run stops when the total squared shift of the
    /// centers is at most `tol` times the mean of the per-feature variances of the data.
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Lloyd (default) or Elkan.
    #[serde(default)]
    pub algorithm: Algorithm,
}

impl KMeansParams {
    /// Parameters for `n_clusters` clusters, everything else at scikit-learn's defaults.
    ///
    /// ```
    /// use clusterlab_kmeans::KMeansParams;
    /// let model = KMeansParams::new(1).build()?.fit(ndarray::array![[1.0], [3.0]].view(), 0)?;
    /// assert_eq!(model.centers()[[0, 0]], 2.0);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn new(n_clusters: usize) -> Self {
        KMeansParams {
            n_clusters,
            init: Init::default(),
            n_init: NInit::default(),
            max_iter: default_max_iter(),
            tol: default_tol(),
            algorithm: Algorithm::default(),
        }
    }

    /// Checks everything that does not need the data: `n_clusters >= 1`, `n_init >= 1`,
    /// `max_iter >= 1`, `tol` finite and `>= 0`, explicit centers with `n_clusters` finite
    /// rows. What needs the data (`n_clusters <= n_samples`, the centers' width) is checked at
    /// fit, before any work.
    ///
    /// ```
    /// use clusterlab_kmeans::KMeansParams;
    /// let err = KMeansParams { tol: -1.0, ..KMeansParams::new(2) }.build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `tol` = -1: must be a finite number >= 0");
    /// ```
    pub fn build(&self) -> Result<KMeans> {
        if self.n_clusters == 0 {
            return Err(Error::invalid("n_clusters", 0, "must be at least 1"));
        }
        if let NInit::Count(c) = self.n_init {
            validate::check_positive_count("n_init", c)?;
        }
        validate::check_positive_count("max_iter", self.max_iter)?;
        validate::check_non_negative("tol", self.tol)?;
        if let Init::Centers(c) = &self.init {
            validate::check_matrix("init", c.view(), Some(self.n_clusters), c.ncols())?;
            if c.ncols() == 0 {
                return Err(Error::invalid(
                    "init",
                    "centers with 0 features",
                    "explicit centers need at least one feature",
                ));
            }
        }
        Ok(KMeans {
            params: self.clone(),
        })
    }
}

/// A validated K-means configuration: fit it to data with a seed.
///
/// Made by [`KMeansParams::build`].
///
/// ```
/// use clusterlab_kmeans::KMeansParams;
/// use ndarray::array;
///
/// let x = array![[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]];
/// let model = KMeansParams::new(2).build()?.fit(x.view(), 42)?;
/// assert_eq!(model.labels()[0], model.labels()[1]);
/// assert_ne!(model.labels()[0], model.labels()[2]);
/// assert_eq!(model.inertia(), 1.0);
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    pub(crate) params: KMeansParams,
}

impl KMeans {
    /// The validated parameters.
    pub fn params(&self) -> &KMeansParams {
        &self.params
    }

    /// The number of runs [`NInit::Auto`] or the count resolve to, as scikit-learn does it:
    /// explicit centers always run once.
    pub fn effective_n_init(&self) -> usize {
        match (&self.params.init, self.params.n_init) {
            (Init::Centers(_), _) => 1,
            (_, NInit::Count(c)) => c,
            (Init::Random, NInit::Auto) => 10,
            (Init::KMeansPlusPlus, NInit::Auto) => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn invalid_name(p: KMeansParams) -> &'static str {
        match p.build() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn zero_clusters_is_rejected() {
        assert_eq!(invalid_name(KMeansParams::new(0)), "n_clusters");
    }

    #[test]
    fn zero_max_iter_is_rejected() {
        let p = KMeansParams {
            max_iter: 0,
            ..KMeansParams::new(2)
        };
        assert_eq!(invalid_name(p), "max_iter");
    }

    #[test]
    fn zero_n_init_is_rejected() {
        let p = KMeansParams {
            n_init: NInit::Count(0),
            ..KMeansParams::new(2)
        };
        assert_eq!(invalid_name(p), "n_init");
    }

    #[test]
    fn negative_or_nan_tol_is_rejected() {
        for tol in [-1e-9, f64::NAN, f64::INFINITY] {
            let p = KMeansParams {
                tol,
                ..KMeansParams::new(2)
            };
            assert_eq!(invalid_name(p), "tol");
        }
    }

    #[test]
    fn centers_with_wrong_row_count_are_rejected() {
        let p = KMeansParams {
            init: Init::Centers(array![[0.0, 0.0]]),
            ..KMeansParams::new(2)
        };
        assert!(matches!(p.build(), Err(Error::ShapeMismatch { .. })));
    }

    #[test]
    fn centers_with_nan_are_rejected() {
        let p = KMeansParams {
            init: Init::Centers(array![[0.0, 0.0], [f64::NAN, 1.0]]),
            ..KMeansParams::new(2)
        };
        assert!(matches!(
            p.build(),
            Err(Error::NonFinite {
                row: 1,
                column: 0,
                ..
            })
        ));
    }

    #[test]
    fn toml_shapes_parse() {
        let p: KMeansParams = toml::from_str(
            r#"
            n_clusters = 2
            init = [[0.0, 1.0], [2.0, 3.0]]
            n_init = "auto"
            tol = 0.0
            "#,
        )
        .unwrap();
        assert_eq!(p.init, Init::Centers(array![[0.0, 1.0], [2.0, 3.0]]));
        assert_eq!(p.n_init, NInit::Auto);
        let p: KMeansParams =
            toml::from_str("n_clusters = 2\ninit = \"random\"\nn_init = 3").unwrap();
        assert_eq!(p.init, Init::Random);
        assert_eq!(p.n_init, NInit::Count(3));
        assert_eq!(p.build().unwrap().effective_n_init(), 3);
    }

    #[test]
    fn typo_key_is_rejected() {
        let err = toml::from_str::<KMeansParams>("n_clusters = 2\nmax_iters = 5").unwrap_err();
        assert!(err.to_string().contains("max_iters"), "{err}");
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert!(toml::from_str::<KMeansParams>("n_clusters = 2\ninit = \"kmeans++\"").is_err());
        assert!(toml::from_str::<KMeansParams>("n_clusters = 2\nn_init = \"many\"").is_err());
        assert!(toml::from_str::<KMeansParams>("n_clusters = 2\nalgorithm = \"auto\"").is_err());
        assert!(
            toml::from_str::<KMeansParams>("n_clusters = 2\ninit = [[0.0], [1.0, 2.0]]").is_err()
        );
    }

    #[test]
    fn serde_round_trip() {
        let p = KMeansParams {
            init: Init::Centers(array![[0.0, 1.0]]),
            n_init: NInit::Count(4),
            algorithm: Algorithm::Elkan,
            ..KMeansParams::new(1)
        };
        let s = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<KMeansParams>(&s).unwrap(), p);
    }

    #[test]
    fn auto_n_init_follows_sklearn() {
        assert_eq!(KMeansParams::new(2).build().unwrap().effective_n_init(), 1);
        let p = KMeansParams {
            init: Init::Random,
            ..KMeansParams::new(2)
        };
        assert_eq!(p.build().unwrap().effective_n_init(), 10);
    }
}
