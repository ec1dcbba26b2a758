//! Parameterizations: how a network's weights and their learning rates scale with its width
//! (the `parameterizations` grid axis).
//!
//! - `standard`: the weights as the scheme draws them, one learning rate for every variable
//!   (what PyTorch and initlab have always done).
//! - `ntk`: the NTK parameterization (Jacot et al. 2018): `W = w/√fan_in` with `w` drawn at
//!   the scheme's variance times `fan_in`, so `W` starts exactly as in `standard`. It is
//!   trained in the equivalent form without a multiplier: plain SGD on `w` at rate `η` is SGD
//!   on `W` at `η/fan_in`, and Adam on `w` is Adam on `W` at `η/√fan_in` (exactly, up to
//!   Adam's ε, which `w`'s form would see `√fan_in` times larger). Biases keep `η`.
//! - `mup`: the maximal-update parameterization for MLPs (Yang & Hu 2021; Yang et al. 2022,
//!   "Tensor Programs V", Table 3, the form without multipliers; microsoft/mup's `MuSGD`,
//!   `MuAdam` and `MuReadout` are the same dynamics with a read-out multiplier). The weights
//!   start as the scheme draws them, the read-out at zero, and each variable's learning rate
//!   scales with the width multipliers `m = n / base_width` of its dimensions that grow with
//!   the network (the hidden widths; the input and the outputs do not):
//!
//!   | variable | dims that grow | SGD, momentum | Adam |
//!   |---|---|---|---|
//!   | input weights, hidden biases | fan_out | `η·m_out` | `η` |
//!   | hidden weights | both | `η·m_out/m_in` | `η/m_in` |
//!   | read-out weights | fan_in | `η/m_in` | `η/m_in` |
//!   | read-out bias | none | `η` | `η` |
//!
//!   At `base_width` every multiplier is 1, so `mup` trains like `standard` with a zero
//!   read-out there, and a learning rate tuned at the base width transfers to every width.
//!
//! A network states how each of its variables' dimensions scale ([`VarDims`], through
//! `ProbedNet::var_dims`); the rules above turn that into one learning-rate multiplier per
//! variable, which the optimizer applies.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::net::optim::OptimizerConfig;

/// How a network's weights and learning rates scale with width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Parameterization {
    Standard {},
    Ntk {},
    Mup {
        /// The width at which every multiplier is 1.
        #[serde(default = "crate::defaults::mup_base_width")]
        base_width: usize,
    },
}

impl Default for Parameterization {
    fn default() -> Self {
        Parameterization::Standard {}
    }
}

/// One dimension of a trainable variable: fixed by the data (the input, the outputs, a
/// bias's single row), or a hidden width that grows with the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Fixed(usize),
    Width(usize),
}

impl Dim {
    fn size(self) -> usize {
        match self {
            Dim::Fixed(n) | Dim::Width(n) => n,
        }
    }
}

/// The dimensions of a trainable variable: a weight `[fan_in, fan_out]`, or a bias
/// `[Fixed(1), fan_out]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarDims {
    pub fan_in: Dim,
    pub fan_out: Dim,
    /// Whether the variable is a bias (biases keep their rate under `ntk`).
    pub bias: bool,
}

impl VarDims {
    pub fn weight(fan_in: Dim, fan_out: Dim) -> Self {
        VarDims {
            fan_in,
            fan_out,
            bias: false,
        }
    }

    pub fn bias(fan_out: Dim) -> Self {
        VarDims {
            fan_in: Dim::Fixed(1),
            fan_out,
            bias: true,
        }
    }
}

/// Whether an optimizer's step is proportional to the gradient (SGD, momentum) or invariant
/// to its scale (Adam): the two families the rules distinguish.
fn scale_invariant(optimizer: &OptimizerConfig) -> bool {
    match optimizer {
        OptimizerConfig::Sgd {} | OptimizerConfig::Momentum { .. } => false,
        OptimizerConfig::Adam { .. } => true,
    }
}

impl Parameterization {
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Parameterization::Mup { base_width: 0 } => {
                Err("mup's base_width must be at least 1".into())
            }
            _ => Ok(()),
        }
    }

    /// Whether the read-out starts at zero whatever its scheme.
    pub fn zero_readout(&self) -> bool {
        matches!(self, Parameterization::Mup { .. })
    }

    /// The factor on the learning rate of a variable of these dimensions.
    pub fn lr_scale(&self, dims: VarDims, optimizer: &OptimizerConfig) -> f64 {
        let adam = scale_invariant(optimizer);
        match *self {
            Parameterization::Standard {} => 1.0,
            Parameterization::Ntk {} if dims.bias => 1.0,
            Parameterization::Ntk {} => {
                let fan_in = dims.fan_in.size() as f64;
                if adam {
                    1.0 / fan_in.sqrt()
                } else {
                    1.0 / fan_in
                }
            }
            Parameterization::Mup { base_width } => {
                let mult = |d: Dim| match d {
                    Dim::Fixed(_) => None,
                    Dim::Width(n) => Some(n as f64 / base_width as f64),
                };
                match (mult(dims.fan_in), mult(dims.fan_out)) {
                    (None, None) => 1.0,
                    (None, Some(_)) if adam => 1.0,
                    (None, Some(m_out)) => m_out,
                    (Some(m_in), None) => 1.0 / m_in,
                    (Some(m_in), Some(_)) if adam => 1.0 / m_in,
                    (Some(m_in), Some(m_out)) => m_out / m_in,
                }
            }
        }
    }
}

