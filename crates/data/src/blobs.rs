//! `make_blobs`: isotropic Gaussian blobs, with scikit-learn's parameters and defaults.
//!
//! Two random streams are offered ([`RngKind`]):
//!
//! - **`chacha`** (the default) is clusterlab's own: fast and parallel. The centers, then the
//!   shuffle of the labels, come from [`seed::rng`]`(seed)`; then the rows of the output are
//!   drawn in fixed blocks, block `b` from the stream [`seed::derive`]`(seed, b)`, each row
//!   around the center of its label. Blocks depend on the shape only, so the bits are the same
//!   on 1 thread and on many. Drawing the rows where they land (rather than center by center,
//!   then moving them, as scikit-learn does) gives the same distribution and saves a random
//!   gather of the whole matrix, which costs more than the draws themselves.
//! - **`numpy`** replays NumPy's legacy `RandomState(seed)` exactly as
//!   `sklearn.datasets.make_blobs(..., random_state=seed)` consumes it, so the same X (every
//!   bit), y and centers come out: centers drawn uniformly row by row, then for each center in
//!   order its block of normals row by row, then a Fisher–Yates shuffle of the row indices.
//!   It is sequential, as NumPy's is.

use clusterlab_core::{Dataset, Error, layout::contiguous, seed};
use ndarray::{Array2, ArrayView2};
use rand::{Rng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    DataError,
    numpy::NumpyRng,
    table::{BlobsTable, blobs_table_serde},
};

/// Which random stream a generator draws from.
///
/// ```
/// use clusterlab_data::RngKind;
/// assert_eq!("numpy".parse::<RngKind>(), Ok(RngKind::Numpy));
/// assert_eq!(RngKind::default().to_string(), "chacha");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RngKind {
    /// clusterlab's stream (ChaCha8, parallel, the same bits on every machine).
    #[default]
    Chacha,
    /// NumPy's legacy `RandomState(seed)`: the same data as scikit-learn for `random_state =
    /// seed` (seeds must be below 2^32, as NumPy requires).
    Numpy,
}

impl RngKind {
    /// The names, as written in TOML and on the command line.
    pub const NAMES: &'static [&'static str] = &["chacha", "numpy"];
}

impl std::fmt::Display for RngKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RngKind::Chacha => "chacha",
            RngKind::Numpy => "numpy",
        })
    }
}

impl std::str::FromStr for RngKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "chacha" => Ok(RngKind::Chacha),
            "numpy" => Ok(RngKind::Numpy),
            _ => Err(format!("unknown rng {s:?}: expected chacha or numpy")),
        }
    }
}

/// `n_samples` of `make_blobs`: a total split over the centers, or one count per center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a number of samples (an integer >= 1) or a list of counts, one per center"
)]
pub enum NSamples {
    /// A total, split as evenly as possible, the remainder going to the first centers.
    Total(usize),
    /// One count per center (this also sets the number of centers).
    PerCenter(Vec<usize>),
}

/// `centers` of `make_blobs`: how many to draw, or where they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a number of centers or a list of coordinate lists, one per center"
)]
pub enum Centers {
    /// Draw this many centers uniformly in `center_box`.
    Count(usize),
    /// Explicit coordinates, one row per center (this sets `n_features`).
    Coordinates(Vec<Vec<f64>>),
}

/// `cluster_std` of `make_blobs`: one standard deviation, or one per center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a standard deviation (a number >= 0) or a list of them, one per center"
)]
pub enum ClusterStd {
    /// The same standard deviation for every center.
    Same(f64),
    /// One standard deviation per center.
    PerCenter(Vec<f64>),
}

