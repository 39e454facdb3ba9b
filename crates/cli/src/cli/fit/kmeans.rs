//! `clusterlab fit kmeans`. (Owned by the kmeans issue.)

use std::path::PathBuf;

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_kmeans::{Algorithm, Init, KMeansParams, NInit};

use super::{CommonArgs, FitReport};

/// Arguments of `clusterlab fit kmeans`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Initial centers: `k-means++`, `random`, or a CSV file of k rows of centers (no label
    /// column; a header is optional).
    #[arg(
        long,
        value_name = "k-means++|random|FILE",
        default_value = "k-means++"
    )]
    init: String,
    /// Number of restarts: `auto` (1 for k-means++ and explicit centers, 10 for random) or a
    /// count; the lowest inertia wins.
    #[arg(long, value_name = "auto|N", default_value = "auto")]
    n_init: String,
    /// Maximum iterations of one run.
    #[arg(long, default_value_t = 300)]
    max_iter: usize,
    /// Relative tolerance on the center shift (times the mean per-feature variance).
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    tol: f64,
    /// `lloyd` or `elkan`.
    #[arg(long, value_enum, default_value = "lloyd")]
    algorithm: AlgorithmArg,
}

/// The algorithm as a command-line value.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum AlgorithmArg {
    Lloyd,
    Elkan,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Lloyd => Algorithm::Lloyd,
            AlgorithmArg::Elkan => Algorithm::Elkan,
        }
    }
}

fn parse_init(s: &str) -> anyhow::Result<Init> {
    Ok(match s {
        "k-means++" => Init::KMeansPlusPlus,
        "random" => Init::Random,
        path => {
            let options = clusterlab_data::CsvOptions {
                label_column: clusterlab_data::LabelColumn::None,
                ..Default::default()
            };
            let path = PathBuf::from(path);
            let centers = clusterlab_data::read_csv(&path, &options).with_context(|| {
                format!(
                    "--init {}: expected k-means++, random or a CSV file of centers",
                    path.display()
                )
            })?;
            Init::Centers(centers.into_parts().0)
        }
    })
}

fn parse_n_init(s: &str) -> anyhow::Result<NInit> {
    if s == "auto" {
        return Ok(NInit::Auto);
    }
    let n = s
        .parse::<usize>()
        .with_context(|| format!("--n-init {s:?}: expected auto or a count >= 1"))?;
    Ok(NInit::Count(n))
}

/// Fits the model.
pub fn fit(args: Args) -> anyhow::Result<FitReport> {
    // Parameters are checked before the data is read, so a typo fails fast.
    let params = KMeansParams {
        init: parse_init(&args.init)?,
        n_init: parse_n_init(&args.n_init)?,
        max_iter: args.max_iter,
        tol: args.tol,
        algorithm: args.algorithm.into(),
        ..KMeansParams::new(args.common.k)
    };
    let kmeans = params.build()?;
    let data = args.common.load()?;
    let (model, json, fit_seconds) = super::timed_fit(&args.common, &data, &params, || {
        kmeans.fit(data.x(), args.common.seed)
    })?;

    let mut summary = format!(
        "k-means ({}) on {} ({} x {}), k = {}, seed {}\n\
         inertia {:.6}, {} iterations, {}, fit in {:.3} s\n",
        model.algorithm(),
        data.name(),
        data.n_samples(),
        data.n_features(),
        params.n_clusters,
        args.common.seed,
        model.inertia(),
        model.n_iter(),
        super::convergence(model.converged()),
        fit_seconds,
    );
    let mut sizes = vec![0usize; params.n_clusters];
    for &l in model.labels() {
        sizes[l] += 1;
    }
    for (j, (c, size)) in model.centers().rows().into_iter().zip(&sizes).enumerate() {
        let coords: Vec<String> = c.iter().take(6).map(|v| format!("{v:.4}")).collect();
        let more = if c.len() > 6 { ", ..." } else { "" };
        summary.push_str(&format!(
            "  cluster {j}: {size} samples, center [{}{more}]\n",
            coords.join(", ")
        ));
    }
    for w in model.warnings() {
        summary.push_str(&format!("warning: {w}\n"));
    }
    Ok(FitReport {
        labels: model.labels().to_vec(),
        common: args.common,
        data,
        json,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_init_parses_auto_and_counts() {
        assert_eq!(parse_n_init("auto").unwrap(), NInit::Auto);
        assert_eq!(parse_n_init("4").unwrap(), NInit::Count(4));
        assert!(parse_n_init("many").is_err());
    }

    #[test]
    fn init_names_and_a_missing_file() {
        assert_eq!(parse_init("random").unwrap(), Init::Random);
        assert_eq!(parse_init("k-means++").unwrap(), Init::KMeansPlusPlus);
        let err = parse_init("/nonexistent/centers.csv").unwrap_err();
        assert!(format!("{err:#}").contains("centers.csv"), "{err:#}");
    }

    #[test]
    fn init_from_a_csv_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "x0,x1\n0,1\n2,3\n").unwrap();
        let init = parse_init(path.to_str().unwrap()).unwrap();
        assert_eq!(init, Init::Centers(ndarray::array![[0.0, 1.0], [2.0, 3.0]]));
    }
}
