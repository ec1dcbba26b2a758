//! Mean-field predictions for the exact network of a run: layer by layer at its own widths
//! and schemes, starting from each probe example's measured input second moment. With
//! `v_l = Var(W^l)`, `n_l` units, biases of mean `μ_l` and variance `s_l²`, and, for one
//! input `x`, `m^l(x) = E[(h^l)²]`:
//!
//! - `q^l(x) = v_l·n_{l−1}·m^{l−1}(x) + s_l²` (the forward pass; `m^0(x) = ‖x‖²/n_0` is
//!   measured per example);
//! - `m^l(x) = E[φ(z)²]` for `z ~ N(μ_l, q^l(x))`;
//! - `Var(δ^l) = v_{l+1}·n_{l+1}·Var(δ^{l+1})·E[φ'(z^l)²]` (the backward pass, from the
//!   measured gradient variance at the output layer).
//!
//! Each input follows its own trajectory, exactly so at infinite width (Poole et al. 2016,
//! eq. 3); the statistics of a layer pool the probe examples, as `layers.csv` does: `pre_var`
//! is the mean of `q^l(x)`, `act_var` the mean of `m^l(x)` less the square of the mean of
//! `E[φ(z)]`, and the backward multipliers are averaged over the examples' trajectories.
//! Iterating one trajectory from the mean `m^0` instead would miss the spread of the inputs'
//! lengths: for tanh on the digits it overstates `Var(h^1)` by 11% (Jensen's inequality).
//!
//! Schemes whose weights are not zero-mean and independent (constant, identity, LSUV, a
//! shifted normal or uniform) have no prediction.

use super::{derivative_moment, moments};
use crate::activation::Activation;
use crate::init::NetworkInit;

/// The predicted statistics of one layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub pre_var: f64,
    pub act_var: f64,
    /// `None` for the output layer, where the backward pass starts from the measurement.
    pub grad_var: Option<f64>,
}

