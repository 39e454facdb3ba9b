//! The one registry of dataset kinds: [`DatasetSpec`].
//!
//! The runner reads a `[data]` table, takes its `kind` itself and hands the rest of the table to
//! [`DatasetSpec::from_kind`]. That is deliberate: serde's internally tagged enums ignore
//! `deny_unknown_fields` (serde issues 2123 and 2294), so a typo such as `n_sample = 500` would
//! pass silently; deserializing the chosen kind's struct directly rejects it. This file is the
//! only place that matches on a dataset's name.

use std::path::{Path, PathBuf};

use clusterlab_core::Dataset;
use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

use crate::{
    AnisotropicParams, BlobsParams, CirclesParams, CsvOptions, CsvRead, DataError, Header,
    LabelColumn, MoonsParams, UnevenParams, UniformParams, read_csv, read_csv_detailed,
    shapes::{VariedTable, varied_blobs},
};

/// A dataset read from a CSV file, as described in a grid file.
///
/// ```
/// use clusterlab_data::CsvSource;
/// let s: CsvSource = toml::from_str("path = \"iris.csv\"\nlabel_column = \"species\"")?;
/// assert_eq!(s.delimiter, ',');
/// assert!(toml::from_str::<CsvSource>("path = \"a.csv\"\nlabel = 3").is_err());
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvSource {
    /// The file; a relative path is taken from the grid file's folder.
    pub path: PathBuf,
    /// The label column: a header name, a 0-based index, `"none"`; by default a column named
    /// `label` if the header has one.
    #[serde(default)]
    pub label_column: Option<LabelColumnSpec>,
    /// The delimiter, one ASCII character (default `,`).
    #[serde(default = "comma")]
    pub delimiter: char,
    /// Whether the first row is a header: `auto` (default), `present` (or `true`) or `absent`
    /// (or `false`).
    #[serde(default)]
    pub header: HeaderSpec,
    /// How the features are rescaled after reading: `none` (default) or `standard`.
    #[serde(default)]
    pub scale: Scale,
}

/// A rescaling of the features, applied to a dataset as it is read.
///
/// Features measured in different units (wine's proline in the hundreds beside hues near 1)
/// make every distance a distance in the largest one; `standard` gives each feature mean 0 and
/// variance 1 first, as scikit-learn's `StandardScaler` does.
///
/// ```
/// use clusterlab_data::{CsvSource, Scale};
/// let s: CsvSource = toml::from_str("path = \"wine.csv\"\nscale = \"standard\"")?;
/// assert_eq!(s.scale, Scale::Standard);
/// let err = toml::from_str::<CsvSource>("path = \"a.csv\"\nscale = \"minmax\"").unwrap_err();
/// assert!(err.to_string().contains("expected `none` or `standard`"));
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// The values as written.
    #[default]
    None,
    /// Each feature minus its mean, divided by its standard deviation (population, `ddof = 0`);
    /// a constant feature becomes 0, as scikit-learn's `StandardScaler` leaves it.
    Standard,
}

impl Scale {
    /// Rescales the features of `data` in place (labels and name unchanged).
    ///
    /// ```
    /// use clusterlab_core::{Dataset, ndarray::array};
    /// use clusterlab_data::Scale;
    /// let data = Dataset::new("d", array![[1.0, 5.0], [3.0, 5.0]])?;
    /// let data = Scale::Standard.apply(data)?;
    /// assert_eq!(data.x(), array![[-1.0, 0.0], [1.0, 0.0]]);
    /// # Ok::<(), clusterlab_core::Error>(())
    /// ```
    pub fn apply(self, data: Dataset) -> clusterlab_core::Result<Dataset> {
        if self == Scale::None {
            return Ok(data);
        }
        let name = data.name().to_string();
        let (mut x, labels) = data.into_parts();
        let n = x.nrows() as f64;
        for mut column in x.columns_mut() {
            let mean = column.iter().sum::<f64>() / n;
            let var = column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            // StandardScaler's `_is_constant_feature`: a variance within the rounding of its
            // own computation is zero, and the feature keeps scale 1.
            let eps = f64::EPSILON;
            let bound = n * eps * var + (n * mean * eps).powi(2);
            let scale = if var <= bound { 1.0 } else { var.sqrt() };
            column.mapv_inplace(|v| (v - mean) / scale);
        }
        let data = Dataset::new(name, x)?;
        match labels {
            Some(labels) => data.with_labels(labels),
            None => Ok(data),
        }
    }
}

