//! The forward map of an [`Activation`] on candle tensors, differentiably: the fast kernels
//! where candle's own ops are slow (`tanh`, the ReLU family; see [`super::kernels`]), candle's
//! ops otherwise.

use candle_core::{Result as CandleResult, Tensor};

use super::kernels;
use crate::activation::{Activation, SELU_ALPHA, SELU_LAMBDA};

/// φ applied to tensors.
pub trait ActivationForward {
    /// Applies φ to a tensor, differentiably.
    fn forward(&self, z: &Tensor) -> CandleResult<Tensor>;
}

impl ActivationForward for Activation {
    fn forward(&self, z: &Tensor) -> CandleResult<Tensor> {
        match *self {
            Activation::Linear => Ok(z.clone()),
            Activation::Tanh => kernels::tanh(z),
            Activation::Sigmoid => candle_nn::ops::sigmoid(z),
            Activation::Softsign => z / (z.abs()? + 1.0)?,
            Activation::Relu => kernels::leaky_relu(z, 0.0),
            Activation::LeakyRelu { slope } => kernels::leaky_relu(z, slope),
            Activation::Elu { alpha } => z.elu(alpha),
            Activation::Selu => z.elu(SELU_ALPHA)? * SELU_LAMBDA,
            Activation::Gelu => z.gelu_erf(),
        }
    }
}
