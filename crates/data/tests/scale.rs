//! `scale = "standard"` against scikit-learn's `StandardScaler` on the shipped wine data
//! (fixture written by `experiments/data/make_real_data.py`).

use std::path::Path;

use clusterlab_data::{CsvSource, Scale};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn standard_scaling_matches_scikit_learns_standard_scaler_on_wine() {
    let source: CsvSource =
        toml::from_str("path = \"../../experiments/data/wine.csv\"\nscale = \"standard\"").unwrap();
    assert_eq!(source.scale, Scale::Standard);
    let data = source.read(root()).unwrap();
    let detailed = source.read_detailed(root()).unwrap();
    assert_eq!(detailed.data.x(), data.x(), "both readers scale");
    assert_eq!(data.labels().map(<[usize]>::len), Some(178), "labels kept");
    let expected =
        std::fs::read_to_string(root().join("tests/fixtures/wine_standard_scaled.csv")).unwrap();
    let mut rows = 0;
    for (line, row) in expected.lines().zip(data.x().rows()) {
        let want: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(want.len(), row.len());
        for (w, g) in want.iter().zip(row) {
            assert!((w - g).abs() <= 1e-12 * w.abs().max(1.0), "{w} vs {g}");
        }
        rows += 1;
    }
    assert_eq!(rows, 178);
}

#[test]
fn unscaled_by_default_and_constant_columns_become_zero() {
    let plain: CsvSource = toml::from_str("path = \"../../experiments/data/wine.csv\"").unwrap();
    assert_eq!(plain.scale, Scale::None);
    assert_eq!(plain.read(root()).unwrap().x()[[0, 12]], 1065.0);
    // digits' first pixel is 0 in every image: StandardScaler leaves it 0, not NaN.
    let digits: CsvSource =
        toml::from_str("path = \"../../experiments/data/digits.csv\"\nscale = \"standard\"")
            .unwrap();
    let x = digits.read(root()).unwrap();
    assert!(x.x().column(0).iter().all(|v| *v == 0.0));
    assert!(x.x().iter().all(|v| v.is_finite()));
}
