//! CSV input and output: numeric feature columns, an optional label column.
//!
//! The format is the one `clusterlab data` writes and `clusterlab fit --data` reads: a header
//! `x0,x1,...,label`, one sample per line, every value in Rust's shortest round-trip form
//! (so a file read back gives the very same `f64` bits). The reader is lenient about what it
//! accepts (header or not, any delimiter, a label column anywhere, labels that are integers or
//! class names) and strict about values: a cell that is not a finite number, or one so large
//! that squared distances would overflow ([`max_magnitude`]), is an error naming the file, line
//! and column. It never guesses about the first row: a row that mixes numbers and text is an
//! error, not a header (see [`Header::Auto`]). It reads only regular files no larger than
//! [`input_limit`], and quotes at most [`QUOTE_CHARS`](crate::error::QUOTE_CHARS) characters of
//! the file in a message.
//!
//! # Labels
//!
//! Labels may be arbitrary integers (`7`, `-1`, `3.0`) or strings (`setosa`). They are mapped
//! to `0..n_classes` **in order of first appearance**: the first distinct label met becomes 0,
//! the next distinct one 1, and so on. Integers written differently (`3` and `3.0`) are the same
//! class. Clustering scores (ARI, NMI, ...) do not depend on the numbering, but note that a file
//! whose labels are `2,0,1` reads back as `0,1,2`.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufWriter, Read, Write},
    path::Path,
};

use clusterlab_core::{Dataset, validate};
use ndarray::{Array2, ArrayView2};

use crate::error::{Column, Cut, DataError, Quoted};

/// Which column holds ground-truth labels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// A column named `label`, if the file has a header with one; otherwise no label column.
    #[default]
    Auto,
    /// Every column is a feature.
    None,
    /// The column with this header name (the file must have a header).
    Name(String),
    /// The column at this 0-based index.
    Index(usize),
}

/// Whether the first row is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Detected: the first row is a header only when it cannot be data, that is when every
    /// feature cell fails to parse as a number (a row of names); it is data when every feature
    /// cell is a number. A first row that mixes numbers and text (`1.0,1.2.3`, `1e15,TRUE`) is
    /// an error ([`DataError::AmbiguousHeader`]) rather than a guess, since either guess loses
    /// or misreads a row.
    ///
    /// The label column is left out of the rule: the column at [`LabelColumn::Index`], or a cell
    /// of the first row that is the [`LabelColumn::Name`] (or `label`, for
    /// [`LabelColumn::Auto`]). So a headerless file whose labels are class names
    /// (`1.5,2,setosa`) reads with the label column given by index, and is an error (not a
    /// dropped row) when the label column is left to detection. A row with no feature cell
    /// (a label-only file) is a header if any of its cells is not a number.
    #[default]
    Auto,
    /// The first row is a header.
    Present,
    /// There is no header: the first row is data.
    Absent,
}

/// How to read a CSV file.
///
/// ```
/// use clusterlab_data::{CsvOptions, Header, LabelColumn};
/// let opts = CsvOptions { label_column: LabelColumn::Index(0), ..Default::default() };
/// assert_eq!(opts.delimiter, b',');
/// assert_eq!(opts.header, Header::Auto);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Which column, if any, holds labels.
    pub label_column: LabelColumn,
    /// The field delimiter (default `b','`).
    pub delimiter: u8,
    /// Whether the first row is a header.
    pub header: Header,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            label_column: LabelColumn::Auto,
            delimiter: b',',
            header: Header::Auto,
        }
    }
}

/// A file as [`read_csv_detailed`] read it: the dataset, and what was found about its header.
///
/// ```
/// use clusterlab_data::{read_csv_from_detailed, CsvOptions};
/// use std::path::Path;
/// let read = read_csv_from_detailed(&b"a,b\n1,2\n"[..], Path::new("t.csv"), &CsvOptions::default())?;
/// assert!(read.header_detected);
/// assert_eq!(read.header.as_deref(), Some(&["a".to_string(), "b".to_string()][..]));
/// assert_eq!(read.data.n_samples(), 1);
/// # Ok::<(), clusterlab_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CsvRead {
    /// The samples and labels.
    pub data: Dataset,
    /// The header's cells, when the first row was a header (detected or as told).
    pub header: Option<Vec<String>>,
    /// Whether [`Header::Auto`] found a header: `true` only when detection (not
    /// [`Header::Present`]) took the first row for names, so a caller can say so.
    pub header_detected: bool,
}

