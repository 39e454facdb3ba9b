//! The one registry of model kinds: the only `match` on an algorithm's name.
//!
//! A grid's `[[model]]` table names a `kind`; everything the runner needs to know about a kind
//! is here: its name in grid files, the name of its K parameter, its parameter names (so that
//! a `[grid]` axis applies to every model that has it), and how a table of parameters becomes
//! a validated [`Clusterer`]. Adding an algorithm means adding a variant and its arms here, and
//! the tests below check every variant: a minimal table builds, a typo'd key is refused with a
//! suggestion, names are unique.
//!
//! The data kinds are the data crate's own registry (`clusterlab_data::DatasetSpec`); this
//! file only forwards to it.

use std::path::Path;

use clusterlab_core::{Clusterer, Dataset};
use clusterlab_data::DatasetSpec;
use clusterlab_gmm::GaussianMixtureParams;
use clusterlab_kmeans::KMeansParams;
use serde::Deserialize;
use toml::de::Deserializer as TomlDeserializer;

/// An algorithm the runner can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// K-means (`clusterlab_kmeans`).
    Kmeans,
    /// A Gaussian mixture (`clusterlab_gmm`).
    Gmm,
}

/// Why a table of parameters did not become a configuration.
#[derive(Debug)]
pub enum BuildError {
    /// The table does not fit the parameter struct (unknown key, wrong type, bad variant).
    Parse(toml::de::Error),
    /// The values were read but are not valid (`tol < 0`, ...).
    Invalid(clusterlab_core::Error),
}

/// Why the data could not be made.
#[derive(Debug)]
pub enum DataError {
    /// No data kind of that name.
    UnknownKind,
    /// The `[data]` table does not fit the kind's parameters.
    Parse(toml::de::Error),
    /// The parameters were read but generating or reading the data failed.
    Generate(String),
}

impl ModelKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [ModelKind; 2] = [ModelKind::Kmeans, ModelKind::Gmm];

    /// The kind's name in grid files and in the `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Kmeans => "kmeans",
            ModelKind::Gmm => "gmm",
        }
    }

    /// The kind of a name.
    ///
    /// ```
    /// use clusterlab_runner::registry::ModelKind;
    /// assert_eq!(ModelKind::from_name("gmm"), Some(ModelKind::Gmm));
    /// assert_eq!(ModelKind::from_name("dbscan"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The parameter that `k` sets (scikit-learn's name).
    pub fn k_param(self) -> &'static str {
        match self {
            ModelKind::Kmeans => "n_clusters",
            ModelKind::Gmm => "n_components",
        }
    }

    /// Every parameter name the kind accepts, as its crate spells them.
    pub fn params(self) -> &'static [&'static str] {
        match self {
            ModelKind::Kmeans => &[
                "n_clusters",
                "init",
                "n_init",
                "max_iter",
                "tol",
                "algorithm",
            ],
            ModelKind::Gmm => &[
                "n_components",
                "covariance_type",
                "tol",
                "reg_covar",
                "max_iter",
                "n_init",
                "init_params",
                "weights_init",
                "means_init",
                "precisions_init",
            ],
        }
    }

    /// Reads parameters from a TOML document (one `key = value` per line) and validates them.
    pub fn build(self, params: TomlDeserializer<'_>) -> Result<Box<dyn Clusterer>, BuildError> {
        match self {
            ModelKind::Kmeans => {
                let p = KMeansParams::deserialize(params).map_err(BuildError::Parse)?;
                Ok(Box::new(p.build().map_err(BuildError::Invalid)?))
            }
            ModelKind::Gmm => {
                let p = GaussianMixtureParams::deserialize(params).map_err(BuildError::Parse)?;
                Ok(Box::new(p.build().map_err(BuildError::Invalid)?))
            }
        }
    }
}

/// The data kinds grid files may name.
pub fn data_kinds() -> &'static [&'static str] {
    DatasetSpec::KINDS
}

/// Makes the dataset of `[data]`: `rest` holds every key but `kind`; relative paths are
/// resolved against `base_dir` (the grid file's folder).
pub fn dataset(
    kind: &str,
    rest: TomlDeserializer<'_>,
    base_dir: &Path,
) -> Result<Dataset, DataError> {
    if !DatasetSpec::KINDS.contains(&kind) {
        return Err(DataError::UnknownKind);
    }
    let spec = DatasetSpec::from_kind(kind, rest).map_err(DataError::Parse)?;
    spec.generate(base_dir)
        .map_err(|e| DataError::Generate(e.to_string()))
}

/// Writes a dataset as CSV with the data crate's writer (features `x0..`, then `label`).
pub fn write_data(path: &Path, data: &Dataset) -> Result<(), String> {
    clusterlab_data::write_csv(path, data.x(), data.labels(), None).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest table that builds, per kind.
    fn minimal(kind: ModelKind) -> String {
        format!("{} = 2", kind.k_param())
    }

    #[test]
    fn every_kind_builds_from_a_minimal_table() {
        for kind in ModelKind::ALL {
            let text = minimal(kind);
            let c = kind.build(TomlDeserializer::new(&text)).unwrap();
            assert_eq!(c.kind(), kind.name());
            assert_eq!(c.n_clusters(), 2);
            assert_eq!(ModelKind::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn every_kind_refuses_a_typo_with_a_suggestion() {
        for kind in ModelKind::ALL {
            let text = format!("{} = 2\nmax_iterr = 3", kind.k_param());
            let Err(BuildError::Parse(err)) = kind.build(TomlDeserializer::new(&text)) else {
                panic!("{kind:?} accepted a typo");
            };
            let msg = crate::grid::with_suggestion(err.message());
            assert!(msg.contains("did you mean `max_iter`?"), "{msg}");
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ModelKind::ALL.len());
    }

    /// The parameter lists here must be exactly what the crates accept: serde lists the fields
    /// in its "unknown field" message.
    #[test]
    fn parameter_lists_match_the_crates() {
        for kind in ModelKind::ALL {
            let text = format!("{} = 2\nzzz = 1", kind.k_param());
            let Err(BuildError::Parse(err)) = kind.build(TomlDeserializer::new(&text)) else {
                panic!("{kind:?} accepted an unknown key");
            };
            let msg = err.message().to_owned();
            let mut listed: Vec<&str> = msg.split('`').skip(1).step_by(2).skip(1).collect();
            let mut ours = kind.params().to_vec();
            listed.sort_unstable();
            ours.sort_unstable();
            assert_eq!(listed, ours, "{msg}");
            assert!(kind.params().contains(&kind.k_param()));
        }
    }

    #[test]
    fn a_bad_value_is_invalid_not_a_parse_error() {
        let text = "n_clusters = 2\ntol = -1.0";
        assert!(matches!(
            ModelKind::Kmeans.build(TomlDeserializer::new(text)),
            Err(BuildError::Invalid(_))
        ));
    }
}
