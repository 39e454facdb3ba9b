//! `clusterlab bench kmeans`. (Owned by the kmeans issue.)
//!
//! Seconds per iteration from fixed initial centers (k samples picked by a seeded draw),
//! `max_iter` 50 and `tol` 0, for Lloyd and Elkan at each thread count, against scikit-learn's
//! `KMeans` on the very same `.npy` data and centers in the same run. Then the peak memory of
//! the largest fit, measured in a child process (`--memory-probe`) so that nothing else this
//! process allocated counts.

use std::{ffi::OsString, process::Command};

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_core::seed;
use clusterlab_data::{BlobsParams, Centers, NSamples, RngKind, make_blobs};
use clusterlab_kmeans::{Algorithm, Init, KMeansParams, NInit};
use ndarray::Array2;

use crate::{CommonArgs, run_python, time_min, with_threads, write_npy};

/// Iterations per timed fit (with `tol` 0 a fit stops earlier only if its labels settle).
const MAX_ITER: usize = 50;

/// Arguments of `clusterlab bench kmeans`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Internal: fit the largest size with this algorithm and print the peak memory as JSON.
    #[arg(long, hide = true, value_name = "lloyd|elkan")]
    memory_probe: Option<String>,
}

/// `(n, d, k)` of the benchmark.
fn sizes(quick: bool) -> Vec<(usize, usize, usize)> {
    if quick {
        vec![(20_000, 16, 16), (100_000, 8, 8), (20_000, 64, 64)]
    } else {
        vec![(100_000, 16, 16), (1_000_000, 8, 8), (200_000, 64, 64)]
    }
}

/// The size whose peak memory is reported.
fn memory_size(quick: bool) -> (usize, usize, usize) {
    if quick {
        (100_000, 8, 8)
    } else {
        (1_000_000, 8, 8)
    }
}

/// `make_blobs(n, d, centers=k)` with a fixed seed per size.
fn data(n: usize, d: usize, k: usize) -> anyhow::Result<Array2<f64>> {
    let params = BlobsParams {
        n_samples: NSamples::Total(n),
        n_features: d,
        centers: Some(Centers::Count(k)),
        seed: 1000 + d as u64,
        rng: RngKind::Chacha,
        ..Default::default()
    };
    Ok(make_blobs(&params)?.x)
}

/// `k` distinct samples picked by a seeded draw.
fn initial_centers(x: &Array2<f64>, k: usize) -> Array2<f64> {
    let n = x.nrows();
    let mut picked: Vec<usize> = Vec::with_capacity(k);
    let mut i = 0u64;
    while picked.len() < k.min(n) {
        let idx = (seed::derive(42, i) % n as u64) as usize;
        if !picked.contains(&idx) {
            picked.push(idx);
        }
        i += 1;
    }
    x.select(ndarray::Axis(0), &picked)
}

fn algorithm_from(name: &str) -> anyhow::Result<Algorithm> {
    match name {
        "lloyd" => Ok(Algorithm::Lloyd),
        "elkan" => Ok(Algorithm::Elkan),
        other => anyhow::bail!("unknown algorithm {other:?}: expected lloyd or elkan"),
    }
}