/// What the reader accepts at most, in bytes, and why: see [`input_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimit {
    /// The largest file read, in bytes.
    pub bytes: u64,
    /// Where the limit comes from, as error messages say it.
    pub basis: &'static str,
}

/// The limit when the machine's memory is unknown (no `/proc/meminfo`): 4 GiB.
pub const FALLBACK_INPUT_LIMIT: u64 = 4 << 30;

/// The largest file [`read_csv`] reads: a quarter of the physical memory (`MemTotal` in
/// `/proc/meminfo`), else [`FALLBACK_INPUT_LIMIT`].
///
/// A quarter, because a file becomes more memory than its size: a two-byte cell (`0,`) is an
/// eight-byte `f64`. The limit protects the machine from a path such as a huge log by mistake;
/// anything that is not a regular file (`/dev/zero`, a pipe) is refused before reading anyway.
pub fn input_limit() -> InputLimit {
    static LIMIT: std::sync::OnceLock<InputLimit> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| match mem_total_bytes() {
        Some(total) => InputLimit {
            bytes: total / 4,
            basis: "a quarter of MemTotal in /proc/meminfo",
        },
        None => InputLimit {
            bytes: FALLBACK_INPUT_LIMIT,
            basis: "4 GiB, as the machine's memory is unknown",
        },
    })
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
pub(crate) fn mem_total_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line["MemTotal:".len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    let unit = match words.next() {
        Some("kB") => 1024,
        None => 1,
        Some(_) => return None,
    };
    value.checked_mul(unit).filter(|&b| b > 0)
}

/// The largest magnitude a value read may have (the core crate's rule, re-exported here).
pub use clusterlab_core::validate::max_magnitude;

/// Reads a CSV file of numeric columns (and an optional label column) into a [`Dataset`] named
/// after the file's stem. [`read_csv_detailed`] also says whether a header was detected.
///
/// See the [module documentation](self) for how labels are numbered, and [`Header::Auto`] for
/// how a header is detected.
///
/// # Errors
///
/// [`DataError`] naming the file, the 1-based line and the column for a non-numeric cell, NaN or
/// an infinity, a value so large that squared distances would overflow, a ragged row, an empty
/// file, a first row that mixes numbers and text, a missing label column or a label that is a
/// non-integer number; a path that is not a regular file or a file larger than
/// [`input_limit`]; I/O errors with the path.
///
/// # Examples
///
/// ```
/// use clusterlab_data::{read_csv, CsvOptions};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("tiny.csv");
/// std::fs::write(&path, "a,b,label\n0.5,1,cat\n2,3,dog\n4,5,cat\n")?;
/// let data = read_csv(&path, &CsvOptions::default())?;
/// assert_eq!(data.n_features(), 2);
/// assert_eq!(data.labels(), Some(&[0, 1, 0][..]));
///
/// std::fs::write(&path, "a,b\n0.5,1\n2,oops\n")?;
/// let err = read_csv(&path, &CsvOptions::default()).unwrap_err();
/// assert!(err.to_string().ends_with("line 3, column \"b\" (index 1): \"oops\" is not a number"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csv(path: &Path, options: &CsvOptions) -> Result<Dataset, DataError> {
    read_csv_detailed(path, options).map(|read| read.data)
}

/// [`read_csv`], also returning the header and whether it was detected ([`CsvRead`]).
///
/// # Errors
///
/// As [`read_csv`].
pub fn read_csv_detailed(path: &Path, options: &CsvOptions) -> Result<CsvRead, DataError> {
    let limit = input_limit();
    let file = open_regular(path, limit)?;
    read_capped(file, path, options, limit)
}