/// Parameters of [`make_blobs`], named and defaulted as `sklearn.datasets.make_blobs`.
///
/// The one parameter set of the blob-like kinds: `varied`, `anisotropic` and `uneven` start
/// from a preset of it ([`BlobsParams::varied`], ...). In TOML every field is optional:
///
/// ```
/// use clusterlab_data::{BlobsParams, Centers, NSamples, RngKind};
/// let p: BlobsParams = toml::from_str("n_samples = 500\ncenters = 4\nrng = \"numpy\"\nseed = 170")?;
/// assert_eq!(p.n_samples, NSamples::Total(500));
/// assert_eq!(p.centers, Some(Centers::Count(4)));
/// assert_eq!(p.rng, RngKind::Numpy);
/// assert_eq!(p.center_box, [-10.0, 10.0]);
/// assert!(toml::from_str::<BlobsParams>("n_sample = 5").is_err());
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BlobsParams {
    /// A total number of samples (default 100) or one count per center.
    pub n_samples: NSamples,
    /// Features per sample (default 2); ignored when `centers` gives coordinates.
    pub n_features: usize,
    /// A number of centers or their coordinates. `None` (the default) means 3 when
    /// `n_samples` is a total and one per count when it is a list, as in scikit-learn.
    pub centers: Option<Centers>,
    /// Standard deviation of every blob (default 1.0), or one per center.
    pub cluster_std: ClusterStd,
    /// The box `[low, high]` random centers are drawn in (default `[-10, 10]`).
    pub center_box: [f64; 2],
    /// Shuffle the samples (default true); otherwise they come center by center.
    pub shuffle: bool,
    /// The seed (scikit-learn's `random_state`).
    pub seed: u64,
    /// The random stream (default `chacha`; `numpy` reproduces scikit-learn's data).
    pub rng: RngKind,
}

impl Default for BlobsParams {
    fn default() -> Self {
        BlobsParams {
            n_samples: NSamples::Total(100),
            n_features: 2,
            centers: None,
            cluster_std: ClusterStd::Same(1.0),
            center_box: [-10.0, 10.0],
            shuffle: true,
            seed: 0,
            rng: RngKind::Chacha,
        }
    }
}

/// What [`make_blobs`] returns: samples, their labels (the index of their center) and the
/// centers.
#[derive(Debug, Clone, PartialEq)]
pub struct Blobs {
    /// The samples, `n_samples x n_features`.
    pub x: Array2<f64>,
    /// The index of each sample's center.
    pub y: Vec<usize>,
    /// The centers, `n_centers x n_features`.
    pub centers: Array2<f64>,
}

/// Where the centers come from, once the parameters are checked.
#[derive(Debug)]
enum CenterSource {
    Random { n: usize, low: f64, high: f64 },
    Given(Array2<f64>),
}

/// The checked parameters: counts and standard deviations per center.
#[derive(Debug)]
struct Plan {
    counts: Vec<usize>,
    stds: Vec<f64>,
    n_features: usize,
    centers: CenterSource,
}

impl BlobsTable for BlobsParams {
    const NAME: &'static str = "BlobsParams";
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
        Self::default()
    }
    fn blobs(&self) -> &BlobsParams {
        self
    }
    fn blobs_mut(&mut self) -> &mut BlobsParams {
        self
    }
}

blobs_table_serde!(BlobsParams);

impl BlobsParams {
    /// Checks every parameter; the error names the first bad one and its value.
    pub fn validate(&self) -> Result<(), DataError> {
        self.plan().map(|_| ())
    }

    /// Generates the blobs as a [`Dataset`] named `blobs` with the center indices as labels.
    pub fn generate(&self) -> Result<Dataset, DataError> {
        self.generate_as("blobs")
    }

    /// Generates the blobs as a [`Dataset`] named `name`.
    pub(crate) fn generate_as(&self, name: &str) -> Result<Dataset, DataError> {
        let blobs = make_blobs(self)?;
        Ok(Dataset::new(name, blobs.x)?.with_labels(blobs.y)?)
    }

