//! Weight initialization schemes: data (the [`InitScheme`] enum) and one function that turns a
//! scheme, a layer shape and a seeded RNG into weights.
//!
//! Weights are stored as `W` of shape `[fan_in, fan_out]` (row-major), so a layer computes
//! `z = h·W + b` for a batch of row vectors `h`. Every draw is made in f64 from an explicit
//! `ChaCha8Rng`, so the same (scheme, shape, seed) gives the same weights on every machine and
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
//! | `variance_scaling` | Var = scale/n, n ∈ {fan_in, fan_out, fan_avg}; normal, uniform or truncated normal | Keras, JAX |
//! | `trunc_normal` | N(mean, std²) restricted to the absolute interval [a, b] | PyTorch `trunc_normal_` |
//! | `orthogonal` | Haar-random orthogonal times g | Saxe et al. 2013 |
//! | `identity` | g on the main diagonal | Le, Jaitly & Hinton 2015 |
//! | `zer_o` | partial identity; `2^{−(m−1)/2}·H_m` (Hadamard) where the dimension grows | Zhao et al. 2021 |
//! | `sparse` | exactly k non-zero N(0, std²) incoming weights per unit | Martens 2010 |
//! | `random_walk` | N(0, g²/N), g = e^{1/(2N)} (linear), √2·e^{1.2/(max(N,6)−2.4)} (ReLU) | Sussillo & Abbott 2014 |
//! | `critical` | W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²) | Poole et al. 2016; Schoenholz et al. 2017 |
//! | `lsuv` | orthogonal, then rescaled layer by layer to unit pre-activation variance on data | Mishkin & Matas 2015 |

mod bias;
mod branch;
mod catalogue;
mod draw;
mod label;
mod network;
mod orthogonal;
mod structured;
pub mod truncated;
mod variance;

use serde::{Deserialize, Serialize};

pub use bias::BiasScheme;
pub use branch::{fixup_scale, Branch, BranchStart};
pub use catalogue::{render as render_catalogue, SchemeInfo, CATALOGUE};
pub use network::NetworkInit;
pub use orthogonal::{householder_qr, orthogonal};
pub use structured::{identity, sparse, zer_o};

pub use variance::{random_walk_gain, WeightLaw};

use crate::activation::Activation;

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

/// The fan of Keras/JAX variance scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingMode {
    #[default]
    FanIn,
    FanOut,
    /// (fan_in + fan_out) / 2.
    FanAvg,
}

/// The distribution of Keras/JAX variance scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingDistribution {
    /// Keras/JAX truncated normal: the standard deviation holds after truncation at 2σ.
    #[default]
    TruncatedNormal,
    Normal,
    Uniform,
}

/// A weight initialization scheme, written in a config as a name (`"he_normal"`) or a table
/// with its parameters (`{ scheme = "normal", std = 0.01 }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum InitScheme {
    /// Every weight 0.
    Zeros {},
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
    Standard {},
    /// N(0, 1/fan_in) (LeCun et al. 1998).
    LecunNormal {},
    /// U(±√(3/fan_in)).
    LecunUniform {},
    /// N(0, g²·2/(fan_in+fan_out)) (Glorot & Bengio 2010).
    #[serde(alias = "glorot_normal")]
    XavierNormal {
        #[serde(default = "crate::defaults::gain")]
        gain: f64,
    },
    /// U(±g·√(6/(fan_in+fan_out))) (Glorot & Bengio 2010, eq. 16).
    #[serde(alias = "glorot_uniform")]
    XavierUniform {
        #[serde(default = "crate::defaults::gain")]
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
    /// Keras/JAX `VarianceScaling`: Var = scale/n.
    VarianceScaling {
        #[serde(default = "crate::defaults::scale")]
        scale: f64,
        #[serde(default)]
        mode: ScalingMode,
        #[serde(default)]
        distribution: ScalingDistribution,
    },
    /// PyTorch `trunc_normal_`: N(mean, std²) restricted to the absolute interval [a, b].
    TruncNormal {
        #[serde(default)]
        mean: f64,
        #[serde(default = "crate::defaults::std")]
        std: f64,
        #[serde(default = "crate::defaults::trunc_a")]
        a: f64,
        #[serde(default = "crate::defaults::trunc_b")]
        b: f64,
    },
    /// A Haar-distributed random orthogonal matrix (QR of a Gaussian matrix with the sign
    /// correction), times `gain` (Saxe et al. 2013).
    Orthogonal {
        #[serde(default = "crate::defaults::gain")]
        gain: f64,
    },
    /// `gain` on the main diagonal, 0 elsewhere (Le, Jaitly & Hinton 2015).
    #[serde(alias = "eye")]
    Identity {
        #[serde(default = "crate::defaults::gain")]
        gain: f64,
    },
    /// ZerO (Zhao et al. 2021): the partial identity, or a scaled Hadamard matrix where the
    /// layer grows the dimension; deterministic (see [`structured::zer_o`]).
    #[serde(rename = "zer_o")]
    ZerO {},
    /// Exactly `k` non-zero incoming weights per unit, from N(0, std²) (Martens 2010).
    Sparse {
        #[serde(default = "crate::defaults::sparse_k")]
        k: usize,
        #[serde(default = "crate::defaults::std")]
        std: f64,
    },
    /// N(0, g²/N) with Sussillo & Abbott's (2014) depth-stable gain for linear and ReLU
    /// networks, N = fan_in.
    RandomWalk {},
    /// W ~ N(0, σ_w²/fan_in) and, with the `default` bias, b ~ N(0, σ_b²): a point of the
    /// mean-field phase diagram (Poole et al. 2016; Schoenholz et al. 2017).
    Critical {
        sigma_w2: f64,
        #[serde(default)]
        sigma_b2: f64,
    },
    /// Layer-sequential unit variance (Mishkin & Matas 2015): orthogonal weights, then, layer
    /// by layer on a batch of `batch` training examples, `W ← W/√Var(z)` until
    /// |Var(z) − 1| < `tol` or `max_iter` rescalings.
    Lsuv {
        #[serde(default = "crate::defaults::lsuv_tol")]
        tol: f64,
        #[serde(default = "crate::defaults::lsuv_max_iter")]
        max_iter: usize,
        #[serde(default = "crate::defaults::lsuv_batch")]
        batch: usize,
    },
}

