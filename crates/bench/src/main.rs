//! `clusterlab-bench` (`cargo xtask bench`): clusterlab timed against scikit-learn in the same
//! run. A crate of its own, never published, so that the user's `clusterlab` binary carries no
//! Python launcher, `.npy` writer or memory probe.
//!
//! Each benchmark generates its data in Rust, writes it (and any fixed initial state) as `.npy`
//! files into a temporary folder, times clusterlab at each requested thread count, then runs a
//! Python script from `bench/` on the very same files and prints the ratio. Machines here are
//! shared and noisy, so ratios measured in one run are what we report, not absolute seconds.
//! Python is optional: without scikit-learn the tables show clusterlab alone.

use std::{
    ffi::OsString,
    fs::File,
    io::{BufWriter, Write},
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use ndarray::ArrayView2;

mod data;
mod gmm;
mod kmeans;
mod metrics;
mod runner;

/// Time clusterlab against scikit-learn (when available) on fixed benchmarks.
#[derive(Debug, Parser)]
#[command(name = "clusterlab-bench", version, about, long_about = None)]
struct Cli {
    /// Which benchmark.
    #[command(subcommand)]
    command: BenchCommand,
}

fn main() -> ExitCode {
    match Cli::parse().command.execute() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Which benchmark to run.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// K-means seconds per iteration (Lloyd and Elkan) against scikit-learn's `KMeans`.
    Kmeans(kmeans::Args),
    /// EM seconds per iteration for each covariance type against scikit-learn.
    Gmm(gmm::Args),
    /// `make_blobs` of 1,000,000 x 8 against scikit-learn's.
    Data(data::Args),
    /// Silhouette on 20,000 x 8 against scikit-learn's `silhouette_score`.
    Metrics(metrics::Args),
    /// The runner's own overhead: k_sweep wall time, and time per cell outside the algorithms.
    Runner(runner::Args),
}

impl BenchCommand {
    /// Runs the benchmark and prints its table.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {
            BenchCommand::Kmeans(a) => kmeans::run(a),
            BenchCommand::Gmm(a) => gmm::run(a),
            BenchCommand::Data(a) => data::run(a),
            BenchCommand::Metrics(a) => metrics::run(a),
            BenchCommand::Runner(a) => runner::run(a),
        }?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Flags every benchmark takes.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Thread counts to time, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Python interpreter with scikit-learn (default: $CLUSTERLAB_PYTHON, then .venv/bin/python,
    /// then python3). `cargo xtask python` creates .venv with the pinned version.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Time clusterlab only.
    #[arg(long)]
    pub no_sklearn: bool,
    /// Smaller sizes, for a smoke test of the benchmark itself.
    #[arg(long)]
    pub quick: bool,
    /// Timed repetitions per measurement; the minimum is reported.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
}

impl CommonArgs {
    /// The Python to use, if scikit-learn is wanted and importable there.
    pub fn python(&self) -> Option<PathBuf> {
        if self.no_sklearn {
            return None;
        }
        let mut candidates: Vec<PathBuf> = Vec::new();
        candidates.extend(self.python.clone());
        candidates.extend(std::env::var_os("CLUSTERLAB_PYTHON").map(PathBuf::from));
        candidates.push(repo_root().join(".venv/bin/python"));
        candidates.push(PathBuf::from("python3"));
        let found = candidates.into_iter().find(|py| {
            Command::new(py)
                .args(["-c", "import sklearn, threadpoolctl"])
                .output()
                .is_ok_and(|o| o.status.success())
        });
        if found.is_none() {
            eprintln!(
                "note: no Python with scikit-learn and threadpoolctl found; timing clusterlab \
                 only (`cargo xtask python` sets one up)"
            );
        }
        found
    }
}

/// The repository root: `$CLUSTERLAB_ROOT` (set by xtask), else where this crate was built.
pub fn repo_root() -> PathBuf {
    std::env::var_os("CLUSTERLAB_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Runs `bench/<script>` with `args`; the script prints one JSON object as its last line.
pub fn run_python(
    python: &Path,
    script: &str,
    args: &[OsString],
) -> anyhow::Result<serde_json::Value> {
    let path = repo_root().join("bench").join(script);
    let out = Command::new(python)
        .arg(&path)
        .args(args)
        .output()
        .with_context(|| format!("starting {}", python.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .with_context(|| format!("reading the output of {}: {last:?}", path.display()))
}

/// Writes a matrix as a NumPy `.npy` file (little-endian f64, C order).
pub fn write_npy(path: &Path, m: ArrayView2<'_, f64>) -> anyhow::Result<()> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
        m.nrows(),
        m.ncols()
    );
    // Magic (6) + version (2) + header length (2) + header + newline, padded to 64 bytes.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut w =
        BufWriter::new(File::create(path).with_context(|| format!("creating {}", path.display()))?);
    w.write_all(b"\x93NUMPY\x01\x00")?;
    w.write_all(&u16::try_from(header.len())?.to_le_bytes())?;
    w.write_all(header.as_bytes())?;
    for v in m.iter() {
        w.write_all(&v.to_le_bytes())?;
    }
    w.flush()?;
    Ok(())
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> anyhow::Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    Ok(pool.install(f))
}

/// Minimum wall time of `repeats` runs of `f`, in seconds.
pub fn time_min(repeats: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..repeats.max(1) {
        let t = std::time::Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}
