//! The coordinates of a dendrogram, laid out as SciPy's `dendrogram` lays them out.
//!
//! Data apart from drawing: this module computes what to draw (one U-shaped link per merge,
//! the order of the leaves, the colour of each link), and a plotting crate draws it. The layout
//! is SciPy's for `dendrogram(Z)` with its defaults (no truncation, no sorting of the
//! children, `color_threshold = 0.7 max(Z[:, 2])`), with `Z` assembled from the model as
//! scikit-learn's dendrogram example does ([`AgglomerativeModel::linkage_matrix`]): leaf `i`
//! from the left sits at `x = 10 i + 5`, a link joins its children's midpoints at the merge
//! height, the left child drawn first.

use serde::Serialize;

use crate::AgglomerativeModel;

/// SciPy's default link colours below the colour threshold (matplotlib's cycle `C1` to `C9`);
/// links at or above it are `C0`.
const LINK_COLORS: [&str; 9] = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"];
const ABOVE_THRESHOLD_COLOR: &str = "C0";

/// A dendrogram's coordinates, as `scipy.cluster.hierarchy.dendrogram(Z, no_plot=True)`
/// returns them.
///
/// Link `i` is the polyline through `(icoord[i][j], dcoord[i][j])` for `j` in `0..4`: up from
/// the left child, across at the merge height, down to the right child.
///
/// ```
/// use clusterlab_hierarchy::{AgglomerativeParams, dendrogram_coords};
/// use ndarray::array;
///
/// let x = array![[0.0], [1.0], [5.0]];
/// let model = AgglomerativeParams::default().build()?.fit(x.view(), 0)?;
/// let d = dendrogram_coords(&model);
/// assert_eq!(d.leaves, [2, 0, 1]);
/// assert_eq!(d.icoord[0], [15.0, 15.0, 25.0, 25.0]); // samples 0 and 1, at height 1
/// assert_eq!(d.dcoord[0], [0.0, 1.0, 1.0, 0.0]);
/// assert_eq!(d.icoord[1], [5.0, 5.0, 20.0, 20.0]); // sample 2 and that pair
/// # Ok::<(), clusterlab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dendrogram {
    /// The x coordinates of each link's four points (SciPy's `icoord`).
    pub icoord: Vec<[f64; 4]>,
    /// The heights of each link's four points (SciPy's `dcoord`).
    pub dcoord: Vec<[f64; 4]>,
    /// The samples from left to right (SciPy's `leaves`).
    pub leaves: Vec<usize>,
    /// Each link's matplotlib colour name, `C0` to `C9` (SciPy's `color_list`).
    pub color_list: Vec<&'static str>,
    /// The height at and above which links are `C0`: `0.7` times the highest merge.
    pub color_threshold: f64,
}

