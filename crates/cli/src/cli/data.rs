//! `clusterlab data`: generate a dataset and write it as CSV (features, then a `label` column).
//!
//! One subcommand per generator of `clusterlab-data`, its flags named after scikit-learn's
//! parameters. Every value is written in shortest round-trip form, so the file reads back to
//! the same `f64` bits. `--rng numpy` reproduces scikit-learn's data for `random_state = SEED`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use clap::{Args, Subcommand};
use clusterlab_core::Dataset;
use clusterlab_data::{
    AnisotropicParams, BlobsParams, Centers, CirclesParams, ClusterStd, CsvOptions, LabelColumn,
    MoonsParams, NSamples, NSamples2, RngKind, UnevenParams, UniformParams, VariedParams,
    make_blobs, read_csv, write_csv, write_csv_to,
};
use ndarray::ArrayView2;

/// Dataset generators.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Isotropic Gaussian blobs, as `sklearn.datasets.make_blobs`.
    Blobs(BlobsArgs),
    /// Points uniform in a box (no clusters at all: the "absolutely random data" of the
    /// tutorials).
    Uniform(UniformArgs),
    /// Blobs times a linear map (k-means assumes round clusters).
    Anisotropic(AnisotropicArgs),
    /// Blobs of unequal variance (k-means assumes equal spreads).
    Varied(VariedArgs),
    /// Blobs of uneven size: generate, then keep `--sizes` samples of each cluster.
    Uneven(UnevenArgs),
    /// Two interleaving half circles, as `sklearn.datasets.make_moons`.
    Moons(MoonsArgs),
    /// A large circle containing a smaller one, as `sklearn.datasets.make_circles`.
    Circles(CirclesArgs),
}

impl DataCommand {
    /// Runs the generator and writes the CSV.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let (data, out) = match self {
            DataCommand::Blobs(a) => {
                let params = a.params()?;
                let b = make_blobs(&params)?;
                if let Some(path) = &a.centers_out {
                    write_matrix(path, b.centers.view())?;
                }
                let data = Dataset::new("blobs", b.x)?.with_labels(b.y)?;
                (data, a.output.out)
            }
            DataCommand::Uniform(a) => (a.params().generate()?, a.output.out),
            DataCommand::Anisotropic(a) => (a.params()?.generate()?, a.output.out),
            DataCommand::Varied(a) => (a.params().generate()?, a.output.out),
            DataCommand::Uneven(a) => (a.params().generate()?, a.output.out),
            DataCommand::Moons(a) => (a.params().generate()?, a.output.out),
            DataCommand::Circles(a) => (a.params().generate()?, a.output.out),
        };
        write_dataset(&data, out.as_deref())?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Flags every generator takes: the random stream and where to write.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Random seed (scikit-learn's `random_state`). With `--rng numpy` it must be below 2^32.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Random stream: `chacha` (clusterlab's own: fast, parallel, the same bits on any machine)
    /// or `numpy` (NumPy's legacy RandomState: the very numbers scikit-learn gives for
    /// `random_state = SEED`).
    #[arg(long, default_value = "chacha", value_parser = parse_rng, value_name = "chacha|numpy")]
    pub rng: RngKind,
    /// Write the CSV to this file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `clusterlab data blobs`.
