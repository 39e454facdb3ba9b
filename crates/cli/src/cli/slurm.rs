//! `clusterlab slurm`: a grid as a Slurm job array, one task per shard, and a merge job after
//! it.
//!
//! The scripts are plain `sbatch` files in `DIR/slurm/`, so that a user on a cluster where
//! jobs are submitted by hand (or through another launcher) can read and submit them. With
//! `--submit` this command submits them itself; with `--wait` it follows the jobs to the end.
//!
//! The merge job depends on the array with `afterany`, not `afterok`: Slurm keeps an `afterok`
//! dependent pending forever (`DependencyNeverSatisfied`) when one task fails, whereas a merge
//! that runs anyway writes the tables, or lists the missing cells with the commands that run
//! them.

use std::{
    fmt::Write as _,
    fs,
    io::IsTerminal,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Args;
use clusterlab_experiment::{
    exec, folder,
    grid::{GridFile, Plan},
    record::write_atomic,
};

use crate::cli::merge::sh_quote;

/// Slurm's default `MaxArraySize`: array indices run from 0 to this minus 1.
const DEFAULT_MAX_ARRAY_SIZE: usize = 1001;

/// Arguments of `clusterlab slurm`.
#[derive(Debug, Args)]
#[command(
    long_about = "Runs a grid on a Slurm cluster: writes DIR/slurm/array.sbatch (a job \
                      array of N tasks, task I running `clusterlab run GRID --shard I/N`) and \
                      DIR/slurm/merge.sbatch (`clusterlab merge DIR`, after the whole array, \
                      whatever its tasks' outcome). With --submit it submits both and prints \
                      their job ids; with --wait it then follows them and exits with the merge's \
                      status. Submitting again on the same folder runs only the shards that \
                      still miss cells. Tasks are requeueable: a requeued task resumes from its \
                      own journal."
)]
pub struct SlurmArgs {
    /// The grid file (TOML).
    pub grid: PathBuf,
    /// Number of array tasks (shards of the grid).
    #[arg(long, value_name = "N")]
    pub tasks: usize,
    /// At most this many tasks run at once (`--array=...%M`).
    #[arg(long, value_name = "M")]
    pub max_parallel: Option<usize>,
    /// CPUs of each task; the task runs its cells on that many threads.
    #[arg(long, value_name = "C", default_value_t = 1)]
    pub cpus_per_task: usize,
    /// Memory of each task (sbatch's --mem, for instance 4G).
    #[arg(long, value_name = "SIZE")]
    pub mem: Option<String>,
    /// Time limit of each task (sbatch's --time, for instance 01:00:00).
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    /// Partition to submit to.
    #[arg(long, value_name = "NAME")]
    pub partition: Option<String>,
    /// Account to charge.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// One more sbatch option for both scripts (repeatable): `--sbatch-arg=--qos=long`.
    #[arg(long = "sbatch-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub sbatch_args: Vec<String>,
    /// Results folder (default: results/NAME).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Submit the scripts with sbatch (otherwise only write them).
    #[arg(long)]
    pub submit: bool,
    /// After submitting, wait for the merge job and exit with its status.
    #[arg(long, requires = "submit")]
    pub wait: bool,
}

/// The job ids of one submission.
#[derive(Debug, Clone)]
struct Submitted {
    array: Option<String>,
    merge: String,
}

