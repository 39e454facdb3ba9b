//! The vocabulary every clusterlab crate speaks.
//!
//! This crate is deliberately small. It holds:
//!
//! - [`Dataset`]: an `n x d` matrix of samples with optional ground-truth labels;
//! - [`Error`]: the one error type of data and algorithms, carrying *where* things went wrong
//!   (row and column of a NaN, the parameter and its value, the component index);
//! - [`validate`]: the checks every fit runs before any work (finite, non-empty, `k <= n`);
//! - [`distance`]: the single home of the squared-Euclidean kernels that K-means, mixtures and
//!   metrics all use, so that there is exactly one distance loop to optimise and test;
//! - [`seed`]: how a user's `u64` seed becomes a ChaCha stream, and how per-restart seeds are
//!   derived from it (never from a thread or a grid position);
//! - [`layout`]: the one way to see an array as a flat slice, failing loudly when it is not one;
//! - [`par`]: the chunking convention that makes parallel reductions give the same bits on any
//!   number of threads;
//! - [`Clusterer`] and [`Model`]: the object-safe traits the runner holds as `dyn`, so that it
//!   can run any algorithm without knowing it.
//!
//! Core does no I/O and knows nothing of TOML, CSV or plots.
//!
//! # Examples
//!
//! ```
//! use clusterlab_core::{Dataset, ndarray::array};
//!
//! let data = Dataset::new("two points", array![[0.0, 1.0], [2.0, 3.0]])?;
//! assert_eq!(data.n_samples(), 2);
//! assert_eq!(data.n_features(), 2);
//! # Ok::<(), clusterlab_core::Error>(())
//! ```
#![deny(missing_docs)]

pub mod dataset;
pub mod distance;
pub mod error;
pub mod layout;
pub mod par;
pub mod seed;
pub mod traits;
pub mod validate;

pub use dataset::Dataset;
pub use error::{Error, Result};
pub use traits::{Clusterer, FitSummary, Model, Trace};

/// Re-exported so that users of the traits need not pin the same `ndarray` themselves.
pub use ndarray;