#[derive(Debug, Clone, Args)]
pub struct BlobsArgs {
    /// Number of samples: a total split evenly over the centers (the remainder to the first
    /// ones), or one count per center (`3,4,5`, which also sets the number of centers).
    #[arg(long, default_value = "100", value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Features per sample; ignored with `--centers-file`, whose columns set it.
    #[arg(long, default_value_t = 2)]
    pub n_features: usize,
    /// Number of centers, drawn uniformly in `--center-box` (default: 3, or one per count of
    /// `--n-samples`).
    #[arg(long, conflicts_with = "centers_file")]
    pub centers: Option<usize>,
    /// A CSV of explicit center coordinates, one center per row (header optional).
    #[arg(long, value_name = "FILE")]
    pub centers_file: Option<PathBuf>,
    /// Standard deviation of the blobs: one value, or one per center (`0.5,1,2`).
    #[arg(long, default_value = "1.0", value_parser = parse_cluster_std, value_name = "S|S1,S2,...")]
    pub cluster_std: ClusterStd,
    /// The box random centers are drawn in, as `LOW,HIGH` (write `--center-box=-10,10`).
    #[arg(long, default_value = "-10,10", value_parser = parse_box, allow_hyphen_values = true, value_name = "LOW,HIGH")]
    pub center_box: [f64; 2],
    /// Keep the samples in center order instead of shuffling them.
    #[arg(long)]
    pub no_shuffle: bool,
    /// Also write the centers (one per row, no label) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub centers_out: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

impl BlobsArgs {
    fn params(&self) -> anyhow::Result<BlobsParams> {
        let centers = match (&self.centers_file, self.centers) {
            (Some(path), _) => Some(Centers::Coordinates(read_centers(path)?)),
            (None, Some(k)) => Some(Centers::Count(k)),
            (None, None) => None,
        };
        Ok(BlobsParams {
            n_samples: self.n_samples.clone(),
            n_features: self.n_features,
            centers,
            cluster_std: self.cluster_std.clone(),
            center_box: self.center_box,
            shuffle: !self.no_shuffle,
            seed: self.output.seed,
            rng: self.output.rng,
        })
    }
}

/// `clusterlab data uniform`.
#[derive(Debug, Clone, Args)]
pub struct UniformArgs {
    /// Number of samples.
    #[arg(long, default_value_t = 500)]
    pub n_samples: usize,
    /// Features per sample.
    #[arg(long, default_value_t = 2)]
    pub n_features: usize,
    /// Lower bound of every coordinate.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub low: f64,
    /// Upper bound of every coordinate (excluded).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub high: f64,
    #[command(flatten)]
    output: OutputArgs,
}

impl UniformArgs {
    fn params(&self) -> UniformParams {
        UniformParams {
            n_samples: self.n_samples,
            n_features: self.n_features,
            low: self.low,
            high: self.high,
            seed: self.output.seed,
            rng: self.output.rng,
        }
    }
}

/// `clusterlab data anisotropic`.
#[derive(Debug, Clone, Args)]
pub struct AnisotropicArgs {
    /// Number of samples: a total, or one count per center.
    #[arg(long, default_value = "1500", value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Number of centers (default 3, or one per count of `--n-samples`).
    #[arg(long)]
    pub centers: Option<usize>,
    /// Standard deviation of the blobs before the map: one value, or one per center.
    #[arg(long, default_value = "1.0", value_parser = parse_cluster_std, value_name = "S|S1,...")]
    pub cluster_std: ClusterStd,
    /// The box random centers are drawn in, as `LOW,HIGH`.
    #[arg(long, default_value = "-10,10", value_parser = parse_box, allow_hyphen_values = true, value_name = "LOW,HIGH")]
    pub center_box: [f64; 2],
    /// The square matrix applied on the right of the samples, rows separated by `;` (its size
    /// sets the number of features).
    #[arg(
        long,
        default_value = "0.6,-0.6;-0.4,0.8",
        allow_hyphen_values = true,
        value_name = "A,B;C,D"
    )]
    pub transformation: String,
    /// Keep the samples in center order instead of shuffling them.
    #[arg(long)]
    pub no_shuffle: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl AnisotropicArgs {
    fn params(&self) -> anyhow::Result<AnisotropicParams> {
        let transformation = self
            .transformation
            .split(';')
            .map(|row| parse_floats(row).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<Vec<f64>>>>()
            .context("reading --transformation")?;
        Ok(AnisotropicParams {
            n_samples: self.n_samples.clone(),
            centers: match (self.centers, &self.n_samples) {
                (Some(k), _) => Some(Centers::Count(k)),
                (None, NSamples::Total(_)) => Some(Centers::Count(3)),
                (None, NSamples::PerCenter(_)) => None,
            },
            cluster_std: self.cluster_std.clone(),
            center_box: self.center_box,
            shuffle: !self.no_shuffle,
            transformation,
            seed: self.output.seed,
            rng: self.output.rng,
        })
    }
}

/// `clusterlab data varied`.
#[derive(Debug, Clone, Args)]
pub struct VariedArgs {
    /// Number of samples: a total, or one count per center.
    #[arg(long, default_value = "1500", value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Features per sample.
    #[arg(long, default_value_t = 2)]
    pub n_features: usize,
    /// One standard deviation per center (their number sets the number of centers).
    #[arg(
        long,
        default_value = "1.0,2.5,0.5",
        value_delimiter = ',',
        value_name = "S1,S2,..."
    )]
    pub cluster_std: Vec<f64>,
    /// The box random centers are drawn in, as `LOW,HIGH`.
    #[arg(long, default_value = "-10,10", value_parser = parse_box, allow_hyphen_values = true, value_name = "LOW,HIGH")]
    pub center_box: [f64; 2],
    /// Keep the samples in center order instead of shuffling them.
    #[arg(long)]
    pub no_shuffle: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl VariedArgs {
    fn params(&self) -> VariedParams {
        VariedParams {
            n_samples: self.n_samples.clone(),
            n_features: self.n_features,
            centers: None,
            cluster_std: self.cluster_std.clone(),
            center_box: self.center_box,
            shuffle: !self.no_shuffle,
            seed: self.output.seed,
            rng: self.output.rng,
        }
    }
}

