//! The memory check of the linkages that keep all pairwise distances.
//!
//! Complete and average linkage keep the `n (n - 1) / 2` distances between clusters (8 bytes
//! each): 100 MB at 5,000 samples, 40 GB at 100,000. A fit that cannot get them would be killed
//! by the operating system after minutes of work, or abort; it is refused before it starts
//! instead, with the numbers.

use clusterlab_core::{Error, Result};

use crate::{params::Linkage, tree::condensed_bytes};

/// The memory the kernel says is available to a new process (`MemAvailable` in
/// `/proc/meminfo`), in bytes; `None` where it cannot be read (not Linux, or no such line).
pub(crate) fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_mem_available(&text)
}

/// The `MemAvailable:  123 kB` line of a `/proc/meminfo` text, in bytes.
fn parse_mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?;
    let mut words = line.split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => value.checked_mul(1024),
        None => Some(value),
        Some(_) => None,
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Refuses `n_samples` for `linkage` when its distance matrix cannot be addressed, or needs
/// more than `available` bytes (no check when `available` is `None`).
pub(crate) fn check_condensed(
    linkage: Linkage,
    n_samples: usize,
    available: Option<u64>,
) -> Result<()> {
    let reason = match condensed_bytes(n_samples) {
        None => format!(
            "it keeps the n (n - 1) / 2 pairwise distances, which for {n_samples} samples \
             cannot even be addressed; use linkage = \"ward\" or \"single\" (O(n) memory)"
        ),
        Some(need) => match available {
            Some(avail) if need as u64 > avail => format!(
                "it keeps the n (n - 1) / 2 pairwise distances: {n_samples} samples need {} \
                 but only {} are available (MemAvailable in /proc/meminfo); use linkage = \
                 \"ward\" or \"single\" (O(n) memory), or fewer samples",
                megabytes(need as u64),
                megabytes(avail)
            ),
            _ => return Ok(()),
        },
    };
    Err(Error::invalid("linkage", linkage, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available_in_bytes() {
        let text = "MemTotal:       32000000 kB\nMemFree:  1 kB\nMemAvailable:   23257096 kB\n";
        assert_eq!(parse_mem_available(text), Some(23257096 * 1024));
        assert_eq!(parse_mem_available("MemTotal: 5 kB\n"), None);
        assert_eq!(parse_mem_available("MemAvailable: x kB\n"), None);
    }

    #[test]
    fn a_matrix_larger_than_memory_is_refused_with_the_numbers() {
        let err = check_condensed(Linkage::Average, 5000, Some(50_000_000)).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("invalid parameter `linkage` = average:"),
            "{msg}"
        );
        assert!(msg.contains("5000 samples need 100.0 MB"), "{msg}");
        assert!(msg.contains("only 50.0 MB are available"), "{msg}");
        assert!(check_condensed(Linkage::Complete, 5000, Some(200_000_000)).is_ok());
        assert!(check_condensed(Linkage::Complete, 5000, None).is_ok());
        let huge = check_condensed(Linkage::Complete, usize::MAX / 4, None).unwrap_err();
        assert!(
            huge.to_string().contains("cannot even be addressed"),
            "{huge}"
        );
    }
}
