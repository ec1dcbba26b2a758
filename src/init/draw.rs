//! Drawing weights and biases: one function turns a scheme, a layer shape and a seeded RNG
//! into row-major `[fan_in, fan_out]` weights. Every draw is made in f64 from an explicit
//! `ChaCha8Rng` (one stream per layer and purpose, `rng.rs`), so the same (scheme, shape,
//! seed) gives the same weights on every machine and thread count.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::variance::random_walk_gain;
use super::{
    identity, orthogonal, sparse, truncated, zer_o, InitScheme, NetworkInit, ScalingDistribution,
};
use crate::activation::Activation;
use crate::rng::{stream, Purpose};

impl InitScheme {
    /// Draws the weights of a `[fan_in, fan_out]` layer, row-major; `activation` is the
    /// nonlinearity that follows the layer (linear for the read-out).
    pub fn weights(
        &self,
        fan_in: usize,
        fan_out: usize,
        activation: Activation,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32> {
        let n = fan_in * fan_out;
        let var = self.variance(fan_in, fan_out, activation);
        let values: Vec<f64> = match *self {
            InitScheme::Zeros {} => vec![0.0; n],
            InitScheme::Constant { value } => vec![value; n],
            InitScheme::Uniform { low, high } => uniform(n, low, high, rng),
            InitScheme::Normal { mean, std } => normal(n, mean, std, rng),
            InitScheme::LecunNormal {}
            | InitScheme::XavierNormal { .. }
            | InitScheme::HeNormal { .. }
            | InitScheme::Critical { .. }
            | InitScheme::VarianceScaling {
                distribution: ScalingDistribution::Normal,
                ..
            } => normal(n, 0.0, var.sqrt(), rng),
            InitScheme::VarianceScaling {
                distribution: ScalingDistribution::TruncatedNormal,
                ..
            } => truncated::keras_truncated_normal(n, var.sqrt(), rng),
            InitScheme::TruncNormal { mean, std, a, b } => {
                truncated::torch_trunc_normal(n, mean, std, a, b, rng)
            }
            InitScheme::Standard {}
            | InitScheme::LecunUniform {}
            | InitScheme::XavierUniform { .. }
            | InitScheme::HeUniform { .. }
            | InitScheme::VarianceScaling {
                distribution: ScalingDistribution::Uniform,
                ..
            } => {
                // U(±a) has variance a²/3.
                let bound = (3.0 * var).sqrt();
                uniform(n, -bound, bound, rng)
            }
            InitScheme::Orthogonal { gain } => orthogonal(fan_in, fan_out, gain, rng),
            InitScheme::Lsuv { .. } => orthogonal(fan_in, fan_out, 1.0, rng),
            InitScheme::Identity { gain } => identity(fan_in, fan_out, gain),
            InitScheme::ZerO {} => zer_o(fan_in, fan_out),
            InitScheme::Sparse { k, std } => sparse(fan_in, fan_out, k, std, rng),
            InitScheme::RandomWalk {} => {
                let std = random_walk_gain(activation, fan_in) / (fan_in as f64).sqrt();
                normal(n, 0.0, std, rng)
            }
        };
        values.into_iter().map(|v| v as f32).collect()
    }
}

impl NetworkInit {
    /// Weights and biases for layer sizes `[input, hidden…, outputs]`; layer `l` draws from
    /// its own streams of `seed`. Data-dependent schemes (LSUV) are only at their starting
    /// point here; see `net::lsuv::apply`.
    pub fn draw(
        &self,
        sizes: &[usize],
        activation: Activation,
        seed: u64,
    ) -> Vec<(Vec<f32>, Vec<f32>)> {
        let layers = sizes.len() - 1;
        sizes
            .windows(2)
            .enumerate()
            .map(|(l, fans)| {
                let scheme = self.scheme(l, layers);
                let following = if l + 1 == layers {
                    Activation::Linear
                } else {
                    activation
                };
                let mut w_rng = stream(seed, Purpose::Weights(l + 1));
                let mut b_rng = stream(seed, Purpose::Biases(l + 1));
                (
                    scheme.weights(fans[0], fans[1], following, &mut w_rng),
                    self.bias.draw(scheme, fans[0], fans[1], &mut b_rng),
                )
            })
            .collect()
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
