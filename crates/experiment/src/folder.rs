//! The results folder: claimed by a marker, written by one process per file, and cleared (with
//! `--force`) of what clusterlab wrote and nothing else.
//!
//! - A folder is clusterlab's when it holds the marker [`MARKER`] (written when a run first
//!   uses the folder) or, for folders written before the marker existed, a journal. A run
//!   refuses a folder that is neither empty nor clusterlab's: the results of a grid never land
//!   among a user's own files, and `--force` never deletes them.
//! - Two kinds of writers share a folder through the operating system's advisory file locks
//!   (released when the process ends, however it ends). A plain run, a `merge` and a forced
//!   run hold [`LOCK`] exclusively: they write the tables, and a forced run clears the folder.
//!   The shards of a grid hold it shared, so that any number of them run at once, and each
//!   also holds its own journal's lock (`shards/I-of-N.lock`) exclusively: every file has one
//!   writer. A second process that wants a lock already held stops at once with an error
//!   naming the holder (host, process id, start time).
//! - `--force` removes exactly the files and folders a run writes ([`OWNED`], [`OWNED_DIRS`]).

use std::{
    fs::{self, File, OpenOptions, TryLockError},
    io::{Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    time::SystemTime,
};

use crate::{
    Error,
    record::journal::{JOURNAL, SHARDS_DIR},
    shard::Shard,
};

/// The marker that makes a folder a clusterlab results folder.
pub const MARKER: &str = ".clusterlab";

/// The folder's lock: held exclusively by a plain run or a merge, shared by shards.
pub const LOCK: &str = ".clusterlab.lock";

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

/// Folders a run fills: a forced run starts them empty, so no plot, model or shard journal of
/// an earlier grid is left beside the new results.
pub const OWNED_DIRS: [&str; 4] = ["models", "data", "plots", SHARDS_DIR];

/// A results folder held by this process: the locks are released when it is dropped (and by
/// the operating system if the process dies).
#[derive(Debug)]
pub struct Held {
    dir: PathBuf,
    _locks: Vec<File>,
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

/// Claims `dir` for a plain run or a merge: creates it (and its marker) if needed, refuses a
/// folder that holds anything but clusterlab's results, and takes the folder's lock
/// exclusively. With `force`, then removes what earlier runs wrote there.
pub fn claim(dir: &Path, force: bool) -> Result<Held, Error> {
    prepare(dir)?;
    let lock = take(&dir.join(LOCK), Mode::Exclusive, || busy_message(dir))?;
    if force {
        clear(dir)?;
    }
    Ok(Held {
        dir: dir.to_path_buf(),
        _locks: vec![lock],
    })
}

/// Claims `dir` for one shard: as [`claim`] (without `force`), but the folder's lock is taken
/// shared, beside the other shards, and the shard's own journal lock exclusively.
pub fn claim_shard(dir: &Path, shard: Shard) -> Result<Held, Error> {
    prepare(dir)?;
    let folder = take(&dir.join(LOCK), Mode::Shared, || {
        format!(
            "is being written by a clusterlab run or merge that is not a shard ({}); shard \
             {shard} waits for nothing: run it when that one has finished",
            holder_text(&dir.join(LOCK))
        )
    })?;
    let shards = dir.join(SHARDS_DIR);
    fs::create_dir_all(&shards).map_err(io(&shards))?;
    let path = journal_lock(dir, shard);
    let own = take(&path, Mode::Exclusive, || {
        format!(
            "shard {shard} is already being run ({}); a second copy would write the same \
             journal, so this one stops",
            holder_text(&path)
        )
    })?;
    Ok(Held {
        dir: dir.to_path_buf(),
        _locks: vec![folder, own],
    })
}

/// The lock file of a shard's journal.
fn journal_lock(dir: &Path, shard: Shard) -> PathBuf {
    dir.join(SHARDS_DIR)
        .join(format!("{}-of-{}.lock", shard.index(), shard.count()))
}

/// Creates `dir` and its marker, or checks that it is clusterlab's.
fn prepare(dir: &Path) -> Result<(), Error> {
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
    // Several shards may start at once: the first creates the marker, the others find it.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
    {
        Ok(mut f) => {
            let text = format!(
                "This folder holds the results of clusterlab runs (clusterlab {}).\n\
                 `clusterlab run --force` removes only the files clusterlab writes here.\n",
                env!("CARGO_PKG_VERSION")
            );
            f.write_all(text.as_bytes()).map_err(io(&marker))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(Error::Io {
            path: marker,
            source,
        }),
    }
}

/// How long a lock may look held before its holder is taken for a real one.
const BUSY_GRACE: std::time::Duration = std::time::Duration::from_millis(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Shared,
    Exclusive,
}

/// Takes the lock of `path` (creating the file) or fails with `busy()` as the message. An
/// exclusive holder writes who it is into the file, for the message of the next one.
fn take(path: &Path, mode: Mode, busy: impl FnOnce() -> String) -> Result<File, Error> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    // A lock just released can look held for a moment: a child process that this process (or
    // a library in it) is spawning holds copies of every open file until it executes its
    // program, and a lock lives as long as any copy. A holder that stays is a real one.
    let t0 = std::time::Instant::now();
    let taken = loop {
        let taken = match mode {
            Mode::Shared => file.try_lock_shared(),
            Mode::Exclusive => file.try_lock(),
        };
        match taken {
            Err(TryLockError::WouldBlock) if t0.elapsed() < BUSY_GRACE => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => break other,
        }
    };
    match taken {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let dir = path.parent().unwrap_or(path);
            return Err(Error::Folder {
                dir: dir.to_path_buf(),
                message: busy(),
            });
        }
        Err(TryLockError::Error(source)) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    }
    if mode == Mode::Exclusive {
        let holder = format!(
            "host {}, pid {}, since {}",
            hostname(),
            std::process::id(),
            humantime::format_rfc3339_seconds(SystemTime::now())
        );
        file.set_len(0).map_err(io(path))?;
        file.seek(SeekFrom::Start(0)).map_err(io(path))?;
        file.write_all(holder.as_bytes()).map_err(io(path))?;
        file.flush().map_err(io(path))?;
    }
    Ok(file)
}

/// Who last held the lock of `path` exclusively, as written there.
fn holder_text(path: &Path) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    let text = text.trim();
    if text.is_empty() {
        "another process".to_owned()
    } else {
        text.to_owned()
    }
}

