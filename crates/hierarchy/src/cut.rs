//! Cutting a tree into K clusters, numbered as scikit-learn's `_hc_cut` numbers them.
//!
//! `_hc_cut` keeps the current clusters' top nodes in a Python `heapq` of negated node ids:
//! K - 1 times it replaces the largest node by its two children (`heappush` of the first child,
//! then `heappushpop` of the second, which pops the largest node), and cluster `i` is the node
//! at position `i` of the heap's list. The numbering is thus the heap's layout, which depends on
//! the exact sift operations: they are replicated here as CPython's `heapq` runs them.

/// CPython's `heapq._siftdown`: moves the item at `pos` up towards `start`.
fn sift_down(heap: &mut [i64], start: usize, mut pos: usize) {
    let item = heap[pos];
    while pos > start {
        let parent = (pos - 1) >> 1;
        if item < heap[parent] {
            heap[pos] = heap[parent];
            pos = parent;
        } else {
            break;
        }
    }
    heap[pos] = item;
}

/// CPython's `heapq._siftup`: moves the smaller child up until a leaf, then sifts the item down.
fn sift_up(heap: &mut [i64], mut pos: usize) {
    let end = heap.len();
    let start = pos;
    let item = heap[pos];
    let mut child = 2 * pos + 1;
    while child < end {
        let right = child + 1;
        if right < end && heap[child] >= heap[right] {
            child = right;
        }
        heap[pos] = heap[child];
        pos = child;
        child = 2 * pos + 1;
    }
    heap[pos] = item;
    sift_down(heap, start, pos);
}

fn heap_push(heap: &mut Vec<i64>, item: i64) {
    heap.push(item);
    let last = heap.len() - 1;
    sift_down(heap, 0, last);
}

fn heap_push_pop(heap: &mut [i64], item: i64) -> i64 {
    if !heap.is_empty() && heap[0] < item {
        let top = std::mem::replace(&mut heap[0], item);
        sift_up(heap, 0);
        top
    } else {
        item
    }
}

/// The labels of the `k` clusters of the tree `children` over `n_leaves` samples, as
/// scikit-learn's `_hc_cut(k, children, n_leaves)` gives them. `1 <= k <= n_leaves` and
/// `children.len() == n_leaves - 1` are the caller's to check.
pub(crate) fn hc_cut(k: usize, children: &[[usize; 2]], n_leaves: usize) -> Vec<usize> {
    let mut labels = vec![0; n_leaves];
    let Some(last) = children.last() else {
        return labels;
    };
    let root = last[0].max(last[1]) + 1;
    let mut heap: Vec<i64> = vec![-(root as i64)];
    for _ in 1..k {
        let top = (-heap[0]) as usize;
        let [a, b] = children[top - n_leaves];
        heap_push(&mut heap, -(a as i64));
        heap_push_pop(&mut heap, -(b as i64));
    }
    let mut stack = Vec::new();
    for (label, &node) in heap.iter().enumerate() {
        stack.push((-node) as usize);
        while let Some(v) = stack.pop() {
            if v < n_leaves {
                labels[v] = label;
            } else {
                stack.extend(children[v - n_leaves]);
            }
        }
    }
    labels
}

/// The number of distinct rows of `x` (row-major `n x d`; `-0.0` equals `0.0`).
pub(crate) fn distinct_rows(x: &[f64], d: usize) -> usize {
    let mut rows: Vec<&[f64]> = x.chunks_exact(d.max(1)).collect();
    let cmp = |a: &&[f64], b: &&[f64]| {
        a.iter()
            .zip(b.iter())
            .map(|(p, q)| p.partial_cmp(q).unwrap_or(std::cmp::Ordering::Equal))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    rows.sort_unstable_by(cmp);
    rows.dedup_by(|a, b| cmp(&&**a, &&**b).is_eq());
    rows.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heap of `_hc_cut` on scikit-learn's `ward_tree` docstring tree, written out by
    /// running `heapq` in CPython.
    #[test]
    fn heap_layout_is_cpythons() {
        let children = [[0, 1], [3, 5], [2, 6], [4, 7], [8, 9]];
        assert_eq!(hc_cut(1, &children, 6), [0, 0, 0, 0, 0, 0]);
        // heap [-10] -> push -8 -> [-10, -8] -> pushpop -9 -> [-9, -8]
        assert_eq!(hc_cut(2, &children, 6), [1, 1, 1, 0, 0, 0]);
        // [-9, -8] -> push -4 -> [-9, -8, -4] -> pushpop -7 -> [-8, -7, -4]
        assert_eq!(hc_cut(3, &children, 6), [0, 0, 0, 1, 2, 1]);
        assert_eq!(hc_cut(4, &children, 6), [1, 1, 3, 0, 2, 0]);
        assert_eq!(hc_cut(5, &children, 6), [0, 0, 3, 4, 2, 1]);
        assert_eq!(hc_cut(6, &children, 6), [5, 4, 3, 1, 2, 0]);
    }

    #[test]
    fn heap_operations_match_heapq() {
        // heapq.heappush on [] of 5, 3, 8, 1, 9, 2 gives [1, 3, 2, 5, 9, 8].
        let mut h = Vec::new();
        for v in [5, 3, 8, 1, 9, 2] {
            heap_push(&mut h, v);
        }
        assert_eq!(h, [1, 3, 2, 5, 9, 8]);
        // heappushpop(h, 4) returns 1 and leaves [2, 3, 4, 5, 9, 8].
        assert_eq!(heap_push_pop(&mut h, 4), 1);
        assert_eq!(h, [2, 3, 4, 5, 9, 8]);
        assert_eq!(heap_push_pop(&mut h, 0), 0);
    }

    #[test]
    fn distinct_rows_counts_equal_rows_once() {
        let x = [0.0, 1.0, 0.0, 1.0, -0.0, 1.0, 2.0, 2.0];
        assert_eq!(distinct_rows(&x, 2), 2);
        assert_eq!(distinct_rows(&[3.0], 1), 1);
    }
}
