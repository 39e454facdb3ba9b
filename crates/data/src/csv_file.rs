//! CSV input and output: numeric feature columns, an optional label column.
//!
//! The format is the one `clusterlab data` writes and `clusterlab fit --data` reads: a header
//! `x0,x1,...,label`, one sample per line, every value in Rust's shortest round-trip form
//! (so a file read back gives the very same `f64` bits). The reader is lenient about what it
//! accepts (header or not, any delimiter, a label column anywhere, labels that are integers or
//! class names) and strict about values: a cell that is not a finite number is an error naming
//! the file, line and column.
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

use crate::error::{Column, DataError};

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
    /// The first row is a header if any of its cells does not parse as a number.
    ///
    /// A file without a header whose labels are names (`1.5,2,setosa`) would have its first
    /// row taken for a header: say [`Header::Absent`] for such files.
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

/// Reads a CSV file of numeric columns (and an optional label column) into a [`Dataset`] named
/// after the file's stem.
///
/// See the [module documentation](self) for how labels are numbered.
///
/// # Errors
///
/// [`DataError`] naming the file, the 1-based line and the column for a non-numeric cell, NaN or
/// an infinity, a ragged row, an empty file, a missing label column or a label that is a
/// non-integer number; I/O errors with the path.
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
    let file = File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_csv_from(file, path, options)
}

/// Reads CSV from any reader; `path` is only used to name the source in errors and to name the
/// dataset. [`read_csv`] is this over a file.
pub fn read_csv_from<R: Read>(
    reader: R,
    path: &Path,
    options: &CsvOptions,
) -> Result<Dataset, DataError> {
    let path_buf = || path.to_path_buf();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let malformed = |source: csv::Error| DataError::Malformed {
        path: path_buf(),
        line: source.position().map_or(0, |p| p.line()),
        source,
    };

    let mut record = csv::StringRecord::new();
    if !rdr.read_record(&mut record).map_err(malformed)? {
        return Err(DataError::EmptyFile { path: path_buf() });
    }
    let width = record.len();
    let has_header = match options.header {
        Header::Present => true,
        Header::Absent => false,
        Header::Auto => record.iter().any(|cell| cell.parse::<f64>().is_err()),
    };
    let names: Option<Vec<String>> = has_header.then(|| record.iter().map(String::from).collect());
    let label_index = resolve_label(path, &options.label_column, names.as_deref(), width)?;
    let column = |index: usize| Column {
        index,
        name: names.as_ref().and_then(|n| n.get(index).cloned()),
    };

    let n_features = width - usize::from(label_index.is_some());
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
    match label_index {
        Some(_) => data.with_labels(labels).map_err(in_file),
        None => Ok(data),
    }
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
                    format!("named {name:?}"),
                    format!("the header has {}", n.join(", ")),
                )
            }),
            None => Err(missing(
                format!("named {name:?}"),
                "the file has no header (choose the column by index)".into(),
            )),
        },
    }
}

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
            /// Any finite f64 (raw bits, so subnormals and extremes included) reads back
            /// bit-identical.
            #[test]
            fn values_read_back_bit_identical(
                bits in proptest::collection::vec(any::<u64>(), 1..40),
                d in 1usize..4,
            ) {
                let vals: Vec<f64> = bits.iter().map(|&b| f64::from_bits(b)).filter(|v| v.is_finite()).collect();
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