    fn plan(&self) -> Result<Plan, DataError> {
        check_seed(self.seed, self.rng)?;
        let (low, high) = (self.center_box[0], self.center_box[1]);
        if !low.is_finite() || !high.is_finite() || low > high {
            return Err(Error::invalid(
                "center_box",
                format!("[{low}, {high}]"),
                "must be two finite numbers [low, high] with low <= high",
            )
            .into());
        }
        let given = match &self.centers {
            Some(Centers::Coordinates(rows)) => Some(coordinates(rows)?),
            _ => None,
        };
        let n_centers = match (&self.n_samples, &self.centers) {
            (NSamples::Total(_), None) => 3,
            (NSamples::Total(_), Some(Centers::Count(k))) => *k,
            (NSamples::PerCenter(counts), None) => counts.len(),
            (NSamples::PerCenter(counts), Some(Centers::Count(k))) => {
                if *k != counts.len() {
                    return Err(Error::invalid(
                        "centers",
                        k,
                        format!("n_samples gives {} counts, one per center", counts.len()),
                    )
                    .into());
                }
                *k
            }
            (_, Some(Centers::Coordinates(rows))) => rows.len(),
        };
        if n_centers == 0 {
            return Err(Error::invalid("centers", 0, "must be at least 1").into());
        }
        let counts = match &self.n_samples {
            NSamples::Total(0) => {
                return Err(Error::invalid("n_samples", 0, "must be at least 1").into());
            }
            // sklearn: n // k each, the remainder one each to the first centers.
            NSamples::Total(n) => (0..n_centers)
                .map(|i| n / n_centers + usize::from(i < n % n_centers))
                .collect(),
            NSamples::PerCenter(counts) => {
                if counts.len() != n_centers {
                    return Err(Error::invalid(
                        "n_samples",
                        format!("{counts:?}"),
                        format!("needs one count per center ({n_centers})"),
                    )
                    .into());
                }
                if counts.iter().sum::<usize>() == 0 {
                    return Err(Error::invalid(
                        "n_samples",
                        format!("{counts:?}"),
                        "the counts must add up to at least 1",
                    )
                    .into());
                }
                counts.clone()
            }
        };
        let stds = match &self.cluster_std {
            ClusterStd::Same(s) => vec![*s; n_centers],
            ClusterStd::PerCenter(s) => {
                if s.len() != n_centers {
                    return Err(Error::invalid(
                        "cluster_std",
                        format!("{s:?}"),
                        format!("needs one value per center ({n_centers})"),
                    )
                    .into());
                }
                s.clone()
            }
        };
        if let Some(s) = stds.iter().find(|s| !s.is_finite() || **s < 0.0) {
            return Err(Error::invalid("cluster_std", s, "must be finite and >= 0").into());
        }
        let (n_features, centers) = match given {
            Some(c) => (c.ncols(), CenterSource::Given(c)),
            None => {
                if self.n_features == 0 {
                    return Err(Error::invalid("n_features", 0, "must be at least 1").into());
                }
                (
                    self.n_features,
                    CenterSource::Random {
                        n: n_centers,
                        low,
                        high,
                    },
                )
            }
        };
        Ok(Plan {
            counts,
            stds,
            n_features,
            centers,
        })
    }
}

/// Explicit center coordinates as a matrix: non-empty rows of one length, finite values.
fn coordinates(rows: &[Vec<f64>]) -> Result<Array2<f64>, DataError> {
    let d = rows.first().map_or(0, Vec::len);
    if d == 0 {
        return Err(Error::invalid(
            "centers",
            "[]",
            "explicit centers need at least one row of at least one coordinate",
        )
        .into());
    }
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != d) {
        return Err(Error::invalid(
            "centers",
            format!("row {i} of length {}", r.len()),
            format!("every center needs {d} coordinates, as the first"),
        )
        .into());
    }
    let m = Array2::from_shape_fn((rows.len(), d), |(i, j)| rows[i][j]);
    if let Some((i, j)) = m
        .indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(ij, _)| ij)
    {
        return Err(Error::invalid(
            "centers",
            format!("center {i}, coordinate {j} = {}", m[[i, j]]),
            "coordinates must be finite",
        )
        .into());
    }
    Ok(m)
}

