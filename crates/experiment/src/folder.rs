//! The results folder: claimed by a marker, held by one writer at a time, and cleared (with
//! `--force`) of what clusterlab wrote and nothing else.
//!
//! - A folder is clusterlab's when it holds the marker [`MARKER`] (written when a run first
//!   uses the folder) or, for folders written before the marker existed, a journal. A run
//!   refuses a folder that is neither empty nor clusterlab's: the results of a grid never land
//!   among a user's own files, and `--force` never deletes them.
//! - A run holds an exclusive lock on [`LOCK`] (the operating system's advisory file lock,
//!   released when the process ends, however it ends) for as long as it writes. A second run on
//!   the same folder stops at once with an error naming the holder (host, process id, start
//!   time), instead of interleaving its journal lines with the first one's.
//! - `--force` removes exactly the files and folders a run writes ([`OWNED`], [`OWNED_DIRS`]).

use std::{
    fs::{self, File, OpenOptions, TryLockError},
    io::{Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    time::SystemTime,
};

use crate::Error;

/// The marker that makes a folder a clusterlab results folder.
pub const MARKER: &str = ".clusterlab";

/// The lock file a run holds while it writes.
pub const LOCK: &str = ".clusterlab.lock";

/// The journal: a folder that has one was written by clusterlab (before the marker existed).
const JOURNAL: &str = "cells.jsonl";

/// Files a run writes in its results folder; `--force` removes exactly these and the folders
/// of [`OWNED_DIRS`].
pub const OWNED: [&str; 9] = [
    JOURNAL,
    crate::schema::COLUMNS_FILE,
    "runs.csv",
    "summary.csv",
    "best_k.csv",
    "meta.json",
    "experiment.toml",
    "data.csv",
    "report.html",
];

/// Folders a run fills: a forced run starts them empty, so no plot or model of an earlier grid
/// is left beside the new results.
pub const OWNED_DIRS: [&str; 3] = ["models", "data", "plots"];

/// A results folder held by this process: the lock is released when it is dropped (and by the
/// operating system if the process dies).
#[derive(Debug)]
pub struct Held {
    dir: PathBuf,
    _lock: File,
}

impl Held {
    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether `dir` is a clusterlab results folder (the marker, or a journal of an older run).
pub fn is_results_folder(dir: &Path) -> bool {
    dir.join(MARKER).is_file() || dir.join(JOURNAL).is_file()
}

/// Whether `dir` has no entry at all (a missing folder counts as empty).
fn is_empty(dir: &Path) -> Result<bool, Error> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(source) => Err(Error::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// Claims `dir` for a run: creates it (and its marker) if needed, refuses a folder that holds
/// anything but clusterlab's results, and takes the writer's lock. With `force`, then removes
/// what earlier runs wrote there.
pub fn claim(dir: &Path, force: bool) -> Result<Held, Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Folder {
            dir: dir.to_path_buf(),
            message: "is not a folder".into(),
        });
    }
    if !is_results_folder(dir) && !is_empty(dir)? {
        return Err(Error::Folder {
            dir: dir.to_path_buf(),
            message: format!(
                "holds files that clusterlab did not write (it has no {MARKER} marker): \
                 results go to an empty or new folder; choose another --out"
            ),
        });
    }
    fs::create_dir_all(dir).map_err(io(dir))?;
    let marker = dir.join(MARKER);
    if !marker.is_file() {
        let text = format!(
            "This folder holds the results of clusterlab runs (clusterlab {}).\n\
             `clusterlab run --force` removes only the files clusterlab writes here.\n",
            env!("CARGO_PKG_VERSION")
        );
        fs::write(&marker, text).map_err(io(&marker))?;
    }
    let held = lock(dir)?;
    if force {
        clear(dir)?;
    }
    Ok(held)
}

/// Takes the writer's lock of `dir`, or says who holds it.
fn lock(dir: &Path) -> Result<Held, Error> {
    let path = dir.join(LOCK);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() {
                "another process".to_owned()
            } else {
                holder.to_owned()
            };
            return Err(Error::Folder {
                dir: dir.to_path_buf(),
                message: format!(
                    "is being written by another clusterlab run ({holder}); wait for it to \
                     finish, or give this run another --out"
                ),
            });
        }
        Err(TryLockError::Error(source)) => return Err(Error::Io { path, source }),
    }
    // Who holds it, for the message of a second run.
    let holder = format!(
        "host {}, pid {}, since {}",
        hostname(),
        std::process::id(),
        humantime::format_rfc3339_seconds(SystemTime::now())
    );
    file.set_len(0).map_err(io(&path))?;
    file.seek(SeekFrom::Start(0)).map_err(io(&path))?;
    file.write_all(holder.as_bytes()).map_err(io(&path))?;
    file.flush().map_err(io(&path))?;
    Ok(Held {
        dir: dir.to_path_buf(),
        _lock: file,
    })
}

/// The machine's name, as the kernel reports it.
fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// Removes what runs write in `dir`: the files of [`OWNED`] and the folders of [`OWNED_DIRS`].
fn clear(dir: &Path) -> Result<(), Error> {
    for f in OWNED {
        let p = dir.join(f);
        if p.is_file() {
            fs::remove_file(&p).map_err(io(&p))?;
        }
    }
    for d in OWNED_DIRS {
        let p = dir.join(d);
        if p.is_dir() {
            fs::remove_dir_all(&p).map_err(io(&p))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn force_on_a_folder_of_user_files_refuses_and_deletes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::create_dir(dir.join("data")).unwrap();
        fs::write(dir.join("data/mine.csv"), "1,2\n").unwrap();
        fs::create_dir(dir.join("plots")).unwrap();
        let err = claim(dir, true).unwrap_err().to_string();
        assert!(err.contains("did not write"), "{err}");
        assert!(dir.join("data/mine.csv").exists());
        assert!(dir.join("plots").exists());
        assert!(!dir.join(MARKER).exists());
    }

    #[test]
    fn an_empty_or_new_folder_is_claimed_and_marked() {
        let tmp = tempfile::tempdir().unwrap();
        let new = tmp.path().join("new");
        let held = claim(&new, false).unwrap();
        assert!(new.join(MARKER).is_file());
        assert_eq!(held.dir(), new);
        drop(held);
        // Claimed again, and forced: the marker stays, what runs wrote goes.
        fs::write(new.join("runs.csv"), "x\n").unwrap();
        fs::create_dir(new.join("models")).unwrap();
        fs::write(new.join("notes.txt"), "mine\n").unwrap();
        let _held = claim(&new, true).unwrap();
        assert!(!new.join("runs.csv").exists());
        assert!(!new.join("models").exists());
        assert!(
            new.join("notes.txt").exists(),
            "a file clusterlab did not write stays"
        );
    }

    #[test]
    fn a_folder_of_an_older_run_is_recognised_by_its_journal() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(JOURNAL), "").unwrap();
        assert!(is_results_folder(tmp.path()));
        let _held = claim(tmp.path(), false).unwrap();
        assert!(tmp.path().join(MARKER).is_file());
    }

    #[test]
    fn a_second_writer_is_refused_with_the_holder() {
        let tmp = tempfile::tempdir().unwrap();
        let first = claim(tmp.path(), false).unwrap();
        let err = claim(tmp.path(), false).unwrap_err().to_string();
        assert!(err.contains("another clusterlab run"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(
            claim(tmp.path(), false).is_ok(),
            "the lock goes with its holder"
        );
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        fs::write(&f, "x").unwrap();
        assert!(
            claim(&f, false)
                .unwrap_err()
                .to_string()
                .contains("is not a folder")
        );
    }
}