/// `clusterlab data uneven`.
#[derive(Debug, Clone, Args)]
pub struct UnevenArgs {
    /// Samples generated before filtering: a total, or one count per center.
    #[arg(long, default_value = "1500", value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Features per sample.
    #[arg(long, default_value_t = 2)]
    pub n_features: usize,
    /// Standard deviation of the blobs: one value, or one per center.
    #[arg(long, default_value = "1.0", value_parser = parse_cluster_std, value_name = "S|S1,...")]
    pub cluster_std: ClusterStd,
    /// The box random centers are drawn in, as `LOW,HIGH`.
    #[arg(long, default_value = "-10,10", value_parser = parse_box, allow_hyphen_values = true, value_name = "LOW,HIGH")]
    pub center_box: [f64; 2],
    /// How many samples of each cluster to keep (their number sets the number of centers).
    #[arg(
        long,
        default_value = "500,100,10",
        value_delimiter = ',',
        value_name = "N1,N2,..."
    )]
    pub sizes: Vec<usize>,
    /// Do not shuffle the generated samples before filtering.
    #[arg(long)]
    pub no_shuffle: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl UnevenArgs {
    fn params(&self) -> UnevenParams {
        UnevenParams {
            n_samples: self.n_samples.clone(),
            n_features: self.n_features,
            cluster_std: self.cluster_std.clone(),
            center_box: self.center_box,
            sizes: self.sizes.clone(),
            shuffle: !self.no_shuffle,
            seed: self.output.seed,
            rng: self.output.rng,
        }
    }
}

