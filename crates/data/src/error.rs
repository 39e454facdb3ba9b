//! The error type of reading, writing and generating data.

use std::{fmt, path::PathBuf};

use thiserror::Error;

/// A column of a CSV file: its 0-based index (as `--label-column` counts) and, when the file
/// has a header, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Index from 0.
    pub index: usize,
    /// The header's name for the column, when the file has a header.
    pub name: Option<String>,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "column {name:?} (index {})", self.index),
            None => write!(f, "column index {}", self.index),
        }
    }
}

/// Everything that can go wrong in `clusterlab-data`.
///
/// File errors name the file, the 1-based line of the file (as an editor shows it) and the
/// column, so that a person can go straight to the bad cell.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The CSV itself is malformed (bad quoting, invalid UTF-8).
    #[error("{}, line {line}: malformed CSV: {source}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line, when known (0 otherwise).
        line: u64,
        /// The CSV parser's error.
        #[source]
        source: csv::Error,
    },

    /// The file holds no data rows (it is empty, or has a header only).
    #[error("{}: the file is empty (no data rows)", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },

    /// A feature cell is not a number.
    #[error("{}, line {line}, {column}: {cell:?} is not a number", path.display())]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column.
        column: Column,
        /// The cell's text.
        cell: String,
    },

    /// A feature cell is NaN or an infinity.
    #[error("{}, line {line}, {column}: {cell:?} is not finite: every value must be a finite number", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column.
        column: Column,
        /// The cell's text.
        cell: String,
    },

    /// A row has a different number of cells than the first row.
    #[error("{}, line {line}: {found} cells where the first row has {expected}", path.display())]
    Ragged {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Cells in the first row (the header, if any).
        expected: usize,
        /// Cells in this row.
        found: usize,
    },

    /// The requested label column does not exist.
    #[error("{}: no label column {wanted}; {available}", path.display())]
    MissingLabelColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for (a name or an index).
        wanted: String,
        /// What the file has.
        available: String,
    },

    /// A label cell is a number but not an integer (`1.5`), or is empty.
    #[error("{}, line {line}, {column}: label {cell:?} is not an integer or a class name", path.display())]
    BadLabel {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The label column.
        column: Column,
        /// The cell's text.
        cell: String,
    },

    /// The data read from a file (or about to be written to it) breaks a rule of
    /// [`clusterlab_core::Dataset`] (no feature column, a wrong number of labels, ...).
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: clusterlab_core::Error,
    },

    /// A generator's parameter is invalid, or a generated dataset breaks a rule of
    /// [`clusterlab_core::Dataset`].
    #[error(transparent)]
    Core(#[from] clusterlab_core::Error),
}