impl SlurmArgs {
    /// Writes the scripts, and submits and follows them when asked.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        self.check()?;
        let plan = GridFile::load(&self.grid)?;
        for w in &plan.warnings {
            eprintln!("warning: {w}");
        }
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from("results").join(&plan.grid.experiment.name));
        // The scripts run on other machines, from other folders: every path in them is absolute.
        let out = std::path::absolute(&out).context("making the results folder's path absolute")?;
        let grid = std::path::absolute(&self.grid).context("making the grid's path absolute")?;
        let exe = std::env::current_exe().context("finding the clusterlab binary")?;
        // A cluster that cannot take the array is found before anything is written.
        let sbatch = if self.submit { on_path("sbatch") } else { None };
        if sbatch.is_some() {
            let max = max_array_size();
            if self.tasks > max {
                bail!(
                    "--tasks {} is more than this cluster's MaxArraySize ({max}): a job array's \
                     indices run from 0 to {}; use --tasks {max} or fewer (each task then runs \
                     more cells)",
                    self.tasks,
                    max - 1
                );
            }
        }
        let slurm_dir = out.join("slurm");
        {
            // The folder must be clusterlab's, and no shard or run may be writing it now.
            let _held = folder::claim(&out, false)?;
            fs::create_dir_all(slurm_dir.join("logs"))
                .with_context(|| format!("creating {}", slurm_dir.join("logs").display()))?;
        }
        let progress = exec::shard_progress(&plan, &out, self.tasks)?;
        let unfinished: Vec<usize> = progress
            .iter()
            .enumerate()
            .filter(|(_, (_, missing))| *missing > 0)
            .map(|(i, _)| i)
            .collect();
        let array_path = slurm_dir.join("array.sbatch");
        let merge_path = slurm_dir.join("merge.sbatch");
        write_atomic(
            &array_path,
            self.array_script(&plan, &exe, &grid, &out).as_bytes(),
        )?;
        write_atomic(&merge_path, self.merge_script(&plan, &exe, &out).as_bytes())?;
        let n_missing: usize = progress.iter().map(|(_, m)| m).sum();
        println!(
            "wrote {} ({} tasks, {} of {} cells to run) and {}",
            array_path.display(),
            self.tasks,
            n_missing,
            plan.cells.len(),
            merge_path.display()
        );
        let spec = array_spec(&unfinished, self.max_parallel);
        if !self.submit {
            match &spec {
                Some(spec) => println!(
                    "submit them with:\n  a=$(sbatch --parsable --array={spec} {})\n  sbatch \
                     --dependency=afterany:${{a%%;*}} {}",
                    sh_quote(&array_path),
                    sh_quote(&merge_path)
                ),
                None => println!(
                    "every cell is done: `clusterlab merge {}` writes the tables",
                    sh_quote(&out)
                ),
            }
            return Ok(ExitCode::SUCCESS);
        }

        let sbatch = sbatch.with_context(|| {
            format!(
                "sbatch is not on PATH, so this machine cannot submit Slurm jobs (run this on \
                 the cluster's login node, or submit {} and {} there by hand)",
                array_path.display(),
                merge_path.display()
            )
        })?;
        refuse_if_active(&slurm_dir)?;
        let array = match &spec {
            Some(spec) => Some(sbatch_parsable(
                &sbatch,
                &[format!("--array={spec}")],
                &array_path,
            )?),
            None => {
                println!("every cell is done already: submitting only the merge");
                None
            }
        };
        let dependency = array
            .as_ref()
            .map(|a| vec![format!("--dependency=afterany:{a}")])
            .unwrap_or_default();
        let merge = sbatch_parsable(&sbatch, &dependency, &merge_path)?;
        let _ = fs::remove_file(slurm_dir.join("merge.status"));
        let submitted = Submitted { array, merge };
        record_submission(&slurm_dir, &submitted, spec.as_deref())?;
        if let (Some(a), Some(spec)) = (&submitted.array, &spec) {
            println!(
                "submitted array job {a} (shards {spec} of {}) and merge job {} (after the \
                 array, whatever its tasks' outcome)",
                self.tasks, submitted.merge
            );
        } else {
            println!("submitted merge job {}", submitted.merge);
        }
        let ids: Vec<&str> = submitted
            .array
            .iter()
            .map(String::as_str)
            .chain([submitted.merge.as_str()])
            .collect();
        println!(
            "watch them: squeue -j {}; logs in {}",
            ids.join(","),
            slurm_dir.join("logs").display()
        );
        if !self.wait {
            return Ok(ExitCode::SUCCESS);
        }
        wait_for(&plan, &out, &submitted)
    }

    /// Refuses values that cannot be: before anything is written.
    fn check(&self) -> anyhow::Result<()> {
        if self.tasks == 0 {
            bail!("--tasks must be at least 1");
        }
        if self.max_parallel == Some(0) {
            bail!("--max-parallel must be at least 1");
        }
        if self.cpus_per_task == 0 {
            bail!("--cpus-per-task must be at least 1");
        }
        let values = [
            ("--mem", &self.mem),
            ("--time", &self.time),
            ("--partition", &self.partition),
            ("--account", &self.account),
        ];
        for (flag, v) in values {
            if let Some(v) = v
                && (v.is_empty() || v.chars().any(char::is_whitespace))
            {
                bail!("{flag} `{v}` must be one word (no spaces or line breaks)");
            }
        }
        for a in &self.sbatch_args {
            if !a.starts_with('-') || a.contains('\n') {
                bail!(
                    "--sbatch-arg `{a}` is not an sbatch option: give one option per flag, as \
                     --sbatch-arg=--qos=long"
                );
            }
        }
        Ok(())
    }

    /// The `#SBATCH` lines both scripts share.
    fn common_options(&self, s: &mut String) {
        for (name, v) in [
            ("mem", &self.mem),
            ("time", &self.time),
            ("partition", &self.partition),
            ("account", &self.account),
        ] {
            if let Some(v) = v {
                let _ = writeln!(s, "#SBATCH --{name}={v}");
            }
        }
        for a in &self.sbatch_args {
            let _ = writeln!(s, "#SBATCH {a}");
        }
    }

    fn array_script(&self, plan: &Plan, exe: &Path, grid: &Path, out: &Path) -> String {
        let n = self.tasks;
        let name = &plan.grid.experiment.name;
        let mut s = String::new();
        let _ = writeln!(s, "#!/bin/bash");
        let _ = writeln!(
            s,
            "# Written by `clusterlab slurm` for the grid {}: task I of the array runs shard I \
             of {n}.",
            grid.display()
        );
        let _ = writeln!(
            s,
            "# A requeued or resubmitted task resumes from its journal, {}/shards/I-of-{n}.jsonl.",
            out.display()
        );
        let _ = writeln!(s, "#SBATCH --job-name=clusterlab-{}", job_name(name));
        let _ = writeln!(
            s,
            "#SBATCH --array={}",
            array_spec(&(0..n).collect::<Vec<_>>(), self.max_parallel).unwrap_or_default()
        );
        let _ = writeln!(s, "#SBATCH --requeue");
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", self.cpus_per_task);
        let _ = writeln!(
            s,
            "#SBATCH --output={}/slurm/logs/shard-%a-of-{n}.out",
            out.display()
        );
        let _ = writeln!(s, "#SBATCH --open-mode=append");
        self.common_options(&mut s);
        let _ = writeln!(s, "set -euo pipefail");
        let _ = writeln!(
            s,
            "# exec: clusterlab itself receives Slurm's SIGTERM, finishes the line it is \
             writing and exits."
        );
        let _ = writeln!(
            s,
            "exec {} run {} --out {} --shard \"$SLURM_ARRAY_TASK_ID/{n}\" --jobs \
             \"${{SLURM_CPUS_PER_TASK:-1}}\"",
            sh_quote(exe),
            sh_quote(grid),
            sh_quote(out)
        );
        s
    }

    fn merge_script(&self, plan: &Plan, exe: &Path, out: &Path) -> String {
        let name = &plan.grid.experiment.name;
        let status = out.join("slurm").join("merge.status");
        let mut s = String::new();
        let _ = writeln!(s, "#!/bin/bash");
        let _ = writeln!(
            s,
            "# Written by `clusterlab slurm`: the tables, plots and report once the array has \
             ended, or the list of missing cells."
        );
        let _ = writeln!(s, "#SBATCH --job-name=clusterlab-{}-merge", job_name(name));
        let _ = writeln!(s, "#SBATCH --cpus-per-task=1");
        let _ = writeln!(
            s,
            "#SBATCH --output={}/slurm/logs/merge-%j.out",
            out.display()
        );
        self.common_options(&mut s);
        let _ = writeln!(s, "set -uo pipefail");
        let _ = writeln!(s, "{} merge {}", sh_quote(exe), sh_quote(out));
        let _ = writeln!(s, "status=$?");
        let _ = writeln!(
            s,
            "# For `clusterlab slurm --wait`, which may outlive Slurm's memory of the job."
        );
        let _ = writeln!(
            s,
            "echo \"$status\" > {q}.tmp && mv {q}.tmp {q}",
            q = sh_quote(&status)
        );
        let _ = writeln!(s, "exit \"$status\"");
        s
    }
}

