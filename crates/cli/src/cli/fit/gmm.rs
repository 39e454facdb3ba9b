//! `clusterlab fit gmm`. (Owned by the gmm issue.)

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args as ClapArgs;
use clusterlab_gmm::{CovarianceType, GaussianMixtureParams, InitParams, NestedArray};
use serde::Deserialize;

use super::{CommonArgs, FitReport};

/// Arguments of `clusterlab fit gmm`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Form of the covariances: full, tied, diag or spherical.
    #[arg(long, default_value = "full")]
    covariance_type: CovarianceType,
    /// How initial responsibilities are made: kmeans, k-means++, random or random_from_data.
    #[arg(long, default_value = "kmeans")]
    init_params: InitParams,
    /// A JSON file with explicit initial `weights`, `means` and `precisions` (any of them), in
    /// scikit-learn's shapes for the covariance type.
    #[arg(long, value_name = "FILE")]
    init: Option<PathBuf>,
    /// Number of initialisations; the best lower bound wins.
    #[arg(long, default_value_t = 1)]
    n_init: usize,
    /// Maximum EM iterations per initialisation.
    #[arg(long, default_value_t = 100)]
    max_iter: usize,
    /// Convergence threshold on the change of the lower bound.
    #[arg(long, default_value_t = 1e-3)]
    tol: f64,
    /// Added to the diagonal of every covariance.
    #[arg(long, default_value_t = 1e-6)]
    reg_covar: f64,
}

/// The `--init` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InitFile {
    weights: Option<Vec<f64>>,
    means: Option<Vec<Vec<f64>>>,
    precisions: Option<NestedArray>,
}

fn read_init(path: &Path) -> anyhow::Result<InitFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading --init {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "--init {}: expected a JSON object with `weights`, `means` and/or `precisions`",
            path.display()
        )
    })
}

/// The parameters the flags describe (checked before the data is read, so a typo fails fast).
fn params(args: &Args) -> anyhow::Result<GaussianMixtureParams> {
    let init = match &args.init {
        Some(p) => read_init(p)?,
        None => InitFile::default(),
    };
    Ok(GaussianMixtureParams {
        covariance_type: args.covariance_type,
        tol: args.tol,
        reg_covar: args.reg_covar,
        max_iter: args.max_iter,
        n_init: args.n_init,
        init_params: args.init_params,
        weights_init: init.weights,
        means_init: init.means,
        precisions_init: init.precisions,
        ..GaussianMixtureParams::new(args.common.k)
    })
}

/// Fits the model.
pub fn fit(args: Args) -> anyhow::Result<FitReport> {
    let params = params(&args)?;
    let gmm = params.build()?;
    let data = args.common.load()?;
    let (model, json, fit_seconds) = super::timed_fit(&args.common, &data, &params, || {
        gmm.fit(data.x(), args.common.seed)
    })?;

    let mut summary = format!(
        "Gaussian mixture ({}) on {} ({} x {}), k = {}, seed {}\n\
         lower bound {:.6}, score {:.6}, bic {:.3}, aic {:.3}, {} iterations, {}, fit in {:.3} s\n",
        params.covariance_type,
        data.name(),
        data.n_samples(),
        data.n_features(),
        params.n_components,
        args.common.seed,
        model.lower_bound(),
        model.training_score(),
        model.training_bic(),
        model.training_aic(),
        model.n_iter(),
        super::convergence(model.converged()),
        fit_seconds,
    );
    for (j, (w, m)) in model.weights().iter().zip(model.means().rows()).enumerate() {
        let coords: Vec<String> = m.iter().take(6).map(|v| format!("{v:.4}")).collect();
        let more = if m.len() > 6 { ", ..." } else { "" };
        summary.push_str(&format!(
            "  component {j}: weight {w:.4}, mean [{}{more}]\n",
            coords.join(", ")
        ));
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
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn flags_become_params() {
        let cli = Cli::try_parse_from([
            "x",
            "--data",
            "d.csv",
            "--k",
            "3",
            "--covariance-type",
            "diag",
            "--init-params",
            "k-means++",
            "--n-init",
            "2",
        ])
        .unwrap();
        let p = params(&cli.args).unwrap();
        assert_eq!(p.n_components, 3);
        assert_eq!(p.covariance_type, CovarianceType::Diag);
        assert_eq!(p.init_params, InitParams::KMeansPlusPlus);
        assert_eq!(p.n_init, 2);
        assert!(
            Cli::try_parse_from([
                "x",
                "--data",
                "d",
                "--k",
                "2",
                "--covariance-type",
                "diagonal"
            ])
            .is_err()
        );
    }

    #[test]
    fn init_file_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("init.json");
        std::fs::write(
            &path,
            r#"{"weights": [0.5, 0.5], "means": [[0, 0], [1, 1]], "precisions": [1.0, 2.0]}"#,
        )
        .unwrap();
        let cli = Cli::try_parse_from([
            "x",
            "--data",
            "d.csv",
            "--k",
            "2",
            "--covariance-type",
            "spherical",
            "--init",
            path.to_str().unwrap(),
        ])
        .unwrap();
        let p = params(&cli.args).unwrap();
        assert!(p.build().is_ok());
        assert_eq!(p.precisions_init, Some(NestedArray::Vector(vec![1.0, 2.0])));
        std::fs::write(&path, r#"{"weight": [1.0]}"#).unwrap();
        let err = params(&cli.args).unwrap_err();
        assert!(format!("{err:#}").contains("init.json"), "{err:#}");
    }
}
