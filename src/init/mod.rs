//! Weight initialization schemes: data (the [`InitScheme`] enum) and one function that turns a
//! scheme, a layer shape and a seeded RNG into weights.
//!
//! Weights are stored as `W` of shape `[fan_in, fan_out]` (row-major), so a layer computes
//! `z = h·W + b` for a batch of row vectors `h`. Every draw is made in f64 from an explicit
//! [`ChaCha8Rng`], so the same (scheme, shape, seed) gives the same weights on every machine and
//! thread count.
//!
//! | scheme | rule | source |
//! |---|---|---|
//! | `zeros`, `constant` | every weight = c (symmetric: units of a layer stay identical) | |
//! | `uniform`, `normal` | fixed scale | |
//! | `standard` (`torch_default`) | U(±1/√fan_in): fan_in·Var = 1/3 | Glorot & Bengio 2010 eq. 1; PyTorch `nn.Linear` |
//! | `lecun_normal` / `lecun_uniform` | Var = 1/fan_in | LeCun et al. 1998 |
//! | `xavier_normal` / `xavier_uniform` | Var = g²·2/(fan_in+fan_out) | Glorot & Bengio 2010 |
//! | `he_normal` / `he_uniform` | Var = 2/((1+a²)·fan) | He et al. 2015 |
//! | `orthogonal` | Haar-random orthogonal times g | Saxe et al. 2013 |

mod orthogonal;

use std::fmt;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

pub use orthogonal::{householder_qr, orthogonal};

/// Which fan a variance-scaling rule divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FanMode {
    /// Preserves the forward signal's variance.
    #[default]
    FanIn,
    /// Preserves the back-propagated gradient's variance.
    FanOut,
}

impl FanMode {
    fn fan(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            FanMode::FanIn => fan_in as f64,
            FanMode::FanOut => fan_out as f64,
        }
    }
}

/// A weight initialization scheme, written in a config as a name (`"he_normal"`) or a table
/// with its parameters (`{ scheme = "normal", std = 0.01 }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum InitScheme {
    /// Every weight 0.
    Zeros,
    /// Every weight `value`.
    Constant { value: f64 },
    /// U(low, high).
    Uniform { low: f64, high: f64 },
    /// N(mean, std²), e.g. std 0.01, the pre-2010 habit.
    Normal {
        #[serde(default)]
        mean: f64,
        std: f64,
    },
    /// U(±1/√fan_in): Glorot & Bengio's "standard" init (their eq. 1) and PyTorch's
    /// `nn.Linear` default weight rule.
    #[serde(alias = "torch_default")]
    Standard,
    /// N(0, 1/fan_in) (LeCun et al. 1998).
    LecunNormal,
    /// U(±√(3/fan_in)).
    LecunUniform,
    /// N(0, g²·2/(fan_in+fan_out)) (Glorot & Bengio 2010).
    #[serde(alias = "glorot_normal")]
    XavierNormal {
        #[serde(default = "one")]
        gain: f64,
    },
    /// U(±g·√(6/(fan_in+fan_out))) (Glorot & Bengio 2010, eq. 16).
    #[serde(alias = "glorot_uniform")]
    XavierUniform {
        #[serde(default = "one")]
        gain: f64,
    },
    /// N(0, 2/((1+a²)·fan)) (He et al. 2015), `a` the leaky-ReLU negative slope.
    #[serde(alias = "kaiming_normal")]
    HeNormal {
        #[serde(default)]
        mode: FanMode,
        #[serde(default)]
        negative_slope: f64,
    },
    /// U(±√(6/((1+a²)·fan))).
    #[serde(alias = "kaiming_uniform")]
    HeUniform {
        #[serde(default)]
        mode: FanMode,
        #[serde(default)]
        negative_slope: f64,
    },
    /// A Haar-distributed random orthogonal matrix (QR of a Gaussian matrix with the sign
    /// correction), times `gain` (Saxe et al. 2013).
    Orthogonal {
        #[serde(default = "one")]
        gain: f64,
    },
}

fn one() -> f64 {
    1.0
}

impl InitScheme {
    /// The scheme names a config accepts, in catalogue order.
    pub const NAMES: [&'static str; 12] = [
        "zeros",
        "constant",
        "uniform",
        "normal",
        "standard",
        "lecun_normal",
        "lecun_uniform",
        "xavier_normal",
        "xavier_uniform",
        "he_normal",
        "he_uniform",
        "orthogonal",
    ];