/// Predictions for every layer of a network of `sizes` (`[input, hidden…, outputs]`), given
/// each input's mean second moment per feature (`‖x‖²/n_0`, one per probe example) and the
/// output layer's measured per-example gradient variance; `None` when a layer's scheme has no
/// mean-field description.
pub fn predict(
    sizes: &[usize],
    activation: Activation,
    init: &NetworkInit,
    input_m2: &[f64],
    output_grad_var: f64,
) -> Option<Vec<Prediction>> {
    let layers = sizes.len() - 1;
    let follows = |l: usize| {
        if l + 1 == layers {
            Activation::Linear
        } else {
            activation
        }
    };
    // Per layer, v_l·fan_in (the forward gain), v_l·fan_out (the backward gain) and the bias
    // moments.
    let (mut forward, mut backward, mut biases) = (Vec::new(), Vec::new(), Vec::new());
    for l in 0..layers {
        let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
        let scheme = init.scheme(l, layers);
        let v = scheme.zero_mean_variance(fan_in, fan_out, follows(l))?;
        forward.push(v * fan_in as f64);
        backward.push(v * fan_out as f64);
        biases.push(init.bias.moments(scheme, fan_in));
    }
    let examples = input_m2.len().max(1) as f64;
    // Pooled over the examples: Σ q^l(x), Σ E[φ(z)], Σ E[φ(z)²], and the backward multiplier
    // of each layer, Σ Π_{k>l} v_k·fan_out_k·E[φ'(z^{k−1})²].
    let mut sum_q = vec![0.0; layers];
    let mut sum_m1 = vec![0.0; layers];
    let mut sum_m2 = vec![0.0; layers];
    let mut sum_chain = vec![0.0; layers];
    let mut q = vec![0.0; layers];
    for &m0 in input_m2 {
        let mut m2 = m0;
        for l in 0..layers {
            let (mu, s2) = biases[l];
            q[l] = forward[l] * m2 + s2;
            let (m1, next_m2) = moments(follows(l), mu, q[l]);
            sum_q[l] += q[l];
            sum_m1[l] += m1;
            sum_m2[l] += next_m2;
            m2 = next_m2;
        }
        let mut chain = 1.0;
        for l in (0..layers - 1).rev() {
            chain *= backward[l + 1] * derivative_moment(activation, biases[l].0, q[l]);
            sum_chain[l] += chain;
        }
    }
    Some(
        (0..layers)
            .map(|l| {
                let mean_m1 = sum_m1[l] / examples;
                Prediction {
                    pre_var: sum_q[l] / examples,
                    act_var: sum_m2[l] / examples - mean_m1 * mean_m1,
                    grad_var: (l + 1 < layers).then(|| output_grad_var * sum_chain[l] / examples),
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::{BiasScheme, InitScheme};

    fn init(hidden: InitScheme, bias: BiasScheme) -> NetworkInit {
        NetworkInit {
            hidden,
            output: None,
            bias,
        }
    }

    #[test]
    fn he_keeps_relu_networks_at_the_input_scale() {
        let he = InitScheme::HeNormal {
            mode: crate::init::FanMode::FanIn,
            negative_slope: 0.0,
        };
        let p = predict(
            &[100, 100, 100, 100, 10],
            Activation::Relu,
            &init(he, BiasScheme::Zeros {}),
            &[1.0],
            1.0,
        )
        .unwrap();
        // Layer 1 sees the raw input (m² = 1): Var(z¹) = 2; later layers see E[relu²] = 1.
        assert!((p[0].pre_var - 2.0).abs() < 1e-12);
        assert!((p[1].pre_var - 2.0).abs() < 1e-12);
        // Backward: each hidden layer multiplies by v·n·E[φ'²] = (2/100)·100·½ = 1, except
        // the read-out (He with the linear gain rule is still 2/fan_in): 2·10/100·½·1 = 0.1.
        let g = |l: usize| p[l].grad_var.unwrap();
        assert!((g(2) - 2.0 / 100.0 * 10.0 * 0.5).abs() < 1e-12);
        assert!((g(1) / g(2) - 1.0).abs() < 1e-12 && (g(0) / g(1) - 1.0).abs() < 1e-12);
        assert!(p[3].grad_var.is_none());
    }

    #[test]
    fn linear_lecun_preserves_and_constant_bias_shifts_the_mean() {
        let p = predict(
            &[50, 50, 50, 5],
            Activation::Linear,
            &init(InitScheme::LecunNormal {}, BiasScheme::Zeros {}),
            &[1.3],
            1.0,
        )
        .unwrap();
        assert!(p.iter().all(|p| (p.pre_var - 1.3).abs() < 1e-12));
        let p = predict(
            &[50, 50, 5],
            Activation::Relu,
            &init(
                InitScheme::LecunNormal {},
                BiasScheme::Constant { value: 0.1 },
            ),
            &[1.0],
            1.0,
        )
        .unwrap();
        assert!(
            (p[0].pre_var - 1.0).abs() < 1e-12,
            "a constant bias adds no variance"
        );
        assert!(predict(
            &[5, 5, 2],
            Activation::Tanh,
            &init(InitScheme::Identity { gain: 1.0 }, BiasScheme::Zeros {}),
            &[1.0],
            1.0
        )
        .is_none());
    }

    /// Each input follows its own trajectory and the layer statistics pool them: for tanh
    /// with zero bias (E[φ(z)] = 0) the pooled variance of two inputs is the mean of theirs,
    /// and differs from one trajectory started at their mean second moment.
    #[test]
    fn inputs_of_different_lengths_are_pooled_not_averaged_first() {
        let lecun = || init(InitScheme::LecunNormal {}, BiasScheme::Zeros {});
        let sizes = [64, 64, 64, 64, 10];
        let p = |m2: &[f64]| predict(&sizes, Activation::Tanh, &lecun(), m2, 1.0).unwrap();
        let (short, long, both, mean) = (p(&[0.2]), p(&[1.8]), p(&[0.2, 1.8]), p(&[1.0]));
        for l in 0..3 {
            let pooled = (short[l].act_var + long[l].act_var) / 2.0;
            assert!((both[l].act_var - pooled).abs() < 1e-12, "layer {l}");
            assert!((both[l].pre_var - (short[l].pre_var + long[l].pre_var) / 2.0).abs() < 1e-12);
            // E[tanh²] is concave in q: the mean input overstates the pooled variance.
            assert!(mean[l].act_var > both[l].act_var * 1.01, "layer {l}");
        }
    }
}
