//! Uniform noise and the shapes where k-means' assumptions fail, as in scikit-learn's
//! "Demonstration of k-means assumptions" example and its `make_moons` / `make_circles`.
//!
//! The example's three blob-like datasets are `make_blobs` with other defaults, plus at most
//! one step: they take one parameter set, [`BlobsParams`], from a preset
//! ([`BlobsParams::varied`], [`BlobsParams::anisotropic`], [`BlobsParams::uneven`]), and the
//! step its own parameter ([`AnisotropicParams::transformation`], [`UnevenParams::sizes`]).
//!
//! Every generator takes `rng` ([`RngKind`]): with `numpy` it replays what scikit-learn does
//! for `random_state = seed`. What is exact with `numpy`:
//!
//! - [`UniformParams`], `varied`, [`UnevenParams`]: every bit, like `make_blobs`.
//! - [`AnisotropicParams`]: every bit against the fixtures. The product by `transformation` is
//!   computed with fused multiply-adds, `fma(x1, t1j, fma(x0, t0j, 0))`, which is what NumPy's
//!   `np.dot` gets from OpenBLAS's FMA kernels (x86-64 with AVX2, ARM64); a BLAS without FMA
//!   rounds each product and may differ in the last bit.
//! - [`MoonsParams`], [`CirclesParams`]: labels, the shuffle and the noise draws are exact; the
//!   points use `cos`/`sin`, whose last bit may differ between math libraries. On Linux
//!   (glibc) they matched NumPy bit for bit on every fixture; elsewhere they agree to within a
//!   few ulps, which is what the test allows.

use clusterlab_core::{Dataset, Error, seed};
use ndarray::Array2;
use rand::{Rng, seq::SliceRandom};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize, de::MapAccess, ser::SerializeStruct};

use crate::{
    DataError,
    blobs::{
        BlobsParams, Centers, ClusterStd, NSamples, RngKind, check_seed, gather, make_blobs,
        numpy_rng,
    },
    table::{BlobsTable, blobs_table_serde},
};

/// Points uniform in a box: the tutorial's "absolutely random data", with no cluster at all.
///
/// With `rng = "numpy"` this is `RandomState(seed).uniform(low, high, size=(n_samples,
/// n_features))`.
///
/// ```
/// use clusterlab_data::UniformParams;
/// let d = UniformParams { n_samples: 10, ..Default::default() }.generate()?;
/// assert!(d.x().iter().all(|v| (0.0..1.0).contains(v)));
/// assert!(d.labels().is_none());
/// # Ok::<(), clusterlab_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UniformParams {
    /// Number of samples (default 500).
    pub n_samples: usize,
    /// Number of features (default 2).
    pub n_features: usize,
    /// Lower bound of every coordinate (default 0.0, as NumPy's `uniform`).
    pub low: f64,
    /// Upper bound, excluded (default 1.0).
    pub high: f64,
    /// The seed.
    pub seed: u64,
    /// The random stream.
    pub rng: RngKind,
}

impl Default for UniformParams {
    fn default() -> Self {
        UniformParams {
            n_samples: 500,
            n_features: 2,
            low: 0.0,
            high: 1.0,
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

impl UniformParams {
    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        check_count("n_samples", self.n_samples)?;
        check_count("n_features", self.n_features)?;
        if !self.low.is_finite() || !self.high.is_finite() || self.low > self.high {
            return Err(Error::invalid(
                "high",
                self.high,
                format!(
                    "low ({}) and high must be finite with low <= high",
                    self.low
                ),
            )
            .into());
        }
        check_seed(self.seed, self.rng)
    }

    /// Generates the points as a [`Dataset`] named `uniform`, without labels.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        self.validate()?;
        let (low, high) = (self.low, self.high);
        let shape = (self.n_samples, self.n_features);
        let x = match self.rng {
            RngKind::Numpy => {
                let mut rng = numpy_rng(self.seed)?;
                Array2::from_shape_simple_fn(shape, || rng.uniform(low, high))
            }
            RngKind::Chacha => {
                let mut rng = seed::rng(self.seed);
                Array2::from_shape_simple_fn(shape, || low + (high - low) * rng.random::<f64>())
            }
        };
        Ok(Dataset::new("uniform", x)?)
    }
}

/// The presets of the "Demonstration of k-means assumptions" datasets: `make_blobs` with 1500
/// samples and the example's other choices.
impl BlobsParams {
    /// The example's sample count; every other parameter as `make_blobs`.
    fn tutorial() -> Self {
        BlobsParams {
            n_samples: NSamples::Total(1500),
            ..Default::default()
        }
    }

