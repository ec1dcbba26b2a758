//! Activation functions φ as data and scalar maths: their values and derivatives in f64, the
//! derivative that defines saturation, and their names in configs. Free of candle, so that
//! theory and data generation use it as freely as the networks do; the forward map on
//! tensors is [`crate::net::activation`].
//!
//! Saturation follows REFERENCE.md: an entry of layer `l` is saturated when
//! `|φ'(z)| < 0.05 · max|φ'|`. For tanh that is `|h| > sqrt(0.95) ≈ 0.975`; for the sigmoid
//! `h < 0.0127` or `h > 0.9873`; for ReLU `z <= 0`; a linear unit never saturates.
//!
//! Activations are written in configs as a name with an optional parameter in parentheses:
//! `"tanh"`, `"leaky_relu"` (slope 0.01, PyTorch's default), `"leaky_relu(0.2)"`, `"elu(0.5)"`.

use std::f64::consts::{FRAC_1_SQRT_2, PI, SQRT_2};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A fast form of the saturation rule of an activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SaturationTest {
    Never,
    /// Saturated when `|z| > t`.
    AbsAbove(f64),
    /// Saturated when `z <= t`.
    AtMost(f64),
    /// Saturated when `z < t`.
    Below(f64),
    /// No closed form: evaluate the derivative.
    Exact(Activation),
}

impl SaturationTest {
    #[inline]
    pub fn saturated(&self, z: f64) -> bool {
        match *self {
            SaturationTest::Never => false,
            SaturationTest::AbsAbove(t) => z.abs() > t,
            SaturationTest::AtMost(t) => z <= t,
            SaturationTest::Below(t) => z < t,
            SaturationTest::Exact(act) => act.is_saturated(z),
        }
    }
}

/// SELU's α and λ (Klambauer et al. 2017), as in PyTorch.
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;

/// The fraction of the maximum derivative under which a unit counts as saturated.
pub const SATURATION_THRESHOLD: f64 = 0.05;

/// An element-wise nonlinearity of the hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Activation {
    Linear,
    Tanh,
    Sigmoid,
    /// `x / (1 + |x|)` (Glorot & Bengio 2010).
    Softsign,
    Relu,
    /// `max(x, slope·x)`.
    LeakyRelu {
        slope: f64,
    },
    /// `x` for `x > 0`, `α(e^x − 1)` otherwise (Clevert et al. 2015).
    Elu {
        alpha: f64,
    },
    /// `λ·elu_α(x)` with the self-normalising constants.
    Selu,
    /// The exact GELU `x·Φ(x)` (Hendrycks & Gimpel 2016), PyTorch's default form.
    Gelu,
}

