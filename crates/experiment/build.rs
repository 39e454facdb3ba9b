//! Records what built this crate, for `meta.json`: the compiler's version, and clusterlab's own
//! commit and whether its source tree had uncommitted changes (when built from a git checkout).

use std::{path::Path, process::Command};

fn output(cmd: &mut Command) -> Option<String> {
    cmd.output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
}

fn main() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = output(Command::new(rustc).arg("--version")).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CLUSTERLAB_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");

    let here = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let git = |args: &[&str]| output(Command::new("git").args(args).current_dir(&here));
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_default();
    // Uncommitted changes to clusterlab's own sources (untracked files aside).
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .map(|s| (!s.is_empty()).to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=CLUSTERLAB_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=CLUSTERLAB_GIT_DIRTY={dirty}");
    // Rebuilt when HEAD moves or the index changes (a commit, a checkout, an add).
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        for f in ["HEAD", "index"] {
            let p = Path::new(&git_dir).join(f);
            if p.exists() {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
    }
}
