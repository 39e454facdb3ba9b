//! Issue 14 ("Hardening: what fuzzing and fault injection found"), the CSV reader's findings:
//! each test is named after the bug it pins, and failed before the fix.

use std::path::Path;

use clusterlab_data::{CsvOptions, CsvSource, DataError, Header, read_csv, read_csv_from};

fn auto(text: &str) -> Result<clusterlab_core::Dataset, DataError> {
    read_csv_from(text.as_bytes(), Path::new("t.csv"), &CsvOptions::default())
}

// Finding 1: a bad first row was taken for a header and silently dropped.

#[test]
fn bad_first_row_is_not_silently_dropped_as_a_header() {
    for (row, cell, index) in [
        ("1.0,1.2.3", "1.2.3", 1),
        ("1.0,1_000", "1_000", 1),
        ("1e15,TRUE", "TRUE", 1),
        ("oops,2.5", "oops", 0),
    ] {
        let err = auto(&format!("{row}\n2,3\n4,5\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "t.csv, line 1 mixes numbers and text (\"{cell}\" in column index {index}): \
                 is it a header or data? say header = true or false (`--header` on the command line)"
            ),
            "{row}"
        );
    }
}

#[test]
fn bad_first_row_is_still_read_as_told() {
    let absent = CsvOptions {
        header: Header::Absent,
        ..Default::default()
    };
    let err = read_csv_from(&b"1.0,1.2.3\n2,3\n"[..], Path::new("t.csv"), &absent).unwrap_err();
    assert!(
        matches!(err, DataError::NotNumeric { line: 1, .. }),
        "{err}"
    );
    let present = CsvOptions {
        header: Header::Present,
        ..Default::default()
    };
    let d = read_csv_from(&b"1.0,1.2.3\n2,3\n"[..], Path::new("t.csv"), &present).unwrap();
    assert_eq!(d.n_samples(), 1);
}

#[test]
fn header_of_names_and_label_names_in_data_rows_still_read() {
    // A header of names, with a label column of class names.
    let d = auto("sepal,petal,label\n1.5,2,setosa\n3,4,virginica\n").unwrap();
    assert_eq!(d.n_samples(), 2);
    assert_eq!(d.n_features(), 2);
    // No header, a numeric first row.
    assert_eq!(auto("1,2\n3,4\n").unwrap().n_samples(), 2);
    // The label column by index is left out of the rule, whatever it holds.
    let by_index = CsvOptions {
        label_column: clusterlab_data::LabelColumn::Index(2),
        ..Default::default()
    };
    let d = read_csv_from(
        &b"1.5,2,setosa\n3,4,virginica\n"[..],
        Path::new("t.csv"),
        &by_index,
    )
    .unwrap();
    assert_eq!(d.n_samples(), 2);
    assert_eq!(d.labels(), Some(&[0, 1][..]));
    let d = read_csv_from(
        &b"a,b,species\n1.5,2,setosa\n3,4,virginica\n"[..],
        Path::new("t.csv"),
        &by_index,
    )
    .unwrap();
    assert_eq!(d.n_samples(), 2);
    // Headerless data whose label column holds names, with the label column left to
    // detection: an error rather than a dropped row.
    let err = auto("1.5,2,setosa\n3,4,virginica\n").unwrap_err();
    assert!(
        err.to_string().contains("\"setosa\" in column index 2"),
        "{err}"
    );
}

#[test]
fn grid_header_accepts_true_and_false() {
    let read = |text: &str| toml::from_str::<CsvSource>(&format!("path = \"a.csv\"\n{text}"));
    let header = |text: &str| read(text).unwrap().options().unwrap().header;
    assert_eq!(header("header = true"), Header::Present);
    assert_eq!(header("header = false"), Header::Absent);
    assert_eq!(header("header = \"present\""), Header::Present);
    assert_eq!(header("header = \"absent\""), Header::Absent);
    assert_eq!(header("header = \"auto\""), Header::Auto);
    assert_eq!(header(""), Header::Auto);
    for bad in ["header = \"maybe\"", "header = 1"] {
        let err = read(bad).unwrap_err().to_string();
        assert!(
            err.contains("expected `auto`, `present`, `absent`, true or false"),
            "{bad}: {err}"
        );
    }
}

// Finding 2: unbounded input (a device, a FIFO, a directory, a huge file).

#[test]
fn directory_is_refused_as_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_csv(dir.path(), &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a regular file but a directory: give the path of a CSV file",
            dir.path().display()
        )
    );
}

