//! What a run writes: the journal of finished cells, the tables, the models, the run's inputs
//! and `meta.json`.
//!
//! - [`journal`]: `cells.jsonl` (or a shard's `shards/I-of-N.jsonl`), one line per finished
//!   cell, appended as it finishes, so an interrupted run loses nothing it finished, and read
//!   back together by every run and by `merge`;
//! - [`tables`]: `runs.csv`, `summary.csv` and `best_k.csv`, made from the journal in grid
//!   order and written through the [schema](crate::schema);
//! - [`files`]: the grid as run, the data, the model files and `meta.json`.
//!
//! Every file is written through a temporary file and a rename ([`write_atomic`]), so a reader
//! never sees half a file, and the tables are the same bytes whatever the thread count (but for
//! `fit_seconds`).

pub mod files;
pub mod journal;
pub mod tables;

pub use files::{hold_writes, model_json, write_atomic, write_inputs, write_meta};
pub use journal::{CellRecord, Journal};
pub use tables::{BestK, best_k, mean_std, write_tables};