fn params(centers: &Array2<f64>, algorithm: Algorithm) -> KMeansParams {
    KMeansParams {
        init: Init::Centers(centers.clone()),
        n_init: NInit::Count(1),
        max_iter: MAX_ITER,
        tol: 0.0,
        algorithm,
        ..KMeansParams::new(centers.nrows())
    }
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`).
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The child side of the memory measurement: generate, reset the peak, fit, report.
fn memory_probe(algorithm: &str, quick: bool) -> anyhow::Result<()> {
    let algorithm = algorithm_from(algorithm)?;
    let (n, d, k) = memory_size(quick);
    let x = data(n, d, k)?;
    let centers = initial_centers(&x, k);
    let km = params(&centers, algorithm).build()?;
    // Writing 5 to clear_refs resets VmHWM to the current RSS, so the peak measured below is
    // the data plus what the fit adds, not the generator's temporaries.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = proc_status_bytes("VmRSS");
    let model = km.fit(x.view(), 0)?;
    let peak = proc_status_bytes("VmHWM");
    let out = serde_json::json!({
        "n": n, "d": d, "k": k,
        "data_bytes": n * d * 8,
        "rss_before_fit": before,
        "peak": peak,
        "peak_reset": reset,
        "n_iter": model.n_iter(),
    });
    println!("{out}");
    Ok(())
}

struct Row {
    size: String,
    algorithm: Algorithm,
    threads: usize,
    ours: f64,
    ours_iter: usize,
    sklearn: Option<(f64, usize)>,
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(algorithm) = &args.memory_probe {
        return memory_probe(algorithm, args.common.quick);
    }
    let python = args.common.python();
    let dir = std::env::temp_dir().join(format!("clusterlab-bench-kmeans-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_in(&args, python.as_deref(), &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_in(
    args: &Args,
    python: Option<&std::path::Path>,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for (n, d, k) in sizes(args.common.quick) {
        let x = data(n, d, k)?;
        let centers = initial_centers(&x, k);
        let x_path = dir.join(format!("x_{n}_{d}.npy"));
        let c_path = dir.join(format!("c_{n}_{d}_{k}.npy"));
        if python.is_some() {
            write_npy(&x_path, x.view())?;
            write_npy(&c_path, centers.view())?;
        }
        for algorithm in [Algorithm::Lloyd, Algorithm::Elkan] {
            let km = params(&centers, algorithm).build()?;
            for &threads in &args.common.threads {
                let mut n_iter = 0;
                let secs = with_threads(threads, || {
                    time_min(args.common.repeats, || {
                        n_iter = km.fit(x.view(), 0)?.n_iter();
                        Ok(())
                    })
                })??;
                let sklearn = match python {
                    Some(py) => {
                        let a: Vec<OsString> = vec![
                            x_path.clone().into(),
                            c_path.clone().into(),
                            algorithm.to_string().into(),
                            threads.to_string().into(),
                            args.common.repeats.to_string().into(),
                            MAX_ITER.to_string().into(),
                        ];
                        let v = run_python(py, "sklearn_kmeans.py", &a)?;
                        let s = v["seconds"].as_f64().context("sklearn: no seconds")?;
                        let it = v["n_iter"].as_u64().context("sklearn: no n_iter")? as usize;
                        Some((s / it.max(1) as f64, it))
                    }
                    None => None,
                };
                let row = Row {
                    size: format!("n={n} d={d} k={k}"),
                    algorithm,
                    threads,
                    ours: secs / n_iter.max(1) as f64,
                    ours_iter: n_iter,
                    sklearn,
                };
                print_row(&row, rows.is_empty());
                rows.push(row);
            }
        }
    }
    memory(args)?;
    Ok(())
}

fn print_row(r: &Row, header: bool) {
    if header {
        println!(
            "{:<24} {:<6} {:>7} {:>13} {:>13} {:>8} {:>9}",
            "size", "algo", "threads", "ours s/iter", "sklearn s/iter", "speedup", "n_iter"
        );
    }
    let (sk, ratio, iters) = match r.sklearn {
        Some((s, it)) => (
            format!("{s:.3e}"),
            format!("{:.2}x", s / r.ours),
            format!("{}/{}", r.ours_iter, it),
        ),
        None => ("-".into(), "-".into(), r.ours_iter.to_string()),
    };
    println!(
        "{:<24} {:<6} {:>7} {:>13} {:>13} {:>8} {:>9}",
        r.size,
        r.algorithm.to_string(),
        r.threads,
        format!("{:.3e}", r.ours),
        sk,
        ratio,
        iters
    );
}

/// Peak memory of the largest fit, for each algorithm, in a fresh child process.
fn memory(args: &Args) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("finding the clusterlab executable")?;
    println!();
    for algorithm in ["lloyd", "elkan"] {
        let mut cmd = Command::new(&exe);
        cmd.args(["bench", "kmeans", "--memory-probe", algorithm]);
        if args.common.quick {
            cmd.arg("--quick");
        }
        let out = cmd.output().context("running the memory probe")?;
        if !out.status.success() {
            anyhow::bail!(
                "memory probe failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
            .context("reading the memory probe's output")?;
        let mib = |f: &str| v[f].as_f64().map_or(f64::NAN, |b| b / (1024.0 * 1024.0));
        println!(
            "peak memory, {algorithm} n={} d={} k={}: {:.1} MiB (data {:.1} MiB, {:.2}x; RSS before fit {:.1} MiB{})",
            v["n"],
            v["d"],
            v["k"],
            mib("peak"),
            mib("data_bytes"),
            mib("peak") / mib("data_bytes"),
            mib("rss_before_fit"),
            if v["peak_reset"].as_bool() == Some(true) {
                ""
            } else {
                "; peak not reset: includes generation"
            },
        );
    }
    Ok(())
}
