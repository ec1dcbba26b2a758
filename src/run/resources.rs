//! What this process holds in memory, read from Linux's `/proc/self/status`: the resident set
//! now (`VmRSS`) and its peak (`VmHWM`), for the run summary and the memory benchmark. Both are
//! `None` where `/proc` is not there (other systems). And [`keep_freed_memory`], which tells
//! glibc's allocator to reuse the large buffers of a training step instead of returning them to
//! the kernel after every step.

/// Every candle op allocates its output; from width 256 on those are hundreds of KB, which
/// glibc's `malloc` serves by `mmap` and returns by `munmap` when freed, so each step pays page
/// faults and the kernel's zeroing of fresh pages for every tensor (measured: 5–15% of a step at
/// widths 256–1024). Raising the mmap threshold to 256 MB and never trimming keeps those
/// buffers in the heap for the next step. Memory stays bounded by what one step holds at once
/// (the memory benchmark checks that it stays flat). Call it at the start of `main`, before
/// threads exist; elsewhere than glibc it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets allocator parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// CPU time consumed by the calling thread: what a single-threaded benchmark measures on a
/// shared machine, where wall-clock time also counts the time neighbours hold the core.
/// NaN where the system has no per-thread CPU clock (outside Unix).
pub fn thread_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is a valid timespec for the call to write.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
        if rc == 0 {
            return t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9;
        }
    }
    f64::NAN
}

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