/// Opens `path` if it is a regular file no larger than `limit`.
fn open_regular(path: &Path, limit: InputLimit) -> Result<File, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let not_regular = |kind| DataError::NotRegularFile {
        path: path.to_path_buf(),
        kind,
    };
    // Checked before opening: opening a FIFO waits for a writer.
    if let Some(kind) = special_kind(&std::fs::metadata(path).map_err(io)?.file_type()) {
        return Err(not_regular(kind));
    }
    let file = File::open(path).map_err(io)?;
    // And again on what was opened, in case the path changed in between.
    let meta = file.metadata().map_err(io)?;
    if let Some(kind) = special_kind(&meta.file_type()) {
        return Err(not_regular(kind));
    }
    if meta.len() > limit.bytes {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            size: Some(meta.len()),
            limit: limit.bytes,
            basis: limit.basis,
        });
    }
    Ok(file)
}

/// What a file that is not a regular file is, or `None` for a regular file.
fn special_kind(file_type: &std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("FIFO (named pipe)");
        }
        if file_type.is_char_device() {
            return Some("character device");
        }
        if file_type.is_block_device() {
            return Some("block device");
        }
        if file_type.is_socket() {
            return Some("socket");
        }
    }
    Some("special file")
}

/// Reads CSV from any reader; `path` is only used to name the source in errors and to name the
/// dataset. [`read_csv`] is this over a file. Reading stops with [`DataError::TooLarge`] past
/// [`input_limit`] bytes.
///
/// # Errors
///
/// As [`read_csv`].
pub fn read_csv_from<R: Read>(
    reader: R,
    path: &Path,
    options: &CsvOptions,
) -> Result<Dataset, DataError> {
    read_csv_from_detailed(reader, path, options).map(|read| read.data)
}

/// [`read_csv_from`], also returning the header and whether it was detected ([`CsvRead`]).
///
/// # Errors
///
/// As [`read_csv`].
pub fn read_csv_from_detailed<R: Read>(
    reader: R,
    path: &Path,
    options: &CsvOptions,
) -> Result<CsvRead, DataError> {
    read_capped(reader, path, options, input_limit())
}

/// A reader that fails with [`ErrorKind::FileTooLarge`](std::io::ErrorKind::FileTooLarge)
/// once more than `limit` bytes have come through.
#[derive(Debug)]
struct Capped<R> {
    inner: R,
    read: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let too_large = || std::io::Error::from(std::io::ErrorKind::FileTooLarge);
        if self.read > self.limit {
            return Err(too_large());
        }
        // One byte past the limit is enough to know it was passed.
        let room =
            usize::try_from((self.limit - self.read).saturating_add(1)).unwrap_or(usize::MAX);
        let n = buf.len().min(room);
        let got = self.inner.read(&mut buf[..n])?;
        self.read += got as u64;
        if self.read > self.limit {
            return Err(too_large());
        }
        Ok(got)
    }
}

