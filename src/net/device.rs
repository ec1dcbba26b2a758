//! Where the networks train: the CPU (the default, one thread per run, one run per core) or a
//! CUDA GPU through candle's `cuda` backend, compiled in with `--features cuda` (docs/gpu.md).
//! On a GPU the fast CPU kernels (`kernels`) step aside for candle's own, the statistics copy
//! the tensors to the host before reducing them, and runs train one at a time unless `--jobs`
//! says otherwise. A CUDA build opens the driver and the CUDA libraries here, when a GPU is
//! asked for, not when it starts, so the same binary runs on machines without them.

use candle_core::Device;
use clap::ValueEnum;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The `--device` of `initlab run`, also recorded in a results folder's manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    #[default]
    Cpu,
    /// The first CUDA GPU.
    Cuda,
}

#[derive(Debug, Error)]
pub enum DeviceError {
    #[error("--device cuda: this initlab was built without CUDA; rebuild it with `cargo build --release --features cuda` on a machine with the CUDA toolkit (docs/gpu.md)")]
    NotCompiled,
    #[error("--device cuda: no NVIDIA driver found (libcuda.so.1)")]
    NoDriver,
    #[error("--device cuda: the NVIDIA driver is here, but {0} not: put the lib folder of the CUDA toolkit initlab was built with on LD_LIBRARY_PATH (docs/gpu.md)")]
    NoLibraries(String),
    #[error("--device cuda: cannot open GPU 0: {0}")]
    Open(candle_core::Error),
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
        })
    }
}

impl DeviceChoice {
    /// Runs trained at once when `--jobs` is not given: one per core on the CPU, one on a
    /// GPU. Runs on one GPU share its CUDA stream, and each step's loss read-back waits for
    /// every run's queued work: on an H200 the quick start's 40 runs took 77.7 s with 16 jobs
    /// (charts and report included, a few seconds of it) and 28.6 s with one (docs/gpu.md).
    pub fn default_jobs(self) -> usize {
        match self {
            DeviceChoice::Cpu => {
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
            }
            DeviceChoice::Cuda => 1,
        }
    }

    /// Opens the device, or says why not before anything is written. A CUDA build loads the
    /// driver and the CUDA libraries at run time (vendor/candle-core/PATCHES.md), so they are
    /// looked for first: cudarc would panic on the first call into a missing one.
    pub fn open(self) -> Result<Device, DeviceError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Cuda => open_cuda(),
        }
    }
}

#[cfg(feature = "cuda")]
fn open_cuda() -> Result<Device, DeviceError> {
    use candle_core::cuda_backend::cudarc::{cublas, curand, driver};
    // SAFETY: each call only tries to dlopen the library under its usual names and closes it.
    let (driver, blas, rand) = unsafe {
        (
            driver::sys::is_culib_present(),
            cublas::sys::is_culib_present(),
            curand::sys::is_culib_present(),
        )
    };
    if !driver {
        return Err(DeviceError::NoDriver);
    }
    let missing: Vec<&str> = [("libcublas", blas), ("libcurand", rand)]
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        let verb = if missing.len() == 1 { "is" } else { "are" };
        return Err(DeviceError::NoLibraries(format!(
            "{} {verb}",
            missing.join(" and ")
        )));
    }
    Device::new_cuda(0).map_err(DeviceError::Open)
}

#[cfg(not(feature = "cuda"))]
fn open_cuda() -> Result<Device, DeviceError> {
    Err(DeviceError::NotCompiled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gpu_trains_one_run_at_a_time_unless_told_otherwise() {
        assert_eq!(DeviceChoice::Cuda.default_jobs(), 1);
        assert!(DeviceChoice::Cpu.default_jobs() >= 1);
    }
}
