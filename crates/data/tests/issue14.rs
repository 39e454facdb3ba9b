//! Issue 14 ("Hardening: what fuzzing and fault injection found"), the CSV reader's findings:
//! each test is named after the bug it pins, and failed before the fix.

use clusterlab_data::{CsvSource, Header};

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