impl fmt::Display for Parameterization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Parameterization::Standard {} => f.write_str("standard"),
            Parameterization::Ntk {} => f.write_str("ntk"),
            Parameterization::Mup { base_width }
                if base_width == crate::defaults::MUP_BASE_WIDTH =>
            {
                f.write_str("mup")
            }
            Parameterization::Mup { base_width } => write!(f, "mup({base_width})"),
        }
    }
}

/// `initlab list parameterizations`.
pub const PARAMETERIZATION_KINDS: &str = "\
standard   the weights as the scheme draws them; one learning rate for every variable
ntk        W = w/sqrt(fan_in), w at the scheme's variance x fan_in (Jacot et al. 2018):
           starts as `standard`; trained as SGD at lr/fan_in, Adam at lr/sqrt(fan_in) on W
           (biases at lr)
mup        maximal update (Yang et al. 2022, Tensor Programs V, Table 3): read-out starts at
           zero; with m = width / base_width per hidden dimension, the learning rate is
             input weights, hidden biases   SGD lr*m_out        Adam lr
             hidden weights                 SGD lr*m_out/m_in   Adam lr/m_in
             read-out weights               SGD lr/m_in         Adam lr/m_in
           options: base_width (default 64), e.g. { kind = \"mup\", base_width = 128 }
";

#[cfg(test)]
mod tests {
    use super::*;

    const SGD: OptimizerConfig = OptimizerConfig::Sgd {};
    const ADAM: OptimizerConfig = OptimizerConfig::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };

    #[test]
    fn mup_follows_table_3_of_tensor_programs_v() {
        // Width 256 against base 64: m = 4 on every hidden dimension; input 10, outputs 3.
        let p = Parameterization::Mup { base_width: 64 };
        let input = VarDims::weight(Dim::Fixed(10), Dim::Width(256));
        let hidden = VarDims::weight(Dim::Width(256), Dim::Width(256));
        let readout = VarDims::weight(Dim::Width(256), Dim::Fixed(3));
        let hidden_bias = VarDims::bias(Dim::Width(256));
        let readout_bias = VarDims::bias(Dim::Fixed(3));
        let sgd: Vec<f64> = [input, hidden, readout, hidden_bias, readout_bias]
            .iter()
            .map(|&d| p.lr_scale(d, &SGD))
            .collect();
        assert_eq!(sgd, [4.0, 1.0, 0.25, 4.0, 1.0]);
        let adam: Vec<f64> = [input, hidden, readout, hidden_bias, readout_bias]
            .iter()
            .map(|&d| p.lr_scale(d, &ADAM))
            .collect();
        assert_eq!(adam, [1.0, 0.25, 0.25, 1.0, 1.0]);
        // A layer between two widths: fan_in 128 (m 2), fan_out 512 (m 8).
        let taper = VarDims::weight(Dim::Width(128), Dim::Width(512));
        assert_eq!(p.lr_scale(taper, &SGD), 4.0);
        assert_eq!(p.lr_scale(taper, &ADAM), 0.5);
        // At the base width every factor is 1.
        let base = VarDims::weight(Dim::Width(64), Dim::Width(64));
        assert_eq!(p.lr_scale(base, &ADAM), 1.0);
    }

    #[test]
    fn ntk_divides_the_rate_by_fan_in_for_sgd_and_its_root_for_adam() {
        let p = Parameterization::Ntk {};
        let w = VarDims::weight(Dim::Fixed(16), Dim::Width(100));
        assert_eq!(p.lr_scale(w, &SGD), 1.0 / 16.0);
        assert_eq!(p.lr_scale(w, &ADAM), 0.25);
        assert_eq!(p.lr_scale(VarDims::bias(Dim::Width(100)), &SGD), 1.0);
        let standard = Parameterization::Standard {};
        assert_eq!(standard.lr_scale(w, &SGD), 1.0);
    }

    #[test]
    fn labels_leave_the_default_base_width_out() {
        assert_eq!(Parameterization::Mup { base_width: 64 }.to_string(), "mup");
        assert_eq!(
            Parameterization::Mup { base_width: 32 }.to_string(),
            "mup(32)"
        );
        assert!(Parameterization::Mup { base_width: 0 }.validate().is_err());
    }
}