/// Checks that a seed is usable with the chosen stream (NumPy's seeds are 32-bit).
pub(crate) fn check_seed(seed: u64, rng: RngKind) -> Result<(), DataError> {
    if rng == RngKind::Numpy && u32::try_from(seed).is_err() {
        return Err(Error::invalid(
            "seed",
            seed,
            "must be below 2^32 with rng = numpy (NumPy's random_state range)",
        )
        .into());
    }
    Ok(())
}

/// The NumPy stream for a seed already checked by [`check_seed`].
pub(crate) fn numpy_rng(seed: u64) -> Result<NumpyRng, DataError> {
    NumpyRng::from_u64(seed)
        .ok_or_else(|| Error::invalid("seed", seed, "must be below 2^32 with rng = numpy").into())
}

/// Generates isotropic Gaussian blobs, as `sklearn.datasets.make_blobs(...,
/// return_centers=True)`.
///
/// With [`RngKind::Numpy`] the result equals scikit-learn's for `random_state = seed`, bit for
/// bit; with [`RngKind::Chacha`] it has the same distribution (the same counts per center) and
/// is computed in parallel.
///
/// # Errors
///
/// An invalid parameter, named with its value (nothing is drawn before the check).
///
/// # Examples
///
/// ```
/// use clusterlab_data::{make_blobs, BlobsParams, NSamples, Centers, RngKind};
/// let p = BlobsParams {
///     n_samples: NSamples::Total(10),
///     centers: Some(Centers::Count(3)),
///     rng: RngKind::Numpy,
///     ..Default::default()
/// };
/// let b = make_blobs(&p)?;
/// // sklearn: make_blobs(n_samples=10, centers=3, random_state=0)[1]
/// assert_eq!(b.y, vec![0, 0, 1, 0, 2, 2, 2, 1, 1, 0]);
/// assert_eq!(b.x[[0, 0]], 1.1203136497073731);
/// assert_eq!(b.centers.dim(), (3, 2));
/// # Ok::<(), clusterlab_data::DataError>(())
/// ```
pub fn make_blobs(params: &BlobsParams) -> Result<Blobs, DataError> {
    let plan = params.plan()?;
    match params.rng {
        RngKind::Numpy => blobs_numpy(&plan, params.seed, params.shuffle),
        RngKind::Chacha => Ok(blobs_chacha(&plan, params.seed, params.shuffle)),
    }
}

fn labels_in_order(counts: &[usize]) -> Vec<usize> {
    counts
        .iter()
        .enumerate()
        .flat_map(|(i, &n)| std::iter::repeat_n(i, n))
        .collect()
}

fn blobs_numpy(plan: &Plan, seed: u64, shuffle: bool) -> Result<Blobs, DataError> {
    let mut rng = numpy_rng(seed)?;
    let d = plan.n_features;
    let centers = match &plan.centers {
        CenterSource::Given(c) => c.clone(),
        CenterSource::Random { n, low, high } => {
            Array2::from_shape_simple_fn((*n, d), || rng.uniform(*low, *high))
        }
    };
    let n: usize = plan.counts.iter().sum();
    let mut values = Vec::with_capacity(n * d);
    for ((&count, &std), c) in plan.counts.iter().zip(&plan.stds).zip(centers.rows()) {
        for _ in 0..count {
            values.extend(c.iter().map(|&loc| rng.normal(loc, std)));
        }
    }
    let x = to_matrix(values, n, d)?;
    let y = labels_in_order(&plan.counts);
    if !shuffle {
        return Ok(Blobs { x, y, centers });
    }
    let perm = rng.permutation(n);
    let (x, y) = gather(x.view(), &y, &perm);
    Ok(Blobs { x, y, centers })
}

fn to_matrix(values: Vec<f64>, n: usize, d: usize) -> Result<Array2<f64>, DataError> {
    Array2::from_shape_vec((n, d), values)
        .map_err(|e| Error::Numerical(format!("building a {n} x {d} matrix: {e}")).into())
}

