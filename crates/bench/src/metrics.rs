//! `clusterlab bench metrics`: the exact silhouette on 20,000 x 8 blobs, clusterlab against
//! scikit-learn's `silhouette_score` on the same `.npy` data and labels, in the same run.
//!
//! The silhouette is the one `O(n^2)` metric, and the one whose cost matters when a grid
//! evaluates every cell; the others are `O(n d)`. Both sides compute the exact value (no
//! sampling), and the values are printed side by side as a check that the same thing was timed.
//!
//! With `--after-fit`, the bound of issue 16 instead: on 200,000 x 2 blobs, the metrics a grid
//! computes by default after a K-means fit (K = 4) must take no longer than the fit. It times
//! the fit, then `evaluate_metrics` with the runner's options and default metrics, and each
//! metric (or group of metrics sharing one pass) alone, at each thread count, and checks that
//! every thread count gives the same bits.

use std::{ffi::OsString, path::PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_data::{BlobsParams, Centers, NSamples, make_blobs};
use clusterlab_kmeans::KMeansParams;
use clusterlab_metrics::{
    EvaluateOptions, Metric, MetricsReport, evaluate_metrics, silhouette_score,
};
use ndarray::Array2;

use crate::{CommonArgs, run_python, time_min, with_threads, write_npy};

/// Arguments of `clusterlab bench metrics`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Number of samples (default 20,000, or 200,000 with --after-fit; a fifth with --quick).
    #[arg(long)]
    n_samples: Option<usize>,
    /// Number of features (default 8, or 2 with --after-fit).
    #[arg(long)]
    n_features: Option<usize>,
    /// Time the default metrics after a K-means fit (K = 4) against the fit itself, metric by
    /// metric, instead of the silhouette against scikit-learn.
    #[arg(long)]
    after_fit: bool,
    /// With --after-fit: the silhouette's (and Dunn's) sample size instead of the runner's
    /// default (10,000 above 10,000 samples), to see what another default would cost.
    #[arg(long, requires = "after_fit")]
    silhouette_sample: Option<usize>,
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
    if args.after_fit {
        return after_fit(&args);
    }
    let n = args
        .n_samples
        .unwrap_or(if args.common.quick { 4_000 } else { 20_000 });
    let d = args.n_features.unwrap_or(8);
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

/// What `--after-fit` times besides the whole default set: each metric alone, or the group
/// that shares one pass; the last two are not among the defaults.
const AFTER_FIT_PARTS: [(&str, &[Metric]); 7] = [
    ("silhouette (sampled)", &[Metric::Silhouette]),
    ("calinski_harabasz", &[Metric::CalinskiHarabasz]),
    ("davies_bouldin", &[Metric::DaviesBouldin]),
    (
        "within_ss, ball_hall, ratkowsky_lance",
        &[Metric::WithinSs, Metric::BallHall, Metric::RatkowskyLance],
    ),
    ("ari, nmi", &[Metric::Ari, Metric::Nmi]),
    (
        "ami, homogeneity, completeness, v_measure *",
        &[
            Metric::Ami,
            Metric::Homogeneity,
            Metric::Completeness,
            Metric::VMeasure,
        ],
    ),
    ("dunn (sampled) *", &[Metric::Dunn]),
];

/// One thread count's figures of `--after-fit`.
struct AfterFit {
    threads: usize,
    fit: f64,
    all: f64,
    parts: Vec<f64>,
    report: MetricsReport,
}

/// `--after-fit`: the fit, then the runner's default metrics, at each thread count.
fn after_fit(args: &Args) -> anyhow::Result<()> {
    let n = args
        .n_samples
        .unwrap_or(if args.common.quick { 40_000 } else { 200_000 });
    let d = args.n_features.unwrap_or(2);
    let blobs = make_blobs(&BlobsParams {
        n_samples: NSamples::Total(n),
        n_features: d,
        centers: Some(Centers::Count(4)),
        seed: 0,
        ..BlobsParams::default()
    })?;
    let (x, truth) = (blobs.x, blobs.y);
    let kmeans = KMeansParams::new(4).build()?;
    // As the runner calls it (`exec::metric_values`): the defaults for data with labels, the
    // silhouette's sample drawn from the cell's seed above 10,000 samples.
    let seed = 0;
    let defaults = Metric::defaults(true);
    let mut opts = EvaluateOptions::default_for(n, seed);
    if let Some(size) = args.silhouette_sample {
        opts.silhouette_sample_size = Some(size);
    }
    println!(
        "metrics after a fit: n = {n}, d = {d}, 4 blobs (make_blobs, seed 0), K-means K = 4, \
         silhouette sample {:?}, min of {} runs",
        opts.silhouette_sample_size, args.common.repeats
    );
    let mut rows = Vec::new();
    for &t in &args.common.threads {
        let row = with_threads(t, || -> anyhow::Result<AfterFit> {
            let mut model = None;
            let fit = time_min(args.common.repeats, || {
                model = Some(kmeans.fit(x.view(), seed)?);
                Ok(())
            })?;
            let model = model.ok_or_else(|| anyhow::anyhow!("no fit was timed"))?;
            let labels = model.labels();
            let mut report = MetricsReport::default();
            let all = time_min(args.common.repeats, || {
                report = evaluate_metrics(x.view(), labels, Some(&truth), &opts, &defaults)?;
                Ok(())
            })?;
            let parts = AFTER_FIT_PARTS
                .iter()
                .map(|(_, which)| {
                    time_min(args.common.repeats, || {
                        evaluate_metrics(x.view(), labels, Some(&truth), &opts, which)?;
                        Ok(())
                    })
                })
                .collect::<anyhow::Result<Vec<f64>>>()?;
            Ok(AfterFit {
                threads: t,
                fit,
                all,
                parts,
                report,
            })
        })??;
        rows.push(row);
    }
    let ms = |s: f64| format!("{:.1}", s * 1e3);
    print!("{:<44}", "ms");
    for r in &rows {
        print!(" {:>10}", format!("{} thr", r.threads));
    }
    println!();
    let line = |name: &str, f: &dyn Fn(&AfterFit) -> String| {
        print!("{name:<44}");
        for r in &rows {
            print!(" {:>10}", f(r));
        }
        println!();
    };
    line("K-means fit", &|r| ms(r.fit));
    line("metrics, the defaults together", &|r| ms(r.all));
    for (i, (name, _)) in AFTER_FIT_PARTS.iter().enumerate() {
        line(&format!("  {name}"), &|r| ms(r.parts[i]));
    }
    line("metrics / fit", &|r| format!("{:.2}", r.all / r.fit));
    println!("(* not among the defaults)");
    if let Some(first) = rows.first() {
        let json = serde_json::to_string(&first.report)?;
        println!("values: {json}");
        let same = rows.iter().all(|r| {
            Metric::ALL.iter().all(|m| {
                m.value(&r.report).map(f64::to_bits) == m.value(&first.report).map(f64::to_bits)
            })
        });
        println!(
            "same bits at every thread count: {}",
            if same { "yes" } else { "NO" }
        );
    }
    Ok(())
}
