//! Developer tasks for clusterlab, in the cargo-xtask pattern.
//!
//! `cargo xtask run|fit|data|plot|merge|slurm|bench ARGS` builds the `clusterlab` binary with the release
//! profile and runs it with ARGS, so user-facing work always runs optimised code (a plain
//! `cargo run` would build the debug profile). `cargo xtask ci` runs exactly what CI runs
//! (`.ci/run`); `cargo xtask python` sets up the optional Python environment with the pinned
//! scikit-learn used for fixtures and benchmarks. xtask has no dependencies so that it builds
//! in a second.

use std::{
    env,
    ffi::OsString,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

/// scikit-learn version the fixtures and benchmarks were made with.
const SKLEARN: &str = "scikit-learn==1.5.2";

const HELP: &str = "\
cargo xtask: clusterlab's developer tasks

USAGE:
    cargo xtask <TASK> [ARGS...]

TASKS (forwarded to the optimised `clusterlab` binary; see `cargo xtask <TASK> --help`):
    run GRID.toml     run an experiment grid, write results/NAME/
    fit kmeans|gmm    fit one model on a CSV file
    data GENERATOR    write a generated dataset as CSV
    plot DIR          redraw an experiment's plots from its results
    merge DIR         write the tables of a grid run in shards (run --shard I/N)
    slurm GRID.toml --tasks N [--submit [--wait]]
                      run a grid as a Slurm job array and a merge job
    bench WHAT        time clusterlab against scikit-learn (kmeans, gmm, data, metrics, runner)

DEVELOPER TASKS:
    ci                run exactly what CI runs (.ci/run)
    fuzz [--cases N] [--seed S]
                      run the fuzz harness (hostile grid and CSV files through the readers, the
                      planner and the fits) with N cases per target (default 2000)
    explore [--seed S]
                      run the tests with the property tests on a fresh random seed (printed;
                      or S) instead of the fixed seed `cargo test` uses
    python            create .venv with the pinned scikit-learn (for fixtures and benchmarks)
    docs [--check]    regenerate the images in docs/img/ that the README shows
                      (--check: fail if the committed ones are stale)
    help              this text
";

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let Some(task) = args.next() else {
        eprint!("{HELP}");
        return ExitCode::FAILURE;
    };
    let rest: Vec<OsString> = args.collect();
    let root = workspace_root();
    let result = match task.to_str().unwrap_or("") {
        "run" | "fit" | "data" | "plot" | "merge" | "slurm" => forward(&root, &task, &rest),
        "bench" => bench(&root, &rest),
        "ci" => status(
            Command::new("bash")
                .arg(root.join(".ci/run"))
                .current_dir(&root),
        ),
        "python" => python_env(&root),
        "explore" => explore(&root, &rest),
        "fuzz" => fuzz(&root, &rest),
        "docs" => docs(&root, &rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("xtask: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask's manifest lives one folder below it.
fn workspace_root() -> PathBuf {
    let manifest = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("xtask"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Builds `clusterlab` (release) and runs it with `task` and `rest`, in the caller's folder.
fn forward(root: &Path, task: &OsString, rest: &[OsString]) -> Result<(), String> {
    let mut cmd = release_binary(root, "clusterlab", "clusterlab")?;
    cmd.arg(task).args(rest);
    status(&mut cmd)
}

/// Builds `clusterlab-bench` (release, its own crate: the user's binary carries no benchmark)
/// and runs it with `rest`.
fn bench(root: &Path, rest: &[OsString]) -> Result<(), String> {
    let mut cmd = release_binary(root, "clusterlab-bench", "clusterlab-bench")?;
    cmd.args(rest);
    status(&mut cmd)
}

/// Builds `bin` of `package` with the release profile and returns a command running it, with
/// the environment the benchmarks and the runner read.
fn release_binary(root: &Path, package: &str, bin: &str) -> Result<Command, String> {
    status(
        cargo()
            .args([
                "build",
                "--release",
                "--quiet",
                "--package",
                package,
                "--bin",
                bin,
            ])
            .current_dir(root),
    )?;
    let exe = target_dir(root)
        .join("release")
        .join(format!("{bin}{}", env::consts::EXE_SUFFIX));
    let mut cmd = Command::new(&exe);
    let venv_python = root.join(".venv/bin/python");
    if env::var_os("CLUSTERLAB_PYTHON").is_none() && venv_python.exists() {
        cmd.env("CLUSTERLAB_PYTHON", venv_python);
    }
    cmd.env("CLUSTERLAB_ROOT", root);
    Ok(cmd)
}

/// Runs the workspace's tests with the property tests on another seed than the fixed one of
/// `.cargo/config.toml`, to look for cases CI never tries. A failure prints the seed that
/// reproduces it; proptest also saves the shrunk case under `proptest-regressions/`.
fn explore(root: &Path, args: &[OsString]) -> Result<(), String> {
    let usage = "usage: cargo xtask explore [--seed S]";
    let seed: u64 = match args {
        [] => {
            use std::hash::{BuildHasher, RandomState};
            RandomState::new().hash_one(std::process::id())
        }
        [flag, value] if flag == "--seed" => value
            .to_str()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("--seed takes a whole number; {usage}"))?,
        _ => return Err(usage.into()),
    };
    println!("property tests on PROPTEST_RNG_SEED={seed}");
    status(
        cargo()
            .args(["test", "--workspace", "--tests"])
            .env("PROPTEST_RNG_SEED", seed.to_string())
            .current_dir(root),
    )
    .map_err(|e| format!("{e}; reproduce with `cargo xtask explore --seed {seed}`"))
}

/// Runs the fuzz harness (`crates/experiment/tests/fuzz.rs`) optimised, longer than CI does:
/// `--cases N` per target (default 2000) on a fresh seed (printed) or `--seed S`.
fn fuzz(root: &Path, args: &[OsString]) -> Result<(), String> {
    let usage = "usage: cargo xtask fuzz [--cases N] [--seed S]";
    let mut cases: u64 = 2000;
    let mut seed: Option<u64> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| format!("{} takes a whole number; {usage}", flag.to_string_lossy()))?;
        match flag.to_str() {
            Some("--cases") => cases = value,
            Some("--seed") => seed = Some(value),
            _ => return Err(usage.into()),
        }
    }
    let seed = seed.unwrap_or_else(|| {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(std::process::id())
    });
    println!("fuzzing with {cases} cases per target on PROPTEST_RNG_SEED={seed}");
    status(
        cargo()
            .args([
                "test",
                "--release",
                "--package",
                "clusterlab-experiment",
                "--test",
                "fuzz",
            ])
            .env("PROPTEST_RNG_SEED", seed.to_string())
            .env("CLUSTERLAB_FUZZ_CASES", cases.to_string())
            .current_dir(root),
    )
    .map_err(|e| format!("{e}; reproduce with `cargo xtask fuzz --cases {cases} --seed {seed}`"))
}

fn python_env(root: &Path) -> Result<(), String> {
    let venv = root.join(".venv");
    if !venv.join("bin/python").exists() {
        status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    status(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        SKLEARN,
        "threadpoolctl",
    ]))?;
    println!(
        "ready: {} (used by `cargo xtask bench` and the fixture scripts)",
        venv.join("bin/python").display()
    );
    Ok(())
}

/// The README's images: (experiment, plot file under its `plots/`, name under `docs/img/`).
const DOC_IMAGES: [(&str, &str, &str); 8] = [
    ("k_sweep", "elbow.png", "elbow.png"),
    ("shapes", "gallery.png", "shapes_gallery.png"),
    ("k_sweep", "trace_all.png", "trace.png"),
    ("k_sweep", "selection.png", "selection.png"),
    ("k_sweep", "agreement.png", "agreement.png"),
    ("tutorial", "scatter_truth.png", "tutorial_truth.png"),
    (
        "tutorial",
        "scatter_kmeans_k5_seed0.png",
        "tutorial_kmeans_k5.png",
    ),
    (
        "tutorial",
        "scatter_gmm_k2_seed0.png",
        "tutorial_gmm_k2.png",
    ),
];

/// Images the README shows should stay small; a larger one means a plot changed shape.
const DOC_IMAGE_MAX_BYTES: u64 = 150_000;

/// Regenerates the README's images: runs the shipped grids whose plots the README shows and
/// copies their PNGs into docs/img/. With `--check`, regenerates them elsewhere and fails if
/// any committed image differs (plots depend only on the recorded results, which a seed fixes,
/// so the same code gives the same bytes).
fn docs(root: &Path, args: &[OsString]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => return Err("usage: cargo xtask docs [--check]".into()),
    };
    let out = target_dir(root).join("docs-results");
    for grid in ["k_sweep", "tutorial", "shapes"] {
        forward(
            root,
            &"run".into(),
            &[
                root.join("experiments").join(format!("{grid}.toml")).into(),
                "--out".into(),
                out.join(grid).into_os_string(),
                "--force".into(),
            ],
        )?;
    }
    // The criteria plot (and the agreement view drawn with it) is not among k_sweep's [[plot]]
    // tables: draw it on demand.
    forward(
        root,
        &"plot".into(),
        &[
            out.join("k_sweep").into_os_string(),
            "--only".into(),
            "criteria".into(),
        ],
    )?;
    let img = root.join("docs/img");
    std::fs::create_dir_all(&img).map_err(|e| format!("creating {}: {e}", img.display()))?;
    let mut stale = Vec::new();
    for (grid, plot, name) in DOC_IMAGES {
        let from = out.join(grid).join("plots").join(plot);
        let to = img.join(name);
        let fresh = std::fs::read(&from).map_err(|e| format!("reading {}: {e}", from.display()))?;
        if fresh.len() as u64 > DOC_IMAGE_MAX_BYTES {
            return Err(format!(
                "{} is {} bytes, over the {DOC_IMAGE_MAX_BYTES} allowed for README images",
                from.display(),
                fresh.len()
            ));
        }
        if check {
            if std::fs::read(&to).ok().as_deref() != Some(fresh.as_slice()) {
                stale.push(format!("docs/img/{name}"));
            }
        } else {
            std::fs::write(&to, &fresh).map_err(|e| format!("writing {}: {e}", to.display()))?;
            println!("docs/img/{name} ({} KB)", fresh.len().div_ceil(1024));
        }
    }
    if !stale.is_empty() {
        return Err(format!(
            "stale README images (run `cargo xtask docs`): {}",
            stale.join(", ")
        ));
    }
    println!(
        "docs/img/ {}",
        if check {
            "is up to date"
        } else {
            "regenerated"
        }
    );
    Ok(())
}

fn status(cmd: &mut Command) -> Result<(), String> {
    let st = cmd
        .status()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({st})", cmd.get_program()))
    }
}
