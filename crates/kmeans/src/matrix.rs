//! Matrices as lists of rows, the shape scikit-learn users read and write (`[[x, y], ...]`).

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

/// A row-major matrix from equal-length rows.
pub(crate) fn from_rows(rows: Vec<Vec<f64>>) -> Result<Array2<f64>, String> {
    let n = rows.len();
    let d = rows.first().map_or(0, Vec::len);
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != d) {
        return Err(format!(
            "row {i} has {} values but row 0 has {d}: every row must have the same length",
            r.len()
        ));
    }
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    Array2::from_shape_vec((n, d), flat).map_err(|e| e.to_string())
}

/// The rows of a matrix.
pub(crate) fn to_rows(m: ArrayView2<'_, f64>) -> Vec<Vec<f64>> {
    m.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// `#[serde(with = "matrix")]` for an `Array2<f64>` field.
pub(crate) fn serialize<S: Serializer>(m: &Array2<f64>, s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(m.nrows()))?;
    for row in m.rows() {
        seq.serialize_element(&row.to_vec())?;
    }
    seq.end()
}

/// `#[serde(with = "matrix")]` for an `Array2<f64>` field.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array2<f64>, D::Error> {
    let rows = Vec::<Vec<f64>>::deserialize(d)?;
    from_rows(rows).map_err(serde::de::Error::custom)
}