/// `clusterlab data moons`.
#[derive(Debug, Clone, Args)]
pub struct MoonsArgs {
    /// Number of samples: a total (half in each moon, the extra one in the inner moon) or
    /// `OUTER,INNER`.
    #[arg(long, default_value = "100", value_parser = parse_pair, value_name = "N|OUTER,INNER")]
    pub n_samples: NSamples2,
    /// Standard deviation of Gaussian noise added to every coordinate (default: no noise).
    #[arg(long)]
    pub noise: Option<f64>,
    /// Keep the samples in order (outer moon first) instead of shuffling them.
    #[arg(long)]
    pub no_shuffle: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl MoonsArgs {
    fn params(&self) -> MoonsParams {
        MoonsParams {
            n_samples: self.n_samples.clone(),
            shuffle: !self.no_shuffle,
            noise: self.noise,
            seed: self.output.seed,
            rng: self.output.rng,
        }
    }
}

/// `clusterlab data circles`.
#[derive(Debug, Clone, Args)]
pub struct CirclesArgs {
    /// Number of samples: a total (half on each circle, the extra one inside) or `OUTER,INNER`.
    #[arg(long, default_value = "100", value_parser = parse_pair, value_name = "N|OUTER,INNER")]
    pub n_samples: NSamples2,
    /// Radius of the inner circle relative to the outer one, in [0, 1).
    #[arg(long, default_value_t = 0.8)]
    pub factor: f64,
    /// Standard deviation of Gaussian noise added to every coordinate (default: no noise).
    #[arg(long)]
    pub noise: Option<f64>,
    /// Keep the samples in order (outer circle first) instead of shuffling them.
    #[arg(long)]
    pub no_shuffle: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl CirclesArgs {
    fn params(&self) -> CirclesParams {
        CirclesParams {
            n_samples: self.n_samples.clone(),
            shuffle: !self.no_shuffle,
            noise: self.noise,
            factor: self.factor,
            seed: self.output.seed,
            rng: self.output.rng,
        }
    }
}

fn parse_rng(s: &str) -> Result<RngKind, String> {
    s.parse()
}

fn parse_floats(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("{v:?} is not a number"))
        })
        .collect()
}

fn parse_counts(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|v| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("{v:?} is not a count (a whole number >= 0)"))
        })
        .collect()
}

fn parse_n_samples(s: &str) -> Result<NSamples, String> {
    let counts = parse_counts(s)?;
    Ok(match counts.as_slice() {
        [n] if !s.contains(',') => NSamples::Total(*n),
        _ => NSamples::PerCenter(counts),
    })
}

fn parse_pair(s: &str) -> Result<NSamples2, String> {
    match parse_counts(s)?.as_slice() {
        [n] => Ok(NSamples2::Total(*n)),
        [a, b] => Ok(NSamples2::Split([*a, *b])),
        _ => Err("expected a total or two counts OUTER,INNER".into()),
    }
}

fn parse_cluster_std(s: &str) -> Result<ClusterStd, String> {
    let v = parse_floats(s)?;
    Ok(match v.as_slice() {
        [x] if !s.contains(',') => ClusterStd::Same(*x),
        _ => ClusterStd::PerCenter(v),
    })
}

fn parse_box(s: &str) -> Result<[f64; 2], String> {
    match parse_floats(s)?.as_slice() {
        [a, b] => Ok([*a, *b]),
        _ => Err("expected two numbers LOW,HIGH (write --center-box=-10,10)".into()),
    }
}

/// Explicit centers from a CSV: every column is a coordinate (a `label` column is ignored).
fn read_centers(path: &Path) -> anyhow::Result<Vec<Vec<f64>>> {
    let options = CsvOptions {
        label_column: LabelColumn::Auto,
        ..CsvOptions::default()
    };
    let data = read_csv(path, &options).context("reading --centers-file")?;
    Ok(data.x().rows().into_iter().map(|r| r.to_vec()).collect())
}

fn write_matrix(path: &Path, m: ArrayView2<'_, f64>) -> anyhow::Result<()> {
    write_csv(path, m, None, None)?;
    Ok(())
}

