//! Uniform noise and the shapes where k-means' assumptions fail, as in scikit-learn's
//! "Demonstration of k-means assumptions" example and its `make_moons` / `make_circles`.
//!
//! Every generator takes `rng` ([`RngKind`]): with `numpy` it replays what scikit-learn does
//! for `random_state = seed`. What is exact with `numpy`:
//!
//! - [`UniformParams`], [`VariedParams`], [`UnevenParams`]: every bit, like `make_blobs`.
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
use serde::{Deserialize, Serialize};

use crate::{
    DataError,
    blobs::{
        BlobsParams, Centers, ClusterStd, NSamples, RngKind, check_seed, defaults, gather,
        make_blobs, numpy_rng,
    },
};

fn two() -> usize {
    2
}
fn one_f() -> f64 {
    1.0
}
fn n_500() -> usize {
    500
}
fn n_1500() -> NSamples {
    NSamples::Total(1500)
}
fn n_100() -> NSamples2 {
    NSamples2::Total(100)
}
fn three() -> Option<Centers> {
    Some(Centers::Count(3))
}

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
#[serde(deny_unknown_fields)]
pub struct UniformParams {
    /// Number of samples (default 500).
    #[serde(default = "n_500")]
    pub n_samples: usize,
    /// Number of features (default 2).
    #[serde(default = "two")]
    pub n_features: usize,
    /// Lower bound of every coordinate (default 0.0, as NumPy's `uniform`).
    #[serde(default)]
    pub low: f64,
    /// Upper bound, excluded (default 1.0).
    #[serde(default = "one_f")]
    pub high: f64,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// The random stream.
    #[serde(default)]
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

/// Anisotropic blobs: `make_blobs` samples times a linear map (`X @ transformation`), as in
/// scikit-learn's "Demonstration of k-means assumptions".
///
/// The default transformation is `[[0.6, -0.6], [-0.4, 0.8]]` (the example's first version;
/// the current one uses `[[0.60834549, -0.63667341], [-0.40887718, 0.85253229]]`, which can be
/// given here). Its size sets `n_features`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnisotropicParams {
    /// Total or per-center sample counts (default 1500).
    #[serde(default = "n_1500")]
    pub n_samples: NSamples,
    /// Number of centers or their coordinates (default 3).
    #[serde(default = "three")]
    pub centers: Option<Centers>,
    /// Standard deviation of the blobs before the map (default 1.0).
    #[serde(default = "defaults::cluster_std")]
    pub cluster_std: ClusterStd,
    /// Box of the random centers (default `[-10, 10]`).
    #[serde(default = "defaults::center_box")]
    pub center_box: [f64; 2],
    /// Shuffle the samples (default true).
    #[serde(default = "defaults::yes")]
    pub shuffle: bool,
    /// The `n_features x n_features` matrix applied on the right of the samples.
    #[serde(default = "default_transformation")]
    pub transformation: Vec<Vec<f64>>,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// The random stream.
    #[serde(default)]
    pub rng: RngKind,
}

fn default_transformation() -> Vec<Vec<f64>> {
    vec![vec![0.6, -0.6], vec![-0.4, 0.8]]
}

