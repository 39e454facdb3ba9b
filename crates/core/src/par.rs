//! The parallel convention: fixed chunks, ordered reductions.
//!
//! Hot loops split the samples into chunks of [`chunk_rows`] rows, process the chunks in
//! parallel with rayon, and keep one partial result per chunk *in chunk order* (rayon's indexed
//! `collect` preserves order). Partials are then combined sequentially, first to last. Because a
//! chunk's size depends only on the data's shape, never on the thread count, the combination
//! order, and so every bit of the result, is the same on 1 thread and on many.
//!
//! ```
//! use clusterlab_core::par::{chunk_rows, ordered_sum};
//! use rayon::prelude::*;
//!
//! let x: Vec<f64> = (0..10_000).map(|i| (i as f64).sqrt()).collect();
//! let rows = chunk_rows(1);
//! let partials: Vec<f64> = x.par_chunks(rows).map(|c| c.iter().sum()).collect();
//! let total = ordered_sum(&partials);
//! assert!(total > 0.0);
//! ```

/// Target bytes of sample data in one chunk: small enough to stay in L2 with its buffers.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Rows per chunk for samples of `n_features` f64 values: about [`CHUNK_BYTES`] of data, at
/// least 16 and at most 4096 rows. Depends on the shape only.
///
/// ```
/// use clusterlab_core::par::chunk_rows;
/// assert_eq!(chunk_rows(2), 4096);
/// assert_eq!(chunk_rows(64), 128);
/// ```
pub fn chunk_rows(n_features: usize) -> usize {
    (CHUNK_BYTES / (8 * n_features.max(1))).clamp(16, 4096)
}

/// Sums partial results first to last.
pub fn ordered_sum(partials: &[f64]) -> f64 {
    partials.iter().fold(0.0, |a, b| a + b)
}