/// Why the folder's lock could not be taken exclusively: the shards that hold it shared, or
/// the plain run or merge that holds it.
fn busy_message(dir: &Path) -> String {
    let mut running = Vec::new();
    if let Ok(entries) = fs::read_dir(dir.join(SHARDS_DIR)) {
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for p in paths {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(shard) = name
                .strip_suffix(".lock")
                .and_then(|s| Shard::from_journal_name(&format!("{s}.jsonl")))
            else {
                continue;
            };
            let held = File::open(&p)
                .is_ok_and(|f| matches!(f.try_lock_shared(), Err(TryLockError::WouldBlock)));
            if held {
                running.push(format!("shard {shard}: {}", holder_text(&p)));
            }
        }
    }
    if running.is_empty() {
        format!(
            "is being written by another clusterlab run ({}); wait for it to finish, or give \
             this run another --out",
            holder_text(&dir.join(LOCK))
        )
    } else {
        format!(
            "is being written by {} running shard{} ({}); wait for them to finish (a merge \
             or a plain run would race them), or give this run another --out",
            running.len(),
            if running.len() == 1 { "" } else { "s" },
            running.join("; ")
        )
    }
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
    fn shards_share_the_folder_but_not_a_journal() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let s0 = Shard::new(0, 2).unwrap();
        let first = claim_shard(dir, s0).unwrap();
        let _other = claim_shard(dir, Shard::new(1, 2).unwrap()).unwrap();
        let err = claim_shard(dir, s0).unwrap_err().to_string();
        assert!(err.contains("shard 0/2 is already being run"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        // A plain run (or a merge) is refused while shards run, and names them.
        let err = claim(dir, false).unwrap_err().to_string();
        assert!(err.contains("2 running shards"), "{err}");
        assert!(err.contains("shard 0/2: host"), "{err}");
        drop(first);
        let err = claim(dir, true).unwrap_err().to_string();
        assert!(err.contains("1 running shard "), "{err}");
        assert!(
            dir.join(SHARDS_DIR).is_dir(),
            "a refused --force clears nothing"
        );
    }

    #[test]
    fn a_shard_waits_for_no_plain_run() {
        let tmp = tempfile::tempdir().unwrap();
        let _plain = claim(tmp.path(), false).unwrap();
        let err = claim_shard(tmp.path(), Shard::new(0, 1).unwrap())
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a shard"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
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