impl Default for AnisotropicParams {
    fn default() -> Self {
        AnisotropicParams {
            n_samples: n_1500(),
            centers: three(),
            cluster_std: defaults::cluster_std(),
            center_box: defaults::center_box(),
            shuffle: true,
            transformation: default_transformation(),
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

impl AnisotropicParams {
    fn blobs(&self) -> BlobsParams {
        BlobsParams {
            n_samples: self.n_samples.clone(),
            n_features: self.transformation.len(),
            centers: self.centers.clone(),
            cluster_std: self.cluster_std.clone(),
            center_box: self.center_box,
            shuffle: self.shuffle,
            seed: self.seed,
            rng: self.rng,
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
        if let Some(Centers::Coordinates(c)) = &self.centers
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
        self.blobs().validate()
    }

    /// Generates the blobs and maps them, as a [`Dataset`] named `anisotropic`.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        let t = self.matrix()?;
        let b = make_blobs(&self.blobs())?;
        let d = t.nrows();
        // Fused, as OpenBLAS's kernels behind np.dot are: see the module documentation.
        let x = Array2::from_shape_fn((b.x.nrows(), d), |(i, j)| {
            (0..d).fold(0.0, |acc, k| b.x[[i, k]].mul_add(t[[k, j]], acc))
        });
        Ok(Dataset::new("anisotropic", x)?.with_labels(b.y)?)
    }
}

/// Blobs of unequal variance: `make_blobs` with `cluster_std = [1.0, 2.5, 0.5]` by default, as
/// in scikit-learn's "Demonstration of k-means assumptions".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariedParams {
    /// Total or per-center sample counts (default 1500).
    #[serde(default = "n_1500")]
    pub n_samples: NSamples,
    /// Number of features (default 2).
    #[serde(default = "two")]
    pub n_features: usize,
    /// Number of centers or their coordinates (default: one per `cluster_std`).
    #[serde(default)]
    pub centers: Option<Centers>,
    /// One standard deviation per center (default `[1.0, 2.5, 0.5]`).
    #[serde(default = "varied_std")]
    pub cluster_std: Vec<f64>,
    /// Box of the random centers (default `[-10, 10]`).
    #[serde(default = "defaults::center_box")]
    pub center_box: [f64; 2],
    /// Shuffle the samples (default true).
    #[serde(default = "defaults::yes")]
    pub shuffle: bool,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// The random stream.
    #[serde(default)]
    pub rng: RngKind,
}

fn varied_std() -> Vec<f64> {
    vec![1.0, 2.5, 0.5]
}

impl Default for VariedParams {
    fn default() -> Self {
        VariedParams {
            n_samples: n_1500(),
            n_features: 2,
            centers: None,
            cluster_std: varied_std(),
            center_box: defaults::center_box(),
            shuffle: true,
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

impl VariedParams {
    fn blobs(&self) -> BlobsParams {
        BlobsParams {
            n_samples: self.n_samples.clone(),
            n_features: self.n_features,
            // sklearn's default of 3 centers would not match a cluster_std of another length.
            centers: match (&self.centers, &self.n_samples) {
                (None, NSamples::Total(_)) => Some(Centers::Count(self.cluster_std.len())),
                (c, _) => c.clone(),
            },
            cluster_std: ClusterStd::PerCenter(self.cluster_std.clone()),
            center_box: self.center_box,
            shuffle: self.shuffle,
            seed: self.seed,
            rng: self.rng,
        }
    }

    /// Checks every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), DataError> {
        self.blobs().validate()
    }

    /// Generates the blobs as a [`Dataset`] named `varied`.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        let b = make_blobs(&self.blobs())?;
        Ok(Dataset::new("varied", b.x)?.with_labels(b.y)?)
    }
}

/// Blobs of uneven size: `make_blobs`, then the first `sizes[i]` samples of cluster `i` are
/// kept, stacked cluster by cluster, as in scikit-learn's "Demonstration of k-means
/// assumptions" (500, 100 and 10 of 1500).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnevenParams {
    /// Samples generated before filtering (default 1500).
    #[serde(default = "n_1500")]
    pub n_samples: NSamples,
    /// Number of features (default 2).
    #[serde(default = "two")]
    pub n_features: usize,
    /// Standard deviation of every blob (default 1.0), or one per center.
    #[serde(default = "defaults::cluster_std")]
    pub cluster_std: ClusterStd,
    /// Box of the random centers (default `[-10, 10]`).
    #[serde(default = "defaults::center_box")]
    pub center_box: [f64; 2],
    /// How many samples of each cluster to keep (default `[500, 100, 10]`); its length is the
    /// number of centers.
    #[serde(default = "uneven_sizes")]
    pub sizes: Vec<usize>,
    /// Shuffle the generated samples before filtering (default true); the kept samples are
    /// stacked cluster by cluster either way.
    #[serde(default = "defaults::yes")]
    pub shuffle: bool,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// The random stream.
    #[serde(default)]
    pub rng: RngKind,
}

fn uneven_sizes() -> Vec<usize> {
    vec![500, 100, 10]
}

impl Default for UnevenParams {
    fn default() -> Self {
        UnevenParams {
            n_samples: n_1500(),
            n_features: 2,
            cluster_std: defaults::cluster_std(),
            center_box: defaults::center_box(),
            sizes: uneven_sizes(),
            shuffle: true,
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

impl UnevenParams {
    fn blobs(&self) -> BlobsParams {
        BlobsParams {
            n_samples: self.n_samples.clone(),
            n_features: self.n_features,
            centers: match &self.n_samples {
                NSamples::Total(_) => Some(Centers::Count(self.sizes.len())),
                NSamples::PerCenter(_) => None,
            },
            cluster_std: self.cluster_std.clone(),
            center_box: self.center_box,
            shuffle: self.shuffle,
            seed: self.seed,
            rng: self.rng,
        }
    }

    /// Samples per cluster that `make_blobs` will produce.
    fn produced(&self) -> Vec<usize> {
        let k = self.sizes.len().max(1);
        match &self.n_samples {
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
        if let NSamples::PerCenter(counts) = &self.n_samples
            && counts.len() != self.sizes.len()
        {
            return Err(Error::invalid(
                "sizes",
                format!("{:?}", self.sizes),
                format!("needs one size per count of n_samples ({})", counts.len()),
            )
            .into());
        }
        self.blobs().validate()?;
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
        let b = make_blobs(&self.blobs())?;
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
#[serde(deny_unknown_fields)]
pub struct MoonsParams {
    /// Total samples (default 100) or `[outer, inner]`.
    #[serde(default = "n_100")]
    pub n_samples: NSamples2,
    /// Shuffle the samples (default true).
    #[serde(default = "defaults::yes")]
    pub shuffle: bool,
    /// Standard deviation of Gaussian noise added to every coordinate (default none).
    #[serde(default)]
    pub noise: Option<f64>,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// The random stream.
    #[serde(default)]
    pub rng: RngKind,
}

impl Default for MoonsParams {
    fn default() -> Self {
        MoonsParams {
            n_samples: n_100(),
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
#[serde(deny_unknown_fields)]
pub struct CirclesParams {
    /// Total samples (default 100) or `[outer, inner]`.
    #[serde(default = "n_100")]
    pub n_samples: NSamples2,
    /// Shuffle the samples (default true).
    #[serde(default = "defaults::yes")]
    pub shuffle: bool,
    /// Standard deviation of Gaussian noise added to every coordinate (default none).
    #[serde(default)]
    pub noise: Option<f64>,
    /// Radius of the inner circle relative to the outer one, in `[0, 1)` (default 0.8).
    #[serde(default = "factor")]
    pub factor: f64,
    /// The seed.
    #[serde(default)]
    pub seed: u64,
    /// The random stream.
    #[serde(default)]
    pub rng: RngKind,
}

fn factor() -> f64 {
    0.8
}

impl Default for CirclesParams {
    fn default() -> Self {
        CirclesParams {
            n_samples: n_100(),
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
            n_samples: NSamples::Total(90),
            sizes: vec![30, 5, 1],
            ..Default::default()
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
            n_samples: NSamples::PerCenter(vec![10, 10]),
            sizes: vec![1, 1, 1],
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(err.to_string().contains("`sizes`"), "{err}");
    }

    #[test]
    fn uneven_refuses_more_than_a_cluster_has() {
        let err = UnevenParams {
            n_samples: NSamples::Total(30),
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
        let v = VariedParams {
            cluster_std: vec![1.0, -2.0],
            ..Default::default()
        };
        assert_eq!(named(v.validate()), "cluster_std");
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
