//! Where the networks train: the CPU (the default, one thread per run) or a CUDA GPU through
//! candle's `cuda` backend, compiled in with `cargo build --release --features cuda`. On a GPU
//! the fast CPU kernels (`kernels`) step aside for candle's own, and the statistics copy the
//! tensors to the host before reducing them.

use candle_core::Device;
use clap::ValueEnum;
use thiserror::Error;

/// The `--device` of `initlab run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
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

impl DeviceChoice {
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
