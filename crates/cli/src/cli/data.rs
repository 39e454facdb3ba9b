//! `clusterlab data`: generate a dataset and write it as CSV (features, then a `label` column).
//!
//! One subcommand per generator of `clusterlab-data`, its flags named after scikit-learn's
//! parameters. Every value is written in shortest round-trip form, so the file reads back to
//! the same `f64` bits. `--rng numpy` reproduces scikit-learn's data for `random_state = SEED`.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::OnceLock,
};

use anyhow::Context;
use clap::{Args, Subcommand};
use clusterlab_core::Dataset;
use clusterlab_data::{
    AnisotropicParams, BlobsParams, Centers, CirclesParams, ClusterStd, CsvOptions, DatasetSpec,
    LabelColumn, MoonsParams, NSamples, NSamples2, RngKind, UnevenParams, UniformParams,
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
                (data, a.blob.output.out)
            }
            DataCommand::Uniform(a) => (a.params().generate()?, a.output.out),
            DataCommand::Anisotropic(a) => (a.params()?.generate()?, a.blob.output.out),
            DataCommand::Varied(a) => (a.params().generate(Path::new("."))?, a.blob.output.out),
            DataCommand::Uneven(a) => (a.params().generate()?, a.blob.output.out),
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
    #[arg(long, default_value_t = BlobsParams::default().seed)]
    pub seed: u64,
    /// Random stream: `chacha` (clusterlab's own: fast, parallel, the same bits on any machine)
    /// or `numpy` (NumPy's legacy RandomState: the very numbers scikit-learn gives for
    /// `random_state = SEED`).
    #[arg(long, default_value_t = BlobsParams::default().rng, value_parser = parse_rng, value_name = "chacha|numpy")]
    pub rng: RngKind,
    /// Write the CSV to this file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The defaults `--help` shows that are not plain numbers, formatted once from the data
/// crate's presets, in the syntax of the flags.
struct Shown {
    blobs_n_samples: String,
    anisotropic_n_samples: String,
    varied_n_samples: String,
    uneven_n_samples: String,
    cluster_std: String,
    varied_std: String,
    center_box: String,
    transformation: String,
    sizes: String,
    moons_n_samples: String,
    circles_n_samples: String,
}

fn shown() -> &'static Shown {
    static SHOWN: OnceLock<Shown> = OnceLock::new();
    SHOWN.get_or_init(|| {
        let n_samples = |n: &NSamples| match n {
            NSamples::Total(n) => n.to_string(),
            NSamples::PerCenter(c) => join(c, ToString::to_string),
        };
        let pair = |n: &NSamples2| match n {
            NSamples2::Total(n) => n.to_string(),
            NSamples2::Split(s) => join(s, ToString::to_string),
        };
        // Standard deviations are shown as floats (`1.0`), the box as written (`-10,10`).
        let std = |s: &ClusterStd| match s {
            ClusterStd::Same(s) => format!("{s:?}"),
            ClusterStd::PerCenter(s) => join(s, |v| format!("{v:?}")),
        };
        let anisotropic = AnisotropicParams::default();
        let rows: Vec<String> = anisotropic
            .transformation
            .iter()
            .map(|r| join(r, ToString::to_string))
            .collect();
        Shown {
            blobs_n_samples: n_samples(&BlobsParams::default().n_samples),
            anisotropic_n_samples: n_samples(&anisotropic.blobs.n_samples),
            varied_n_samples: n_samples(&BlobsParams::varied().n_samples),
            uneven_n_samples: n_samples(&UnevenParams::default().blobs.n_samples),
            cluster_std: std(&BlobsParams::default().cluster_std),
            varied_std: std(&BlobsParams::varied().cluster_std),
            center_box: join(&BlobsParams::default().center_box, ToString::to_string),
            transformation: rows.join(";"),
            sizes: join(&UnevenParams::default().sizes, ToString::to_string),
            moons_n_samples: pair(&MoonsParams::default().n_samples),
            circles_n_samples: pair(&CirclesParams::default().n_samples),
        }
    })
}