/// A job name Slurm shows whole: the experiment's name without spaces.
fn job_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `--array`'s value for these task indices (ranges folded: `0-3`, `1,4-6`), with `%M`;
/// `None` when there are none.
fn array_spec(indices: &[usize], max_parallel: Option<usize>) -> Option<String> {
    let first = *indices.first()?;
    let mut parts = Vec::new();
    let (mut start, mut end) = (first, first);
    for &i in &indices[1..] {
        if i == end + 1 {
            end = i;
        } else {
            parts.push((start, end));
            (start, end) = (i, i);
        }
    }
    parts.push((start, end));
    let mut spec = parts
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    if let Some(m) = max_parallel {
        let _ = write!(spec, "%{m}");
    }
    Some(spec)
}

/// The full path of `program` on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The cluster's `MaxArraySize` (from `scontrol show config`), or Slurm's default when it
/// cannot be read.
fn max_array_size() -> usize {
    Command::new("scontrol")
        .args(["show", "config"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| parse_max_array_size(&String::from_utf8_lossy(&o.stdout)))
        .unwrap_or(DEFAULT_MAX_ARRAY_SIZE)
}

/// `MaxArraySize = 1001` in `scontrol show config`'s output.
fn parse_max_array_size(config: &str) -> Option<usize> {
    config.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        (key.trim() == "MaxArraySize")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

/// Runs `sbatch --parsable ARGS SCRIPT` and returns the job id.
fn sbatch_parsable(sbatch: &Path, args: &[String], script: &Path) -> anyhow::Result<String> {
    let out = Command::new(sbatch)
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .with_context(|| format!("running {}", sbatch.display()))?;
    if !out.status.success() {
        bail!(
            "sbatch {} {} failed ({}): {}",
            args.join(" "),
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    // `--parsable` prints `jobid` or `jobid;cluster`.
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_owned();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        bail!("sbatch printed `{}`, not a job id", text.trim());
    }
    Ok(id)
}

/// The file of submissions: one line per `slurm --submit`.
const JOBS_FILE: &str = "jobs.tsv";

fn record_submission(slurm_dir: &Path, s: &Submitted, spec: Option<&str>) -> anyhow::Result<()> {
    let path = slurm_dir.join(JOBS_FILE);
    let mut text = fs::read_to_string(&path)
        .unwrap_or_else(|_| "submitted\tarray_job\tarray\tmerge_job\n".to_owned());
    let _ = writeln!(
        text,
        "{}\t{}\t{}\t{}",
        humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
        s.array.as_deref().unwrap_or(""),
        spec.unwrap_or(""),
        s.merge
    );
    write_atomic(&path, text.as_bytes())?;
    Ok(())
}

/// Refuses a submission while the jobs of the folder's last one are still pending or running:
/// the new tasks would be refused by the old ones' journal locks, or race them.
fn refuse_if_active(slurm_dir: &Path) -> anyhow::Result<()> {
    let Ok(text) = fs::read_to_string(slurm_dir.join(JOBS_FILE)) else {
        return Ok(());
    };
    let Some(last) = text.lines().skip(1).last() else {
        return Ok(());
    };
    let fields: Vec<&str> = last.split('\t').collect();
    let ids: Vec<&str> = [fields.get(1), fields.get(3)]
        .into_iter()
        .flatten()
        .copied()
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let out = Command::new("squeue")
        .args(["-h", "-o", "%i %T", "-j", &ids.join(",")])
        .output();
    let Ok(out) = out else { return Ok(()) };
    let active: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            l.split_whitespace().nth(1).is_some_and(|state| {
                !matches!(
                    state,
                    "COMPLETED"
                        | "FAILED"
                        | "CANCELLED"
                        | "TIMEOUT"
                        | "NODE_FAIL"
                        | "OUT_OF_MEMORY"
                )
            })
        })
        .map(str::to_owned)
        .collect();
    if !active.is_empty() {
        bail!(
            "the jobs of this folder's last submission are still in the queue ({}); wait for \
             them to end, or cancel them with `scancel {}`, before submitting again",
            active.join(", "),
            ids.join(" ")
        );
    }
    Ok(())
}

/// A job's state and exit code from `scontrol show job -o ID`; `None` when Slurm no longer
/// knows it.
fn job_state(id: &str) -> Option<(String, Option<i32>)> {
    let out = Command::new("scontrol")
        .args(["show", "job", "-o", id])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // An array's record has one line per task; the merge job has one.
    let line = text.lines().next()?;
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_owned)
    };
    let state = field("JobState")?;
    let code = field("ExitCode").and_then(|c| c.split(':').next()?.parse().ok());
    Some((state, code))
}