fn comma() -> char {
    ','
}

/// A label column as written in a grid file: an index or a name (`"none"` for no labels).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    untagged,
    expecting = "a column index (an integer >= 0), a header name, or \"none\""
)]
pub enum LabelColumnSpec {
    /// A 0-based column index.
    Index(usize),
    /// A header name; `"none"` means no label column.
    Name(String),
}

/// [`Header`] as written in a grid file: `"auto"`, `"present"` or `"absent"`, or the booleans
/// `true` (present) and `false` (absent). Anything else is refused, saying what is accepted.
///
/// ```
/// use clusterlab_data::{CsvSource, HeaderSpec};
/// let s: CsvSource = toml::from_str("path = \"a.csv\"\nheader = false")?;
/// assert_eq!(s.header, HeaderSpec::Absent);
/// let err = toml::from_str::<CsvSource>("path = \"a.csv\"\nheader = \"yes\"").unwrap_err();
/// assert!(err.to_string().contains("expected `auto`, `present`, `absent`, true or false"));
/// # Ok::<(), toml::de::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderSpec {
    /// Detected ([`Header::Auto`]): a header when every feature cell of the first row is text,
    /// data when every one is a number, an error otherwise.
    #[default]
    Auto,
    /// The first row is a header (`"present"` or `true`).
    Present,
    /// No header (`"absent"` or `false`).
    Absent,
}

impl<'de> Deserialize<'de> for HeaderSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;

        impl serde::de::Visitor<'_> for HeaderVisitor {
            type Value = HeaderSpec;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`auto`, `present`, `absent`, true or false")
            }

            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<HeaderSpec, E> {
                Ok(if v {
                    HeaderSpec::Present
                } else {
                    HeaderSpec::Absent
                })
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HeaderSpec, E> {
                match v {
                    "auto" => Ok(HeaderSpec::Auto),
                    "present" => Ok(HeaderSpec::Present),
                    "absent" => Ok(HeaderSpec::Absent),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }

        deserializer.deserialize_any(HeaderVisitor)
    }
}

impl CsvSource {
    /// The reader's options.
    pub fn options(&self) -> Result<CsvOptions, DataError> {
        let delimiter = u8::try_from(self.delimiter)
            .ok()
            .filter(u8::is_ascii)
            .ok_or_else(|| {
                clusterlab_core::Error::invalid(
                    "delimiter",
                    self.delimiter,
                    "must be one ASCII character",
                )
            })?;
        let label_column = match &self.label_column {
            None => LabelColumn::Auto,
            Some(LabelColumnSpec::Index(i)) => LabelColumn::Index(*i),
            Some(LabelColumnSpec::Name(n)) if n == "none" => LabelColumn::None,
            Some(LabelColumnSpec::Name(n)) => LabelColumn::Name(n.clone()),
        };
        let header = match self.header {
            HeaderSpec::Auto => Header::Auto,
            HeaderSpec::Present => Header::Present,
            HeaderSpec::Absent => Header::Absent,
        };
        Ok(CsvOptions {
            label_column,
            delimiter,
            header,
        })
    }

    /// Reads the file, resolving a relative path against `base_dir`, and applies
    /// [`scale`](Self::scale).
    pub fn read(&self, base_dir: &Path) -> Result<Dataset, DataError> {
        let data = read_csv(&base_dir.join(&self.path), &self.options()?)?;
        Ok(self.scale.apply(data)?)
    }

    /// [`read`](Self::read), also saying whether a header was detected ([`CsvRead`]).
    pub fn read_detailed(&self, base_dir: &Path) -> Result<CsvRead, DataError> {
        let mut read = read_csv_detailed(&base_dir.join(&self.path), &self.options()?)?;
        read.data = self.scale.apply(read.data)?;
        Ok(read)
    }
}

/// Any dataset clusterlab can make or read: the `[data]` table of a grid file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DatasetSpec {
    /// `make_blobs`.
    Blobs(BlobsParams),
    /// Points uniform in a box.
    Uniform(UniformParams),
    /// Blobs times a linear map.
    Anisotropic(AnisotropicParams),
    /// Blobs of unequal variance: defaults from [`BlobsParams::varied`], and `centers = None`
    /// with a total `n_samples` means one center per `cluster_std`.
    Varied(BlobsParams),
    /// Blobs of uneven size.
    Uneven(UnevenParams),
    /// `make_moons`.
    Moons(MoonsParams),
    /// `make_circles`.
    Circles(CirclesParams),
    /// A CSV file.
    Csv(CsvSource),
}