fn join<T>(values: &[T], show: impl Fn(&T) -> String) -> String {
    values.iter().map(show).collect::<Vec<_>>().join(",")
}

/// Flags of every blob-like generator (`blobs`, `anisotropic`, `varied`, `uneven`), with the
/// random stream and the output.
#[derive(Debug, Clone, Args)]
pub struct BlobArgs {
    /// The box random centers are drawn in, as `LOW,HIGH` (write `--center-box=-10,10`).
    #[arg(long, default_value = shown().center_box.as_str(), value_parser = parse_box, allow_hyphen_values = true, value_name = "LOW,HIGH")]
    pub center_box: [f64; 2],
    /// Keep the samples in center order instead of shuffling them (`uneven`: do not shuffle
    /// the generated samples before filtering).
    #[arg(long)]
    pub no_shuffle: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl BlobArgs {
    /// `preset` with these flags.
    fn apply(&self, preset: BlobsParams) -> BlobsParams {
        BlobsParams {
            center_box: self.center_box,
            shuffle: !self.no_shuffle,
            seed: self.output.seed,
            rng: self.output.rng,
            ..preset
        }
    }
}

/// `clusterlab data blobs`.
#[derive(Debug, Clone, Args)]
pub struct BlobsArgs {
    /// Number of samples: a total split evenly over the centers (the remainder to the first
    /// ones), or one count per center (`3,4,5`, which also sets the number of centers).
    #[arg(long, default_value = shown().blobs_n_samples.as_str(), value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Features per sample; ignored with `--centers-file`, whose columns set it.
    #[arg(long, default_value_t = BlobsParams::default().n_features)]
    pub n_features: usize,
    /// Number of centers, drawn uniformly in `--center-box` (default: 3, or one per count of
    /// `--n-samples`).
    #[arg(long, conflicts_with = "centers_file")]
    pub centers: Option<usize>,
    /// A CSV of explicit center coordinates, one center per row (header optional).
    #[arg(long, value_name = "FILE")]
    pub centers_file: Option<PathBuf>,
    /// Standard deviation of the blobs: one value, or one per center (`0.5,1,2`).
    #[arg(long, default_value = shown().cluster_std.as_str(), value_parser = parse_cluster_std, value_name = "S|S1,S2,...")]
    pub cluster_std: ClusterStd,
    /// Also write the centers (one per row, no label) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub centers_out: Option<PathBuf>,
    #[command(flatten)]
    blob: BlobArgs,
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
            ..self.blob.apply(BlobsParams::default())
        })
    }
}

/// `clusterlab data uniform`.
#[derive(Debug, Clone, Args)]
pub struct UniformArgs {
    /// Number of samples.
    #[arg(long, default_value_t = UniformParams::default().n_samples)]
    pub n_samples: usize,
    /// Features per sample.
    #[arg(long, default_value_t = UniformParams::default().n_features)]
    pub n_features: usize,
    /// Lower bound of every coordinate.
    #[arg(long, default_value_t = UniformParams::default().low, allow_hyphen_values = true)]
    pub low: f64,
    /// Upper bound of every coordinate (excluded).
    #[arg(long, default_value_t = UniformParams::default().high, allow_hyphen_values = true)]
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
    #[arg(long, default_value = shown().anisotropic_n_samples.as_str(), value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Number of centers (default 3, or one per count of `--n-samples`).
    #[arg(long)]
    pub centers: Option<usize>,
    /// Standard deviation of the blobs before the map: one value, or one per center.
    #[arg(long, default_value = shown().cluster_std.as_str(), value_parser = parse_cluster_std, value_name = "S|S1,...")]
    pub cluster_std: ClusterStd,
    /// The square matrix applied on the right of the samples, rows separated by `;` (its size
    /// sets the number of features).
    #[arg(
        long,
        default_value = shown().transformation.as_str(),
        allow_hyphen_values = true,
        value_name = "A,B;C,D"
    )]
    pub transformation: String,
    #[command(flatten)]
    blob: BlobArgs,
}