    /// The defaults of `kind = "varied"`, blobs of unequal variance: 1500 samples, one
    /// standard deviation per center, `[1.0, 2.5, 0.5]`.
    ///
    /// With this kind, `centers = None` with a total `n_samples` means one center per
    /// `cluster_std` (scikit-learn's 3 would not match a list of another length).
    ///
    /// ```
    /// use std::path::Path;
    /// use clusterlab_data::{BlobsParams, ClusterStd, DatasetSpec};
    /// let p = BlobsParams { cluster_std: ClusterStd::PerCenter(vec![0.5, 3.0]), ..BlobsParams::varied() };
    /// let d = DatasetSpec::Varied(p).generate(Path::new("."))?;
    /// assert_eq!((d.n_samples(), d.n_classes()), (1500, Some(2)));
    /// # Ok::<(), clusterlab_data::DataError>(())
    /// ```
    pub fn varied() -> Self {
        BlobsParams {
            cluster_std: ClusterStd::PerCenter(vec![1.0, 2.5, 0.5]),
            ..Self::tutorial()
        }
    }

    /// The defaults of the blobs of `kind = "anisotropic"`, before the map: 1500 samples
    /// around 3 centers (3 even when `n_samples` gives counts; `n_features` is set by the
    /// transformation).
    ///
    /// ```
    /// use clusterlab_data::{BlobsParams, Centers, NSamples};
    /// let p = BlobsParams::anisotropic();
    /// assert_eq!((p.n_samples, p.centers), (NSamples::Total(1500), Some(Centers::Count(3))));
    /// ```
    pub fn anisotropic() -> Self {
        BlobsParams {
            centers: Some(Centers::Count(3)),
            ..Self::tutorial()
        }
    }

    /// The defaults of the blobs of `kind = "uneven"`, before the sub-sampling: 1500 samples
    /// (`centers` is set by the sizes to keep).
    ///
    /// ```
    /// use clusterlab_data::{BlobsParams, NSamples};
    /// assert_eq!(BlobsParams::uneven().n_samples, NSamples::Total(1500));
    /// ```
    pub fn uneven() -> Self {
        Self::tutorial()
    }
}

/// The blobs `kind = "varied"` draws: `centers` defaults to one per `cluster_std`.
pub(crate) fn varied_blobs(p: &BlobsParams) -> BlobsParams {
    let centers = match (&p.centers, &p.n_samples, &p.cluster_std) {
        (None, NSamples::Total(_), ClusterStd::PerCenter(s)) => Some(Centers::Count(s.len())),
        (c, _, _) => c.clone(),
    };
    BlobsParams {
        centers,
        ..p.clone()
    }
}

/// The table of `kind = "varied"`: the blobs keys, `cluster_std` a list only.
pub(crate) struct VariedTable(pub(crate) BlobsParams);

impl BlobsTable for VariedTable {
    const NAME: &'static str = "VariedParams";
    const KEYS: &'static [&'static str] = &[
        "n_samples",
        "n_features",
        "centers",
        "cluster_std",
        "center_box",
        "shuffle",
        "seed",
        "rng",
    ];

    fn preset() -> Self {
        VariedTable(BlobsParams::varied())
    }
    fn blobs(&self) -> &BlobsParams {
        &self.0
    }
    fn blobs_mut(&mut self) -> &mut BlobsParams {
        &mut self.0
    }
    fn read_own<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key != "cluster_std" {
            return Ok(false);
        }
        self.0.cluster_std = ClusterStd::PerCenter(map.next_value()?);
        Ok(true)
    }
}