fn write_dataset(data: &Dataset, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            write_csv(path, data.x(), data.labels(), None)?;
            eprintln!(
                "wrote {} ({} samples x {} features)",
                path.display(),
                data.n_samples(),
                data.n_features()
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_csv_to(
                &mut lock,
                Path::new("<stdout>"),
                data.x(),
                data.labels(),
                None,
            )?;
            lock.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: DataCommand,
    }

    fn parse(args: &[&str]) -> DataCommand {
        Cli::try_parse_from(std::iter::once("data").chain(args.iter().copied()))
            .unwrap()
            .cmd
    }

    #[test]
    fn blobs_flags_map_to_sklearn_parameters() {
        let DataCommand::Blobs(a) = parse(&[
            "blobs",
            "--n-samples",
            "3,4,5",
            "--cluster-std",
            "0.5,1,2",
            "--center-box=-3,7",
            "--no-shuffle",
            "--seed",
            "170",
            "--rng",
            "numpy",
        ]) else {
            panic!("not blobs")
        };
        let p = a.params().unwrap();
        assert_eq!(p.n_samples, NSamples::PerCenter(vec![3, 4, 5]));
        assert_eq!(p.cluster_std, ClusterStd::PerCenter(vec![0.5, 1.0, 2.0]));
        assert_eq!(p.center_box, [-3.0, 7.0]);
        assert!(!p.shuffle);
        assert_eq!((p.seed, p.rng), (170, RngKind::Numpy));
        assert_eq!(p.centers, None);
    }

    #[test]
    fn blobs_defaults_are_sklearns() {
        let DataCommand::Blobs(a) = parse(&["blobs"]) else {
            panic!("not blobs")
        };
        assert_eq!(a.params().unwrap(), BlobsParams::default());
    }

    #[test]
    fn every_generator_has_defaults_that_generate() {
        for sub in [
            "uniform",
            "anisotropic",
            "varied",
            "uneven",
            "moons",
            "circles",
        ] {
            let data = match parse(&[sub]) {
                DataCommand::Uniform(a) => a.params().generate(),
                DataCommand::Anisotropic(a) => a.params().unwrap().generate(),
                DataCommand::Varied(a) => a.params().generate(),
                DataCommand::Uneven(a) => a.params().generate(),
                DataCommand::Moons(a) => a.params().generate(),
                DataCommand::Circles(a) => a.params().generate(),
                DataCommand::Blobs(_) => unreachable!(),
            };
            assert!(data.unwrap().n_samples() > 0, "{sub}");
        }
    }

    #[test]
    fn blobs_file_reads_back_to_the_generated_bits() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.csv");
        let centers = dir.path().join("c.csv");
        std::fs::write(&centers, "a,b,c\n0,0,0\n5,5,5\n").unwrap();
        let out_s = out.to_str().unwrap();
        let centers_s = centers.to_str().unwrap();
        let cmd = parse(&[
            "blobs",
            "--n-samples",
            "50",
            "--centers-file",
            centers_s,
            "--seed",
            "170",
            "--rng",
            "numpy",
            "--out",
            out_s,
        ]);
        let DataCommand::Blobs(a) = &cmd else {
            panic!("not blobs")
        };
        let want = make_blobs(&a.params().unwrap()).unwrap();
        cmd.execute().unwrap();
        let back = read_csv(&out, &CsvOptions::default()).unwrap();
        assert_eq!(back.x().dim(), (50, 3));
        assert!(
            back.x()
                .iter()
                .zip(want.x.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        // Labels are renumbered by first appearance; the partition is the same.
        let got = back.labels().unwrap();
        for i in 0..50 {
            for j in 0..50 {
                assert_eq!(got[i] == got[j], want.y[i] == want.y[j]);
            }
        }
    }

    #[test]
    fn bad_lists_are_refused_by_the_parser() {
        let bad = Cli::try_parse_from(["data", "blobs", "--n-samples", "3,x"]);
        assert!(bad.is_err());
        let bad = Cli::try_parse_from(["data", "blobs", "--center-box", "1"]);
        assert!(bad.is_err());
        let bad = Cli::try_parse_from(["data", "blobs", "--rng", "mt"]);
        assert!(bad.is_err());
    }
}