impl AnisotropicArgs {
    fn params(&self) -> anyhow::Result<AnisotropicParams> {
        let transformation = self
            .transformation
            .split(';')
            .map(|row| parse_floats(row).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<Vec<f64>>>>()
            .context("reading --transformation")?;
        let preset = BlobsParams::anisotropic();
        Ok(AnisotropicParams {
            blobs: BlobsParams {
                // The preset's 3 centers, unless the counts of `--n-samples` give them.
                centers: match (self.centers, &self.n_samples) {
                    (Some(k), _) => Some(Centers::Count(k)),
                    (None, NSamples::Total(_)) => preset.centers.clone(),
                    (None, NSamples::PerCenter(_)) => None,
                },
                n_samples: self.n_samples.clone(),
                cluster_std: self.cluster_std.clone(),
                ..self.blob.apply(preset)
            },
            transformation,
        })
    }
}

/// `clusterlab data varied`.
#[derive(Debug, Clone, Args)]
pub struct VariedArgs {
    /// Number of samples: a total, or one count per center.
    #[arg(long, default_value = shown().varied_n_samples.as_str(), value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Features per sample.
    #[arg(long, default_value_t = BlobsParams::varied().n_features)]
    pub n_features: usize,
    /// One standard deviation per center (their number sets the number of centers).
    #[arg(
        long,
        default_value = shown().varied_std.as_str(),
        value_delimiter = ',',
        value_name = "S1,S2,..."
    )]
    pub cluster_std: Vec<f64>,
    #[command(flatten)]
    blob: BlobArgs,
}

impl VariedArgs {
    fn params(&self) -> DatasetSpec {
        DatasetSpec::Varied(BlobsParams {
            n_samples: self.n_samples.clone(),
            n_features: self.n_features,
            centers: None,
            cluster_std: ClusterStd::PerCenter(self.cluster_std.clone()),
            ..self.blob.apply(BlobsParams::varied())
        })
    }
}

/// `clusterlab data uneven`.
#[derive(Debug, Clone, Args)]
pub struct UnevenArgs {
    /// Samples generated before filtering: a total, or one count per center.
    #[arg(long, default_value = shown().uneven_n_samples.as_str(), value_parser = parse_n_samples, value_name = "N|N1,N2,...")]
    pub n_samples: NSamples,
    /// Features per sample.
    #[arg(long, default_value_t = BlobsParams::uneven().n_features)]
    pub n_features: usize,
    /// Standard deviation of the blobs: one value, or one per center.
    #[arg(long, default_value = shown().cluster_std.as_str(), value_parser = parse_cluster_std, value_name = "S|S1,...")]
    pub cluster_std: ClusterStd,
    /// How many samples of each cluster to keep (their number sets the number of centers).
    #[arg(
        long,
        default_value = shown().sizes.as_str(),
        value_delimiter = ',',
        value_name = "N1,N2,..."
    )]
    pub sizes: Vec<usize>,
    #[command(flatten)]
    blob: BlobArgs,
}

impl UnevenArgs {
    fn params(&self) -> UnevenParams {
        UnevenParams {
            blobs: BlobsParams {
                n_samples: self.n_samples.clone(),
                n_features: self.n_features,
                cluster_std: self.cluster_std.clone(),
                ..self.blob.apply(BlobsParams::uneven())
            },
            sizes: self.sizes.clone(),
        }
    }
}

/// `clusterlab data moons`.
#[derive(Debug, Clone, Args)]
pub struct MoonsArgs {
    /// Number of samples: a total (half in each moon, the extra one in the inner moon) or
    /// `OUTER,INNER`.
    #[arg(long, default_value = shown().moons_n_samples.as_str(), value_parser = parse_pair, value_name = "N|OUTER,INNER")]
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
    #[arg(long, default_value = shown().circles_n_samples.as_str(), value_parser = parse_pair, value_name = "N|OUTER,INNER")]
    pub n_samples: NSamples2,
    /// Radius of the inner circle relative to the outer one, in [0, 1).
    #[arg(long, default_value_t = CirclesParams::default().factor)]
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
                DataCommand::Varied(a) => a.params().generate(Path::new(".")),
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