/// Rows `perm[0], perm[1], ...` of `x` and `y`, copied in parallel (a pure gather, so the
/// thread count cannot change the result).
pub(crate) fn gather(
    x: ArrayView2<'_, f64>,
    y: &[usize],
    perm: &[usize],
) -> (Array2<f64>, Vec<usize>) {
    let d = x.ncols();
    let mut out = Array2::<f64>::zeros((perm.len(), d));
    match (out.as_slice_mut(), x.as_slice()) {
        (Some(dst), Some(src)) if d > 0 => {
            let rows = block_rows(d);
            dst.par_chunks_mut(rows * d)
                .zip(perm.par_chunks(rows))
                .for_each(|(block, idx)| {
                    for (row, &p) in block.chunks_exact_mut(d).zip(idx) {
                        row.copy_from_slice(&src[p * d..(p + 1) * d]);
                    }
                });
        }
        _ => {
            for (mut row, &p) in out.rows_mut().into_iter().zip(perm) {
                row.assign(&x.row(p));
            }
        }
    }
    let y = perm.iter().map(|&p| y[p]).collect();
    (out, y)
}

/// Rows per independently seeded block of the chacha stream: depends on the shape only.
fn block_rows(n_features: usize) -> usize {
    clusterlab_core::par::chunk_rows(n_features)
}

fn blobs_chacha(plan: &Plan, seed: u64, shuffle: bool) -> Blobs {
    let mut master = seed::rng(seed);
    let d = plan.n_features;
    let centers = match &plan.centers {
        CenterSource::Given(c) => c.clone(),
        CenterSource::Random { n, low, high } => {
            Array2::from_shape_simple_fn((*n, d), || low + (high - low) * master.random::<f64>())
        }
    };
    // Shuffling the labels first and then drawing every row where it lands gives the same
    // distribution as drawing center by center and shuffling the rows, without moving the
    // samples a second time (a random gather of the whole matrix costs more than the draws).
    let mut y = labels_in_order(&plan.counts);
    if shuffle {
        y.shuffle(&mut master);
    }
    let n = y.len();
    let mut x = Array2::<f64>::zeros((n, d));
    if let Some(buf) = x.as_slice_mut()
        && d > 0
    {
        let rows = block_rows(d);
        buf.par_chunks_mut(rows * d)
            .zip(y.par_chunks(rows))
            .enumerate()
            .for_each(|(b, (block, labels))| {
                let mut rng = seed::rng(seed::derive(seed, b as u64));
                for (row, &label) in block.chunks_exact_mut(d).zip(labels) {
                    let c = centers.row(label);
                    fill_normal(&mut rng, row, contiguous(&c), plan.stds[label]);
                }
            });
    }
    Blobs { x, y, centers }
}

