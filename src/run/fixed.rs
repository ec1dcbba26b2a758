//! The tensors every run on a dataset shares, made once per dataset: the fixed probe batch
//! (and the input second moments mean-field theory starts from) and the test split.

use candle_core::{Device, Result as CandleResult, Tensor};

use crate::data::Dataset;
use crate::net::correlation::PAIR_EXAMPLES;
use crate::theory::network::ProbeInputs;

/// The fixed tensors every run on a dataset shares: the probe batch and the test split.
pub struct Fixed {
    /// What the theory starts from: per probe example `‖x‖²/n_0`, and the pairs of the first
    /// [`PAIR_EXAMPLES`] examples that `corr` compares.
    pub inputs: ProbeInputs,
    pub probe_x: Tensor,
    pub probe_y: Tensor,
    pub test_x: Tensor,
    pub test_y: Tensor,
}

impl Fixed {
    /// On the CPU.
    pub fn new(data: &Dataset, probe_size: usize, seed: u64) -> CandleResult<Self> {
        Self::on(&Device::Cpu, data, probe_size, seed)
    }

    /// On `device`, where every run that uses these tensors then trains.
    pub fn on(device: &Device, data: &Dataset, probe_size: usize, seed: u64) -> CandleResult<Self> {
        let (probe_x, probe_y) = data
            .train
            .batch(&data.probe_indices(probe_size, seed), device)?;
        let (test_x, test_y) = data.test.all(device)?;
        let inputs = ProbeInputs::of(&probe_x.to_vec2::<f32>()?, PAIR_EXAMPLES);
        Ok(Fixed {
            inputs,
            probe_x,
            probe_y,
            test_x,
            test_y,
        })
    }
}