impl DatasetSpec {
    /// Every kind, as written in `kind = "..."`.
    pub const KINDS: &'static [&'static str] = &[
        "blobs",
        "uniform",
        "anisotropic",
        "varied",
        "uneven",
        "moons",
        "circles",
        "csv",
    ];

    /// Deserializes the parameters of `kind` from the rest of the table (without `kind`),
    /// rejecting unknown keys; an unknown kind is an error listing [`KINDS`](Self::KINDS).
    ///
    /// ```
    /// use clusterlab_data::DatasetSpec;
    /// let table: toml::Table = toml::from_str("n_samples = 200\nnoise = 0.1")?;
    /// let spec = DatasetSpec::from_kind("moons", table)?;
    /// assert_eq!(spec.kind(), "moons");
    ///
    /// let typo: toml::Table = toml::from_str("n_sample = 200")?;
    /// assert!(DatasetSpec::from_kind("moons", typo).is_err());
    /// let err = DatasetSpec::from_kind("moon", toml::Table::new()).unwrap_err();
    /// assert!(err.to_string().contains("expected one of `blobs`"));
    /// # Ok::<(), toml::de::Error>(())
    /// ```
    pub fn from_kind<'de, D: Deserializer<'de>>(kind: &str, rest: D) -> Result<Self, D::Error> {
        Ok(match kind {
            "blobs" => DatasetSpec::Blobs(BlobsParams::deserialize(rest)?),
            "uniform" => DatasetSpec::Uniform(UniformParams::deserialize(rest)?),
            "anisotropic" => DatasetSpec::Anisotropic(AnisotropicParams::deserialize(rest)?),
            "varied" => DatasetSpec::Varied(VariedTable::deserialize(rest)?.0),
            "uneven" => DatasetSpec::Uneven(UnevenParams::deserialize(rest)?),
            "moons" => DatasetSpec::Moons(MoonsParams::deserialize(rest)?),
            "circles" => DatasetSpec::Circles(CirclesParams::deserialize(rest)?),
            "csv" => DatasetSpec::Csv(CsvSource::deserialize(rest)?),
            other => return Err(D::Error::unknown_variant(other, Self::KINDS)),
        })
    }

    /// The kind's name, as in [`KINDS`](Self::KINDS).
    pub fn kind(&self) -> &'static str {
        match self {
            DatasetSpec::Blobs(_) => "blobs",
            DatasetSpec::Uniform(_) => "uniform",
            DatasetSpec::Anisotropic(_) => "anisotropic",
            DatasetSpec::Varied(_) => "varied",
            DatasetSpec::Uneven(_) => "uneven",
            DatasetSpec::Moons(_) => "moons",
            DatasetSpec::Circles(_) => "circles",
            DatasetSpec::Csv(_) => "csv",
        }
    }

    /// Checks the parameters without generating anything (a CSV source is checked when read).
    pub fn validate(&self) -> Result<(), DataError> {
        match self {
            DatasetSpec::Blobs(p) => p.validate(),
            DatasetSpec::Uniform(p) => p.validate(),
            DatasetSpec::Anisotropic(p) => p.validate(),
            DatasetSpec::Varied(p) => varied_blobs(p).validate(),
            DatasetSpec::Uneven(p) => p.validate(),
            DatasetSpec::Moons(p) => p.validate(),
            DatasetSpec::Circles(p) => p.validate(),
            DatasetSpec::Csv(s) => s.options().map(|_| ()),
        }
    }

    /// The shape `(n_samples, n_features)` of a generated dataset, from its parameters alone
    /// (nothing is generated); `None` for a CSV file, whose shape is the file's. For uneven
    /// blobs this is the shape before sub-sampling, an upper bound.
    ///
    /// ```
    /// use clusterlab_data::DatasetSpec;
    /// let spec = DatasetSpec::from_kind("blobs", toml::de::ValueDeserializer::new("{ n_samples = 500, n_features = 3 }"))?;
    /// assert_eq!(spec.shape()?, Some((500, 3)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shape(&self) -> Result<Option<(usize, usize)>, DataError> {
        let blobs = |p: &BlobsParams| -> Result<(usize, usize), DataError> {
            let n = match &p.n_samples {
                crate::NSamples::Total(n) => *n,
                crate::NSamples::PerCenter(counts) => counts
                    .iter()
                    .try_fold(0usize, |a, &c| a.checked_add(c))
                    .ok_or_else(|| {
                        clusterlab_core::Error::invalid(
                            "n_samples",
                            format!("{counts:?}"),
                            "the counts add up to more than this machine can count",
                        )
                    })?,
            };
            let d = match &p.centers {
                Some(crate::Centers::Coordinates(rows)) => rows.first().map_or(0, Vec::len),
                _ => p.n_features,
            };
            Ok((n, d))
        };
        let pair = |n: &crate::NSamples2| match n {
            crate::NSamples2::Total(n) => *n,
            crate::NSamples2::Split([a, b]) => a.saturating_add(*b),
        };
        Ok(Some(match self {
            DatasetSpec::Blobs(p) | DatasetSpec::Varied(p) => blobs(p)?,
            DatasetSpec::Anisotropic(p) => blobs(&p.blobs)?,
            DatasetSpec::Uneven(p) => blobs(&p.blobs)?,
            DatasetSpec::Uniform(p) => (p.n_samples, p.n_features),
            DatasetSpec::Moons(p) => (pair(&p.n_samples), 2),
            DatasetSpec::Circles(p) => (pair(&p.n_samples), 2),
            DatasetSpec::Csv(_) => return Ok(None),
        }))
    }

    /// Checks that a generated dataset of this shape can be held: its size must not overflow
    /// and must fit in the machine's memory (`MemTotal` of `/proc/meminfo`, when known). Called
    /// by [`DatasetSpec::generate`] before anything is allocated.
    pub fn check_size(&self) -> Result<(), DataError> {
        let Some((n, d)) = self.shape()? else {
            return Ok(());
        };
        // Blobs drawn around a number of random centers also hold those centers.
        let centers = match self {
            DatasetSpec::Blobs(p) | DatasetSpec::Varied(p) => p.centers.as_ref(),
            DatasetSpec::Anisotropic(p) => p.blobs.centers.as_ref(),
            DatasetSpec::Uneven(p) => p.blobs.centers.as_ref(),
            _ => None,
        };
        let k = match centers {
            Some(crate::Centers::Count(k)) => *k,
            _ => 0,
        };
        // The samples (n x d values), their labels (n) and the centers, eight bytes each.
        let bytes = n
            .checked_mul(d)
            .and_then(|v| v.checked_add(n))
            .and_then(|v| v.checked_add(k.checked_mul(d)?))
            .and_then(|v| v.checked_mul(8));
        // The larger of the two is the one to blame.
        let (name, value) = if d > n {
            ("n_features", d)
        } else {
            ("n_samples", n)
        };
        let Some(bytes) = bytes else {
            return Err(clusterlab_core::Error::invalid(
                name,
                value,
                format!("{n} samples of {d} features is more values than this machine can count"),
            )
            .into());
        };
        if let Some(total) = crate::csv_file::mem_total_bytes()
            && bytes as u64 > total
        {
            return Err(clusterlab_core::Error::invalid(
                name,
                value,
                format!(
                    "{n} samples of {d} features need {bytes} bytes, more than this machine's \
                     memory ({total} bytes)"
                ),
            )
            .into());
        }
        Ok(())
    }

    /// Generates the dataset, or reads it (a relative CSV path resolves against `base_dir`,
    /// the grid file's folder). A generated dataset's size is checked first
    /// ([`DatasetSpec::check_size`]).
    pub fn generate(&self, base_dir: &Path) -> Result<Dataset, DataError> {
        self.check_size()?;
        match self {
            DatasetSpec::Blobs(p) => p.generate(),
            DatasetSpec::Uniform(p) => p.generate(),
            DatasetSpec::Anisotropic(p) => p.generate(),
            DatasetSpec::Varied(p) => varied_blobs(p).generate_as("varied"),
            DatasetSpec::Uneven(p) => p.generate(),
            DatasetSpec::Moons(p) => p.generate(),
            DatasetSpec::Circles(p) => p.generate(),
            DatasetSpec::Csv(s) => s.read(base_dir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal table for each kind, and a key no kind has.
    fn minimal(kind: &str) -> &'static str {
        match kind {
            "csv" => "path = \"points.csv\"",
            "uneven" => "n_samples = 60\nsizes = [10, 5, 1]",
            _ => "n_samples = 40",
        }
    }

    #[test]
    fn sizes_that_overflow_or_exceed_memory_are_refused_before_allocating() {
        let spec =
            |t: &str| DatasetSpec::from_kind("blobs", toml::de::ValueDeserializer::new(t)).unwrap();
        let huge = spec("{ n_samples = 9223372036854775807 }");
        let err = huge.generate(Path::new(".")).unwrap_err().to_string();
        assert!(
            err.contains("more values than this machine can count"),
            "{err}"
        );
        let wide = spec("{ n_samples = 10, n_features = 9223372036854775807 }");
        let err = wide.check_size().unwrap_err().to_string();
        assert!(err.contains("`n_features` = 9223372036854775807"), "{err}");
        let big = spec("{ n_samples = 1000000000000, n_features = 2 }");
        if crate::csv_file::mem_total_bytes().is_some() {
            let err = big.check_size().unwrap_err().to_string();
            assert!(err.contains("more than this machine's memory"), "{err}");
        }
        assert!(spec("{ n_samples = 500 }").check_size().is_ok());
        assert!(
            spec("{ n_samples = 5, centers = 9223372036854775807 }")
                .check_size()
                .is_err()
        );
        let moons = DatasetSpec::from_kind(
            "moons",
            toml::de::ValueDeserializer::new("{ n_samples = 9223372036854775807 }"),
        )
        .unwrap();
        assert!(moons.check_size().is_err());
    }

    #[test]
    fn every_kind_parses_generates_and_rejects_a_typo() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("points.csv"), "a,b,label\n1,2,x\n3,4,y\n").unwrap();
        let mut seen = std::collections::HashSet::new();
        for &kind in DatasetSpec::KINDS {
            assert!(seen.insert(kind), "{kind} listed twice");
            let table: toml::Table = toml::from_str(minimal(kind)).unwrap();
            let spec = DatasetSpec::from_kind(kind, table).unwrap();
            assert_eq!(spec.kind(), kind);
            spec.validate().unwrap();
            let data = spec.generate(dir.path()).unwrap();
            assert!(data.n_samples() > 0, "{kind}");

            let typo: toml::Table =
                toml::from_str(&format!("{}\nn_sampels = 3", minimal(kind))).unwrap();
            let err = DatasetSpec::from_kind(kind, typo).unwrap_err();
            assert!(err.to_string().contains("n_sampels"), "{kind}: {err}");
        }
    }

    #[test]
    fn unknown_kind_lists_the_kinds() {
        let err = DatasetSpec::from_kind("blob", toml::Table::new()).unwrap_err();
        for kind in DatasetSpec::KINDS {
            assert!(err.to_string().contains(kind), "{err}");
        }
    }

    #[test]
    fn a_wrongly_typed_value_says_what_was_expected() {
        let t: toml::Table = toml::from_str("n_samples = \"many\"").unwrap();
        let err = DatasetSpec::from_kind("blobs", t).unwrap_err().to_string();
        assert!(err.contains("a number of samples"), "{err}");
    }

    #[test]
    fn numpy_rng_is_accepted_in_toml() {
        let t: toml::Table = toml::from_str("rng = \"numpy\"\nseed = 170").unwrap();
        let DatasetSpec::Blobs(p) = DatasetSpec::from_kind("blobs", t).unwrap() else {
            panic!("not blobs");
        };
        assert_eq!(p.rng, crate::RngKind::Numpy);
    }

    #[test]
    fn csv_label_column_none_and_index() {
        let s: CsvSource = toml::from_str("path = \"a\"\nlabel_column = \"none\"").unwrap();
        assert_eq!(s.options().unwrap().label_column, LabelColumn::None);
        let s: CsvSource = toml::from_str("path = \"a\"\nlabel_column = 2").unwrap();
        assert_eq!(s.options().unwrap().label_column, LabelColumn::Index(2));
        let s: CsvSource = toml::from_str("path = \"a\"\ndelimiter = \"é\"").unwrap();
        assert!(s.options().is_err());
    }
}
