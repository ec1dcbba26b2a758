//! What this process holds in memory, read from Linux's `/proc/self/status`: the resident set
//! now (`VmRSS`) and its peak (`VmHWM`), for the run summary and the memory benchmark. Both are
//! `None` where `/proc` is not there (other systems).

/// Resident memory now, in bytes.
pub fn current_rss() -> Option<u64> {
    status_kib("VmRSS:").map(|kib| kib * 1024)
}

/// The peak resident memory of the process so far, in bytes.
pub fn peak_rss() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn the_peak_is_at_least_the_current_resident_set() {
        let (now, peak) = (current_rss().unwrap(), peak_rss().unwrap());
        assert!(now > 0 && peak >= now, "{now} {peak}");
    }
}