impl Activation {
    /// Every activation, with its default parameter, in the order `list` prints them.
    pub const ALL: [Activation; 9] = [
        Activation::Linear,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Softsign,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.01 },
        Activation::Elu { alpha: 1.0 },
        Activation::Selu,
        Activation::Gelu,
    ];

    /// φ(z) in f64.
    pub fn value(&self, z: f64) -> f64 {
        match *self {
            Activation::Linear => z,
            Activation::Tanh => z.tanh(),
            Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
            Activation::Softsign => z / (1.0 + z.abs()),
            Activation::Relu => z.max(0.0),
            Activation::LeakyRelu { slope } => {
                if z > 0.0 {
                    z
                } else {
                    slope * z
                }
            }
            Activation::Elu { alpha } => elu(z, alpha),
            Activation::Selu => SELU_LAMBDA * elu(z, SELU_ALPHA),
            Activation::Gelu => z * std_normal_cdf(z),
        }
    }

    /// φ'(z) in f64. At a kink (ReLU's 0) the left derivative is taken, so a ReLU unit with
    /// `z = 0` counts as saturated.
    pub fn derivative(&self, z: f64) -> f64 {
        match *self {
            Activation::Linear => 1.0,
            Activation::Tanh => {
                let t = z.tanh();
                1.0 - t * t
            }
            Activation::Sigmoid => {
                let s = 1.0 / (1.0 + (-z).exp());
                s * (1.0 - s)
            }
            Activation::Softsign => 1.0 / ((1.0 + z.abs()) * (1.0 + z.abs())),
            Activation::Relu => f64::from(u8::from(z > 0.0)),
            Activation::LeakyRelu { slope } => {
                if z > 0.0 {
                    1.0
                } else {
                    slope
                }
            }
            Activation::Elu { alpha } => {
                if z > 0.0 {
                    1.0
                } else {
                    alpha * z.exp()
                }
            }
            Activation::Selu => SELU_LAMBDA * if z > 0.0 { 1.0 } else { SELU_ALPHA * z.exp() },
            Activation::Gelu => std_normal_cdf(z) + z * std_normal_pdf(z),
        }
    }

    /// `max_z |φ'(z)|`, the reference of the saturation threshold.
    pub fn max_abs_derivative(&self) -> f64 {
        match *self {
            Activation::Linear | Activation::Tanh | Activation::Softsign | Activation::Relu => 1.0,
            Activation::Sigmoid => 0.25,
            Activation::LeakyRelu { slope } => slope.abs().max(1.0),
            Activation::Elu { alpha } => alpha.abs().max(1.0),
            Activation::Selu => SELU_LAMBDA * SELU_ALPHA,
            // d/dz φ'(z) = ϕ(z)(2 − z²) vanishes at ±√2; the maximum is at +√2 (≈ 1.1289).
            Activation::Gelu => self.derivative(SQRT_2),
        }
    }

    /// The saturated set as a cheap test on `z`, equivalent to [`Activation::is_saturated`]
    /// (checked on a grid in the tests): thresholds solved in closed form once, instead of a
    /// transcendental function per entry.
    pub fn saturation_test(&self) -> SaturationTest {
        let t = SATURATION_THRESHOLD;
        match *self {
            Activation::Linear => SaturationTest::Never,
            // 1 − tanh² < t  ⇔  |z| > atanh(√(1 − t)).
            Activation::Tanh => SaturationTest::AbsAbove((1.0 - t).sqrt().atanh()),
            // s(1 − s) < t/4  ⇔  |z| > 2·atanh(√(1 − t)).
            Activation::Sigmoid => SaturationTest::AbsAbove(2.0 * (1.0 - t).sqrt().atanh()),
            // (1 + |z|)⁻² < t  ⇔  |z| > 1/√t − 1.
            Activation::Softsign => SaturationTest::AbsAbove(1.0 / t.sqrt() - 1.0),
            Activation::Relu => SaturationTest::AtMost(0.0),
            Activation::LeakyRelu { slope } if slope.abs() < t * self.max_abs_derivative() => {
                SaturationTest::AtMost(0.0)
            }
            Activation::LeakyRelu { .. } => SaturationTest::Never,
            // α·e^z < t·max(1, α) for z ≤ 0 (1 ≥ t·max(1, α) on z > 0 for α ≤ 20).
            Activation::Elu { alpha } if alpha > 0.0 && alpha <= 1.0 / t => {
                SaturationTest::Below((t * self.max_abs_derivative() / alpha).ln().min(0.0))
            }
            // λα·e^z < t·λα for z ≤ 0.
            Activation::Selu => SaturationTest::Below(t.ln()),
            _ => SaturationTest::Exact(*self),
        }
    }

    /// Whether an entry with pre-activation `z` is saturated: `|φ'(z)| < 0.05 · max|φ'|`.
    pub fn is_saturated(&self, z: f64) -> bool {
        match self {
            Activation::Linear => false,
            _ => self.derivative(z).abs() < SATURATION_THRESHOLD * self.max_abs_derivative(),
        }
    }

    /// The saturation rule in words.
    pub fn saturation_rule(&self) -> &'static str {
        match self {
            Activation::Linear => "never",
            Activation::Tanh => "|h| > 0.975",
            Activation::Sigmoid => "h < 0.0127 or h > 0.9873",
            Activation::Softsign => "|z| > sqrt(20) - 1",
            Activation::Relu => "z <= 0",
            Activation::LeakyRelu { .. } => "z <= 0 if slope < 0.05, else never",
            Activation::Elu { .. } => "alpha*e^z < 0.05*max(1, alpha), z <= 0",
            Activation::Selu => "z < ln 0.05",
            Activation::Gelu => "z < -2.278 or -0.903 < z < -0.633 (around phi' = 0)",
        }
    }

    /// PyTorch's `calculate_gain`: linear and sigmoid 1, tanh 5/3, ReLU √2, leaky ReLU
    /// √(2/(1+a²)), SELU 3/4. Activations PyTorch has no gain for (softsign, ELU, GELU) get 1.
    pub fn gain(&self) -> f64 {
        match *self {
            Activation::Linear | Activation::Sigmoid => 1.0,
            Activation::Tanh => 5.0 / 3.0,
            Activation::Relu => SQRT_2,
            Activation::LeakyRelu { slope } => (2.0 / (1.0 + slope * slope)).sqrt(),
            Activation::Selu => 0.75,
            Activation::Softsign | Activation::Elu { .. } | Activation::Gelu => 1.0,
        }
    }
}

