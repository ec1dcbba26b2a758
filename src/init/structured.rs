//! Structured schemes: the (partial) identity of Le, Jaitly & Hinton 2015 (IRNN), ZerO's
//! deterministic identity and Hadamard matrices (Zhao et al. 2021) and the sparse
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

/// ZerO (Zhao, Schäfer & Anandkumar 2021, "ZerO Initialization: Initializing Neural Networks
/// with only Zeros and Ones", Algorithm 1), for `z = h·W` with `W` row-major
/// `[fan_in, fan_out]`: the partial identity where the layer keeps or shrinks the dimension,
/// and where it grows it (`fan_out > fan_in`) `c·H_m` cut to `[fan_in, fan_out]`, `H_m` the
/// Sylvester–Hadamard matrix of order `2^m`, `m = ⌈log₂ fan_out⌉`, `c = 2^{−(m−1)/2}`.
/// Entry `(i, j)` of `H_m` is `(−1)^{popcount(i & j)}`.
pub fn zer_o(fan_in: usize, fan_out: usize) -> Vec<f64> {
    if fan_out <= fan_in {
        return identity(fan_in, fan_out, 1.0);
    }
    let m = fan_out.next_power_of_two().trailing_zeros();
    let c = 2f64.powf(-(f64::from(m) - 1.0) / 2.0);
    let mut w = Vec::with_capacity(fan_in * fan_out);
    for i in 0..fan_in {
        for j in 0..fan_out {
            w.push(if (i & j).count_ones() % 2 == 0 { c } else { -c });
        }
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
