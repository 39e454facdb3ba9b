//! Datasets for clustering experiments: scikit-learn's generators and CSV files.
//!
//! - [`make_blobs`] and the shapes of scikit-learn's "Demonstration of k-means assumptions"
//!   (varied, [`AnisotropicParams`], [`UnevenParams`]: presets of the one [`BlobsParams`],
//!   plus their own step), [`MoonsParams`], [`CirclesParams`] and [`UniformParams`]: each
//!   named and defaulted as scikit-learn does, with a `generate()` that validates before it
//!   draws.
//! - Two random streams ([`RngKind`]): clusterlab's own (ChaCha8, parallel, identical bits on
//!   any thread count), and [`numpy::NumpyRng`], NumPy's legacy `RandomState`, so that
//!   `random_state = 170` in a scikit-learn tutorial and `seed = 170, rng = "numpy"` here give
//!   the same points.
//! - [`read_csv`] and [`write_csv`]: a plain numeric CSV with an optional label column, written
//!   so that it reads back bit for bit; [`read_csv_detailed`] also says whether a header was
//!   detected.
//! - [`DatasetSpec`]: the one registry of dataset kinds, as grid files name them.
//!
//! Generators take the seed as a field of their parameters because a dataset *is* its
//! parameters: a grid row records them, and the same row regenerates the same data.
//!
//! # Examples
//!
//! ```
//! use clusterlab_data::{BlobsParams, NSamples, Centers, RngKind};
//! // sklearn.datasets.make_blobs(n_samples=500, centers=4, random_state=170)
//! let data = BlobsParams {
//!     n_samples: NSamples::Total(500),
//!     centers: Some(Centers::Count(4)),
//!     seed: 170,
//!     rng: RngKind::Numpy,
//!     ..Default::default()
//! }
//! .generate()?;
//! assert_eq!(data.n_samples(), 500);
//! assert_eq!(data.n_classes(), Some(4));
//! # Ok::<(), clusterlab_data::DataError>(())
//! ```
#![deny(missing_docs)]

pub mod blobs;
pub mod csv_file;
pub mod error;
pub mod numpy;
pub mod shapes;
pub mod spec;
mod table;

pub use blobs::{Blobs, BlobsParams, Centers, ClusterStd, NSamples, RngKind, make_blobs};
pub use csv_file::{
    CsvOptions, CsvRead, Header, LabelColumn, read_csv, read_csv_detailed, read_csv_from,
    read_csv_from_detailed, write_csv, write_csv_to,
};
pub use error::{Column, DataError};
pub use shapes::{
    AnisotropicParams, CirclesParams, MoonsParams, NSamples2, UnevenParams, UniformParams,
};
pub use spec::{CsvSource, DatasetSpec, HeaderSpec, LabelColumnSpec, Scale};