/// Anisotropic blobs: `make_blobs` samples times a linear map (`X @ transformation`), as in
/// scikit-learn's "Demonstration of k-means assumptions".
///
/// The default transformation is `[[0.6, -0.6], [-0.4, 0.8]]` (the example's first version;
/// the current one uses `[[0.60834549, -0.63667341], [-0.40887718, 0.85253229]]`, which can be
/// given here). Its size sets `n_features`.
///
/// In a grid file its keys are those of [`BlobsParams`] but `n_features`, and
/// `transformation`:
///
/// ```
/// use clusterlab_data::{AnisotropicParams, BlobsParams, Centers};
/// let p: AnisotropicParams = toml::from_str("centers = 2\ntransformation = [[1.0, 0.5], [0.0, 1.0]]")?;
/// assert_eq!(p.blobs, BlobsParams { centers: Some(Centers::Count(2)), ..BlobsParams::anisotropic() });
/// assert!(toml::from_str::<AnisotropicParams>("n_features = 3").is_err());
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AnisotropicParams {
    /// The blobs before the map (default [`BlobsParams::anisotropic`]); their `n_features`
    /// is the transformation's size.
    pub blobs: BlobsParams,
    /// The `n_features x n_features` matrix applied on the right of the samples.
    pub transformation: Vec<Vec<f64>>,
}

impl Default for AnisotropicParams {
    fn default() -> Self {
        AnisotropicParams {
            blobs: BlobsParams::anisotropic(),
            transformation: vec![vec![0.6, -0.6], vec![-0.4, 0.8]],
        }
    }
}

impl BlobsTable for AnisotropicParams {
    const NAME: &'static str = "AnisotropicParams";
    const KEYS: &'static [&'static str] = &[
        "n_samples",
        "centers",
        "cluster_std",
        "center_box",
        "shuffle",
        "transformation",
        "seed",
        "rng",
    ];

    fn preset() -> Self {
        Self::default()
    }
    fn blobs(&self) -> &BlobsParams {
        &self.blobs
    }
    fn blobs_mut(&mut self) -> &mut BlobsParams {
        &mut self.blobs
    }
    fn read_own<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key != "transformation" {
            return Ok(false);
        }
        self.transformation = map.next_value()?;
        Ok(true)
    }
    fn write_own<S: SerializeStruct>(
        &self,
        key: &'static str,
        out: &mut S,
    ) -> Result<bool, S::Error> {
        if key != "transformation" {
            return Ok(false);
        }
        out.serialize_field(key, &self.transformation)?;
        Ok(true)
    }
}

impl AnisotropicParams {
    /// The blobs drawn: the shared parameters with the transformation's `n_features`.
    fn drawn(&self) -> BlobsParams {
        BlobsParams {
            n_features: self.transformation.len(),
            ..self.blobs.clone()
        }
    }

    fn matrix(&self) -> Result<Array2<f64>, DataError> {
        let t = &self.transformation;
        let d = t.len();
        let bad = |why: String| -> DataError {
            Error::invalid("transformation", format!("{t:?}"), why).into()
        };
        if d == 0 || t.iter().any(|r| r.len() != d) {
            return Err(bad(
                "must be a non-empty square matrix (n_features x n_features)".into(),
            ));
        }
        if t.iter().flatten().any(|v| !v.is_finite()) {
            return Err(bad("every entry must be finite".into()));
        }
        if let Some(Centers::Coordinates(c)) = &self.blobs.centers
            && c.first().is_some_and(|r| r.len() != d)
        {
            return Err(bad(format!(
                "is {d} x {d} but the centers have {} coordinates",
                c[0].len()
            )));
        }
        Ok(Array2::from_shape_fn((d, d), |(i, j)| t[i][j]))
    }

    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        self.matrix()?;
        self.drawn().validate()
    }

    /// Generates the blobs and maps them, as a [`Dataset`] named `anisotropic`.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        let t = self.matrix()?;
        let b = make_blobs(&self.drawn())?;
        let d = t.nrows();
        // Fused, as OpenBLAS's kernels behind np.dot are: see the module documentation.
        let x = Array2::from_shape_fn((b.x.nrows(), d), |(i, j)| {
            (0..d).fold(0.0, |acc, k| b.x[[i, k]].mul_add(t[[k, j]], acc))
        });
        Ok(Dataset::new("anisotropic", x)?.with_labels(b.y)?)
    }
}

