//! Ending on SIGTERM or SIGINT between two writes.
//!
//! Slurm cancels or requeues a task with SIGTERM (and SIGKILL after `KillWait` seconds); a user
//! presses Ctrl-C. By default either kills the process wherever it is, possibly in the middle
//! of a journal line. Here a thread receives them instead, waits until no journal line or
//! results file is being written ([`clusterlab_experiment::record::hold_writes`]), and ends
//! the process with the shell's status for the signal (128 + its number): every finished cell
//! is in the journal, whole, and the next run resumes from it.

/// Installs the handler (once; later calls do nothing). On platforms without Unix signals it
/// does nothing: a killed run still loses at most its partial last line.
pub fn end_between_writes() {
    #[cfg(unix)]
    {
        use std::sync::Once;
        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(|| {
            use signal_hook::consts::{SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT]) else {
                // Without the handler the default action stays: the journal survives that too.
                return;
            };
            let _ = std::thread::Builder::new()
                .name("clusterlab-signals".into())
                .spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        let _writes = clusterlab_experiment::record::hold_writes();
                        let name = if signal == SIGTERM {
                            "SIGTERM"
                        } else {
                            "SIGINT"
                        };
                        eprintln!(
                            "clusterlab: stopped by {name}; every finished cell is in the \
                             journal, and running the same command again resumes"
                        );
                        std::process::exit(128 + signal);
                    }
                });
        });
    }
}
