//! `clusterlab bench gmm`: seconds per EM iteration for each covariance type, clusterlab
//! against scikit-learn's `GaussianMixture` on the same data and the same initial state.
//!
//! Both sides start from fixed weights, means and precisions (written as `.npy` and given to
//! scikit-learn as `weights_init`, `means_init`, `precisions_init`) and run exactly `max_iter`
//! iterations (`tol = 0`); a fit's wall time divided by its iterations is what is compared, so
//! initialisation noise does not enter.

use std::ffi::OsString;

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_data::{BlobsParams, Centers, NSamples, make_blobs};
use clusterlab_gmm::{CovarianceType, GaussianMixtureParams, NestedArray};
use ndarray::{Array2, Axis};

use crate::{CommonArgs, run_python, time_min, with_threads, write_npy};

/// Arguments of `clusterlab bench gmm`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Covariance types to time, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "full,tied,diag,spherical"
    )]
    types: Vec<CovarianceType>,
    /// EM iterations per timed fit (with tol = 0, every fit runs exactly this many).
    #[arg(long, default_value_t = 20)]
    max_iter: usize,
}

/// One data shape of the benchmark.
#[derive(Debug, Clone, Copy)]
struct Size {
    n: usize,
    d: usize,
    k: usize,
}

/// The fixed initial state: weights, means and precisions for every covariance type.
struct Init {
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    precisions: Vec<(CovarianceType, NestedArray)>,
}

/// Means on `k` evenly spaced samples, equal weights, precisions from the per-feature
/// variances, scaled differently per component so that no two components start alike.
fn initial_state(x: &Array2<f64>, k: usize) -> Init {
    let (n, d) = x.dim();
    let var = x.var_axis(Axis(0), 0.0).mapv(|v| v.max(1e-12));
    let scale = |j: usize| 1.0 + 0.25 * j as f64;
    let means = (0..k).map(|j| x.row(j * n / k).to_vec()).collect();
    let full = (0..k)
        .map(|j| {
            (0..d)
                .map(|a| {
                    (0..d)
                        .map(|b| if a == b { scale(j) / var[a] } else { 0.0 })
                        .collect()
                })
                .collect()
        })
        .collect();
    let tied = (0..d)
        .map(|a| {
            (0..d)
                .map(|b| if a == b { 1.0 / var[a] } else { 0.0 })
                .collect()
        })
        .collect();
    let diag = (0..k)
        .map(|j| var.iter().map(|v| scale(j) / v).collect())
        .collect();
    let mean_var = var.mean().unwrap_or(1.0);
    let sph = (0..k).map(|j| scale(j) / mean_var).collect();
    Init {
        weights: vec![1.0 / k as f64; k],
        means,
        precisions: vec![
            (CovarianceType::Full, NestedArray::Matrices(full)),
            (CovarianceType::Tied, NestedArray::Matrix(tied)),
            (CovarianceType::Diag, NestedArray::Matrix(diag)),
            (CovarianceType::Spherical, NestedArray::Vector(sph)),
        ],
    }
}

fn flat_rows(a: &NestedArray) -> Vec<Vec<f64>> {
    match a {
        NestedArray::Vector(v) => v.iter().map(|x| vec![*x]).collect(),
        NestedArray::Matrix(m) => m.clone(),
        NestedArray::Matrices(s) => s.iter().flatten().cloned().collect(),
    }
}

fn rows_to_array(rows: &[Vec<f64>]) -> anyhow::Result<Array2<f64>> {
    let c = rows.first().map_or(0, Vec::len);
    Ok(Array2::from_shape_vec((rows.len(), c), rows.concat())?)
}

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let sizes = if args.common.quick {
        vec![
            Size {
                n: 10_000,
                d: 8,
                k: 8,
            },
            Size {
                n: 2_000,
                d: 2,
                k: 4,
            },
        ]
    } else {
        vec![
            Size {
                n: 100_000,
                d: 16,
                k: 16,
            },
            Size {
                n: 10_000,
                d: 2,
                k: 4,
            },
        ]
    };
    let python = args.common.python();
    let threads_arg = args
        .common
        .threads
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let types_arg = args
        .types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let mut table = Vec::new();
    for size in sizes {
        let blobs = make_blobs(&BlobsParams {
            n_samples: NSamples::Total(size.n),
            n_features: size.d,
            centers: Some(Centers::Count(size.k)),
            seed: 0,
            ..BlobsParams::default()
        })?;
        let x = blobs.x;
        let init = initial_state(&x, size.k);
        let dir = tempfile_dir()?;
        write_npy(&dir.join("x.npy"), x.view())?;
        let w = Array2::from_shape_vec((size.k, 1), init.weights.clone())?;
        write_npy(&dir.join("weights.npy"), w.view())?;
        write_npy(&dir.join("means.npy"), rows_to_array(&init.means)?.view())?;
        for (ct, p) in &init.precisions {
            let path = dir.join(format!("precisions_{ct}.npy"));
            write_npy(&path, rows_to_array(&flat_rows(p))?.view())?;
        }
        let sk = match &python {
            Some(py) => {
                let args: Vec<OsString> = vec![
                    dir.clone().into_os_string(),
                    "--types".into(),
                    types_arg.clone().into(),
                    "--threads".into(),
                    threads_arg.clone().into(),
                    "--max-iter".into(),
                    args.max_iter.to_string().into(),
                    "--repeats".into(),
                    args.common.repeats.to_string().into(),
                ];
                Some(run_python(py, "sklearn_gmm.py", &args)?)
            }
            None => None,
        };
        for &ct in &args.types {
            let precisions = init
                .precisions
                .iter()
                .find(|(t, _)| *t == ct)
                .map(|(_, p)| p.clone());
            let gm = GaussianMixtureParams {
                covariance_type: ct,
                tol: 0.0,
                max_iter: args.max_iter,
                weights_init: Some(init.weights.clone()),
                means_init: Some(init.means.clone()),
                precisions_init: precisions,
                ..GaussianMixtureParams::new(size.k)
            }
            .build()?;
            for &t in &args.common.threads {
                let mut iters = 1;
                let secs = with_threads(t, || {
                    time_min(args.common.repeats, || {
                        iters = gm.fit(x.view(), 0)?.n_iter().max(1);
                        Ok(())
                    })
                })??;
                let ours = secs / iters as f64;
                let theirs = sk
                    .as_ref()
                    .and_then(|v| v[ct.as_str()][t.to_string()].as_f64());
                table.push((size, ct, t, ours, theirs));
                eprintln!("{size:?} {ct} threads={t}: {ours:.6} s/iter");
            }
        }
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    println!(
        "\n{:>16} {:>10} {:>7} {:>16} {:>16} {:>8}",
        "n x d, k", "type", "threads", "clusterlab s/it", "sklearn s/it", "ratio"
    );
    for (s, ct, t, ours, theirs) in table {
        let shape = format!("{}x{}, {}", s.n, s.d, s.k);
        match theirs {
            Some(th) => println!(
                "{shape:>16} {:>10} {t:>7} {ours:>16.6} {th:>16.6} {:>7.2}x",
                ct.as_str(),
                th / ours
            ),
            None => println!(
                "{shape:>16} {:>10} {t:>7} {ours:>16.6} {:>16} {:>8}",
                ct.as_str(),
                "-",
                "-"
            ),
        }
    }
    Ok(())
}

/// A fresh folder under the system's temporary directory for this run's `.npy` files.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("clusterlab-bench-gmm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