fn read_capped<R: Read>(
    reader: R,
    path: &Path,
    options: &CsvOptions,
    limit: InputLimit,
) -> Result<CsvRead, DataError> {
    let path_buf = || path.to_path_buf();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter)
        .trim(csv::Trim::All)
        .from_reader(Capped {
            inner: reader,
            read: 0,
            limit: limit.bytes,
        });
    let malformed = |source: csv::Error| {
        let too_large = matches!(source.kind(),
            csv::ErrorKind::Io(e) if e.kind() == std::io::ErrorKind::FileTooLarge);
        if too_large {
            DataError::TooLarge {
                path: path_buf(),
                size: None,
                limit: limit.bytes,
                basis: limit.basis,
            }
        } else {
            DataError::Malformed {
                path: path_buf(),
                line: source.position().map_or(0, |p| p.line()),
                source,
            }
        }
    };

    let mut record = csv::StringRecord::new();
    if !rdr.read_record(&mut record).map_err(malformed)? {
        return Err(DataError::EmptyFile { path: path_buf() });
    }
    let width = record.len();
    let has_header = match options.header {
        Header::Present => true,
        Header::Absent => false,
        Header::Auto => detect_header(path, &record, &options.label_column)?,
    };
    let names: Option<Vec<String>> = has_header.then(|| record.iter().map(String::from).collect());
    let label_index = resolve_label(path, &options.label_column, names.as_deref(), width)?;
    let column = |index: usize| Column {
        index,
        name: names.as_ref().and_then(|n| n.get(index).cloned()),
    };

    let n_features = width - usize::from(label_index.is_some());
    let max_value = max_magnitude(n_features);
    let mut values: Vec<f64> = Vec::new();
    let mut classes: HashMap<LabelKey, usize> = HashMap::new();
    let mut labels: Vec<usize> = Vec::new();
    let mut n_rows = 0usize;
    let mut have_row = !has_header;
    loop {
        // Without a header, the first record (already read) is the first data row.
        if !have_row && !rdr.read_record(&mut record).map_err(malformed)? {
            break;
        }
        have_row = false;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != width {
            return Err(DataError::Ragged {
                path: path_buf(),
                line,
                expected: width,
                found: record.len(),
            });
        }
        for (index, cell) in record.iter().enumerate() {
            if Some(index) == label_index {
                let key = LabelKey::parse(cell).ok_or_else(|| DataError::BadLabel {
                    path: path_buf(),
                    line,
                    column: column(index),
                    cell: cell.to_string(),
                })?;
                let next = classes.len();
                labels.push(*classes.entry(key).or_insert(next));
                continue;
            }
            let v: f64 = cell.parse().map_err(|_| DataError::NotNumeric {
                path: path_buf(),
                line,
                column: column(index),
                cell: cell.to_string(),
            })?;
            if !v.is_finite() {
                return Err(DataError::NonFinite {
                    path: path_buf(),
                    line,
                    column: column(index),
                    cell: cell.to_string(),
                });
            }
            if v.abs() > max_value {
                return Err(DataError::TooLargeValue {
                    path: path_buf(),
                    line,
                    column: column(index),
                    cell: cell.to_string(),
                    n_features,
                    limit: max_value,
                });
            }
            values.push(v);
        }
        n_rows += 1;
    }
    if n_rows == 0 {
        return Err(DataError::EmptyFile { path: path_buf() });
    }
    let in_file = |source| DataError::InFile {
        path: path_buf(),
        source,
    };
    let x = Array2::from_shape_vec((n_rows, n_features), values).map_err(|e| {
        in_file(clusterlab_core::Error::Numerical(format!(
            "building the sample matrix: {e}"
        )))
    })?;
    let name = path
        .file_stem()
        .map_or_else(|| "data".to_string(), |s| s.to_string_lossy().into_owned());
    let data = Dataset::new(name, x).map_err(in_file)?;
    let data = match label_index {
        Some(_) => data.with_labels(labels).map_err(in_file)?,
        None => data,
    };
    Ok(CsvRead {
        data,
        header_detected: has_header && options.header == Header::Auto,
        header: names,
    })
}

/// [`Header::Auto`]'s rule on the first row: `true` for a header, `false` for data, an error for
/// a row that mixes numbers and text.
fn detect_header(
    path: &Path,
    row: &csv::StringRecord,
    label: &LabelColumn,
) -> Result<bool, DataError> {
    let is_number = |cell: &str| cell.parse::<f64>().is_ok();
    // The label column if the row is a header, and if it is data.
    let (label_if_header, label_if_data) = match label {
        LabelColumn::None => (None, None),
        LabelColumn::Auto => (row.iter().position(|c| c == "label"), None),
        LabelColumn::Name(name) => (row.iter().position(|c| c == name), None),
        LabelColumn::Index(i) => (Some(*i), Some(*i)),
    };
    let features = |label: Option<usize>| {
        row.iter()
            .enumerate()
            .filter(move |&(index, _)| Some(index) != label)
    };
    if features(label_if_header).next().is_none() {
        // Nothing but a label column: a header if any cell is text.
        return Ok(row.iter().any(|cell| !is_number(cell)));
    }
    if features(label_if_header).all(|(_, cell)| !is_number(cell)) {
        return Ok(true);
    }
    let text: Vec<(Column, String)> = features(label_if_data)
        .filter(|&(_, cell)| !is_number(cell))
        .map(|(index, cell)| (Column { index, name: None }, cell.to_string()))
        .collect();
    if text.is_empty() {
        return Ok(false);
    }
    Err(DataError::AmbiguousHeader {
        path: path.to_path_buf(),
        line: row.position().map_or(1, |p| p.line()),
        cells: text,
    })
}

