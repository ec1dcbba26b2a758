//! Bias initialization, chosen independently of the weights (a grid axis of its own).
//!
//! `default` follows the weight scheme's own rule where it has one — `standard` (PyTorch's
//! `nn.Linear`) draws U(±1/√fan_in), `critical` draws N(0, σ_b²) (Poole et al. 2016) — and is
//! zero otherwise. `constant(0.1)` is the ReLU trick that keeps units from starting dead.

use std::fmt;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::InitScheme;

/// How the biases of a layer start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum BiasScheme {
    /// The weight scheme's own rule (`standard`, `critical`), zero otherwise.
    Default {},
    Zeros {},
    Constant {
        value: f64,
    },
    Normal {
        #[serde(default)]
        mean: f64,
        std: f64,
    },
}

impl Default for BiasScheme {
    fn default() -> Self {
        BiasScheme::Default {}
    }
}

impl BiasScheme {
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            BiasScheme::Constant { value } if !value.is_finite() => {
                Err(format!("bias `{self}`: value must be finite"))
            }
            BiasScheme::Normal { mean, std }
                if !(mean.is_finite() && std.is_finite() && std >= 0.0) =>
            {
                Err(format!("bias `{self}`: mean must be finite and std >= 0"))
            }
            _ => Ok(()),
        }
    }

    /// The biases of a layer of `fan_out` units whose weights follow `weights`.
    /// The mean and variance of a layer's biases under `weights`'s scheme (the rules of
    /// [`BiasScheme::draw`] as moments: U(±1/√fan_in) has variance `1/(3·fan_in)`).
    pub fn moments(&self, weights: &InitScheme, fan_in: usize) -> (f64, f64) {
        match (self, weights) {
            (BiasScheme::Default {}, InitScheme::Standard {}) => (0.0, 1.0 / (3.0 * fan_in as f64)),
            (BiasScheme::Default {}, InitScheme::Critical { sigma_b2, .. }) => (0.0, *sigma_b2),
            (BiasScheme::Default {} | BiasScheme::Zeros {}, _) => (0.0, 0.0),
            (BiasScheme::Constant { value }, _) => (*value, 0.0),
            (BiasScheme::Normal { mean, std }, _) => (*mean, std * std),
        }
    }

    pub fn draw(
        &self,
        weights: &InitScheme,
        fan_in: usize,
        fan_out: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32> {
        let values: Vec<f64> = match (self, weights) {
            (BiasScheme::Default {}, InitScheme::Standard {}) => {
                let bound = 1.0 / (fan_in as f64).sqrt();
                (0..fan_out)
                    .map(|_| -bound + 2.0 * bound * rng.random::<f64>())
                    .collect()
            }
            (BiasScheme::Default {}, InitScheme::Critical { sigma_b2, .. }) => {
                normal(fan_out, 0.0, sigma_b2.sqrt(), rng)
            }
            (BiasScheme::Default {} | BiasScheme::Zeros {}, _) => vec![0.0; fan_out],
            (BiasScheme::Constant { value }, _) => vec![*value; fan_out],
            (BiasScheme::Normal { mean, std }, _) => normal(fan_out, *mean, *std, rng),
        };
        values.into_iter().map(|v| v as f32).collect()
    }
}

fn normal(n: usize, mean: f64, std: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..n)
        .map(|_| mean + std * Distribution::<f64>::sample(&StandardNormal, rng))
        .collect()
}

impl fmt::Display for BiasScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BiasScheme::Default {} => write!(f, "default"),
            BiasScheme::Zeros {} => write!(f, "zeros"),
            BiasScheme::Constant { value } => write!(f, "constant({value})"),
            BiasScheme::Normal { mean, std } => {
                if mean == 0.0 {
                    write!(f, "normal({std})")
                } else {
                    write!(f, "normal({mean};{std})")
                }
            }
        }
    }
}
