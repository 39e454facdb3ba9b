//! Shards: a grid cut into `N` parts that separate processes (the tasks of a Slurm job array,
//! or any launcher that hands each task an index) run independently.
//!
//! The partition depends only on the plan: every cell's estimated work (its algorithm's
//! [`work_estimate`](clusterlab_core::Clusterer::work_estimate) on its dataset's size, times
//! the fits the gap statistic adds, plus the metrics), and the cells' ids. Never on the machine,
//! the thread count or the order cells finish in. Cells are dealt out largest first, each to
//! the shard with the least work so far (the "longest processing time" rule, within 4/3 of
//! the best possible balance), ties going to the lowest shard index and equal cells taken in
//! the order of their ids. A cell's id does not depend on the other cells, so adding a seed or
//! a K to a grid leaves every other cell's id, and result, unchanged; it may move cells
//! between shards, which costs nothing, since every shard skips the cells that any journal
//! of the folder already holds.
//!
//! ```
//! use clusterlab_experiment::shard::Shard;
//!
//! let shard: Shard = "3/8".parse()?;
//! assert_eq!((shard.index(), shard.count()), (3, 8));
//! assert_eq!(shard.journal_name(), "3-of-8.jsonl");
//! assert!("8/8".parse::<Shard>().is_err());
//! # Ok::<(), clusterlab_experiment::shard::ShardError>(())
//! ```

use std::{fmt, str::FromStr};

use thiserror::Error;

use crate::grid::{Cell, Plan};

/// Points above which the silhouette is computed on a sample of this size (as the metrics
/// crate does): its cost is quadratic in at most this many points.
const SILHOUETTE_SAMPLE: f64 = 10_000.0;

/// One part of a grid cut into `count` parts: `index` is 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// A shard that cannot be: `N = 0`, an index out of range, or text that is not `I/N`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShardError {
    /// `N` is zero.
    #[error("a grid is cut into at least 1 shard; `{0}` asks for 0")]
    NoShards(String),
    /// `I` is not below `N`.
    #[error(
        "shard index {index} is out of range: indices are 0-based, so the shards of {count} are \
         0/{count} to {last}/{count}",
        last = count - 1
    )]
    OutOfRange {
        /// The index asked for.
        index: usize,
        /// The number of shards.
        count: usize,
    },
    /// Not of the form `I/N`.
    #[error(
        "`{0}` is not a shard: expected I/N with 0 <= I < N (for instance 0/4, or \
         $SLURM_ARRAY_TASK_ID/4 in a job array)"
    )]
    Syntax(String),
}

impl Shard {
    /// Shard `index` of `count`.
    pub fn new(index: usize, count: usize) -> Result<Shard, ShardError> {
        if count == 0 {
            return Err(ShardError::NoShards(format!("{index}/{count}")));
        }
        if index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// The 0-based index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The number of shards.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The shard's journal, in the results folder's `shards/`: `I-of-N.jsonl`.
    pub fn journal_name(&self) -> String {
        format!("{}-of-{}.jsonl", self.index, self.count)
    }

    /// Reads a journal's file name back (`3-of-8.jsonl`); `None` for any other name.
    pub fn from_journal_name(name: &str) -> Option<Shard> {
        let stem = name.strip_suffix(".jsonl")?;
        let (i, n) = stem.split_once("-of-")?;
        Shard::new(i.parse().ok()?, n.parse().ok()?).ok()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax(s.to_owned());
        let (i, n) = s.trim().split_once('/').ok_or_else(syntax)?;
        let parse = |t: &str| t.trim().parse::<usize>().map_err(|_| syntax());
        Shard::new(parse(i)?, parse(n)?)
    }
}

/// The estimated work of one cell: its fit (and the gap statistic's reference fits, on data
/// of the same size) and its metrics. Only ratios between cells matter.
pub fn cell_work(plan: &Plan, cell: &Cell) -> f64 {
    let data = &plan.datasets[cell.data].data;
    let (n, d) = (data.n_samples(), data.n_features());
    let fits = 1.0 + plan.gap_refs.unwrap_or(0) as f64;
    let k = cell.k.unwrap_or(1) as f64;
    let metrics: f64 = plan
        .metrics
        .iter()
        .map(|m| {
            if m.name() == "silhouette" {
                let m = (n as f64).min(SILHOUETTE_SAMPLE);
                m * m * d as f64
            } else {
                n as f64 * d as f64 * k
            }
        })
        .sum();
    cell.clusterer.work_estimate(n, d) * fits + metrics
}

/// A plan cut into shards: which shard runs each cell, and each cell's estimated work.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    count: usize,
    /// The shard of each cell, in grid order.
    shard_of: Vec<usize>,
    /// The estimated work of each cell, in grid order.
    work: Vec<f64>,
}

impl Partition {
    /// Cuts `plan` into `count` shards (at least 1).
    pub fn new(plan: &Plan, count: usize) -> Partition {
        let count = count.max(1);
        let work: Vec<f64> = plan.cells.iter().map(|c| cell_work(plan, c)).collect();
        // Largest first; equal work in the order of the ids, which do not depend on the grid's
        // other cells or on its order.
        let mut order: Vec<usize> = (0..plan.cells.len()).collect();
        order.sort_by(|&a, &b| {
            work[b]
                .total_cmp(&work[a])
                .then(plan.cells[a].id.cmp(&plan.cells[b].id))
        });
        let mut load = vec![0.0f64; count];
        let mut shard_of = vec![0; plan.cells.len()];
        for i in order {
            let lightest = (0..count)
                .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
                .unwrap_or(0);
            shard_of[i] = lightest;
            load[lightest] += work[i];
        }
        Partition {
            count,
            shard_of,
            work,
        }
    }

    /// The number of shards.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The shard index of the cell at `index` (grid order).
    pub fn shard_of(&self, index: usize) -> usize {
        self.shard_of[index]
    }

    /// The estimated work of the cell at `index`.
    pub fn work(&self, index: usize) -> f64 {
        self.work[index]
    }

    /// The grid-order indices of the cells of shard `shard`.
    pub fn cells(&self, shard: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.shard_of.len()).filter(move |&i| self.shard_of[i] == shard)
    }

    /// Shard `shard`'s fraction of the grid's estimated work (0 for an empty grid).
    pub fn share(&self, shard: usize) -> f64 {
        let total: f64 = self.work.iter().sum();
        if total > 0.0 {
            self.cells(shard).map(|i| self.work[i]).sum::<f64>() / total
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!("0/1".parse::<Shard>().unwrap(), Shard::new(0, 1).unwrap());
        assert_eq!(" 2 / 7 ".parse::<Shard>().unwrap().to_string(), "2/7");
        let e = "4/4".parse::<Shard>().unwrap_err().to_string();
        assert!(e.contains("0/4 to 3/4"), "{e}");
        let e = "0/0".parse::<Shard>().unwrap_err().to_string();
        assert!(e.contains("at least 1"), "{e}");
        for bad in ["", "3", "a/4", "1/b", "-1/4", "1/2/3"] {
            assert!(
                matches!(bad.parse::<Shard>(), Err(ShardError::Syntax(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn journal_names_round_trip() {
        let s = Shard::new(3, 8).unwrap();
        assert_eq!(Shard::from_journal_name(&s.journal_name()), Some(s));
        for other in ["3-of-3.jsonl", "x-of-3.jsonl", "3-of-8.json", "cells.jsonl"] {
            assert_eq!(Shard::from_journal_name(other), None, "{other}");
        }
    }
}