/// A step of the depth-first walk SciPy's `_dendrogram_calculate_info` makes by recursion
/// (here with an explicit stack, so that a deep tree cannot overflow the thread's stack).
enum Step {
    /// Lay out the subtree of `node`, its leftmost leaf at `x = iv + 5`.
    Visit { node: usize, iv: f64 },
    /// The left subtree of `node` is laid out: pick the link's colour, lay out the right one.
    Between { node: usize, iv: f64 },
    /// Both subtrees are laid out: draw the link of `node`.
    Join { node: usize, color: &'static str },
}

/// What a laid-out subtree tells its parent: the x of its top, its width, its height.
#[derive(Clone, Copy)]
struct Laid {
    x: f64,
    width: f64,
    height: f64,
}

/// The dendrogram of `model`'s whole tree, in SciPy's layout: what
/// `scipy.cluster.hierarchy.dendrogram(Z, no_plot=True)` returns with its defaults (no
/// truncation, no sorting of the children, colour threshold `0.7 max(Z[:, 2])`), for `Z`
/// assembled as scikit-learn's dendrogram example does
/// ([`AgglomerativeModel::linkage_matrix`]). Leaf `i` from the left sits at `x = 10 i + 5`; a
/// link joins its children's midpoints at the merge height, the first child on the left.
///
/// Meant for small trees: it has a link per merge and a leaf per sample. A tree of one sample
/// has one leaf and no link.
pub fn dendrogram_coords(model: &AgglomerativeModel) -> Dendrogram {
    let n = model.n_leaves();
    let children = model.children();
    let heights = model.distances();
    let max_height = heights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let threshold = if heights.is_empty() {
        0.0
    } else {
        max_height * 0.7
    };
    let mut out = Dendrogram {
        icoord: Vec::with_capacity(children.len()),
        dcoord: Vec::with_capacity(children.len()),
        leaves: Vec::with_capacity(n),
        color_list: Vec::with_capacity(children.len()),
        color_threshold: threshold,
    };
    let mut current_color = 0;
    let mut below_threshold = false;
    let mut laid: Vec<Laid> = Vec::new();
    let mut steps = vec![Step::Visit {
        node: 2 * n - 2,
        iv: 0.0,
    }];
    while let Some(step) = steps.pop() {
        match step {
            Step::Visit { node, iv } if node < n => {
                out.leaves.push(node);
                laid.push(Laid {
                    x: iv + 5.0,
                    width: 10.0,
                    height: 0.0,
                });
            }
            Step::Visit { node, iv } => {
                steps.push(Step::Between { node, iv });
                steps.push(Step::Visit {
                    node: children[node - n][0],
                    iv,
                });
            }
            Step::Between { node, iv } => {
                let h = heights[node - n];
                let color = if h >= threshold || threshold <= 0.0 {
                    if below_threshold {
                        current_color = (current_color + 1) % LINK_COLORS.len();
                    }
                    below_threshold = false;
                    ABOVE_THRESHOLD_COLOR
                } else {
                    below_threshold = true;
                    LINK_COLORS[current_color]
                };
                let left_width = laid.last().expect("the left subtree is laid out").width;
                steps.push(Step::Join { node, color });
                steps.push(Step::Visit {
                    node: children[node - n][1],
                    iv: iv + left_width,
                });
            }
            Step::Join { node, color } => {
                let right = laid.pop().expect("the right subtree is laid out");
                let left = laid.pop().expect("the left subtree is laid out");
                let h = heights[node - n];
                out.icoord.push([left.x, left.x, right.x, right.x]);
                out.dcoord.push([left.height, h, h, right.height]);
                out.color_list.push(color);
                laid.push(Laid {
                    x: (left.x + right.x) / 2.0,
                    width: left.width + right.width,
                    height: h,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AgglomerativeParams, Linkage};
    use ndarray::Array2;

    #[test]
    fn one_sample_is_one_leaf() {
        let m = AgglomerativeParams::new(1)
            .build()
            .unwrap()
            .fit(ndarray::array![[1.0]].view(), 0)
            .unwrap();
        let d = dendrogram_coords(&m);
        assert_eq!(d.leaves, [0]);
        assert!(d.icoord.is_empty());
    }

    /// Single linkage on a line is a chain as deep as the data is long: no recursion.
    #[test]
    fn a_deep_chain_does_not_overflow_the_stack() {
        let n = 20_000;
        let x = Array2::from_shape_fn((n, 1), |(i, _)| (i as f64).powf(1.5));
        let p = AgglomerativeParams {
            linkage: Linkage::Single,
            ..AgglomerativeParams::new(2)
        };
        let m = p.build().unwrap().fit(x.view(), 0).unwrap();
        let d = dendrogram_coords(&m);
        assert_eq!(d.leaves.len(), n);
        assert_eq!(d.icoord.len(), n - 1);
        let mut leaves = d.leaves.clone();
        leaves.sort_unstable();
        assert!(leaves.iter().enumerate().all(|(i, &l)| i == l));
    }
}