/// The activations as a plain-text table for `initlab list activations`.
pub fn render_catalogue() -> String {
    let mut out = String::from(
        "activation        gain    max|phi'|  saturated when |phi'(z)| < 0.05*max|phi'|\n",
    );
    for act in Activation::ALL {
        out.push_str(&format!(
            "{:<17} {:<7.4} {:<10.4} {}\n",
            act.to_string(),
            act.gain(),
            act.max_abs_derivative(),
            act.saturation_rule()
        ));
    }
    out.push_str("\nParameters are written in parentheses: leaky_relu(0.2), elu(0.5).\n");
    out
}

fn elu(z: f64, alpha: f64) -> f64 {
    if z > 0.0 {
        z
    } else {
        alpha * z.exp_m1()
    }
}

/// Φ(z), the standard normal distribution function.
pub fn std_normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + libm::erf(z * FRAC_1_SQRT_2))
}

/// ϕ(z), the standard normal density.
pub fn std_normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Linear => write!(f, "linear"),
            Activation::Tanh => write!(f, "tanh"),
            Activation::Sigmoid => write!(f, "sigmoid"),
            Activation::Softsign => write!(f, "softsign"),
            Activation::Relu => write!(f, "relu"),
            Activation::LeakyRelu { slope } => write!(f, "leaky_relu({slope})"),
            Activation::Elu { alpha } => write!(f, "elu({alpha})"),
            Activation::Selu => write!(f, "selu"),
            Activation::Gelu => write!(f, "gelu"),
        }
    }
}

impl FromStr for Activation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, param) = match s.split_once('(') {
            Some((name, rest)) => {
                let inner = rest.strip_suffix(')').ok_or_else(|| {
                    format!("activation `{s}`: a parameter is written `name(value)`")
                })?;
                let value: f64 = inner
                    .trim()
                    .parse()
                    .map_err(|_| format!("activation `{s}`: `{inner}` is not a number"))?;
                if !value.is_finite() {
                    return Err(format!("activation `{s}`: the parameter must be finite"));
                }
                (name.trim(), Some(value))
            }
            None => (s, None),
        };
        let no_param = |a: Activation| match param {
            None => Ok(a),
            Some(_) => Err(format!("activation `{name}` takes no parameter")),
        };
        match name {
            "linear" | "identity" => no_param(Activation::Linear),
            "tanh" => no_param(Activation::Tanh),
            "sigmoid" | "logistic" => no_param(Activation::Sigmoid),
            "softsign" => no_param(Activation::Softsign),
            "relu" => no_param(Activation::Relu),
            "leaky_relu" => Ok(Activation::LeakyRelu {
                slope: param.unwrap_or(0.01),
            }),
            "elu" => match param.unwrap_or(1.0) {
                alpha if alpha < 0.0 => Err(format!(
                    "activation `{s}`: ELU's alpha must be >= 0 (Clevert et al. 2016), got {alpha}"
                )),
                alpha => Ok(Activation::Elu { alpha }),
            },
            "selu" => no_param(Activation::Selu),
            "gelu" => no_param(Activation::Gelu),
            _ => Err(format!(
                "unknown activation `{name}`; known: linear, tanh, sigmoid, softsign, relu, \
                 leaky_relu(slope), elu(alpha), selu, gelu"
            )),
        }
    }
}

impl TryFrom<String> for Activation {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Activation> for String {
    fn from(a: Activation) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests;
