//! One colour (and one legend label) per model series, shared by every figure of a report.
//!
//! A series is a model and its axis values (a line of the plots, a row group of summary.csv
//! and best_k.csv). Were each figure to colour its own lines in order, K-means would be blue
//! in the elbow plot and the full-covariance mixture blue in the selection plot, which has no
//! K-means line. So the series are listed once, in summary.csv's order (the grid's), and a
//! series' look and label are its place in that list, whichever figure draws it.

use crate::{
    series::{GroupKey, group_labels},
    style::{LineLook, line_look},
};

/// The series of a results folder, in order, with their legend labels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Palette {
    keys: Vec<GroupKey>,
    labels: Vec<String>,
}

impl Palette {
    /// The palette of these series, in this order (repeated keys count once).
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a GroupKey>) -> Self {
        let mut unique: Vec<GroupKey> = Vec::new();
        for k in keys {
            if !unique.contains(k) {
                unique.push(k.clone());
            }
        }
        let refs: Vec<&GroupKey> = unique.iter().collect();
        let labels = group_labels(&refs);
        Palette {
            keys: unique,
            labels,
        }
    }

    /// A copy that also knows `keys` it lacked (after its own): a series that only one file
    /// holds still gets a colour of its own.
    pub fn with<'a>(&'a self, keys: impl IntoIterator<Item = &'a GroupKey>) -> Self {
        Palette::new(self.keys.iter().chain(keys))
    }

    /// The series' place in the list.
    fn index(&self, key: &GroupKey) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }

    /// The look of a series; a series the palette does not know looks like the first (the
    /// builders add every series they draw with [`Palette::with`] first).
    pub fn look(&self, key: &GroupKey) -> LineLook {
        line_look(self.index(key).unwrap_or(0))
    }

    /// The legend label of a series: what tells it apart from the other series of the folder.
    pub fn label(&self, key: &GroupKey) -> String {
        self.index(key)
            .and_then(|i| self.labels.get(i).cloned())
            .unwrap_or_else(|| key.model.clone())
    }

    /// The series, in order.
    pub fn keys(&self) -> &[GroupKey] {
        &self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(model: &str, cov: Option<&str>) -> GroupKey {
        GroupKey {
            model: model.into(),
            axes: cov
                .map(|c| ("covariance_type".to_string(), c.to_string()))
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn a_series_keeps_its_look_and_label_whatever_else_is_drawn() {
        let km = key("kmeans", None);
        let full = key("gmm", Some("full"));
        let diag = key("gmm", Some("diag"));
        let p = Palette::new([&km, &full, &diag, &full]);
        assert_eq!(p.keys().len(), 3);
        assert_eq!(p.look(&full), line_look(1));
        assert_eq!(p.label(&full), "gmm, covariance_type = full");
        assert_eq!(p.label(&km), "kmeans");
        let more = p.with([&diag, &key("flat", None)]);
        assert_eq!(more.look(&full), p.look(&full));
        assert_eq!(more.look(&key("flat", None)), line_look(3));
    }
}
