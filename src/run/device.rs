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
    #[error("--device cuda: this initlab was built without CUDA; rebuild it with `cargo build --release --features cuda` on a machine with the CUDA toolkit")]
    NotCompiled,
    #[error("--device cuda: cannot open GPU 0: {0}")]
    Open(candle_core::Error),
}

impl DeviceChoice {
    pub fn open(self) -> Result<Device, DeviceError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Cuda if cfg!(feature = "cuda") => {
                Device::new_cuda(0).map_err(DeviceError::Open)
            }
            DeviceChoice::Cuda => Err(DeviceError::NotCompiled),
        }
    }
}