/// The index of the label column, or `None` for no labels.
fn resolve_label(
    path: &Path,
    wanted: &LabelColumn,
    names: Option<&[String]>,
    width: usize,
) -> Result<Option<usize>, DataError> {
    let missing = |wanted: String, available: String| DataError::MissingLabelColumn {
        path: path.to_path_buf(),
        wanted,
        available,
    };
    match wanted {
        LabelColumn::None => Ok(None),
        LabelColumn::Auto => Ok(names.and_then(|n| n.iter().position(|c| c == "label"))),
        LabelColumn::Index(i) if *i < width => Ok(Some(*i)),
        LabelColumn::Index(i) => Err(missing(
            format!("at index {i}"),
            format!("the file has {width} columns (indices 0..{width})"),
        )),
        LabelColumn::Name(name) => match names {
            Some(n) => n.iter().position(|c| c == name).map(Some).ok_or_else(|| {
                missing(
                    format!("named {}", Quoted(name)),
                    format!("the header has {}", name_list(n)),
                )
            }),
            None => Err(missing(
                format!("named {}", Quoted(name)),
                "the file has no header (choose the column by index)".into(),
            )),
        },
    }
}

/// Header names as a message lists them: each cut short, at most [`SHOWN_NAMES`] of them.
fn name_list(names: &[String]) -> String {
    let mut out = names
        .iter()
        .take(SHOWN_NAMES)
        .map(|n| Cut(n).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN_NAMES {
        out.push_str(&format!(" and {} more", names.len() - SHOWN_NAMES));
    }
    out
}

/// How many header names a message lists.
const SHOWN_NAMES: usize = 12;

/// A label as read: integers (however written) compare as integers, anything else as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LabelKey {
    Int(i64),
    Text(String),
}

impl LabelKey {
    /// `None` for an empty cell or a number that is not an integer.
    fn parse(cell: &str) -> Option<Self> {
        if cell.is_empty() {
            return None;
        }
        if let Ok(i) = cell.parse::<i64>() {
            return Some(LabelKey::Int(i));
        }
        match cell.parse::<f64>() {
            // Integral floats within i64's exact range are the same class as the integer.
            #[allow(clippy::cast_possible_truncation)]
            Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 => {
                Some(LabelKey::Int(v as i64))
            }
            Ok(_) => None,
            Err(_) => Some(LabelKey::Text(cell.to_string())),
        }
    }
}

/// Writes samples (and labels) as CSV: header `x0,x1,...,label` (or the given feature names),
/// every value in shortest round-trip form, so that [`read_csv`] gives back the same bits.
///
/// # Errors
///
/// A non-finite value, a wrong number of labels or feature names ([`DataError::InFile`]), or an
/// I/O error, each naming the file.
///
/// # Examples
///
/// ```
/// use clusterlab_data::{read_csv, write_csv, CsvOptions};
/// use ndarray::array;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.csv");
/// let x = array![[0.1, -2.5e-300], [1.0 / 3.0, 7.0]];
/// write_csv(&path, x.view(), Some(&[1, 0]), None)?;
/// assert!(std::fs::read_to_string(&path)?.starts_with("x0,x1,label\n0.1,"));
/// let back = read_csv(&path, &CsvOptions::default())?;
/// assert_eq!(back.x(), x.view());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_csv(
    path: &Path,
    x: ArrayView2<'_, f64>,
    labels: Option<&[usize]>,
    feature_names: Option<&[String]>,
) -> Result<(), DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Check before creating the file, so that bad data leaves no half-written file behind.
    check_writable(x, labels, feature_names).map_err(|source| DataError::InFile {
        path: path.to_path_buf(),
        source,
    })?;
    let file = File::create(path).map_err(io)?;
    let mut w = BufWriter::new(file);
    write_rows(&mut w, x, labels, feature_names).map_err(io)?;
    w.flush().map_err(io)
}

