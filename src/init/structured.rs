//! Structured schemes: the (partial) identity of Le, Jaitly & Hinton 2015 (IRNN) and the sparse
//! initialization of Martens 2010.

use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// `gain` on the main diagonal of a `[fan_in, fan_out]` matrix, 0 elsewhere (PyTorch `eye_`
/// for non-square shapes).
pub fn identity(fan_in: usize, fan_out: usize, gain: f64) -> Vec<f64> {
    let mut w = vec![0.0; fan_in * fan_out];
    for i in 0..fan_in.min(fan_out) {
        w[i * fan_out + i] = gain;
    }
    w
}

/// Martens 2010: each unit (column) gets exactly `min(k, fan_in)` non-zero incoming weights,
/// drawn from `N(0, std²)` at distinct, uniformly chosen inputs.
pub fn sparse(fan_in: usize, fan_out: usize, k: usize, std: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let k = k.min(fan_in);
    let mut w = vec![0.0; fan_in * fan_out];
    for j in 0..fan_out {
        for i in sample(rng, fan_in, k) {
            let z: f64 = StandardNormal.sample(rng);
            w[i * fan_out + j] = std * z;
        }
    }
    w
}