/// Runs `f` on a thread and fails the test if it takes more than a few seconds.
#[cfg(unix)]
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("the reader did not return within 10 s")
}

#[cfg(unix)]
#[test]
fn fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo unavailable: skipped");
        return;
    }
    let path = fifo.clone();
    let err = within_seconds(move || read_csv(&path, &CsvOptions::default()).unwrap_err());
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a regular file but a FIFO (named pipe): give the path of a CSV file",
            fifo.display()
        )
    );
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_is_refused_not_read_forever() {
    let err =
        within_seconds(|| read_csv(Path::new("/dev/zero"), &CsvOptions::default())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/dev/zero: not a regular file but a character device: give the path of a CSV file"
    );
}

#[test]
fn huge_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    // A sparse file: as large as it says, without taking the disk space.
    let size = clusterlab_data::csv_file::input_limit().bytes + 1;
    let file = std::fs::File::create(&path).unwrap();
    if file.set_len(size).is_err() {
        eprintln!("cannot make a sparse file of {size} bytes here: skipped");
        return;
    }
    let err = within_seconds(move || read_csv(&path, &CsvOptions::default())).unwrap_err();
    assert!(
        matches!(err, DataError::TooLarge { size: Some(s), .. } if s == size),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("{size} bytes")), "{err}");
}

// Finding 3: error messages quoted whole raw lines.

#[test]
fn long_cells_are_quoted_short_in_errors() {
    let long = "x".repeat(10_000);
    for text in [
        format!("a,b\n1,{long}\n"),
        format!("a,b\n1,{long}inf\n"),
        format!("a,label\n1,1.5{}\n", "0".repeat(10_000)),
        format!("a,{long}\n1,x\n"),
    ] {
        let err = auto(&text).unwrap_err().to_string();
        assert!(err.len() < 160, "{} characters: {err}", err.len());
        assert!(err.contains('…'), "{err}");
    }
    // A whole file of one line, no delimiter in sight.
    let absent = CsvOptions {
        header: Header::Absent,
        ..Default::default()
    };
    let err = read_csv_from(long.as_bytes(), Path::new("t.csv"), &absent)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "t.csv, line 1, column index 0: \"{}\"… is not a number",
            "x".repeat(40)
        )
    );
}

#[test]
fn long_header_names_are_cut_in_a_missing_label_message() {
    let names: Vec<String> = (0..200)
        .map(|i| format!("{}{i}", "n".repeat(100)))
        .collect();
    let text = format!("{}\n{}\n", names.join(","), vec!["1"; 200].join(","));
    let by_name = CsvOptions {
        label_column: clusterlab_data::LabelColumn::Name("y".repeat(1000)),
        ..Default::default()
    };
    let err = read_csv_from(text.as_bytes(), Path::new("t.csv"), &by_name)
        .unwrap_err()
        .to_string();
    assert!(err.len() < 1000, "{} characters: {err}", err.len());
}

// Finding 4: values whose squared distances overflow gave `inertia inf`.

#[test]
fn values_whose_squared_distances_overflow_are_refused() {
    let err = auto("a,b\n0,0\n1.7976931348623157e308,1\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "t.csv, line 3, column \"a\" (index 0): \"1.7976931348623157e308\" is too large"
        ),
        "{text}"
    );
    assert!(text.contains("squared distances would overflow"), "{text}");
    assert!(auto("a,b\n0,0\n-1e200,1\n").is_err());
    // Large but safe values still read.
    let d = auto("a,b\n0,0\n1e150,-1e150\n").unwrap();
    assert_eq!(d.x()[[1, 0]], 1e150);
}
