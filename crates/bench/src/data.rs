//! `clusterlab bench data`. (Owned by the data issue.)
//!
//! `make_blobs` of 1,000,000 x 8 (8 centers): clusterlab's parallel chacha stream at each
//! thread count and its NumPy-identical stream, against `sklearn.datasets.make_blobs` in the
//! same run; and the bare NumPy legacy Gaussian stream (8,000,000 draws) against NumPy's own
//! `RandomState.normal`. The NumPy-stream samples are also handed to Python, which checks that
//! they equal scikit-learn's bit for bit.

use std::{ffi::OsString, hint::black_box};

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_data::{BlobsParams, Centers, NSamples, RngKind, make_blobs, numpy::NumpyRng};

use crate::{CommonArgs, run_python, time_min, with_threads, write_npy};

/// Arguments of `clusterlab bench data`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

const SEED: u64 = 170;
const CENTERS: usize = 8;

/// Runs the benchmark.
pub fn run(args: Args) -> anyhow::Result<()> {
    let c = &args.common;
    let (n, d) = if c.quick {
        (100_000, 8)
    } else {
        (1_000_000, 8)
    };
    let params = |rng| BlobsParams {
        n_samples: NSamples::Total(n),
        n_features: d,
        centers: Some(Centers::Count(CENTERS)),
        seed: SEED,
        rng,
        ..Default::default()
    };
    let chacha = params(RngKind::Chacha);
    let numpy = params(RngKind::Numpy);

    let mut ours = Vec::new();
    for &threads in &c.threads {
        let secs = with_threads(threads, || {
            time_min(c.repeats, || {
                black_box(make_blobs(&chacha)?);
                Ok(())
            })
        })??;
        ours.push((format!("chacha, {threads} thread(s)"), secs));
    }
    let numpy_secs = time_min(c.repeats, || {
        black_box(make_blobs(&numpy)?);
        Ok(())
    })?;
    ours.push(("numpy stream".to_string(), numpy_secs));
    let normal_secs = time_min(c.repeats, || {
        let mut rng = NumpyRng::new(u32::try_from(SEED)?);
        let mut acc = 0.0;
        for _ in 0..n * d {
            acc += rng.normal(0.0, 1.0);
        }
        black_box(acc);
        Ok(())
    })?;

    let sklearn = match c.python() {
        Some(py) => {
            let dir =
                std::env::temp_dir().join(format!("clusterlab-bench-data-{}", std::process::id()));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let x_path = dir.join("x_numpy.npy");
            let result = (|| {
                write_npy(&x_path, make_blobs(&numpy)?.x.view())?;
                let a: Vec<OsString> = vec![
                    n.to_string().into(),
                    d.to_string().into(),
                    CENTERS.to_string().into(),
                    SEED.to_string().into(),
                    c.repeats.to_string().into(),
                    x_path.clone().into(),
                ];
                run_python(&py, "sklearn_data.py", &a)
            })();
            let _ = std::fs::remove_dir_all(&dir);
            Some(result?)
        }
        None => None,
    };
    let sk_blobs = sklearn
        .as_ref()
        .and_then(|v| v["make_blobs_seconds"].as_f64());
    let sk_normal = sklearn.as_ref().and_then(|v| v["normal_seconds"].as_f64());

    println!("make_blobs n={n} d={d} centers={CENTERS} seed={SEED}");
    println!(
        "{:<24} {:>12} {:>14} {:>10}",
        "clusterlab", "seconds", "sklearn s", "speedup"
    );
    for (what, secs) in &ours {
        let (sk, ratio) = match sk_blobs {
            Some(s) => (format!("{s:.4}"), format!("{:.2}x", s / secs)),
            None => ("-".into(), "-".into()),
        };
        println!("{what:<24} {secs:>12.4} {sk:>14} {ratio:>10}");
    }
    let (sk, ratio) = match sk_normal {
        Some(s) => (format!("{s:.4}"), format!("{:.2}x", s / normal_secs)),
        None => ("-".into(), "-".into()),
    };
    println!(
        "{:<24} {normal_secs:>12.4} {sk:>14} {ratio:>10}   (vs RandomState.normal)",
        format!("numpy normal x{}", n * d)
    );
    if let Some(v) = &sklearn {
        println!(
            "numpy stream equals sklearn {} / numpy {} bit for bit: {}",
            v["sklearn_version"].as_str().unwrap_or("?"),
            v["numpy_version"].as_str().unwrap_or("?"),
            v["identical"]
        );
    }
    Ok(())
}
