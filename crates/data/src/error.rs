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
            Some(name) => write!(f, "column {} (index {})", Quoted(name), self.index),
            None => write!(f, "column index {}", self.index),
        }
    }
}

/// At most this many characters of a file's text (after escaping) are quoted in a message: a
/// cell or a header name can be a whole raw line, megabytes long.
pub const QUOTE_CHARS: usize = 40;

/// Text from a file as an error message quotes it: in double quotes and escaped as `{:?}` would,
/// cut to [`QUOTE_CHARS`] characters with an ellipsis after the closing quote when longer.
///
/// ```
/// use clusterlab_data::error::Quoted;
/// assert_eq!(Quoted("oops").to_string(), "\"oops\"");
/// assert_eq!(Quoted(&"x".repeat(100)).to_string(), format!("\"{}\"…", "x".repeat(40)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, cut) = escaped_prefix(self.0);
        write!(f, "\"{text}\"")?;
        if cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// Like [`Quoted`] without the quotes (for a list of header names).
#[derive(Debug, Clone, Copy)]
pub struct Cut<'a>(pub &'a str);

impl fmt::Display for Cut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, cut) = escaped_prefix(self.0);
        f.write_str(&text)?;
        if cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// The escaped text, at most [`QUOTE_CHARS`] characters of it (never half an escape), and
/// whether it was cut.
fn escaped_prefix(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        // As `str`'s Debug escapes: a single quote stays as it is.
        let escaped: String = if c == '\'' {
            c.to_string()
        } else {
            c.escape_debug().collect()
        };
        let n = escaped.chars().count();
        if count + n > QUOTE_CHARS {
            return (out, true);
        }
        out.push_str(&escaped);
        count += n;
    }
    (out, false)
}

/// The cells of a first row that mixes numbers and text, as [`DataError::AmbiguousHeader`]
/// lists them: the first three, then how many more.
fn mixed_cells(cells: &[(Column, String)]) -> String {
    const SHOWN: usize = 3;
    let mut out = cells
        .iter()
        .take(SHOWN)
        .map(|(column, cell)| format!("{} in {column}", Quoted(cell)))
        .collect::<Vec<_>>()
        .join(", ");
    if cells.len() > SHOWN {
        out.push_str(&format!(" and {} more", cells.len() - SHOWN));
    }
    out
}

/// A file's size against the limit; "more than" the limit when it went past it while read.
fn size_text(size: Option<u64>, limit: u64, basis: &str) -> String {
    match size {
        Some(size) => format!("{size} bytes, over the limit of {limit} bytes ({basis})"),
        None => format!("more than the limit of {limit} bytes ({basis})"),
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

    /// The path is not a regular file (a directory, a FIFO, a device, a socket): refused
    /// before reading, since reading `/dev/zero` or a pipe never ends.
    #[error("{}: not a regular file but a {kind}: give the path of a CSV file", path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is instead: `directory`, `FIFO (named pipe)`, `character device`,
        /// `block device`, `socket` or `special file`.
        kind: &'static str,
    },

    /// The file is larger than the reader's limit (see
    /// [`input_limit`](crate::csv_file::input_limit)).
    #[error("{}: the file is too large to read: {}", path.display(), size_text(*size, *limit, basis))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes, when known before reading; `None` when it went past the limit
        /// while being read (a file that grows, a stream).
        size: Option<u64>,
        /// The limit in bytes.
        limit: u64,
        /// Where the limit comes from.
        basis: &'static str,
    },

    /// With [`Header::Auto`](crate::Header::Auto), the first row is neither a header (every
    /// feature cell text) nor data (every feature cell a number).
    #[error("{}, line {line} mixes numbers and text ({}): is it a header or data? say header = true or false (`--header` on the command line)", path.display(), mixed_cells(cells))]
    AmbiguousHeader {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first row.
        line: u64,
        /// The feature cells that are not numbers, with their columns.
        cells: Vec<(Column, String)>,
    },

    /// A feature cell is not a number.
    #[error("{}, line {line}, {column}: {} is not a number", path.display(), Quoted(cell))]
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
    #[error("{}, line {line}, {column}: {} is not finite: every value must be a finite number", path.display(), Quoted(cell))]
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

    /// A feature value is so large that squared distances between samples could overflow to
    /// infinity: its magnitude is above
    /// [`max_magnitude`](crate::csv_file::max_magnitude)`(n_features)`.
    #[error("{}, line {line}, {column}: {} is too large: with {n_features} features, squared distances would overflow above a magnitude of {limit:.3e}; rescale the data", path.display(), Quoted(cell))]
    TooLargeValue {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The column.
        column: Column,
        /// The cell's text.
        cell: String,
        /// The number of feature columns.
        n_features: usize,
        /// The largest magnitude allowed for that many features.
        limit: f64,
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
    #[error("{}, line {line}, {column}: label {} is not an integer or a class name", path.display(), Quoted(cell))]
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
