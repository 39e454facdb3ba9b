//! Datasets for clustering experiments: scikit-learn's generators and CSV files.
#![deny(missing_docs)]

pub mod blobs;
pub mod csv_file;
pub mod error;
pub mod numpy;

pub use blobs::{Blobs, BlobsParams, Centers, ClusterStd, NSamples, RngKind, make_blobs};
pub use csv_file::{
    CsvOptions, Header, LabelColumn, read_csv, read_csv_from, write_csv, write_csv_to,
};
pub use error::{Column, DataError};