/// Blobs of uneven size: `make_blobs`, then the first `sizes[i]` samples of cluster `i` are
/// kept, stacked cluster by cluster, as in scikit-learn's "Demonstration of k-means
/// assumptions" (500, 100 and 10 of 1500).
///
/// In a grid file its keys are those of [`BlobsParams`] but `centers`, and `sizes`; the
/// generated samples are shuffled (`shuffle`) before the filtering, and the kept ones stacked
/// cluster by cluster either way:
///
/// ```
/// use clusterlab_data::{BlobsParams, NSamples, UnevenParams};
/// let p: UnevenParams = toml::from_str("n_samples = 90\nsizes = [30, 5, 1]")?;
/// assert_eq!(p.blobs.n_samples, NSamples::Total(90));
/// assert!(toml::from_str::<UnevenParams>("centers = 3").is_err());
/// let d = p.generate().unwrap();
/// assert_eq!(d.n_samples(), 36);
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct UnevenParams {
    /// The blobs generated before the filtering (default [`BlobsParams::uneven`]); their
    /// `centers` are one per size.
    pub blobs: BlobsParams,
    /// How many samples of each cluster to keep (default `[500, 100, 10]`); its length is the
    /// number of centers.
    pub sizes: Vec<usize>,
}

impl Default for UnevenParams {
    fn default() -> Self {
        UnevenParams {
            blobs: BlobsParams::uneven(),
            sizes: vec![500, 100, 10],
        }
    }
}

impl BlobsTable for UnevenParams {
    const NAME: &'static str = "UnevenParams";
    const KEYS: &'static [&'static str] = &[
        "n_samples",
        "n_features",
        "cluster_std",
        "center_box",
        "sizes",
        "shuffle",
        "seed",
        "rng",
    ];

    fn preset() -> Self {
        Self::default()
    }
    fn blobs(&self) -> &BlobsParams {
        &self.blobs
    }
    fn blobs_mut(&mut self) -> &mut BlobsParams {
        &mut self.blobs
    }
    fn read_own<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        if key != "sizes" {
            return Ok(false);
        }
        self.sizes = map.next_value()?;
        Ok(true)
    }
    fn write_own<S: SerializeStruct>(
        &self,
        key: &'static str,
        out: &mut S,
    ) -> Result<bool, S::Error> {
        if key != "sizes" {
            return Ok(false);
        }
        out.serialize_field(key, &self.sizes)?;
        Ok(true)
    }
}

blobs_table_serde!(VariedTable, AnisotropicParams, UnevenParams);

impl UnevenParams {
    /// The blobs drawn: the shared parameters with one center per size.
    fn drawn(&self) -> BlobsParams {
        BlobsParams {
            centers: match &self.blobs.n_samples {
                NSamples::Total(_) => Some(Centers::Count(self.sizes.len())),
                NSamples::PerCenter(_) => None,
            },
            ..self.blobs.clone()
        }
    }