/// Whether a job state is final.
fn is_final(state: &str) -> bool {
    !matches!(
        state,
        "PENDING"
            | "RUNNING"
            | "CONFIGURING"
            | "COMPLETING"
            | "REQUEUED"
            | "RESIZING"
            | "SUSPENDED"
    )
}

/// Follows the jobs until the merge ends; exits with its status.
fn wait_for(plan: &Plan, out: &Path, submitted: &Submitted) -> anyhow::Result<ExitCode> {
    let status_file = out.join("slurm").join("merge.status");
    let bar = std::io::stdout().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(plan.cells.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cells done, {msg}")
        {
            bar.set_style(style);
        }
        bar
    });
    let t0 = Instant::now();
    let mut last_line = String::new();
    let (state, code) = loop {
        let merge = job_state(&submitted.merge);
        let done = exec::shard_progress(plan, out, 1)
            .map(|p| plan.cells.len() - p.first().map_or(0, |(_, m)| *m))
            .unwrap_or(0);
        let merge_state = merge
            .as_ref()
            .map_or_else(|| "gone".to_owned(), |(s, _)| s.clone());
        match &bar {
            Some(bar) => {
                bar.set_position(done as u64);
                bar.set_message(format!("merge job {} {merge_state}", submitted.merge));
            }
            None => {
                let line = format!(
                    "{done}/{} cells done, merge job {} {merge_state}",
                    plan.cells.len(),
                    submitted.merge
                );
                if line != last_line {
                    println!("[{:>5.0} s] {line}", t0.elapsed().as_secs_f64());
                    last_line = line;
                }
            }
        }
        match merge {
            Some((state, code)) if is_final(&state) => break (state, code),
            // Slurm forgot the job (MinJobAge passed): its status file says how it ended.
            None => {
                let code = fs::read_to_string(&status_file)
                    .ok()
                    .and_then(|s| s.trim().parse().ok());
                break ("ENDED".to_owned(), code);
            }
            Some(_) => std::thread::sleep(Duration::from_secs(1)),
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // The merge's own output (the tables written, or the missing cells) is the answer.
    let logs = out.join("slurm").join("logs");
    let log = logs.join(format!("merge-{}.out", submitted.merge));
    if let Ok(text) = fs::read_to_string(&log) {
        print!("{text}");
    }
    let code = fs::read_to_string(&status_file)
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .or(code);
    println!(
        "merge job {} ended: {state}, exit status {} (after {:.0} s; log {})",
        submitted.merge,
        code.map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
        t0.elapsed().as_secs_f64(),
        log.display()
    );
    // The merge's own exit status (1 when cells are missing or failed); a merge that Slurm
    // cancelled or timed out without a status fails.
    Ok(match code {
        Some(c) if matches!(state.as_str(), "COMPLETED" | "FAILED" | "ENDED") => {
            ExitCode::from(u8::try_from(c).unwrap_or(1))
        }
        _ => ExitCode::FAILURE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_specs_fold_ranges() {
        assert_eq!(array_spec(&[0, 1, 2, 3], None).unwrap(), "0-3");
        assert_eq!(array_spec(&[0, 1, 2, 3], Some(2)).unwrap(), "0-3%2");
        assert_eq!(array_spec(&[1, 3, 4, 5, 9], Some(3)).unwrap(), "1,3-5,9%3");
        assert_eq!(array_spec(&[2], None).unwrap(), "2");
        assert_eq!(array_spec(&[], Some(2)), None);
    }

    #[test]
    fn reads_max_array_size() {
        let text = "MaxArraySize            = 1001\nMaxJobCount             = 10000\n";
        assert_eq!(parse_max_array_size(text), Some(1001));
        assert_eq!(parse_max_array_size("MaxJobCount = 3\n"), None);
    }

    #[test]
    fn job_names_have_no_spaces() {
        assert_eq!(job_name("k sweep/2"), "k_sweep_2");
        assert_eq!(job_name("k_sweep-2.1"), "k_sweep-2.1");
    }
}