    /// The dataset a command line generates, hashed as the runner hashes datasets.
    fn generated_hash(args: &[&str]) -> u64 {
        let data = match parse(args) {
            DataCommand::Blobs(a) => a.params().unwrap().generate(),
            DataCommand::Uniform(a) => a.params().generate(),
            DataCommand::Anisotropic(a) => a.params().unwrap().generate(),
            DataCommand::Varied(a) => a.params().generate(Path::new(".")),
            DataCommand::Uneven(a) => a.params().generate(),
            DataCommand::Moons(a) => a.params().generate(),
            DataCommand::Circles(a) => a.params().generate(),
        };
        let data = data.unwrap();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(&(data.n_samples() as u64).to_le_bytes());
        eat(&(data.n_features() as u64).to_le_bytes());
        data.x()
            .iter()
            .for_each(|v| eat(&v.to_bits().to_le_bytes()));
        match data.labels() {
            Some(l) => l.iter().for_each(|&l| eat(&(l as u64).to_le_bytes())),
            None => eat(b"-"),
        }
        h
    }

    /// Command lines and the hash of what they generate, pinned: users' scripts rely on the
    /// flags, their defaults and the data they give (run with `PRINT_PINS=1` to print).
    const GENERATED: &[(&str, u64)] = &[
        ("blobs", 0x685c8179d32ebcc3),
        ("blobs --rng numpy --seed 170", 0x3b12893848bce5c2),
        (
            "blobs --n-samples 3,4,5 --cluster-std 0.5,1,2 --center-box=-3,7 --no-shuffle --seed 4",
            0x89295d2da844d773,
        ),
        (
            "blobs --n-samples 50 --centers 5 --n-features 3 --cluster-std 0.2 --rng numpy",
            0xb5f5107a5f75cc54,
        ),
        ("uniform", 0x15a8b7eb0c6eec95),
        (
            "uniform --n-samples 20 --n-features 3 --low -2 --high 5 --rng numpy --seed 3",
            0xeeedcf602ffd9bae,
        ),
        ("anisotropic", 0x472ef6e55dac9042),
        ("anisotropic --rng numpy --seed 170", 0x19d932f5e2cae437),
        (
            "anisotropic --n-samples 40 --centers 2 --cluster-std 0.5,2 --transformation 1,0.5,0;0,1,0.2;0.3,0,1 --seed 11",
            0x160876631cb545a1,
        ),
        (
            "anisotropic --n-samples 3,4,5 --no-shuffle --center-box=0,1 --seed 4",
            0xa831f82b7e95cb90,
        ),
        ("varied", 0x166902b1dda5fab4),
        ("varied --rng numpy --seed 170", 0xe884abae415ec2fd),
        (
            "varied --cluster-std 0.2,3 --n-samples 51 --seed 9 --n-features 3",
            0xdf9c6fd6ccbdc12f,
        ),
        (
            "varied --n-samples 4,6,8 --no-shuffle --center-box=-1,1",
            0xad46ab330bb0a184,
        ),
        ("uneven", 0x1da54699da14892a),
        ("uneven --rng numpy --seed 170", 0x9500f63aebfd20f3),
        (
            "uneven --n-samples 90 --sizes 30,5,1 --seed 5 --n-features 3 --cluster-std 0.5",
            0x5c7e8c6c621001dc,
        ),
        (
            "uneven --n-samples 10,20 --sizes 10,3 --cluster-std 0.1,4 --no-shuffle",
            0x149a255c55f83bf5,
        ),
        ("moons", 0xdb64fbfc8df96ad1),
        (
            "moons --n-samples 7,12 --noise 0.1 --no-shuffle --seed 2 --rng numpy",
            0x3842c3477e2f07ad,
        ),
        ("circles", 0xb4857e2ff945673b),
        (
            "circles --n-samples 33 --noise 0.05 --factor 0.3 --seed 12",
            0x018ca7664343386c,
        ),
    ];