/// [`write_csv`] to any writer (standard output, a buffer); `name` names the destination in
/// errors.
pub fn write_csv_to<W: Write>(
    writer: W,
    name: &Path,
    x: ArrayView2<'_, f64>,
    labels: Option<&[usize]>,
    feature_names: Option<&[String]>,
) -> Result<(), DataError> {
    check_writable(x, labels, feature_names).map_err(|source| DataError::InFile {
        path: name.to_path_buf(),
        source,
    })?;
    let io = |source| DataError::Io {
        path: name.to_path_buf(),
        source,
    };
    let mut w = BufWriter::new(writer);
    write_rows(&mut w, x, labels, feature_names).map_err(io)?;
    w.flush().map_err(io)
}

fn check_writable(
    x: ArrayView2<'_, f64>,
    labels: Option<&[usize]>,
    feature_names: Option<&[String]>,
) -> clusterlab_core::Result<()> {
    validate::check_samples(x)?;
    if let Some(labels) = labels {
        validate::check_labels_len(labels, x.nrows())?;
    }
    if let Some(names) = feature_names
        && names.len() != x.ncols()
    {
        return Err(clusterlab_core::Error::ShapeMismatch {
            what: "feature_names".into(),
            expected: format!("{} names", x.ncols()),
            found: format!("{} names", names.len()),
        });
    }
    Ok(())
}

