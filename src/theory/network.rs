//! Mean-field predictions for the exact network of a run: layer by layer at its own widths
//! and schemes, starting from the data's measured input second moment. With `v_l = Var(W^l)`,
//! `n_l` units, biases of mean `μ_l` and variance `s_l²`, and `m^l = E[(h^l)²]`:
//!
//! - `Var(z^l) = v_l·n_{l−1}·m^{l−1} + s_l²` (the forward pass; `m^0` is measured);
//! - `m^l = E[φ(z)²]`, `Var(h^l) = m^l − E[φ(z)]²` for `z ~ N(μ_l, Var(z^l))`;
//! - `Var(δ^l) = v_{l+1}·n_{l+1}·Var(δ^{l+1})·E[φ'(z^l)²]` (the backward pass, from the
//!   measured gradient variance at the output layer).
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
/// the input's mean second moment per feature and the output layer's measured per-example
/// gradient variance; `None` when a layer's scheme has no mean-field description.
pub fn predict(
    sizes: &[usize],
    activation: Activation,
    init: &NetworkInit,
    input_m2: f64,
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
    let mut weights = Vec::with_capacity(layers);
    let mut forward = Vec::with_capacity(layers);
    let mut m2 = input_m2;
    for l in 0..layers {
        let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
        let scheme = init.scheme(l, layers);
        let v = scheme.zero_mean_variance(fan_in, fan_out, follows(l))?;
        let (mu, s2) = init.bias.moments(scheme, fan_in);
        let pre_var = v * fan_in as f64 * m2 + s2;
        let (m1, next_m2) = moments(follows(l), mu, pre_var);
        weights.push(v);
        forward.push((pre_var, next_m2 - m1 * m1, mu));
        m2 = next_m2;
    }
    let mut grad = vec![None; layers];
    let mut below = output_grad_var;
    for l in (0..layers - 1).rev() {
        let (pre_var, _, mu) = forward[l];
        let v_next = weights[l + 1] * sizes[l + 2] as f64;
        below = v_next * below * derivative_moment(activation, mu, pre_var);
        grad[l] = Some(below);
    }
    Some(
        forward
            .into_iter()
            .zip(grad)
            .map(|((pre_var, act_var, _), grad_var)| Prediction {
                pre_var,
                act_var,
                grad_var,
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
            1.0,
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
            1.3,
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
            1.0,
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
            1.0,
            1.0
        )
        .is_none());
    }
}