    /// Samples per cluster that `make_blobs` will produce.
    fn produced(&self) -> Vec<usize> {
        let k = self.sizes.len().max(1);
        match &self.blobs.n_samples {
            NSamples::Total(n) => (0..k).map(|i| n / k + usize::from(i < n % k)).collect(),
            NSamples::PerCenter(c) => c.clone(),
        }
    }

    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        if self.sizes.is_empty() || self.sizes.iter().sum::<usize>() == 0 {
            return Err(Error::invalid(
                "sizes",
                format!("{:?}", self.sizes),
                "must keep at least one sample",
            )
            .into());
        }
        if let NSamples::PerCenter(counts) = &self.blobs.n_samples
            && counts.len() != self.sizes.len()
        {
            return Err(Error::invalid(
                "sizes",
                format!("{:?}", self.sizes),
                format!("needs one size per count of n_samples ({})", counts.len()),
            )
            .into());
        }
        self.drawn().validate()?;
        let produced = self.produced();
        if let Some((i, (&want, &have))) = self
            .sizes
            .iter()
            .zip(&produced)
            .enumerate()
            .find(|(_, (w, h))| w > h)
        {
            return Err(Error::invalid(
                "sizes",
                format!("{:?}", self.sizes),
                format!("cluster {i} has only {have} samples, fewer than the {want} to keep"),
            )
            .into());
        }
        Ok(())
    }

    /// Generates and filters the blobs, as a [`Dataset`] named `uneven`.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        self.validate()?;
        let b = make_blobs(&self.drawn())?;
        let mut keep: Vec<usize> = Vec::with_capacity(self.sizes.iter().sum());
        for (label, &size) in self.sizes.iter().enumerate() {
            keep.extend(
                b.y.iter()
                    .enumerate()
                    .filter(|(_, y)| **y == label)
                    .map(|(i, _)| i)
                    .take(size),
            );
        }
        let (x, y) = gather(b.x.view(), &b.y, &keep);
        Ok(Dataset::new("uneven", x)?.with_labels(y)?)
    }
}

/// `n_samples` of the two-class shapes: a total (split `n // 2` outer, the rest inner) or the
/// pair `[outer, inner]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a number of samples or a pair [outer, inner]")]
pub enum NSamples2 {
    /// A total: `n // 2` in the outer shape, the rest in the inner one.
    Total(usize),
    /// `[outer, inner]`.
    Split([usize; 2]),
}

impl NSamples2 {
    fn split(&self) -> Result<(usize, usize), DataError> {
        let (out, inn) = match self {
            NSamples2::Total(n) => (n / 2, n - n / 2),
            NSamples2::Split([a, b]) => (*a, *b),
        };
        if out + inn == 0 {
            return Err(Error::invalid("n_samples", 0, "must be at least 1").into());
        }
        Ok((out, inn))
    }
}

/// Two interleaving half circles, as `sklearn.datasets.make_moons`.
///
/// ```
/// use clusterlab_data::MoonsParams;
/// let d = MoonsParams { noise: Some(0.05), ..Default::default() }.generate()?;
/// assert_eq!(d.n_samples(), 100);
/// assert_eq!(d.n_classes(), Some(2));
/// # Ok::<(), clusterlab_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MoonsParams {
    /// Total samples (default 100) or `[outer, inner]`.
    pub n_samples: NSamples2,
    /// Shuffle the samples (default true).
    pub shuffle: bool,
    /// Standard deviation of Gaussian noise added to every coordinate (default none).
    pub noise: Option<f64>,
    /// The seed.
    pub seed: u64,
    /// The random stream.
    pub rng: RngKind,
}

