//! Each scheme's weight variance as a number: the one owner of the rules that drawing
//! (`draw.rs`), the mean-field predictions (`theory::network`), `initlab theory` and the
//! charts use. With `n_in`, `n_out` the fans: LeCun `1/n_in`, Glorot `2g²/(n_in + n_out)`,
//! He `2/((1 + a²)·n)`, and so on (the table in `init/mod.rs` cites each).

use super::{truncated, FanMode, InitScheme, ScalingMode};
use crate::activation::Activation;

impl FanMode {
    pub(super) fn fan(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            FanMode::FanIn => fan_in as f64,
            FanMode::FanOut => fan_out as f64,
        }
    }
}

impl InitScheme {
    /// The variance of one weight entry under this scheme, for a `[fan_in, fan_out]` layer
    /// followed by `following` (only the random-walk gain depends on it). Orthogonal matrices
    /// have entries of variance `g²/max(fan_in, fan_out)`.
    pub fn variance(&self, fan_in: usize, fan_out: usize, following: Activation) -> f64 {
        let (fi, fo) = (fan_in as f64, fan_out as f64);
        match *self {
            InitScheme::Zeros {} | InitScheme::Constant { .. } => 0.0,
            InitScheme::Uniform { low, high } => (high - low).powi(2) / 12.0,
            InitScheme::Normal { std, .. } => std * std,
            InitScheme::Standard {} => 1.0 / (3.0 * fi),
            InitScheme::LecunNormal {} | InitScheme::LecunUniform {} => 1.0 / fi,
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
            InitScheme::VarianceScaling { scale, mode, .. } => scale / scaling_fan(mode, fi, fo),
            InitScheme::TruncNormal { mean, std, a, b } => {
                truncated::truncated_moments(mean, std, a, b).1
            }
            // Haar orthogonal matrices (and LSUV's starting point): entries of variance
            // gain²/max(fan_in, fan_out).
            InitScheme::Orthogonal { gain } => gain * gain / fi.max(fo),
            InitScheme::Lsuv { .. } => 1.0 / fi.max(fo),
            InitScheme::Identity { gain } => {
                let ones = fi.min(fo) / (fi * fo);
                gain * gain * (ones - ones * ones)
            }
            // ZerO: the identity's where the layer does not grow the dimension; elsewhere the
            // mean square of its ±c entries, c² = 2^{1−m}.
            InitScheme::ZerO {} if fan_out <= fan_in => {
                let ones = fo / (fi * fo);
                ones - ones * ones
            }
            InitScheme::ZerO {} => {
                2f64.powi(1 - fan_out.next_power_of_two().trailing_zeros() as i32)
            }
            InitScheme::Sparse { k, std } => std * std * (k as f64).min(fi) / fi,
            InitScheme::RandomWalk {} => random_walk_gain(following, fan_in).powi(2) / fi,
            InitScheme::Critical { sigma_w2, .. } => sigma_w2 / fi,
        }
    }

    /// `Var(W)` as mean-field theory needs it: the variance of zero-mean, independent entries;
    /// `None` for schemes whose entries are not (constant, identity, LSUV after rescaling, a
    /// shifted normal or uniform, an asymmetric truncation).
    pub fn zero_mean_variance(
        &self,
        fan_in: usize,
        fan_out: usize,
        following: Activation,
    ) -> Option<f64> {
        match *self {
            InitScheme::Constant { .. }
            | InitScheme::Identity { .. }
            | InitScheme::ZerO {}
            | InitScheme::Lsuv { .. } => None,
            InitScheme::Normal { mean, .. } if mean != 0.0 => None,
            InitScheme::Uniform { low, high } if low != -high => None,
            InitScheme::TruncNormal { mean, a, b, .. } if mean != 0.0 || a != -b => None,
            _ => Some(self.variance(fan_in, fan_out, following)),
        }
    }
}

/// How a scheme draws a weight matrix, as random-matrix theory needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeightLaw {
    /// Independent, identically distributed zero-mean entries of this variance: `WᵀW`'s
    /// spectrum follows the Marchenko–Pastur law.
    Iid(f64),
    /// A Haar orthogonal matrix times `gain`: every singular value is `gain`.
    Orthogonal { gain: f64 },
    /// Anything else (constant, identity, sparse, LSUV, a shifted distribution).
    Other,
}

impl InitScheme {
    /// The law this scheme draws a `[fan_in, fan_out]` matrix from, followed by `following`.
    pub fn weight_law(&self, fan_in: usize, fan_out: usize, following: Activation) -> WeightLaw {
        match *self {
            InitScheme::Orthogonal { gain } => WeightLaw::Orthogonal { gain },
            InitScheme::Sparse { .. } => WeightLaw::Other,
            _ => self
                .zero_mean_variance(fan_in, fan_out, following)
                .map_or(WeightLaw::Other, WeightLaw::Iid),
        }
    }
}

fn scaling_fan(mode: ScalingMode, fan_in: f64, fan_out: f64) -> f64 {
    match mode {
        ScalingMode::FanIn => fan_in,
        ScalingMode::FanOut => fan_out,
        ScalingMode::FanAvg => (fan_in + fan_out) / 2.0,
    }
}

/// Sussillo & Abbott's (2014) gain for a layer of `n` inputs: `e^{1/(2N)}` for linear
/// networks, `√2·e^{1.2/(max(N, 6) − 2.4)}` for ReLU networks.
pub fn random_walk_gain(activation: Activation, n: usize) -> f64 {
    let n = n as f64;
    match activation {
        Activation::Relu => std::f64::consts::SQRT_2 * (1.2 / (n.max(6.0) - 2.4)).exp(),
        _ => (1.0 / (2.0 * n)).exp(),
    }
}