/// Fills `block` (whole rows of `center.len()` values) with `center + std * N(0, 1)`.
fn fill_normal(rng: &mut ChaCha8Rng, block: &mut [f64], center: &[f64], std: f64) {
    if center.is_empty() {
        return;
    }
    for row in block.chunks_exact_mut(center.len()) {
        for (o, &c) in row.iter_mut().zip(center) {
            let z: f64 = rng.sample(StandardNormal);
            *o = c + std * z;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: NSamples, centers: Option<Centers>) -> BlobsParams {
        BlobsParams {
            n_samples: n,
            centers,
            ..Default::default()
        }
    }

    #[test]
    fn total_is_split_with_remainder_first() {
        let plan = p(NSamples::Total(11), Some(Centers::Count(4)))
            .plan()
            .unwrap();
        assert_eq!(plan.counts, vec![3, 3, 3, 2]);
        let plan = p(NSamples::Total(2), Some(Centers::Count(4)))
            .plan()
            .unwrap();
        assert_eq!(plan.counts, vec![1, 1, 0, 0]);
    }

    #[test]
    fn default_centers_are_three_or_one_per_count() {
        assert_eq!(p(NSamples::Total(9), None).plan().unwrap().counts.len(), 3);
        let plan = p(NSamples::PerCenter(vec![1, 2]), None).plan().unwrap();
        assert_eq!(plan.counts, vec![1, 2]);
    }

    fn invalid_name(params: &BlobsParams) -> &'static str {
        match params.validate() {
            Err(DataError::Core(Error::InvalidParameter { name, .. })) => name,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert_eq!(invalid_name(&p(NSamples::Total(0), None)), "n_samples");
        assert_eq!(
            invalid_name(&p(NSamples::PerCenter(vec![0, 0]), None)),
            "n_samples"
        );
        assert_eq!(
            invalid_name(&p(NSamples::Total(5), Some(Centers::Count(0)))),
            "centers"
        );
        assert_eq!(
            invalid_name(&p(NSamples::PerCenter(vec![1, 2]), Some(Centers::Count(3)))),
            "centers"
        );
        assert_eq!(
            invalid_name(&p(
                NSamples::PerCenter(vec![1, 2]),
                Some(Centers::Coordinates(vec![vec![0.0]]))
            )),
            "n_samples"
        );
        assert_eq!(
            invalid_name(&p(
                NSamples::Total(5),
                Some(Centers::Coordinates(vec![vec![0.0], vec![1.0, 2.0]]))
            )),
            "centers"
        );
        assert_eq!(
            invalid_name(&p(
                NSamples::Total(5),
                Some(Centers::Coordinates(vec![vec![f64::NAN]]))
            )),
            "centers"
        );
        let q = BlobsParams {
            n_features: 0,
            ..Default::default()
        };
        assert_eq!(invalid_name(&q), "n_features");
        let mut q = BlobsParams {
            cluster_std: ClusterStd::Same(-1.0),
            ..Default::default()
        };
        assert_eq!(invalid_name(&q), "cluster_std");
        q.cluster_std = ClusterStd::PerCenter(vec![1.0, 2.0]);
        assert_eq!(invalid_name(&q), "cluster_std");
        let q = BlobsParams {
            center_box: [1.0, -1.0],
            ..Default::default()
        };
        assert_eq!(invalid_name(&q), "center_box");
        let q = BlobsParams {
            rng: RngKind::Numpy,
            seed: 1 << 32,
            ..Default::default()
        };
        assert_eq!(invalid_name(&q), "seed");
    }

    #[test]
    fn explicit_centers_set_n_features_and_zero_std_gives_centers() {
        for rng in [RngKind::Chacha, RngKind::Numpy] {
            let q = BlobsParams {
                n_samples: NSamples::Total(6),
                n_features: 7,
                centers: Some(Centers::Coordinates(vec![
                    vec![1.0, 2.0, 3.0],
                    vec![-1.0, 0.5, 0.0],
                ])),
                cluster_std: ClusterStd::Same(0.0),
                rng,
                ..Default::default()
            };
            let b = make_blobs(&q).unwrap();
            assert_eq!(b.x.dim(), (6, 3));
            for (row, &label) in b.x.rows().into_iter().zip(&b.y) {
                assert_eq!(row, b.centers.row(label));
            }
        }
    }

    #[test]
    fn no_shuffle_keeps_center_order() {
        let mut q = p(NSamples::PerCenter(vec![2, 0, 3]), None);
        q.shuffle = false;
        assert_eq!(make_blobs(&q).unwrap().y, vec![0, 0, 2, 2, 2]);
    }

    #[test]
    fn chacha_is_the_same_on_one_and_two_threads() {
        let q = BlobsParams {
            n_samples: NSamples::Total(20_000),
            n_features: 3,
            centers: Some(Centers::Count(5)),
            ..Default::default()
        };
        let run = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| make_blobs(&q).unwrap())
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a, b);
        assert!(
            a.x.iter()
                .zip(b.x.iter())
                .all(|(u, v)| u.to_bits() == v.to_bits())
        );
    }
}