    #[test]
    fn generated_data_is_pinned() {
        let got: Vec<(&str, u64)> = GENERATED
            .iter()
            .map(|&(line, _)| {
                let args: Vec<&str> = line.split(' ').collect();
                (line, generated_hash(&args))
            })
            .collect();
        if std::env::var_os("PRINT_PINS").is_some() {
            for (line, h) in &got {
                println!("        ({line:?}, {h:#018x}),");
            }
        }
        assert_eq!(got, GENERATED);
    }

    /// Every flag of every subcommand and the default `--help` shows, pinned (as they were
    /// before the defaults came from the data crate's presets).
    const FLAGS: &[(&str, &str, &str)] = &[
        ("blobs", "n-samples", "100"),
        ("blobs", "n-features", "2"),
        ("blobs", "centers", ""),
        ("blobs", "centers-file", ""),
        ("blobs", "cluster-std", "1.0"),
        ("blobs", "center-box", "-10,10"),
        ("blobs", "no-shuffle", ""),
        ("blobs", "centers-out", ""),
        ("blobs", "seed", "0"),
        ("blobs", "rng", "chacha"),
        ("blobs", "out", ""),
        ("uniform", "n-samples", "500"),
        ("uniform", "n-features", "2"),
        ("uniform", "low", "0"),
        ("uniform", "high", "1"),
        ("uniform", "seed", "0"),
        ("uniform", "rng", "chacha"),
        ("uniform", "out", ""),
        ("anisotropic", "n-samples", "1500"),
        ("anisotropic", "centers", ""),
        ("anisotropic", "cluster-std", "1.0"),
        ("anisotropic", "center-box", "-10,10"),
        ("anisotropic", "transformation", "0.6,-0.6;-0.4,0.8"),
        ("anisotropic", "no-shuffle", ""),
        ("anisotropic", "seed", "0"),
        ("anisotropic", "rng", "chacha"),
        ("anisotropic", "out", ""),
        ("varied", "n-samples", "1500"),
        ("varied", "n-features", "2"),
        ("varied", "cluster-std", "1.0,2.5,0.5"),
        ("varied", "center-box", "-10,10"),
        ("varied", "no-shuffle", ""),
        ("varied", "seed", "0"),
        ("varied", "rng", "chacha"),
        ("varied", "out", ""),
        ("uneven", "n-samples", "1500"),
        ("uneven", "n-features", "2"),
        ("uneven", "cluster-std", "1.0"),
        ("uneven", "center-box", "-10,10"),
        ("uneven", "sizes", "500,100,10"),
        ("uneven", "no-shuffle", ""),
        ("uneven", "seed", "0"),
        ("uneven", "rng", "chacha"),
        ("uneven", "out", ""),
        ("moons", "n-samples", "100"),
        ("moons", "noise", ""),
        ("moons", "no-shuffle", ""),
        ("moons", "seed", "0"),
        ("moons", "rng", "chacha"),
        ("moons", "out", ""),
        ("circles", "n-samples", "100"),
        ("circles", "factor", "0.8"),
        ("circles", "noise", ""),
        ("circles", "no-shuffle", ""),
        ("circles", "seed", "0"),
        ("circles", "rng", "chacha"),
        ("circles", "out", ""),
    ];

    #[test]
    fn flags_and_their_defaults_are_pinned() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let mut got = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                let Some(long) = arg.get_long() else { continue };
                let defaults: Vec<String> = arg
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                got.push((
                    sub.get_name().to_string(),
                    long.to_string(),
                    defaults.join(" "),
                ));
            }
        }
        if std::env::var_os("PRINT_PINS").is_some() {
            for (sub, long, d) in &got {
                println!("        ({sub:?}, {long:?}, {d:?}),");
            }
        }
        let mut want: Vec<(String, String, String)> = FLAGS
            .iter()
            .map(|&(s, l, d)| (s.to_string(), l.to_string(), d.to_string()))
            .collect();
        // Where a flag is listed may change (shared flags are declared together); not its
        // name nor its default.
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }
}
