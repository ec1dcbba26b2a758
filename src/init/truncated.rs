//! Truncated normal draws, in the two semantics found in the wild (REFERENCE.md):
//!
//! - Keras/JAX `variance_scaling(distribution = "truncated_normal")`: the target standard
//!   deviation `s` holds *after* truncation. Draw `N(0, (s/0.87962566103423978)²)` and redraw
//!   values beyond two of those (pre-correction) standard deviations; 0.8796… is the standard
//!   deviation of a standard normal truncated to [−2, 2].
//! - PyTorch `trunc_normal_(mean, std, a, b)`: `N(mean, std²)` restricted to the *absolute*
//!   interval [a, b], with no variance correction, drawn by inverting the normal CDF.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::activation::{std_normal_cdf, std_normal_pdf};

/// Standard deviation of a standard normal truncated to [−2, 2].
pub const TRUNCATED_STD_AT_2: f64 = 0.879_625_661_034_239_8;

/// Keras/JAX semantics: `n` draws with standard deviation `std` after truncation at 2σ.
pub fn keras_truncated_normal(n: usize, std: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let pre = std / TRUNCATED_STD_AT_2;
    (0..n)
        .map(|_| loop {
            let z: f64 = StandardNormal.sample(rng);
            if z.abs() <= 2.0 {
                break pre * z;
            }
        })
        .collect()
}

/// PyTorch semantics: `n` draws of `N(mean, std²)` conditioned on [a, b], as
/// `torch.nn.init.trunc_normal_` computes them (uniform in CDF space, then `erfinv`).
pub fn torch_trunc_normal(
    n: usize,
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let lo = std_normal_cdf((a - mean) / std);
    let hi = std_normal_cdf((b - mean) / std);
    (0..n)
        .map(|_| {
            let u = 2.0 * lo - 1.0 + (2.0 * (hi - lo)) * rng.random::<f64>();
            let x = mean + std * std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(u);
            x.clamp(a, b)
        })
        .collect()
}

/// Mean and variance of `N(mean, std²)` truncated to [a, b].
pub fn truncated_moments(mean: f64, std: f64, a: f64, b: f64) -> (f64, f64) {
    let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
    let z = std_normal_cdf(beta) - std_normal_cdf(alpha);
    let (pa, pb) = (std_normal_pdf(alpha), std_normal_pdf(beta));
    let shift = (pa - pb) / z;
    let m = mean + std * shift;
    let v = std * std * (1.0 + (alpha * pa - beta * pb) / z - shift * shift);
    (m, v)
}