impl Default for MoonsParams {
    fn default() -> Self {
        MoonsParams {
            n_samples: NSamples2::Total(100),
            shuffle: true,
            noise: None,
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

impl MoonsParams {
    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        self.n_samples.split()?;
        check_noise(self.noise)?;
        check_seed(self.seed, self.rng)
    }

    /// Generates the moons as a [`Dataset`] named `moons` (outer moon 0, inner moon 1).
    pub fn generate(&self) -> Result<Dataset, DataError> {
        self.validate()?;
        let (n_out, n_in) = self.n_samples.split()?;
        let pi = std::f64::consts::PI;
        let mut pts = Vec::with_capacity(n_out + n_in);
        pts.extend(linspace(0.0, pi, n_out, true).map(|t| [t.cos(), t.sin()]));
        pts.extend(linspace(0.0, pi, n_in, true).map(|t| [1.0 - t.cos(), 1.0 - t.sin() - 0.5]));
        two_class(
            "moons",
            pts,
            n_out,
            self.shuffle,
            self.noise,
            self.seed,
            self.rng,
        )
    }
}

/// A large circle containing a smaller one, as `sklearn.datasets.make_circles`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CirclesParams {
    /// Total samples (default 100) or `[outer, inner]`.
    pub n_samples: NSamples2,
    /// Shuffle the samples (default true).
    pub shuffle: bool,
    /// Standard deviation of Gaussian noise added to every coordinate (default none).
    pub noise: Option<f64>,
    /// Radius of the inner circle relative to the outer one, in `[0, 1)` (default 0.8).
    pub factor: f64,
    /// The seed.
    pub seed: u64,
    /// The random stream.
    pub rng: RngKind,
}

impl Default for CirclesParams {
    fn default() -> Self {
        CirclesParams {
            n_samples: NSamples2::Total(100),
            shuffle: true,
            noise: None,
            factor: 0.8,
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

impl CirclesParams {
    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        self.n_samples.split()?;
        check_noise(self.noise)?;
        if !(0.0..1.0).contains(&self.factor) {
            return Err(Error::invalid("factor", self.factor, "must be in [0, 1)").into());
        }
        check_seed(self.seed, self.rng)
    }

    /// Generates the circles as a [`Dataset`] named `circles` (outer 0, inner 1).
    pub fn generate(&self) -> Result<Dataset, DataError> {
        self.validate()?;
        let (n_out, n_in) = self.n_samples.split()?;
        let tau = 2.0 * std::f64::consts::PI;
        let f = self.factor;
        let mut pts = Vec::with_capacity(n_out + n_in);
        pts.extend(linspace(0.0, tau, n_out, false).map(|t| [t.cos(), t.sin()]));
        pts.extend(linspace(0.0, tau, n_in, false).map(|t| [t.cos() * f, t.sin() * f]));
        two_class(
            "circles",
            pts,
            n_out,
            self.shuffle,
            self.noise,
            self.seed,
            self.rng,
        )
    }
}

fn check_count(name: &'static str, n: usize) -> Result<(), DataError> {
    Ok(clusterlab_core::validate::check_positive_count(name, n)?)
}

fn check_noise(noise: Option<f64>) -> Result<(), DataError> {
    match noise {
        Some(s) => Ok(clusterlab_core::validate::check_non_negative("noise", s)?),
        None => Ok(()),
    }
}

/// NumPy's `linspace(start, stop, num, endpoint)`: `start + i * step`, the last value set to
/// `stop` when the endpoint is included.
fn linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> impl Iterator<Item = f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = (stop - start) / div as f64;
    (0..num).map(move |i| {
        if endpoint && num > 1 && i == num - 1 {
            stop
        } else if div == 0 {
            // NumPy multiplies by the span when there is no step: i is 0 here.
            i as f64 * (stop - start) + start
        } else {
            i as f64 * step + start
        }
    })
}

/// Labels the first `n_out` points 0 and the rest 1, shuffles and adds noise, in
/// scikit-learn's order of draws.
fn two_class(
    name: &str,
    pts: Vec<[f64; 2]>,
    n_out: usize,
    shuffle: bool,
    noise: Option<f64>,
    seed: u64,
    rng: RngKind,
) -> Result<Dataset, DataError> {
    let n = pts.len();
    let x = Array2::from_shape_fn((n, 2), |(i, j)| pts[i][j]);
    let y: Vec<usize> = (0..n).map(|i| usize::from(i >= n_out)).collect();
    let (x, y) = match rng {
        RngKind::Numpy => {
            let mut r = numpy_rng(seed)?;
            let (mut x, y) = if shuffle {
                let perm = r.permutation(n);
                gather(x.view(), &y, &perm)
            } else {
                (x, y)
            };
            if let Some(s) = noise {
                // `X += normal(scale=s)`: the draw is `0.0 + s * g`, then added.
                x.iter_mut().for_each(|v| *v += r.normal(0.0, s));
            }
            (x, y)
        }
        RngKind::Chacha => {
            let mut r = seed::rng(seed);
            let (mut x, y) = if shuffle {
                let mut perm: Vec<usize> = (0..n).collect();
                perm.shuffle(&mut r);
                gather(x.view(), &y, &perm)
            } else {
                (x, y)
            };
            if let Some(s) = noise {
                x.iter_mut().for_each(|v| {
                    let g: f64 = r.sample(StandardNormal);
                    *v += s * g;
                });
            }
            (x, y)
        }
    };
    Ok(Dataset::new(name, x)?.with_labels(y)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_matches_numpy() {
        let v: Vec<f64> = linspace(0.0, 1.0, 5, true).collect();
        assert_eq!(v, [0.0, 0.25, 0.5, 0.75, 1.0]);
        let v: Vec<f64> = linspace(0.0, 1.0, 4, false).collect();
        assert_eq!(v, [0.0, 0.25, 0.5, 0.75]);
        assert_eq!(linspace(0.0, 3.0, 1, true).collect::<Vec<_>>(), [0.0]);
        assert_eq!(linspace(0.0, 3.0, 0, true).count(), 0);
    }

    #[test]
    fn uneven_keeps_the_requested_sizes() {
        let d = UnevenParams {
            blobs: BlobsParams {
                n_samples: NSamples::Total(90),
                ..BlobsParams::uneven()
            },
            sizes: vec![30, 5, 1],
        }
        .generate()
        .unwrap();
        let labels = d.labels().unwrap();
        assert_eq!(labels.len(), 36);
        assert_eq!(labels.iter().filter(|&&l| l == 1).count(), 5);
        assert!(labels.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn uneven_needs_one_size_per_count() {
        let err = UnevenParams {
            blobs: BlobsParams {
                n_samples: NSamples::PerCenter(vec![10, 10]),
                ..BlobsParams::uneven()
            },
            sizes: vec![1, 1, 1],
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains("`sizes`"), "{err}");
    }

    #[test]
    fn uneven_refuses_more_than_a_cluster_has() {
        let err = UnevenParams {
            blobs: BlobsParams {
                n_samples: NSamples::Total(30),
                ..BlobsParams::uneven()
            },
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains("`sizes`"), "{err}");
    }

    #[test]
    fn bad_parameters_are_named() {
        let named = |r: Result<(), DataError>| match r {
            Err(DataError::Core(Error::InvalidParameter { name, .. })) => name,
            other => panic!("{other:?}"),
        };
        let u = UniformParams {
            n_samples: 0,
            ..Default::default()
        };
        assert_eq!(named(u.validate()), "n_samples");
        let c = CirclesParams {
            factor: 1.0,
            ..Default::default()
        };
        assert_eq!(named(c.validate()), "factor");
        let m = MoonsParams {
            noise: Some(-0.1),
            ..Default::default()
        };
        assert_eq!(named(m.validate()), "noise");
        let m = MoonsParams {
            n_samples: NSamples2::Split([0, 0]),
            ..Default::default()
        };
        assert_eq!(named(m.validate()), "n_samples");
        let a = AnisotropicParams {
            transformation: vec![vec![1.0, 0.0]],
            ..Default::default()
        };
        assert_eq!(named(a.validate()), "transformation");
        let v = BlobsParams {
            cluster_std: ClusterStd::PerCenter(vec![1.0, -2.0]),
            ..BlobsParams::varied()
        };
        assert_eq!(named(varied_blobs(&v).validate()), "cluster_std");
    }

    #[test]
    fn moons_without_noise_lie_on_unit_half_circles() {
        let d = MoonsParams::default().generate().unwrap();
        for (row, &l) in d.x().rows().into_iter().zip(d.labels().unwrap()) {
            let (cx, cy) = if l == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
            let r = ((row[0] - cx).powi(2) + (row[1] - cy).powi(2)).sqrt();
            assert!((r - 1.0).abs() < 1e-12);
        }
    }
}
