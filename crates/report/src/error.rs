//! [`PlotError`]: why one plot (or the report) could not be made, naming the file at fault.

use std::path::PathBuf;

use thiserror::Error;

/// Why a plot or the report could not be made. Every variant names the file concerned.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlotError {
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A CSV file is malformed.
    #[error("{}: {source}", .path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The underlying error (it carries the line).
        source: csv::Error,
    },

    /// A results table could not be read through its layout.
    #[error(transparent)]
    Schema(#[from] clusterlab_experiment::schema::SchemaError),

    /// A CSV file lacks a column the plot needs.
    #[error("{}: no `{column}` column", .path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column's name.
        column: String,
    },

    /// A CSV cell does not hold what its column should.
    #[error("{}, line {line}, column `{column}`: `{value}` is not {expected}", .path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// The line (1 is the header).
        line: u64,
        /// The column's name.
        column: String,
        /// The cell's text.
        value: String,
        /// What the column holds.
        expected: &'static str,
    },

    /// A data file could not be read (the error names the file, line and column).
    #[error(transparent)]
    Data {
        /// The data crate's error.
        source: Box<clusterlab_data::DataError>,
    },

    /// A JSON file is malformed or lacks a field.
    #[error("{}: {source}", .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },

    /// `experiment.toml` is malformed.
    #[error("{}: {source}", .path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: Box<toml::de::Error>,
    },

    /// The results do not hold what the plot shows (no matching cell, no score to draw, ...).
    #[error("{plot}: {reason}")]
    NothingToDraw {
        /// The plot's file stem.
        plot: String,
        /// What is missing, and in which file.
        reason: String,
    },

    /// Two files disagree (a model's labels and the data's rows, ...).
    #[error("{}: {what}", .path.display())]
    Mismatch {
        /// The file found at odds with the others.
        path: PathBuf,
        /// What disagrees.
        what: String,
    },

    /// The drawing library failed while drawing or encoding the file.
    #[error("{}: drawing failed: {message}", .path.display())]
    Draw {
        /// The file being drawn.
        path: PathBuf,
        /// The library's message.
        message: String,
    },
}

/// Result with [`PlotError`].
pub type Result<T, E = PlotError> = std::result::Result<T, E>;