impl InitScheme {
    /// The scheme names a config accepts, in catalogue order.
    pub const NAMES: [&'static str; 20] = [
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
        "variance_scaling",
        "trunc_normal",
        "orthogonal",
        "identity",
        "zer_o",
        "sparse",
        "random_walk",
        "critical",
        "lsuv",
    ];

    /// Checks the parameters; the message names the scheme and the parameter.
    pub fn validate(&self) -> Result<(), String> {
        let fail = |param: &str, rule: &str, value: f64| {
            Err(format!(
                "init `{self}`: {param} must be {rule}, got {value}"
            ))
        };
        let finite = |param: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                fail(param, "finite", v)
            }
        };
        let positive = |param: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                fail(param, "a finite number > 0", v)
            }
        };
        let non_negative = |param: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                fail(param, "a finite number >= 0", v)
            }
        };
        match *self {
            InitScheme::Zeros {}
            | InitScheme::Standard {}
            | InitScheme::LecunNormal {}
            | InitScheme::LecunUniform {}
            | InitScheme::RandomWalk {}
            | InitScheme::ZerO {} => Ok(()),
            InitScheme::Constant { value } => finite("value", value),
            InitScheme::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low >= high {
                    return Err(format!(
                        "init `{self}`: low ({low}) must be below high ({high})"
                    ));
                }
                Ok(())
            }
            InitScheme::Normal { mean, std } => {
                finite("mean", mean)?;
                non_negative("std", std)
            }
            InitScheme::XavierNormal { gain }
            | InitScheme::XavierUniform { gain }
            | InitScheme::Orthogonal { gain }
            | InitScheme::Identity { gain } => positive("gain", gain),
            InitScheme::HeNormal { negative_slope, .. }
            | InitScheme::HeUniform { negative_slope, .. } => {
                finite("negative_slope", negative_slope)
            }
            InitScheme::VarianceScaling { scale, .. } => positive("scale", scale),
            InitScheme::TruncNormal { mean, std, a, b } => {
                finite("mean", mean)?;
                positive("std", std)?;
                finite("a", a)?;
                finite("b", b)?;
                if a >= b {
                    return Err(format!("init `{self}`: a ({a}) must be below b ({b})"));
                }
                if truncated::truncated_moments(mean, std, a, b).1.is_nan() {
                    return Err(format!("init `{self}`: [a, b] holds no probability mass"));
                }
                Ok(())
            }
            InitScheme::Sparse { k, std } => {
                if k == 0 {
                    return Err(format!("init `{self}`: k must be at least 1, got 0"));
                }
                positive("std", std)
            }
            InitScheme::Critical { sigma_w2, sigma_b2 } => {
                positive("sigma_w2", sigma_w2)?;
                non_negative("sigma_b2", sigma_b2)
            }
            InitScheme::Lsuv {
                tol,
                max_iter,
                batch,
            } => {
                positive("tol", tol)?;
                if max_iter == 0 {
                    return Err(format!("init `{self}`: max_iter must be at least 1, got 0"));
                }
                if batch < 2 {
                    return Err(format!(
                        "init `{self}`: batch must be at least 2, got {batch}"
                    ));
                }
                Ok(())
            }
        }
    }

    /// Checks that the scheme is defined for a network of this activation.
    pub fn validate_with(&self, activation: Activation) -> Result<(), String> {
        match (self, activation) {
            (InitScheme::RandomWalk {}, Activation::Linear | Activation::Relu) => Ok(()),
            (InitScheme::RandomWalk {}, other) => Err(format!(
                "init `random_walk` is defined for linear and relu networks (Sussillo & Abbott \
                 2014), not {other}"
            )),
            _ => Ok(()),
        }
    }

    /// The number of training examples a data-dependent scheme (LSUV) measures; `None` for
    /// the others.
    pub fn data_batch(&self) -> Option<usize> {
        match *self {
            InitScheme::Lsuv { batch, .. } => Some(batch),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
