//! `clusterlab bench metrics`: the exact silhouette on 20,000 x 8 blobs, clusterlab against
//! scikit-learn's `silhouette_score` on the same `.npy` data and labels, in the same run.
//!
//! The silhouette is the one `O(n^2)` metric, and the one whose cost matters when a grid
//! evaluates every cell; the others are `O(n d)`. Both sides compute the exact value (no
//! sampling), and the values are printed side by side as a check that the same thing was timed.

use std::{ffi::OsString, path::PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_data::{BlobsParams, Centers, NSamples, make_blobs};
use clusterlab_metrics::silhouette_score;
use ndarray::Array2;

use crate::{CommonArgs, run_python, time_min, with_threads, write_npy};

/// Arguments of `clusterlab bench metrics`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Number of samples (default 20,000; 4,000 with --quick).
    #[arg(long)]
    n_samples: Option<usize>,
    /// Number of features.
    #[arg(long, default_value_t = 8)]
    n_features: usize,
}

/// A scratch folder for the `.npy` files, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("clusterlab-bench-metrics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let n = args
        .n_samples
        .unwrap_or(if args.common.quick { 4_000 } else { 20_000 });
    let d = args.n_features;
    let blobs = make_blobs(&BlobsParams {
        n_samples: NSamples::Total(n),
        n_features: d,
        centers: Some(Centers::Count(4)),
        seed: 0,
        ..BlobsParams::default()
    })?;
    let (x, labels) = (blobs.x, blobs.y);
    println!("silhouette, exact: n = {n}, d = {d}, 4 blobs (make_blobs, seed 0)");

    let scratch = Scratch::new()?;
    write_npy(&scratch.0.join("x.npy"), x.view())?;
    let label_col = Array2::from_shape_vec((n, 1), labels.iter().map(|&l| l as f64).collect())?;
    write_npy(&scratch.0.join("labels.npy"), label_col.view())?;

    let mut ours = Vec::new();
    let mut value = f64::NAN;
    for &t in &args.common.threads {
        let secs = with_threads(t, || {
            time_min(args.common.repeats, || {
                value = silhouette_score(x.view(), &labels, None)?;
                Ok(())
            })
        })??;
        ours.push((t, secs));
    }

    let sk = match args.common.python() {
        Some(py) => {
            let threads = args
                .common
                .threads
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let py_args: Vec<OsString> = vec![
                scratch.0.clone().into_os_string(),
                "--threads".into(),
                threads.into(),
                "--repeats".into(),
                args.common.repeats.to_string().into(),
            ];
            Some(run_python(&py, "sklearn_metrics.py", &py_args)?)
        }
        None => None,
    };

    println!("clusterlab silhouette = {value:.15}");
    if let Some(sk) = &sk {
        let v = sk["silhouette"].as_f64().unwrap_or(f64::NAN);
        println!(
            "sklearn    silhouette = {v:.15}  (scikit-learn {}, |diff| = {:.1e})",
            sk["sklearn"].as_str().unwrap_or("?"),
            (v - value).abs()
        );
    }
    println!();
    println!(
        "{:>8} {:>14} {:>14} {:>10}",
        "threads", "clusterlab s", "sklearn s", "speedup"
    );
    for (t, secs) in ours {
        let sk_secs = sk
            .as_ref()
            .and_then(|s| s["seconds"][t.to_string()].as_f64());
        match sk_secs {
            Some(s) => println!("{t:>8} {secs:>14.3} {s:>14.3} {:>9.2}x", s / secs),
            None => println!("{t:>8} {secs:>14.3} {:>14} {:>10}", "-", "-"),
        }
    }
    Ok(())
}