fn write_rows<W: Write>(
    w: &mut W,
    x: ArrayView2<'_, f64>,
    labels: Option<&[usize]>,
    feature_names: Option<&[String]>,
) -> std::io::Result<()> {
    let mut header: Vec<String> = match feature_names {
        Some(names) => names.to_vec(),
        None => (0..x.ncols()).map(|j| format!("x{j}")).collect(),
    };
    if labels.is_some() {
        header.push("label".into());
    }
    // The csv writer quotes names that need it; the numbers below never do.
    let mut hw = csv::Writer::from_writer(Vec::new());
    hw.write_record(&header)?;
    let header = hw.into_inner().map_err(|e| e.into_error())?;
    w.write_all(&header)?;
    for (i, row) in x.rows().into_iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            // Display of f64 is the shortest string that parses back to the same bits.
            write!(w, "{v}")?;
        }
        if let Some(labels) = labels {
            write!(w, ",{}", labels[i])?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn read(text: &str, options: &CsvOptions) -> Result<Dataset, DataError> {
        read_csv_from(text.as_bytes(), Path::new("t.csv"), options)
    }

    fn auto(text: &str) -> Result<Dataset, DataError> {
        read(text, &CsvOptions::default())
    }

    #[test]
    fn header_is_detected() {
        let d = auto("a,b\n1,2\n3,4\n").unwrap();
        assert_eq!(d.x(), array![[1.0, 2.0], [3.0, 4.0]].view());
        assert_eq!(d.labels(), None);
        let d = auto("1,2\n3,4\n").unwrap();
        assert_eq!(d.n_samples(), 2);
        assert_eq!(d.name(), "t");
    }

    #[test]
    fn header_detected_is_reported() {
        let detailed = |text: &str, header| {
            let options = CsvOptions {
                header,
                ..Default::default()
            };
            read_csv_from_detailed(text.as_bytes(), Path::new("t.csv"), &options).unwrap()
        };
        let r = detailed("a,b\n1,2\n", Header::Auto);
        assert!(r.header_detected);
        assert_eq!(r.header, Some(vec!["a".to_string(), "b".to_string()]));
        let r = detailed("1,2\n3,4\n", Header::Auto);
        assert!(!r.header_detected);
        assert_eq!(r.header, None);
        assert_eq!(r.data.n_samples(), 2);
        let r = detailed("a,b\n1,2\n", Header::Present);
        assert!(!r.header_detected, "told, not detected");
        assert_eq!(r.header.map(|h| h.len()), Some(2));
    }

    #[test]
    fn reading_stops_past_the_limit() {
        let limit = InputLimit {
            bytes: 8,
            basis: "a test's limit",
        };
        let read = |text: &str| {
            read_capped(
                text.as_bytes(),
                Path::new("t.csv"),
                &CsvOptions::default(),
                limit,
            )
        };
        assert_eq!(read("1,2\n3,4\n").unwrap().data.n_samples(), 2);
        let err = read("1,2\n3,4\n5,6\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: the file is too large to read: more than the limit of 8 bytes (a test's limit)"
        );
    }

    #[test]
    fn the_input_limit_is_positive() {
        let limit = input_limit();
        assert!(limit.bytes >= 1 << 20, "{limit:?}");
    }

    #[test]
    fn label_only_first_row_keeps_the_old_rule() {
        let by_index = CsvOptions {
            label_column: LabelColumn::Index(0),
            ..Default::default()
        };
        let r = read_csv_from_detailed(&b"y\n1\n"[..], Path::new("t.csv"), &by_index);
        assert!(matches!(r, Err(DataError::InFile { .. })), "{r:?}");
    }

    #[test]
    fn header_present_and_absent_are_obeyed() {
        let present = CsvOptions {
            header: Header::Present,
            ..Default::default()
        };
        assert_eq!(read("1,2\n3,4\n", &present).unwrap().n_samples(), 1);
        let absent = CsvOptions {
            header: Header::Absent,
            ..Default::default()
        };
        let err = read("a,b\n1,2\n", &absent).unwrap_err();
        assert!(
            matches!(err, DataError::NotNumeric { line: 1, ref column, .. } if column.index == 0),
            "{err}"
        );
    }

    #[test]
    fn labels_map_in_order_of_first_appearance() {
        let d = auto("x,label\n0,7\n1,-3\n2,7.0\n3,cat\n4,-3\n").unwrap();
        assert_eq!(d.labels(), Some(&[0, 1, 0, 2, 1][..]));
        assert_eq!(d.n_features(), 1);
    }

    #[test]
    fn label_by_index_and_name_and_none() {
        let by_index = CsvOptions {
            label_column: LabelColumn::Index(0),
            ..Default::default()
        };
        let d = read("5,1.5,2\n6,2.5,3\n5,0,0\n", &by_index).unwrap();
        assert_eq!(d.labels(), Some(&[0, 1, 0][..]));
        assert_eq!(d.x(), array![[1.5, 2.0], [2.5, 3.0], [0.0, 0.0]].view());

        let by_name = CsvOptions {
            label_column: LabelColumn::Name("y".into()),
            ..Default::default()
        };
        let d = read("y,a\n1,2\n", &by_name).unwrap();
        assert_eq!(d.x(), array![[2.0]].view());

        let none = CsvOptions {
            label_column: LabelColumn::None,
            ..Default::default()
        };
        let d = read("a,label\n1,2\n", &none).unwrap();
        assert_eq!(d.n_features(), 2);
        assert_eq!(d.labels(), None);
    }

    #[test]
    fn missing_label_column_is_an_error() {
        let by_name = CsvOptions {
            label_column: LabelColumn::Name("y".into()),
            ..Default::default()
        };
        let err = read("a,b\n1,2\n", &by_name).unwrap_err();
        assert!(matches!(err, DataError::MissingLabelColumn { .. }));
        assert!(err.to_string().contains("the header has a, b"), "{err}");
        assert!(matches!(
            read("1,2\n", &by_name),
            Err(DataError::MissingLabelColumn { .. })
        ));
        let by_index = CsvOptions {
            label_column: LabelColumn::Index(2),
            ..Default::default()
        };
        assert!(matches!(
            read("1,2\n", &by_index),
            Err(DataError::MissingLabelColumn { .. })
        ));
    }

    #[test]
    fn non_integer_label_is_an_error() {
        let err = auto("a,label\n1,0\n2,1.5\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv, line 3, column \"label\" (index 1): label \"1.5\" is not an integer or a class name"
        );
        assert!(matches!(
            auto("a,label\n1,\n"),
            Err(DataError::BadLabel { line: 2, .. })
        ));
    }

    #[test]
    fn non_numeric_cell_names_line_and_column() {
        let err = auto("a,b\n1,2\n3,x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv, line 3, column \"b\" (index 1): \"x\" is not a number"
        );
        let err = auto("1,2\n3,x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv, line 2, column index 1: \"x\" is not a number"
        );
    }

    #[test]
    fn nan_and_infinity_are_errors() {
        for cell in ["NaN", "nan", "inf", "-inf", "infinity"] {
            let err = auto(&format!("a,b\n1,2\n3,{cell}\n")).unwrap_err();
            assert!(
                matches!(err, DataError::NonFinite { line: 3, ref column, .. } if column.index == 1),
                "{cell}: {err}"
            );
        }
    }

    #[test]
    fn ragged_row_is_an_error() {
        let err = auto("a,b\n1,2\n3\n").unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Ragged {
                    line: 3,
                    expected: 2,
                    found: 1,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn empty_file_and_header_only_are_errors() {
        assert!(matches!(auto(""), Err(DataError::EmptyFile { .. })));
        assert!(matches!(auto("a,b\n"), Err(DataError::EmptyFile { .. })));
    }

    #[test]
    fn label_only_file_has_no_features() {
        assert!(matches!(
            auto("label\n1\n"),
            Err(DataError::InFile {
                source: clusterlab_core::Error::EmptyData { .. },
                ..
            })
        ));
    }

    #[test]
    fn other_delimiters_and_whitespace() {
        let opts = CsvOptions {
            delimiter: b';',
            ..Default::default()
        };
        let d = read("a; b\n 1 ; 2\n", &opts).unwrap();
        assert_eq!(d.x(), array![[1.0, 2.0]].view());
    }

    #[test]
    fn writer_rejects_bad_input_and_names_the_file() {
        let x = array![[1.0, f64::NAN]];
        let err = write_csv_to(Vec::new(), Path::new("o.csv"), x.view(), None, None).unwrap_err();
        assert!(
            err.to_string().starts_with("o.csv: sample 0, feature 1"),
            "{err}"
        );
        let x = array![[1.0, 2.0]];
        assert!(
            write_csv_to(
                Vec::new(),
                Path::new("o.csv"),
                x.view(),
                Some(&[0, 1]),
                None
            )
            .is_err()
        );
        let names = vec!["a".to_string()];
        assert!(
            write_csv_to(Vec::new(), Path::new("o.csv"), x.view(), None, Some(&names)).is_err()
        );
    }

    #[test]
    fn writer_quotes_awkward_names() {
        let x = array![[1.5]];
        let names = vec!["a,b".to_string()];
        let mut out = Vec::new();
        write_csv_to(&mut out, Path::new("o"), x.view(), Some(&[3]), Some(&names)).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a,b\",label\n1.5,3\n");
    }

    mod round_trip {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(32))]
            /// Any finite f64 the reader accepts (raw bits, so subnormals and extremes up to
            /// [`max_magnitude`] included) reads back bit-identical.
            #[test]
            fn values_read_back_bit_identical(
                bits in proptest::collection::vec(any::<u64>(), 1..40),
                d in 1usize..4,
            ) {
                // Finite values the reader accepts: at most max_magnitude(d) (larger ones are
                // refused, as squared distances would overflow).
                let vals: Vec<f64> = bits
                    .iter()
                    .map(|&b| f64::from_bits(b))
                    .filter(|v| v.is_finite() && v.abs() <= max_magnitude(d))
                    .collect();
                let n = vals.len() / d;
                prop_assume!(n > 0);
                let x = Array2::from_shape_vec((n, d), vals[..n * d].to_vec()).unwrap();
                let labels: Vec<usize> = (0..n).collect();
                let mut out = Vec::new();
                write_csv_to(&mut out, Path::new("o"), x.view(), Some(&labels), None).unwrap();
                let back = read_csv_from(out.as_slice(), Path::new("o"), &CsvOptions::default()).unwrap();
                prop_assert_eq!(back.labels(), Some(&labels[..]));
                for (a, b) in back.x().iter().zip(x.iter()) {
                    prop_assert_eq!(a.to_bits(), b.to_bits());
                }
            }
        }
    }
}