    /// Checks the parameters: finite, non-negative scales, ordered bounds.
    pub fn validate(&self) -> Result<(), String> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("init `{self}`: {name} must be finite"))
            }
        };
        match *self {
            InitScheme::Constant { value } => finite("value", value),
            InitScheme::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low > high {
                    return Err(format!("init `{self}`: low must not exceed high"));
                }
                Ok(())
            }
            InitScheme::Normal { mean, std } => {
                finite("mean", mean)?;
                finite("std", std)?;
                if std < 0.0 {
                    return Err(format!("init `{self}`: std must be >= 0"));
                }
                Ok(())
            }
            InitScheme::XavierNormal { gain }
            | InitScheme::XavierUniform { gain }
            | InitScheme::Orthogonal { gain } => finite("gain", gain),
            InitScheme::HeNormal { negative_slope, .. }
            | InitScheme::HeUniform { negative_slope, .. } => {
                finite("negative_slope", negative_slope)
            }
            _ => Ok(()),
        }
    }

    /// The variance of one weight entry under this scheme, for a `[fan_in, fan_out]` layer.
    /// Orthogonal matrices have entries of variance `g²/max(fan_in, fan_out)`.
    pub fn variance(&self, fan_in: usize, fan_out: usize) -> f64 {
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        match *self {
            InitScheme::Zeros | InitScheme::Constant { .. } => 0.0,
            InitScheme::Uniform { low, high } => (high - low).powi(2) / 12.0,
            InitScheme::Normal { std, .. } => std * std,
            InitScheme::Standard => 1.0 / (3.0 * fi),
            InitScheme::LecunNormal | InitScheme::LecunUniform => 1.0 / fi,
            InitScheme::XavierNormal { gain } | InitScheme::XavierUniform { gain } => {
                gain * gain * 2.0 / (fi + fo)
            }
            InitScheme::HeNormal {
                mode,
                negative_slope,
            }
            | InitScheme::HeUniform {
                mode,
                negative_slope,
            } => 2.0 / ((1.0 + negative_slope * negative_slope) * mode.fan(fan_in, fan_out)),
            InitScheme::Orthogonal { gain } => gain * gain / fi.max(fo),
        }
    }

    /// Draws the weights of a `[fan_in, fan_out]` layer, row-major.
    pub fn weights(&self, fan_in: usize, fan_out: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let n = fan_in * fan_out;
        let var = self.variance(fan_in, fan_out);
        let values: Vec<f64> = match *self {
            InitScheme::Zeros => vec![0.0; n],
            InitScheme::Constant { value } => vec![value; n],
            InitScheme::Uniform { low, high } => uniform(n, low, high, rng),
            InitScheme::Normal { mean, std } => normal(n, mean, std, rng),
            InitScheme::LecunNormal
            | InitScheme::XavierNormal { .. }
            | InitScheme::HeNormal { .. } => normal(n, 0.0, var.sqrt(), rng),
            InitScheme::Standard
            | InitScheme::LecunUniform
            | InitScheme::XavierUniform { .. }
            | InitScheme::HeUniform { .. } => {
                // U(±a) has variance a²/3.
                let bound = (3.0 * var).sqrt();
                uniform(n, -bound, bound, rng)
            }
            InitScheme::Orthogonal { gain } => orthogonal(fan_in, fan_out, gain, rng),
        };
        values.into_iter().map(|v| v as f32).collect()
    }
}

fn uniform(n: usize, low: f64, high: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..n)
        .map(|_| low + (high - low) * rng.random::<f64>())
        .collect()
}

fn normal(n: usize, mean: f64, std: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            mean + std * z
        })
        .collect()
}

impl fmt::Display for InitScheme {
    /// The label used in CSV files and charts: the name, with the parameters that differ from
    /// their defaults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            InitScheme::Zeros => write!(f, "zeros"),
            InitScheme::Constant { value } => write!(f, "constant({value})"),
            InitScheme::Uniform { low, high } => write!(f, "uniform({low};{high})"),
            InitScheme::Normal { mean, std } => {
                if mean == 0.0 {
                    write!(f, "normal({std})")
                } else {
                    write!(f, "normal({mean};{std})")
                }
            }
            InitScheme::Standard => write!(f, "standard"),
            InitScheme::LecunNormal => write!(f, "lecun_normal"),
            InitScheme::LecunUniform => write!(f, "lecun_uniform"),
            InitScheme::XavierNormal { gain } => with_gain(f, "xavier_normal", gain),
            InitScheme::XavierUniform { gain } => with_gain(f, "xavier_uniform", gain),
            InitScheme::Orthogonal { gain } => with_gain(f, "orthogonal", gain),
            InitScheme::HeNormal {
                mode,
                negative_slope,
            } => with_fan(f, "he_normal", mode, negative_slope),
            InitScheme::HeUniform {
                mode,
                negative_slope,
            } => with_fan(f, "he_uniform", mode, negative_slope),
        }
    }
}

fn with_gain(f: &mut fmt::Formatter<'_>, name: &str, gain: f64) -> fmt::Result {
    if gain == 1.0 {
        write!(f, "{name}")
    } else {
        write!(f, "{name}(gain={gain})")
    }
}

fn with_fan(f: &mut fmt::Formatter<'_>, name: &str, mode: FanMode, slope: f64) -> fmt::Result {
    let mut params = Vec::new();
    if mode == FanMode::FanOut {
        params.push("fan_out".to_string());
    }
    if slope != 0.0 {
        params.push(format!("a={slope}"));
    }
    if params.is_empty() {
        write!(f, "{name}")
    } else {
        write!(f, "{name}({})", params.join(";"))
    }
}

#[cfg(test)]
mod tests;
