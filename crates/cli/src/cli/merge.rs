//! `clusterlab merge`: the tables, plots and report of a grid run in shards.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::bail;
use clap::Args;
use clusterlab_experiment::exec::{self, Merged, Missing};

/// Arguments of `clusterlab merge`.
#[derive(Debug, Args)]
#[command(
    long_about = "Reads every journal of a results folder (cells.jsonl and shards/I-of-N.jsonl), \
                  checks that each cell of the grid saved there (experiment.toml) is present, and \
                  writes runs.csv, summary.csv, best_k.csv, the plots and report.html exactly as \
                  one `clusterlab run` of the grid would (the same bytes but for fit_seconds). If \
                  cells are missing it writes nothing, lists them by shard with the command that \
                  runs them, and exits with status 1."
)]
pub struct MergeArgs {
    /// The results folder the shards wrote (`--out` of `clusterlab run --shard`).
    pub dir: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

impl MergeArgs {
    /// Merges the folder's journals.
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        if !self.dir.join("experiment.toml").is_file() {
            bail!(
                "{} is not the results folder of a grid: it has no experiment.toml (a run or a \
                 shard writes it when it starts)",
                self.dir.display()
            );
        }
        crate::cli::signals::end_between_writes();
        let plan = exec::saved_plan(&self.dir)?;
        match exec::merge(&plan, &self.dir)? {
            Merged::Complete(outcome) => Ok(crate::cli::run::finish(&plan, &outcome, self.quiet)),
            Merged::Incomplete(missing) => {
                eprint!("{}", missing_text(&missing, plan.cells.len(), &self.dir));
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

/// A path as one word of a POSIX shell command line.
pub fn sh_quote(path: &Path) -> String {
    let s = path.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The report of an incomplete merge: the missing cells by shard, each shard with the command
/// that runs it.
pub fn missing_text(missing: &Missing, total: usize, dir: &Path) -> String {
    use std::fmt::Write;
    const SHOWN: usize = 10;
    let mut s = String::new();
    for n in &missing.notes {
        let _ = writeln!(s, "note: {n}");
    }
    let _ = writeln!(
        s,
        "error: {} of {total} cells are in no journal of {}; nothing was written",
        missing.len(),
        dir.display()
    );
    for (shard, cells) in &missing.by_shard {
        let run = format!(
            "clusterlab run {} --out {}",
            sh_quote(&missing.grid),
            sh_quote(dir)
        );
        match shard {
            Some(sh) => {
                let _ = writeln!(
                    s,
                    "shard {sh}: {} cell{} missing; run them with: {run} --shard {sh}",
                    cells.len(),
                    if cells.len() == 1 { "" } else { "s" }
                );
            }
            None => {
                let _ = writeln!(s, "run them with: {run}");
            }
        }
        for c in cells.iter().take(SHOWN) {
            let k = c.k.map(|k| format!(" k={k}")).unwrap_or_default();
            let _ = writeln!(s, "  {} {}{k} seed={}", c.id, c.model, c.seed);
        }
        if cells.len() > SHOWN {
            let _ = writeln!(s, "  ... and {} more", cells.len() - SHOWN);
        }
    }
    let _ = writeln!(
        s,
        "then: clusterlab merge {} (or resubmit: clusterlab slurm {} --tasks N --out {} \
         --submit runs only the shards that miss cells)",
        sh_quote(dir),
        sh_quote(&missing.grid),
        sh_quote(dir)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(sh_quote(Path::new("/a/b-c_d.toml")), "/a/b-c_d.toml");
        assert_eq!(sh_quote(Path::new("/my dir/x")), "'/my dir/x'");
        assert_eq!(sh_quote(Path::new("it's")), r"'it'\''s'");
    }
}
